"""Workshop facilitators: `panel serve dashboards/facilitator.py`; open /facilitator to create a workshop."""

import panel as pn

from igviz.views.base import without_webgl_bundle
from igviz.pages.facilitator import FacilitatorPage

pn.extension(sizing_mode="stretch_width")
without_webgl_bundle()  # no chart here draws with WebGL

FacilitatorPage().servable(title="igviz facilitator")
