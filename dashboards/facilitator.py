"""Workshop facilitators, for `panel serve dashboards/facilitator.py` users; `igviz serve` serves every page
without this file. Open /facilitator to create a workshop."""

from igviz.pages.server import TITLES, facilitator_page

facilitator_page().servable(title=TITLES["facilitator"])
