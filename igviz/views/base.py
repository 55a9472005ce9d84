"""What every chart view shares: the assessment it shows, and a redraw that waits for moves to pause."""

from __future__ import annotations

import holoviews as hv
import panel as pn
import param

from ..model import Assessment
from .style import Later


class ChartView(pn.viewable.Viewer):
    """A view of an `Assessment` with a HoloViews chart redrawn on demand.

    HoloViews cannot follow dependencies on the assessment's nested parameters, so a view's
    watchers call `redraw_later()` and one event stands in for all of them.
    """

    assessment = param.ClassSelector(class_=Assessment)
    _redraw = param.Event(precedence=-1)

    def __init__(self, **params):
        super().__init__(**params)
        self.redraw_later = Later(lambda: self.param.trigger("_redraw"))

    def dynamic(self, callback) -> hv.DynamicMap:
        """A DynamicMap of `callback`, drawn again whenever the view asks for a redraw."""
        return hv.DynamicMap(callback, streams=[hv.streams.Params(self, ["_redraw"])])
