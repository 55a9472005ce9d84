"""How robust the ranking is: a weight sweep for one criterion, and SMAA-2 rank acceptabilities."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import panel as pn
import param
from bokeh.models import BoxAnnotation, ColumnDataSource, FactorRange, HoverTool, Span
from bokeh.palettes import cividis

from ..errors import WeightError
from ..model import Robustness
from ..robustness import Cancelled
from .base import ChartView, figure, legend_on_right, padded, without_grid, lean

from ..datatext import localised, proposal_text
from .language import _, current_language, in_language
from .style import html_pane, proposal_colours, scrolls, text

# SMAA runs off the server's event loop so a long run never freezes the page.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="igviz-smaa")


class SensitivityView(ChartView):
    """Overall value of every proposal as one criterion's weight sweeps from 0 to 100 %."""

    criterion = param.String(default=None, allow_None=True, label="Criterion to sweep")

    own = ("criterion",)

    def __init__(self, **params):
        super().__init__(**params)
        self._select = pn.widgets.Select(label=_("Criterion to sweep"), sizing_mode="stretch_width")
        self._table = html_pane("", sizing_mode="stretch_width")
        self._figure = self._build_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=360)
        self._sync_criteria(keep=self.criterion)
        self._select.link(self, value="criterion", bidirectional=True)
        self.draw_now()

    @param.depends("assessment.framework", watch=True)
    def _sync_criteria(self, keep: str | None = None):
        framework = self.assessment.active_framework
        chosen = keep if keep in framework.criterion_ids else framework.criteria[0].id
        self._select.options = {localised(c, "name", current_language()): c.id for c in framework.criteria}
        self._select.value = chosen
        self.criterion = chosen

    def _update_text(self):
        self._table.object = self._table_html()

    def _build_figure(self):
        # One line per proposal from 0 % to 100 %, all in one glyph: a redraw replaces its data.
        fig = figure(_("Shaded: the top proposal stays the same; dashed: the weight now"), height=360,
                     x_range=padded(0, 100, 0.05), y_range=(0, 1))
        fig.yaxis.axis_label = _("Overall")
        self._lines = ColumnDataSource({"xs": [], "ys": [], "proposal": [], "colour": [], "width": [],
                                        "at_zero": [], "at_one": []})
        self._span = BoxAnnotation(left=0, right=0, fill_color="#88CCEE", fill_alpha=0.25, line_alpha=0, level="underlay")
        self._now = Span(location=0, dimension="height", line_color="black", line_dash="dashed", line_width=1.5)
        fig.add_layout(self._span)
        lines = fig.multi_line("xs", "ys", source=self._lines, line_color="colour", line_width="width",
                               legend_field="proposal")
        fig.add_layout(self._now)
        fig.add_tools(HoverTool(renderers=[lines], tooltips=[
            (_("Proposal"), "@proposal"), (_("Overall at 0 %"), "@at_zero{0.00}"),
            (_("Overall at 100 %"), "@at_one{0.00}")]))
        legend_on_right(fig)
        return lean(fig)

    def _draw(self):
        a = self.assessment
        if a.result is None or self.criterion not in a.active_framework.criterion_ids:
            self._lines.data = {k: [] for k in self._lines.data}
            self._span.visible = self._now.visible = False
            return
        sweep = a.sensitivity(self.criterion)
        language = current_language()
        names = [proposal_text(a, p.id, "short_name", language) for p in a.proposals]
        self._lines.data = {
            "xs": [[0.0, 100.0]] * len(names), "ys": [[z, o] for z, o in zip(sweep.at_zero, sweep.at_one)],
            "proposal": names, "colour": proposal_colours(len(names)),
            "width": [4 if p.id == a.selected else 2 for p in a.proposals],
            "at_zero": list(sweep.at_zero), "at_one": list(sweep.at_one)}
        lo, hi = (100 * x for x in sweep.top_interval)
        self._span.update(left=lo, right=hi, visible=True)
        self._now.update(location=100 * sweep.current, visible=True)
        values = np.r_[sweep.at_zero, sweep.at_one]
        self._figure.y_range.start, self._figure.y_range.end = padded(values.min(), values.max())
        name = localised(a.active_framework.criterion(self.criterion), "name", language)
        self._figure.xaxis.axis_label = _("Weight of {criterion} (% of total)", criterion=name)
        self._figure.yaxis.axis_label = _("Net flow (PROMETHEE II)") if sweep.method == "promethee_ii" else _("Overall score (0–10)")

    def _table_html(self) -> str:
        a = self.assessment
        if a.result is None:
            return f"<div class='igviz-warning' role='alert'>{text(in_language(a.problem))}</div>"
        table = a.sensitivity_table()
        language = current_language()
        top = proposal_text(a, a.result.top, "short_name", language)
        names = {c.id: localised(c, "name", language) for c in a.active_framework.criteria}
        pct = lambda v: f"{100 * v:.0f} %"
        rows = "".join(
            f"<tr><th scope='row'>{text(names.get(cid, r['name']))}</th><td>{pct(r['weight'])}</td>"
            f"<td>{pct(r['top_from'])} – {pct(r['top_to'])}</td><td>{pct(r['ranking_from'])} – {pct(r['ranking_to'])}</td></tr>"
            for cid, r in table.iterrows())
        caption = _("How far each weight can move (others in proportion) before {proposal} stops being first, "
                    "or before any two proposals swap", proposal=top)
        return scrolls(f"<table class='igviz-table igviz-stability-table'><caption>{text(caption)}"
                       f"</caption><thead><tr><th>{text(_('Criterion'))}</th><th>{text(_('Weight now'))}</th>"
                       f"<th>{text(_('Top stays'))}</th><th>{text(_('Ranking stays'))}</th></tr>"
                       f"</thead><tbody>{rows}</tbody></table>")

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Sensitivity'))}</h2><p class='igviz-note'>"
                      f"{text(_('Each line is a proposal’s overall score as the chosen criterion’s weight goes from 0 to 100 %, the other weights keeping their proportions.'))}</p>",
                      margin=(0, 10)),
            self._select,
            pn.Tabs((_("Chart"), self._pane), (_("Table"), self._table), dynamic=False),
            sizing_mode="stretch_width")


def _ranked_by(r: Robustness) -> str:
    """What ranked each SMAA sample: the method follows the ranking's."""
    method = _("PROMETHEE II net flow") if r.method == "promethee_ii" else _("weighted sum of the scores")
    return _("Samples ranked by {method}", method=method)


class AcceptabilityView(ChartView):
    """SMAA-2: how often each proposal takes each rank when weights and scores vary."""

    weights = param.Selector(default="simplex", objects={"Any weights": "simplex", "Near my weights": "band"},
                             label="Weights")
    band_width = param.Number(default=0.05, bounds=(0.01, 0.3), step=0.01, label="Band (± share of total weight)")
    score_uncertainty = param.Boolean(default=True, label="Vary scores within their ranges")
    samples = param.Selector(default=10_000, objects=[2_000, 10_000, 50_000], label="Samples")
    result = param.ClassSelector(class_=Robustness, default=None, precedence=-1,
                                 doc="The SMAA-2 result the chart and the table show")

    follows = ("result",)
    own = ("weights", "band_width", "score_uncertainty", "samples")

    def __init__(self, **params):
        super().__init__(**params)
        self._generation = 0
        self._lock = threading.Lock()
        self._latest = None
        self._computed_for = None
        self._progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width",
                                                label=_("Computing"))
        self._table = html_pane("", sizing_mode="stretch_width")
        self._figure = self._build_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=360)
        # The first result is computed right away (under 10 ms on the bundled data), so the page
        # opens with the chart drawn.
        self._recompute(wait=True)

    def _inputs(self):
        """What a run depends on. SMAA samples the weights, so the weights themselves matter only
        when sampling near them: a weight move under "any weights" leaves the result as it was."""
        a, r = self.assessment, self.assessment.result
        if r is None:
            return None
        x, lo, hi = a.score_arrays()
        near = tuple(r.weight_values) if self.weights == "band" else None
        return (r.framework.id, r.method_label, x.tobytes(), lo.tobytes(), hi.tobytes(),
                tuple(sorted(a.thresholds.items())), self.weights, self.band_width, self.score_uncertainty,
                self.samples, near)

    def _text_changed(self) -> None:   # ChartView calls it just after the ranking's update (Soon)
        if self._inputs() != self._computed_for:
            self._recompute()

    def _recompute(self, wait=False):
        a = self.assessment
        with self._lock:
            self._generation += 1
            generation = self._generation
        self._computed_for = self._inputs()
        if a.result is None:
            self._progress.visible = False
            self._table.object = ""
            self._latest = None
            self._redraw_later()
            return
        args = dict(samples=self.samples, seed=0, weights=self.weights, band_width=self.band_width,
                    score_uncertainty=self.score_uncertainty)
        doc = pn.state.curdoc
        # Small runs (the bundled data at 10,000 samples takes about 15 ms) are done at once, in the
        # same update as the ranking; only large ones go to a worker thread, where they would
        # otherwise wait behind the chart redraws for their turn to be shown.
        cheap = self.samples * len(a.proposals) * len(a.weights.criteria) <= 2_000_000
        if wait or cheap or doc is None or doc.session_context is None:
            self._apply(generation, a.smaa(**args), chart_now=wait)
            return
        self._progress.param.update(value=0, visible=True)

        def stale():
            return generation != self._generation

        def progress(fraction):
            doc.add_next_tick_callback(lambda: setattr(self._progress, "value", int(100 * fraction)))

        def run():
            try:
                result = a.smaa(**args, progress=progress, cancelled=stale)
            except (Cancelled, WeightError):
                return
            doc.add_next_tick_callback(lambda: self._apply(generation, result))

        _POOL.submit(run)

    def _apply(self, generation: int, result: Robustness, chart_now: bool = False) -> None:
        if generation != self._generation:
            return  # inputs changed while this ran: a newer run is on its way
        self._progress.visible = False
        self._table.object = self._table_html(result)  # the text first: the chart takes longer to redraw
        self._latest = result
        if chart_now:  # the first result, drawn before the page opens (see __init__)
            self._redraw()
        else:
            self._redraw_later()

    def _build_figure(self):
        # One bar per proposal and rank, stacked by their left and right ends, in a single glyph
        # (a glyph per rank cost three times the page's models); a new result replaces the data
        # and the order of the proposals.
        m = len(self.assessment.proposals)
        self._palette = cividis(m)
        self._bars = ColumnDataSource({k: [] for k in ("proposal", "rank", "share", "left", "right", "colour")})
        fig = figure("", height=360, y_range=FactorRange(), x_range=(0, 1))
        fig.xaxis.axis_label = _("Share of samples at each rank (rank 1 darkest)")
        without_grid(fig, dimension=1)
        bars = fig.hbar(y="proposal", left="left", right="right", height=0.8, source=self._bars, fill_color="colour",
                        line_color="black", line_width=1, legend_field="rank")
        fig.add_tools(HoverTool(renderers=[bars], tooltips=[
            (_("Proposal"), "@proposal"), (_("Rank"), "@rank"), (_("Share"), "@share{0.0%}")]))
        legend_on_right(fig)
        return lean(fig)

    def _draw(self):
        self.result = r = self._latest
        if r is None:
            self._bars.data = {k: [] for k in self._bars.data}
            self._figure.y_range.factors = []
            return
        names = {p.id: proposal_text(self.assessment, p.id, "short_name", current_language())
                 for p in self.assessment.proposals}
        shares = r.result.acceptability                       # proposals × ranks
        m = shares.shape[1]
        if len(self._palette) != m:   # a design added or removed: one colour per rank
            self._palette = cividis(m)
        # Ordered by expected rank, the most robustly high-ranked proposal on top (Bokeh draws
        # the first category at the bottom).
        ordered = np.argsort(shares @ np.arange(1, m + 1))[::-1]
        stacked = shares[ordered]
        ends = np.cumsum(stacked, axis=1)
        self._bars.data = {
            "proposal": [names[r.proposal_ids[i]] for i in ordered for _k in range(m)],
            "rank": [str(k + 1) for _i in ordered for k in range(m)],
            "share": stacked.ravel(), "left": (ends - stacked).ravel(), "right": ends.ravel(),
            "colour": [self._palette[k] for _i in ordered for k in range(m)]}
        self._figure.y_range.factors = [names[r.proposal_ids[i]] for i in ordered]
        self._figure.title.text = _ranked_by(r)

    def _table_html(self, r: Robustness | None = None) -> str:
        r = r if r is not None else self.result
        if r is None:
            return ""
        a = self.assessment
        language = current_language()
        crit = {c.id: localised(c, "name", language) for c in a.active_framework.criteria}
        head = "".join(f"<th>{text(crit[c])}</th>" for c in r.criteria)
        rows = ""
        for pid, row in r.table.iterrows():
            first, conf = row["rank 1"], row["confidence"]
            weights = r.central_weights.loc[pid]
            cells = "".join(f"<td>{'–' if np.isnan(v) else f'{100 * v:.0f} %'}</td>" for v in weights)
            rows += (f"<tr><th scope='row'>{text(proposal_text(a, pid, 'short_name', language))}</th><td>{100 * first:.1f} %</td>"
                     f"<td>{'–' if np.isnan(conf) else f'{100 * conf:.0f} %'}</td>{cells}</tr>")
        caption = _("First-rank acceptability, confidence factor and central weights ({samples} samples, seed {seed})",
                    samples=f"{r.result.samples:,}".replace(",", "," if language == "en" else "\u00a0"), seed=r.result.seed)
        return scrolls(f"<table class='igviz-table igviz-smaa-table'><caption>{text(caption)}. {text(_ranked_by(r))}</caption>"
                       f"<thead><tr><th>{text(_('Proposal'))}</th><th>{text(_('Ranked first'))}</th><th>{text(_('Confidence'))}</th>{head}</tr></thead>"
                       f"<tbody>{rows}</tbody></table>")

    def __panel__(self):
        controls = pn.FlexBox(
            pn.widgets.RadioButtonGroup.from_param(self.param.weights, color="light", label=_("Weights"),
                                                   options={_("Any weights"): "simplex", _("Near my weights"): "band"}),
            pn.widgets.FloatSlider.from_param(self.param.band_width, width=220, label=_("Band (± share of total weight)")),
            pn.widgets.Checkbox.from_param(self.param.score_uncertainty, width=240, label=_("Vary scores within their ranges")),
            pn.widgets.Select.from_param(self.param.samples, width=120, label=_("Samples")),
            flex_wrap="wrap", align_items="flex-end", sizing_mode="stretch_width")
        return pn.Column(
            html_pane(f"<h2>{text(_('Robustness (SMAA-2)'))}</h2><p class='igviz-note'>"
                      f"{text(_('Weights drawn at random (anywhere, or near yours) and scores within their ranges: how often does each proposal take each rank? Central weights: the typical weights that make a proposal first; confidence: how often it stays first at those weights when scores vary.'))}</p>",
                      margin=(0, 10)),
            controls, self._progress,
            pn.Tabs((_("Chart"), self._pane), (_("Table"), self._table), dynamic=False),
            sizing_mode="stretch_width")
