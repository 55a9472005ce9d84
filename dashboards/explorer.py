"""The explorer dashboard: `panel serve dashboards/explorer.py` (or `scripts/serve`)."""

import panel as pn

from igviz.views import Explorer

pn.extension(sizing_mode="stretch_width")

Explorer().servable(title="igviz explorer")
