"""A radar chart, drawn straight into Bokeh (which has no radar chart of its own): `RadarView`
shows an assessment's proposals, `radar_chart` any scores (e.g. in a notebook); both draw the
figure `radar_figure` builds from the layers `radar_data` computes.

Criteria are spokes at equal angles, clockwise from the top; each proposal is a polygon
through its scores, with its plausible range (low to high) as a shaded band.
"""

from __future__ import annotations

import numpy as np
import panel as pn
from bokeh.models import ColumnDataSource, HoverTool

from .base import ChartView, Soon, figure, lean

from ..datatext import localised, proposal_text, shown_score
from .language import _, current_language
from .evidence import MARKS, evidence_kind, evidence_label, legend_html, rated_note
from .style import PROPOSAL_COLOURS, html_pane, text


def _angles(n: int) -> np.ndarray:
    return np.pi / 2 - 2 * np.pi * np.arange(n) / n


def _xy(values, angles):
    values = np.asarray(values, dtype=float)
    return values * np.cos(angles), values * np.sin(angles)


def _wrapped(label: str, width: int = 14) -> str:
    """A long criterion name on two lines, split at the space nearest its middle: at one line,
    "Meaningful participation" (or most French names) ran off the chart's edge, and on a phone
    the name at the top ran into its neighbours."""
    if len(label) <= width or " " not in label:
        return label
    middle = len(label) / 2
    cut = min((i for i, ch in enumerate(label) if ch == " "), key=lambda i: abs(i - middle))
    return label[:cut] + "\n" + label[cut + 1:]


def _spoke_labels(labels: list[str], angles: np.ndarray, scale_max: float) -> dict[str, list]:
    """The criteria's names placed at the ends of their spokes: x, y, text, align, baseline.

    Each name grows away from the rings: beside the side spokes outwards from its anchor, above
    the top spoke and below the bottom one, so a name on two lines never covers a ring.
    """
    x, y = _xy(np.full(len(labels), scale_max * 1.16), angles)
    align = ["center" if abs(v) < 1e-6 else "left" if v > 0 else "right" for v in x]
    baseline = ["middle" if side != "center" else "bottom" if v > 0 else "top" for side, v in zip(align, y)]
    y = np.where([b == "bottom" for b in baseline], scale_max * 1.06,
                 np.where([b == "top" for b in baseline], -scale_max * 1.06, y))
    return {"x": x, "y": y, "text": [_wrapped(label) for label in labels], "align": align, "baseline": baseline}


# The plot's limits: room for the names around the rings. The aspect matches the limits so the
# rings stay round at any width, from a phone to a projector.
X_LIMIT, Y_LIMIT = 2.2, 1.55   # × the scale's maximum


def radar_data(labels: list[str], series: list[dict], scale_max: float = 10, rings: int = 5) -> dict[str, dict]:
    """The columns of each layer of the radar, for the Bokeh sources of `radar_figure`:
    grid (the rings and the spokes, as lines), labels (the rings' and the criteria's), bands,
    outlines and points."""
    n = len(labels)
    angles = _angles(n)
    circle = np.linspace(0, 2 * np.pi, 121)
    ring_values = np.linspace(scale_max / rings, scale_max, rings)
    sx, sy = _xy(np.full(n, scale_max), angles)
    names = _spoke_labels(labels, angles, scale_max)
    shown = [s for s in series if s is not None]
    out = {
        "grid": {"xs": [r * np.cos(circle) for r in ring_values] + [np.array([0.0, x]) for x in sx],
                 "ys": [r * np.sin(circle) for r in ring_values] + [np.array([0.0, y]) for y in sy]},
        # The rings' values just above each ring, small and grey, beside the top spoke rather than
        # on it (where the top criterion's name would meet them); the criteria's names at the ends
        # of the spokes.
        "labels": {"x": np.r_[np.full(rings, 0.04 * scale_max), names["x"]], "y": np.r_[ring_values + 0.25, names["y"]],
                   "text": [f"{v:g}" for v in ring_values] + names["text"],
                   "align": ["left"] * rings + names["align"], "baseline": ["middle"] * rings + names["baseline"],
                   "colour": ["#777777"] * rings + ["#222222"] * n, "size": ["9pt"] * rings + ["10pt"] * n},
        "bands": {"xs": [], "ys": [], "proposal": [], "colour": []},
        "outlines": {"xs": [], "ys": [], "proposal": [], "colour": [], "width": []},
        "points": {k: [] for k in ("x", "y", "criterion", "score", "low", "high", "proposal", "colour", "evidence",
                                   "marker", "alpha")},
    }
    for s in shown:
        hx, hy = _xy(s["high"], angles)
        lo_x, lo_y = _xy(s["low"], angles)
        # One polygon per series: the high outline with the low outline as its hole.
        out["bands"]["xs"].append([[hx, lo_x]])
        out["bands"]["ys"].append([[hy, lo_y]])
        x, y = _xy(s["score"], angles)
        out["outlines"]["xs"].append(np.r_[x, x[:1]])
        out["outlines"]["ys"].append(np.r_[y, y[:1]])
        out["outlines"]["width"].append(s.get("line_width", 2.5))
        for layer in ("bands", "outlines"):
            out[layer]["proposal"].append(s["name"])
            out[layer]["colour"].append(s["colour"])
        p = out["points"]
        # Each point says whose judgement it is: filled where the sources state it, half where
        # it is inferred, hollow where they are silent, a diamond where it is derived.
        kinds = s.get("evidence") or ["stated"] * n
        for key, values in (("x", x), ("y", y), ("criterion", labels), ("score", s["score"]), ("low", s["low"]),
                            ("high", s["high"]), ("proposal", [s["name"]] * n), ("colour", [s["colour"]] * n),
                            ("evidence", s.get("evidence_labels") or [""] * n),
                            ("marker", [POINT_MARKERS.get(k, "circle") for k in kinds]),
                            ("alpha", [POINT_FILL.get(k, 1.0) for k in kinds])):
            p[key].extend(values)
    return out


# A rated score (people's ratings: igviz/perspective.py) is a square, as its mark ■ in the matrix.
POINT_MARKERS = {"stated": "circle", "inferred": "circle", "silent": "circle", "derived": "diamond", "rated": "square"}
POINT_FILL = {"stated": 1.0, "inferred": 0.35, "silent": 0.0, "derived": 1.0, "rated": 1.0}


def radar_figure(scale_max: float = 10):
    """An empty radar: a Bokeh figure with one glyph per layer for all series, and the layers'
    sources by name (as `radar_data` fills them). A redraw replaces the sources' data only."""
    xlim, ylim = scale_max * X_LIMIT, scale_max * Y_LIMIT
    fig = figure("", height=None, x_range=(-xlim, xlim), y_range=(-ylim, ylim), grid=False,
                 x_axis_type=None, y_axis_type=None, aspect_ratio=xlim / ylim,
                 tools="pan,wheel_zoom", active_scroll="wheel_zoom")  # drag pans, the wheel zooms
    sources = {k: ColumnDataSource(v) for k, v in radar_data([], [], scale_max).items()}
    fig.multi_line("xs", "ys", source=sources["grid"], line_color="#cccccc", line_width=1)
    fig.text("x", "y", text="text", source=sources["labels"], text_color="colour", text_font_size="size",
             text_align="align", text_baseline="baseline")
    fig.multi_polygons("xs", "ys", source=sources["bands"], fill_color="colour", fill_alpha=0.15, line_alpha=0)
    fig.multi_line("xs", "ys", source=sources["outlines"], line_color="colour", line_width="width")
    points = fig.scatter("x", "y", source=sources["points"], size=9, marker="marker", fill_color="colour",
                         fill_alpha="alpha", line_color="colour", line_width=1.5)
    fig.add_tools(HoverTool(renderers=[points], tooltips=[
        (_("Proposal"), "@proposal"), (_("Criterion"), "@criterion"),
        (_("Score"), "@score{0.0} (" + _("range") + " @low{0.0}–@high{0.0}, @evidence)")]))
    return lean(fig), sources


def radar_chart(labels: list[str], series: list[dict], scale_max: float = 10, rings: int = 5):
    """A radar of any scores, as a Bokeh figure (the one `RadarView` draws): rings, spokes, the
    criteria's names and, per series, a polygon through its scores with its range band.

    Each series is {"name", "score", "low", "high", "colour"} with one value per label (and
    optionally "line_width"), or None for an empty slot. Show it with `bokeh.plotting.show` or
    `pn.pane.Bokeh`; an assessment's proposals are simpler shown with `RadarView`.
    """
    fig, sources = radar_figure(scale_max)
    for key, data in radar_data(labels, series, scale_max, rings).items():
        sources[key].data = data
    return fig


class RadarView(ChartView):
    """The selected proposal and those chosen for comparison, on the active framework's criteria."""

    follows = ("result", "selected", "compared")

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._compare = pn.widgets.MultiChoice.from_param(
            a.param.compared, label=_("Compare with"), description=_("Proposals overlaid on the radar chart"),
            options=self._options(), sizing_mode="stretch_width", max_items=self.MAX_SERIES - 1)
        # A design added or removed (igviz.design) is one more or one less to compare; just after the
        # ranking's update, not in it (views.base.Soon).
        a.param.watch(Soon(lambda: self._compare.param.update(options=self._options())), ["proposals"])
        self._figure = self._build_figure()
        self._figure.margin = (5, 10)
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width")
        self._table_pane = html_pane("", sizing_mode="stretch_width")
        self._legend_pane = html_pane("", sizing_mode="stretch_width", margin=(0, 10))
        self._tabled = None
        self.draw_now()

    def _options(self) -> dict:
        a = self.assessment
        return {proposal_text(a, p.id, "short_name", current_language()): p.id for p in a.proposals}

    def _shown(self) -> list[str]:
        a = self.assessment
        shown = [a.selected] if a.selected else []
        return shown + [p for p in a.compared if p not in shown] or [a.result.top if a.result is not None else a.proposals[0].id]

    def _shows(self):
        # The radar shows scores, not weights: a weight move that keeps the same proposals on it
        # leaves it as it was.
        a = self.assessment
        shown = self._shown()
        index = {p.id: i for i, p in enumerate(a.proposals)}
        return (a.framework, tuple(shown), a.score_arrays()[0][[index[p] for p in shown]].tobytes(),
                id(a.perspective))  # the points' evidence marks change with the perspective

    def _update_text(self):
        shows = self._shows()
        if shows != self._tabled:
            self._tabled = shows
            self._legend_pane.object = self._legend_html()
            self._table_pane.object = self._table_html()

    # At most this many series (the selected proposal and six compared), so each keeps a colour
    # of its own from PROPOSAL_COLOURS.
    MAX_SERIES = 7

    def _build_figure(self):
        fig, self._sources = radar_figure(self.assessment.dataset.scale.max)
        return fig

    def _draw(self):
        labels, series = self._series()
        for key, data in radar_data(labels, series, self.assessment.dataset.scale.max).items():
            self._sources[key].data = data

    def _series(self):
        a = self.assessment
        framework = a.active_framework
        language = current_language()
        series = []
        for i, pid in enumerate(self._shown()):
            p = a.proposal(pid)
            scores = [p.score(c.id) for c in framework.criteria]
            series.append({"name": proposal_text(a, p.id, "short_name", language), "colour": PROPOSAL_COLOURS[i % len(PROPOSAL_COLOURS)],
                           "score": [s.score for s in scores], "low": [s.low for s in scores],
                           "high": [s.high for s in scores], "line_width": 3.5 if pid == a.selected else 2.5,
                           "evidence": [evidence_kind(s) for s in scores],
                           "evidence_labels": [evidence_label(s) for s in scores]})
        return [localised(c, "name", language) for c in framework.criteria], series

    def _legend_html(self) -> str:
        a = self.assessment
        keys = "".join(f"<span class='igviz-key'><span style='color:{PROPOSAL_COLOURS[i % len(PROPOSAL_COLOURS)]}'>●</span> "
                       f"{text(proposal_text(a, pid, 'short_name', current_language()))}</span> "
                       for i, pid in enumerate(self._shown()))
        return (f"<p class='igviz-note'>{keys} — {text(_('line: score; shaded band: plausible range'))}</p>"
                f"{legend_html(a.perspective is not None)}")

    def _table(self):
        return self._table_pane

    def _rated_title(self, proposal_id: str, criterion_id: str, score) -> str:
        """A rated cell's whose and how sure, as the cell's title (the matrix and detail say it in full)."""
        if evidence_kind(score) != "rated":
            return ""
        return f" title='{text(rated_note(self.assessment.perspective, proposal_id, criterion_id))}'"

    def _table_html(self) -> str:
        a = self.assessment
        shown = self._shown()
        language = current_language()
        head = "".join(f"<th>{text(proposal_text(a, p, 'short_name', language))}</th>" for p in shown)
        body = ""
        for c in a.active_framework.criteria:
            cells = "".join(f"<td{self._rated_title(p, c.id, s)}>{shown_score(s.score)} ({shown_score(s.low)}–{shown_score(s.high)}) "
                            f"<span class='igviz-ev-{evidence_kind(s)}-ink'>"
                            f"{MARKS[evidence_kind(s)]}</span> {text(evidence_label(s))}</td>"
                            for p, s in ((p, a.proposal(p).score(c.id)) for p in shown))
            body += f"<tr><th scope='row'>{text(localised(c, 'name', language))}</th>{cells}</tr>"
        return (f"<table class='igviz-table'><caption>{text(_('Scores (range) per criterion'))}</caption>"
                f"<thead><tr><th>{text(_('Criterion'))}</th>{head}</tr></thead><tbody>{body}</tbody></table>")

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Profile'))}</h2>", margin=(0, 10)), self._compare, self._legend_pane,
            pn.Tabs((_("Chart"), self._pane),
                    # dynamic: a hidden table still widens the tabs to its own width, which pushed
                    # the chart off a phone's screen; rendered only when shown, it cannot.
                    (_("Table"), self._table_pane), dynamic=True),

            sizing_mode="stretch_width",
        )
