"""Workshop participants: `panel serve dashboards/participant.py`, then open /participant?code=…"""

import panel as pn

from igviz.views.base import without_webgl_bundle
from igviz.pages.participant import ParticipantPage

pn.extension(sizing_mode="stretch_width")
without_webgl_bundle()  # no chart here draws with WebGL

ParticipantPage().servable(title="igviz workshop")
