"""Workshop facilitators: `panel serve dashboards/facilitator.py`; open /facilitator to create a workshop."""

import panel as pn

from igviz.views.facilitator import FacilitatorPage

pn.extension(sizing_mode="stretch_width")

FacilitatorPage().servable(title="igviz facilitator")
