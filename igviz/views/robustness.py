"""How robust the ranking is: a weight sweep for one criterion, and SMAA-2 rank acceptabilities."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
import param

from ..errors import WeightError
from ..model import Assessment, Robustness
from ..robustness import Cancelled
from .base import ChartView
from ..i18n import localised
from .language import _, current_language
from .style import RANKING_INPUTS, WEIGHT_INPUTS, html_pane, proposal_colours, Later, text

# SMAA runs off the server's event loop so a long run never freezes the page.
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="igviz-smaa")
RANK_CMAP = "cividis"


class SensitivityView(ChartView):
    """Overall value of every proposal as one criterion's weight sweeps from 0 to 100 %."""

    criterion = param.String(default=None, allow_None=True, label="Criterion to sweep")

    def __init__(self, **params):
        super().__init__(**params)
        self._select = pn.widgets.Select(name=_("Criterion to sweep"), sizing_mode="stretch_width")
        self._table = html_pane("", sizing_mode="stretch_width")
        self._sync_criteria(keep=self.criterion)
        self._select.link(self, value="criterion", bidirectional=True)
        self._table.object = self._table_html()
        self._dmap = self.dynamic(self._chart)

    @param.depends("assessment.framework", watch=True)
    def _sync_criteria(self, keep: str | None = None):
        framework = self.assessment.active_framework
        chosen = keep if keep in framework.criterion_ids else framework.criteria[0].id
        self._select.options = {localised(c, "name", current_language()): c.id for c in framework.criteria}
        self._select.value = chosen
        self.criterion = chosen

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved_inputs_changed(self):
        self._inputs_changed()

    @param.depends("criterion", "assessment.selected", *RANKING_INPUTS, watch=True)
    def _inputs_changed(self):
        self._table.object = self._table_html()
        self.redraw_later()

    def _chart(self, _redraw=None):
        a = self.assessment
        if a.problem() or self.criterion not in a.active_framework.criterion_ids:
            return hv.Overlay([hv.Curve([])])
        sweep = a.sensitivity(self.criterion)
        language = current_language()
        names = [localised(p.record, "short_name", language) for p in a.proposals]
        colours = proposal_colours(len(names))
        t = np.array([0.0, 100.0])
        curves = []
        for i, p in enumerate(a.proposals):
            width = 4 if p.id == a.selected else 2
            curves.append(hv.Curve((t, [sweep.at_zero[i], sweep.at_one[i]]), "weight", "overall", label=names[i]).redim.label(
                weight=_("Weight (%)"), overall=_("Overall")).opts(
                color=colours[i], line_width=width, tools=["hover"]))
        lo, hi = (100 * x for x in sweep.top_interval)
        span = hv.VSpan(lo, hi).opts(color="#88CCEE", alpha=0.25)
        now = hv.VLine(100 * sweep.current).opts(color="black", line_dash="dashed", line_width=1.5)
        name = localised(a.active_framework.criterion(self.criterion), "name", language)
        return hv.Overlay([span, *curves, now]).opts(
            responsive=True, min_height=360, xlabel=_("Weight of {criterion} (% of total)", criterion=name), ylabel=_("Overall"),
            legend_position="right", toolbar=None, show_grid=True, framewise=True,
            title=_("Shaded: the top proposal stays the same; dashed: the weight now"))

    def _table_html(self) -> str:
        a = self.assessment
        try:
            table = a.sensitivity_table()
        except WeightError as exc:
            return f"<div class='igviz-warning' role='alert'>{text(exc)}</div>"
        language = current_language()
        top = localised(a.proposal(a.ranking().top).record, "short_name", language)
        names = {c.id: localised(c, "name", language) for c in a.active_framework.criteria}
        pct = lambda v: f"{100 * v:.0f} %"
        rows = "".join(
            f"<tr><th scope='row'>{text(names.get(cid, r['name']))}</th><td>{pct(r['weight'])}</td>"
            f"<td>{pct(r['top_from'])} – {pct(r['top_to'])}</td><td>{pct(r['ranking_from'])} – {pct(r['ranking_to'])}</td></tr>"
            for cid, r in table.iterrows())
        caption = _("How far each weight can move (others in proportion) before {proposal} stops being first, "
                    "or before any two proposals swap", proposal=top)
        return (f"<table class='igviz-table igviz-stability-table'><caption>{text(caption)}"
                f"</caption><thead><tr><th>{text(_('Criterion'))}</th><th>{text(_('Weight now'))}</th>"
                f"<th>{text(_('Top stays'))}</th><th>{text(_('Ranking stays'))}</th></tr>"
                f"</thead><tbody>{rows}</tbody></table>")

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Sensitivity'))}</h2><p class='igviz-note'>"
                      f"{text(_('Each line is a proposal’s overall score as the chosen criterion’s weight goes from 0 to 100 %, the other weights keeping their proportions.'))}</p>",
                      margin=(0, 10)),
            self._select,
            pn.Tabs((_("Chart"), pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=360)),
                    (_("Table"), self._table), dynamic=False),
            sizing_mode="stretch_width")


class AcceptabilityView(pn.viewable.Viewer):
    """SMAA-2: how often each proposal takes each rank when weights and scores vary."""

    assessment = param.ClassSelector(class_=Assessment)
    weights = param.Selector(default="simplex", objects={"Any weights": "simplex", "Near my weights": "band"},
                             label="Weights")
    band_width = param.Number(default=0.05, bounds=(0.01, 0.3), step=0.01, label="Band (± share of total weight)")
    score_uncertainty = param.Boolean(default=True, label="Vary scores within their ranges")
    samples = param.Selector(default=10_000, objects=[2_000, 10_000, 50_000], label="Samples")
    result = param.ClassSelector(class_=Robustness, default=None, precedence=-1)

    def __init__(self, **params):
        super().__init__(**params)
        self._generation = 0
        self._lock = threading.Lock()
        self._latest = None
        self._show_latest = Later(lambda: setattr(self, "result", self._latest))
        self._progress = pn.indicators.Progress(value=0, max=100, visible=False, sizing_mode="stretch_width",
                                                name=_("Computing"))
        self._table = html_pane("", sizing_mode="stretch_width")
        # The first result is computed right away (about 20 ms on the bundled data), so the chart's
        # first frame already has the shape of every later one.
        self._recompute(wait=True)
        self._dmap = hv.DynamicMap(self._bars, streams=[hv.streams.Params(self, ["result"])])

    # Weights only matter when sampling near them; otherwise a weight move leaves SMAA unchanged.
    @param.depends(*RANKING_INPUTS, "weights", "band_width",
                   "score_uncertainty", "samples", watch=True)
    def _recompute(self, wait=False):
        a = self.assessment
        with self._lock:
            self._generation += 1
            generation = self._generation
        if a.problem():
            self.result = None
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

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved(self):
        if self.weights == "band":
            self._recompute()

    def _apply(self, generation: int, result: Robustness, chart_now: bool = False) -> None:
        if generation != self._generation:
            return  # inputs changed while this ran: a newer run is on its way
        self._progress.visible = False
        self._table.object = self._table_html(result)  # the text first: the chart takes longer to redraw
        if chart_now:  # the first frame must already have the chart's shape (see __init__)
            self.result = result
        else:
            self._latest = result
            self._show_latest()

    def _bars(self, result=None):
        r = self.result
        a = self.assessment
        if r is None:
            return hv.Bars([], "proposal", "share")
        table = r.table
        names = {p.id: localised(p.record, "short_name", current_language()) for p in a.proposals}
        # Order by expected rank so the most robustly high-ranked proposal sits on top.
        ranks = table.filter(like="rank ").to_numpy()
        expected = ranks @ np.arange(1, ranks.shape[1] + 1)
        ordered = [table.index[i] for i in np.argsort(expected)][::-1]
        rows = [{"proposal": names[pid], "rank": f"{k + 1}", "share": table.loc[pid, f"rank {k + 1}"]}
                for pid in ordered for k in range(ranks.shape[1])]
        frame = pd.DataFrame(rows)
        return hv.Bars(frame, ["proposal", "rank"], "share").redim(proposal="smaa_proposal").redim.label(
            smaa_proposal=_("Proposal"), rank=_("Rank"), share=_("Share")).opts(
            stacked=True, invert_axes=True, cmap=RANK_CMAP, color="rank", responsive=True, min_height=360,
            ylabel=_("Share of samples at each rank (rank 1 darkest)"), xlabel="", toolbar=None, legend_position="right",
            tools=["hover"], framewise=True)

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
            rows += (f"<tr><th scope='row'>{text(localised(a.proposal(pid).record, 'short_name', language))}</th><td>{100 * first:.1f} %</td>"
                     f"<td>{'–' if np.isnan(conf) else f'{100 * conf:.0f} %'}</td>{cells}</tr>")
        caption = _("First-rank acceptability, confidence factor and central weights ({samples} samples, seed {seed})",
                    samples=f"{r.result.samples:,}".replace(",", "," if language == "en" else "\u00a0"), seed=r.result.seed)
        return (f"<table class='igviz-table igviz-smaa-table'><caption>{text(caption)}</caption>"
                f"<thead><tr><th>{text(_('Proposal'))}</th><th>{text(_('Ranked first'))}</th><th>{text(_('Confidence'))}</th>{head}</tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    def __panel__(self):
        controls = pn.FlexBox(
            pn.widgets.RadioButtonGroup.from_param(self.param.weights, button_type="light", name=_("Weights"),
                                                   options={_("Any weights"): "simplex", _("Near my weights"): "band"}),
            pn.widgets.FloatSlider.from_param(self.param.band_width, width=220, name=_("Band (± share of total weight)")),
            pn.widgets.Checkbox.from_param(self.param.score_uncertainty, width=240, name=_("Vary scores within their ranges")),
            pn.widgets.Select.from_param(self.param.samples, width=120, name=_("Samples")),
            flex_wrap="wrap", align_items="flex-end", sizing_mode="stretch_width")
        return pn.Column(
            html_pane(f"<h2>{text(_('Robustness (SMAA-2)'))}</h2><p class='igviz-note'>"
                      f"{text(_('Weights drawn at random (anywhere, or near yours) and scores within their ranges: how often does each proposal take each rank? Central weights: the typical weights that make a proposal first; confidence: how often it stays first at those weights when scores vary.'))}</p>",
                      margin=(0, 10)),
            controls, self._progress,
            pn.Tabs((_("Chart"), pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=360)),
                    (_("Table"), self._table), dynamic=False),

            sizing_mode="stretch_width")
