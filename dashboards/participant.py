"""Workshop participants, for `panel serve dashboards/participant.py` users; `igviz serve` serves every page
without this file. Open /participant?code=…"""

from igviz.pages.server import TITLES, participant_page

participant_page().servable(title=TITLES["participant"])
