"""Dispersed versus centralised (000 §5): a stance slider, a what-if slider for the selected
proposal, and every proposal placed by its measured centralisation against its overall score."""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn
import param

from .base import ChartView
from .style import RANKING_INPUTS, WEIGHT_INPUTS, html_pane, proposal_colours, text


class TradeoffView(ChartView):

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._stance = pn.widgets.FloatSlider.from_param(
            a.param.stance, name="Stance: prefer dispersed (−1) … prefer centralised (+1)", step=0.1,
            sizing_mode="stretch_width")
        self._whatif = pn.widgets.FloatSlider(name="What if the selected proposal were more centralised (+) or "
                                                   "dispersed (−)", start=-0.5, end=0.5, step=0.05, value=0.0,
                                              sizing_mode="stretch_width")
        self._whatif.param.watch(self._move_selected, "value_throttled")
        self._summary = html_pane("", sizing_mode="stretch_width")
        self._dmap = self.dynamic(self._plot)
        self._update()

    def _move_selected(self, event):
        a = self.assessment
        if a.selected:
            a.proposal(a.selected).centralisation_shift = float(event.new)

    @param.depends("assessment.selected", watch=True)
    def _sync_whatif(self):
        a = self.assessment
        self._whatif.value = a.proposal(a.selected).centralisation_shift if a.selected else 0.0
        self._whatif.disabled = not a.selected

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved_update(self):
        self._update()

    @param.depends("assessment.selected", *RANKING_INPUTS, watch=True)
    def _update(self):
        self._summary.object = self._summary_html()
        self.redraw_later()

    def _summary_html(self) -> str:
        a = self.assessment
        if a.problem():
            return ""
        sweep = a.stance_sweep(41)
        changes = sweep[sweep["top"] != sweep["top"].shift()]
        parts = [f"{text(r['short_name'])} from {r['stance']:+.2f}" for _, r in changes.iterrows()]
        top = a.ranking().table.iloc[0]["short_name"]
        out = (f"<p class='igviz-stance-top'>Top-ranked now: <b>{text(top)}</b>. Across the stance axis, at these "
               f"weights: {'; '.join(parts)}.</p>")
        model = a.dataset.tradeoff
        if model is not None:
            names = {c.id: c.name for c in a.dataset.default_framework.criteria}
            side = lambda s: ", ".join(text(names.get(l.criterion, l.criterion)) for l in model.stance if l.side == s)
            out += (f"<p class='igviz-note'>Towards centralised weighs up {side('centralised')}; towards dispersed, "
                    f"{side('dispersed')} (data/tradeoff.yaml, with the passages behind each).</p>")
        if a.selected:
            p = a.proposal(a.selected)
            if p.centralisation_shift:
                rows = "".join(
                    f"<tr><th scope='row'>{text(c.name)}</th><td>{a.dataset.score(p.id, c.id).score:g}</td>"
                    f"<td>{p.score(c.id).score:g}</td></tr>"
                    for c in a.dataset.default_framework.criteria
                    if p.score(c.id).score != a.dataset.score(p.id, c.id).score)
                rank = a.ranking().table.loc[p.id, "rank"]
                out += (f"<table class='igviz-table igviz-whatif-table'><caption>What-if for {text(p.short_name)}: "
                        f"shift {p.centralisation_shift:+.2f}, now ranked {rank}</caption><thead><tr><th>Criterion</th>"
                        f"<th>Score in the data</th><th>What-if</th></tr></thead><tbody>{rows}</tbody></table>")
        return out

    def _plot(self, _redraw=None):
        a = self.assessment
        if a.problem():
            return hv.Points([])
        r = a.ranking()
        colours = dict(zip([p.id for p in a.proposals], proposal_colours(len(a.proposals))))
        frame = pd.DataFrame([{
            "centralisation": a.position(p.id), "overall": r.table.loc[p.id, "overall"], "proposal": p.short_name,
            "colour": colours[p.id], "size": 16 if p.id == a.selected else 10,
        } for p in a.proposals])
        points = hv.Points(frame, ["centralisation", "overall"], ["proposal", "colour", "size"]).opts(
            color="colour", size="size", line_color="black", tools=["hover"])
        labels = hv.Labels(frame, ["centralisation", "overall"], "proposal").opts(
            text_font_size="9pt", xoffset=0.012, text_align="left", text_color="#333333")
        return (points * labels).opts(
            responsive=True, min_height=360, xlabel="Centralisation, measured on the institution map (0 = dispersed)",
            ylabel="Overall", xlim=(-0.02, max(0.4, frame["centralisation"].max() + 0.12)), toolbar=None,
            show_grid=True, framewise=True)

    def __panel__(self):
        return pn.Column(
            html_pane("<h2>Dispersed or centralised?</h2><p class='igviz-note'>Best Bits (000 §5): a centralised "
                      "system is easier to navigate; a dispersed one has fewer risks of capture and brings "
                      "issue-based expertise.</p>", margin=(0, 10)),
            self._stance, self._summary, self._whatif,
            pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=360),
            sizing_mode="stretch_width")
