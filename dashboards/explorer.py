"""The explorer dashboard: `panel serve dashboards/explorer.py` (or `scripts/serve`)."""

import panel as pn

from igviz.views.base import without_webgl_bundle
from igviz.pages import Explorer

pn.extension(sizing_mode="stretch_width")
without_webgl_bundle()  # no chart here draws with WebGL

Explorer().servable(title="igviz explorer")
