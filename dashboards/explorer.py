"""The explorer for `panel serve dashboards/explorer.py` users; `igviz serve` serves every page without this file.

The data it shows: IGVIZ_DATA (data folders, separated by `:`), else the bundled data.
"""

from igviz.pages.server import TITLES, explorer_page

explorer_page().servable(title=TITLES["explorer"])
