"""Workshop participants: `panel serve dashboards/participant.py`, then open /participant?code=…"""

import panel as pn

from igviz.views.participant import ParticipantPage

pn.extension(sizing_mode="stretch_width")

ParticipantPage().servable(title="igviz workshop")
