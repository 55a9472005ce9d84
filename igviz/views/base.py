"""What every chart view shares: the assessment it shows, the changes it follows, a redraw that
waits for moves to pause, and a Bokeh figure in igviz's style."""

from __future__ import annotations

import weakref
from functools import partial
from typing import ClassVar

import panel as pn
import param

from ..model import Assessment

_NOT_DRAWN = object()


class ChartView(pn.viewable.Viewer):
    """A view of an `Assessment`: a Bokeh chart, and text beside it, that follow the assessment.

    A view follows the assessment's published result and its selection (`follows`), and its own
    parameters named in `own`; nothing else. The model keeps `result` current for every input
    (weights, framework, method and its settings, thresholds, stance, scores), so a view never
    lists those inputs itself.

    Each view only says how it draws:
    - `_draw()` puts the current state into its figure (built once, kept in the pane `_pane`);
    - `_update_text()` (optional) refreshes the cheap text parts (a table, a summary line);
    - `_shows()` (optional) returns what the chart shows when that can stay the same across a
      change (the score matrix shows the order, not the scores behind it); None redraws always.

    Scheduling lives here, once: on a change the ranking's text is updated at once (it is what a
    change is for, and the one read aloud), every other view's text just after it (`Soon`), and the
    chart redraws wait until the session has been quiet for a moment, one chart per turn (see
    `Later`). Outside a server (a notebook, a test, a saved report) everything is drawn at once.
    """

    assessment = param.ClassSelector(class_=Assessment)

    follows: ClassVar[tuple[str, ...]] = ("result", "selected")
    own: ClassVar[tuple[str, ...]] = ()
    # The ranking's text goes out in the update itself; every other view's text just after (`Soon`).
    text_first: ClassVar[bool] = False

    def __init__(self, **params):
        super().__init__(**params)
        self._drawn = _NOT_DRAWN
        self._redraw_later = Later(self._redraw)
        self._text_soon = Soon(self._text_changed)
        # Plain watchers on the assessment itself, which a view never replaces: one each, for
        # the life of the view, however often the model replaces its own sub-objects.
        self.assessment.param.watch(self._changed, list(self.follows))
        if self.own:
            self.param.watch(self._changed, list(self.own))

    def _draw(self) -> None:
        raise NotImplementedError

    def _update_text(self) -> None:
        pass

    def _shows(self):
        return None

    def _changed(self, *events) -> None:
        if self.text_first:
            self._text_changed()
        else:
            self._text_soon()

    def _text_changed(self) -> None:
        self._update_text()
        shows = self._shows()
        if shows is None or shows != self._drawn:
            self._redraw_later()

    def _redraw(self) -> None:
        self._drawn = self._shows()
        self._draw()
        pn.io.push_notebook(self._pane)

    def draw_now(self) -> None:
        """Text and chart at once: a view calls it when built, so the page opens with it drawn."""
        self._update_text()
        self._redraw()

    @property
    def chart(self) -> pn.pane.Bokeh:
        """The view's chart alone, without its controls (as the saved report shows it)."""
        return self._pane


class Soon:
    """Run a callback on the server's next turn (or at once outside a server); calls before it runs are one call.

    Panel sends what a change from the browser altered only once the whole change has been handled.
    Everything a change sets off in one turn therefore reached the browser together: an option
    change in the designer, or a weight move, showed its new ranking only after every view's text
    (the trade-off summary, SMAA's table, the detail, the evidence shares) had been rebuilt, most
    of the time from a change to the new ranking. Put off to the next turn, those follow the
    ranking by a few milliseconds instead of holding it up. Events are dropped: the callback reads
    the current state when it runs.
    """

    # While the change's own messages wait for the websocket (see `_writes_pending`), look again this often, this many times.
    WAIT_MS, WAITS = 5, 40

    def __init__(self, callback):
        self.callback = callback
        self._waiting = False

    def __call__(self, *events) -> None:
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            self.callback()
            return
        if self._waiting:
            return
        self._waiting = True
        doc.add_next_tick_callback(partial(self._run, doc, 0))

    def _run(self, doc, waited: int) -> None:
        if waited < self.WAITS and _writes_pending(doc):
            doc.add_timeout_callback(partial(self._run, doc, waited + 1), self.WAIT_MS)
            return
        self._waiting = False
        self.callback()


def _writes_pending(doc) -> bool:
    """Whether Panel still holds messages for this session that it could not yet write to the websocket.

    While Bokeh answers the browser's change (its OK, written in three awaited parts under the
    socket's write lock), Panel keeps the change's own messages and retries every 10 ms; a callback
    run meanwhile kept the new ranking from the browser for as long as it ran. Panel has no public
    way to ask, hence its module's two private tables (a missing one counts as nothing pending).
    """
    try:
        from panel.io import document as panel_document

        return doc in panel_document._WRITE_BLOCK or doc in panel_document._WRITE_MSGS
    except (ImportError, AttributeError, TypeError):
        return False


class Later:
    """Run a callback once the session has been quiet for `ms` milliseconds (or at once outside a server).

    A weight move first sends the cheap text updates (the ranking table, the rank line); chart
    redraws come after, and a newer move replaces a redraw still waiting, so a run of quick moves
    costs one redraw per chart, not one per move. The server is then free to answer the next
    move straight away instead of working through a queue of stale charts.
    """

    def __init__(self, callback, ms: int = 120):
        self.callback, self.ms = callback, ms

    def __call__(self) -> None:
        doc = pn.state.curdoc
        if doc is None or doc.session_context is None:
            self.callback()
            return
        _Turns.of(doc).add(self)


class _Turns:
    """A session's waiting `Later` callbacks, run one per turn once the session is quiet.

    Run back to back, the redraws after one move held the server for 300 ms and more, and a key
    press arriving meanwhile waited for all of them. Run one at a time with a short gap, the next
    move's update (Panel schedules it as a zero-delay timeout) goes ahead of the remaining redraws,
    and resets the wait for them.
    """

    GAP_MS = 5
    _sessions: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()

    @classmethod
    def of(cls, doc) -> "_Turns":
        turns = cls._sessions.get(doc)
        if turns is None:
            turns = cls._sessions[doc] = cls(doc)
        return turns

    def __init__(self, doc):
        self._doc = weakref.ref(doc)
        self._waiting: dict[Later, None] = {}  # insertion-ordered: views redraw in the order they asked
        self._handle = None

    def add(self, later: Later) -> None:
        self._waiting.setdefault(later, None)
        self._schedule(later.ms)

    def _schedule(self, ms: int) -> None:
        doc = self._doc()
        if doc is None:
            return
        if self._handle is not None:
            try:
                doc.remove_timeout_callback(self._handle)
            except ValueError:
                pass  # it has just run
        self._handle = doc.add_timeout_callback(self._run_one, ms)

    def _run_one(self) -> None:
        self._handle = None
        if not self._waiting:
            return
        later = next(iter(self._waiting))
        del self._waiting[later]
        try:
            later.callback()
        finally:
            if self._waiting and self._handle is None:
                self._schedule(self.GAP_MS)


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
    """A Bokeh figure in igviz's style (fonts, borders, no toolbar).

    Views build their figure once and a redraw only replaces its sources' data: rebuilding the
    figure and its glyphs on every weight move cost tens of milliseconds per chart.

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
    """An axis range around the data, with `padding` (a share of the data's span) on each side."""
    span = (high - low) or 1.0
    return low - padding * span, high + padding * span
