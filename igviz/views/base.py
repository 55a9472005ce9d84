"""What every chart view shares: the assessment it shows, a redraw that waits for moves to pause,
and a Bokeh figure in igviz's style."""

from __future__ import annotations

import panel as pn
import param

from ..model import Assessment
from .style import Later


class ChartView(pn.viewable.Viewer):
    """A view of an `Assessment` with a chart redrawn on demand.

    Param cannot follow dependencies on the assessment's nested parameters into a chart, so a
    view's watchers call `redraw_later()` and one event, `_redraw`, stands in for all of them:
    the view's `_draw`, which replaces its Bokeh figure's data, listens to it. Each view keeps
    that figure in a pane, `_pane`.
    """

    assessment = param.ClassSelector(class_=Assessment)
    _redraw = param.Event(precedence=-1)

    def __init__(self, **params):
        super().__init__(**params)
        self.redraw_later = Later(lambda: self.param.trigger("_redraw"))

    @property
    def chart(self) -> pn.pane.Bokeh:
        """The view's chart alone, without its controls (as the saved report shows it)."""
        return self._pane


def without_webgl_bundle() -> None:
    """Served pages stop loading Bokeh's WebGL bundle (190 KiB of JavaScript to fetch and parse on
    every first visit): no igviz chart draws with WebGL (`figure` keeps Bokeh's canvas default).

    Call it from a served app's script. Bokeh picks the bundles a served page loads from
    `Resources._default_components`, a private class attribute: neither Bokeh nor Panel offers a
    public option for a served app, and `Resources(components=...)` is built by the server itself.
    The change holds for the whole server process (every page it serves), which is why each
    dashboard calls it; Bokeh drops the bundle this way for standalone files that use no WebGL.
    """
    from bokeh.resources import Resources

    if "bokeh-gl" in Resources._default_components:
        Resources._default_components = [c for c in Resources._default_components if c != "bokeh-gl"]


def figure(title: str = "", height: int | None = 360, grid: bool = True, toolbar_location=None,
           sizing_mode: str = "stretch_width", tools: str | None = None, **params):
    """A Bokeh figure styled like the HoloViews charts beside it (fonts, borders, no toolbar).

    Views that redraw on every weight move draw straight into Bokeh: they build the figure once
    and then only replace its data, where HoloViews rebuilt every element and its plot on each
    redraw (tens of milliseconds per chart, a whole overlay per proposal).

    Without a toolbar only the tools that are active from the start can ever be used: dragging
    pans (Bokeh activates the first drag tool), and whatever `active_scroll` names. The others
    (box zoom, save, reset, help) are left out: a box zoom alone brought ten models per chart
    into the page, for nothing anyone could reach.
    """
    from bokeh.plotting import figure as bokeh_figure

    if tools is None:
        tools = "pan,wheel_zoom,box_zoom,save,reset,help" if toolbar_location else "pan"
    fig = bokeh_figure(tools=tools, title=title, height=height, sizing_mode=sizing_mode, toolbar_location=toolbar_location,
                       min_border=5, min_border_left=10, min_border_right=10, min_border_top=10,
                       min_border_bottom=10, outline_line_color="#e5e5e5", **params)
    fig.title.text_font_size, fig.title.text_color = "13px", "#444444"
    for axis in fig.axis:
        axis.axis_label_text_font_size, axis.axis_label_text_font_style = "13px", "italic"
        axis.major_label_text_font_size, axis.major_label_text_color = "11px", "#444444"
        axis.axis_label_standoff = 5
    if grid:
        for g in fig.grid:
            g.grid_line_color = "#e5e5e5"
    else:
        without_grid(fig)
    return fig


def without_grid(fig, dimension: int | None = None) -> None:
    """Take a figure's grid lines (or only those across `dimension`) out of it, rather than make
    them invisible: every model costs the server and the page time to build, even unseen."""
    from bokeh.models import Grid

    fig.center = [c for c in fig.center if not (isinstance(c, Grid) and dimension in (None, c.dimension))]


def lean(fig):
    """Drop the glyphs a figure can never show, and return it.

    Bokeh gives every renderer a glyph for when other rows are selected and one for when its
    legend entry is muted. Here only a tap selects (and it selects its source's rows for every
    renderer drawing that source), and only an interactive legend mutes; other renderers go
    without (Bokeh makes a default one in the page, should it ever be needed): a third of
    each chart's models, built, sent and decoded for nothing.
    """
    from bokeh.models import GlyphRenderer, Legend, TapTool

    renderers = [r for r in fig.renderers if isinstance(r, GlyphRenderer)]
    tapped = set()
    for tool in fig.tools:
        if isinstance(tool, TapTool):
            targets = renderers if tool.renderers == "auto" else tool.renderers
            tapped.update(id(r.data_source) for r in targets)
    legends = [x for side in (fig.center, fig.left, fig.right, fig.above, fig.below) for x in side if isinstance(x, Legend)]
    mutable = {id(r) for legend in legends if legend.click_policy == "mute"
               for item in legend.items for r in item.renderers}
    for r in renderers:
        if id(r.data_source) not in tapped:
            r.nonselection_glyph = "auto"
        if id(r) not in mutable:
            r.muted_glyph = "auto"
    return fig


def legend_on_right(fig) -> None:
    """Move the figure's legend (made by a glyph's `legend_field`) beside the plot, where it never
    covers the data; a click on an entry mutes that series."""
    legend = fig.legend[0]
    legend.label_text_font_size, legend.click_policy = "13px", "mute"
    fig.add_layout(legend, "right")


def padded(low: float, high: float, padding: float = 0.1) -> tuple[float, float]:
    """An axis range around the data with HoloViews' default 10 % padding."""
    span = (high - low) or 1.0
    return low - padding * span, high + padding * span
