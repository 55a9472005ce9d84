"""Dispersed versus centralised (000 §5): a stance slider, a what-if slider for the selected
proposal, and every proposal placed by its measured centralisation against its overall score."""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn
import param

from .base import ChartView
from ..i18n import localised
from .language import _, current_language
from .style import RANKING_INPUTS, WEIGHT_INPUTS, html_pane, proposal_colours, text


class TradeoffView(ChartView):

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._stance = pn.widgets.FloatSlider.from_param(
            a.param.stance, name=_("Stance: prefer dispersed (−1) … prefer centralised (+1)"), step=0.1,
            sizing_mode="stretch_width")
        self._whatif = pn.widgets.FloatSlider(name=_("What if the selected proposal were more centralised (+) or "
                                                     "dispersed (−)"), start=-0.5, end=0.5, step=0.05, value=0.0,
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
        language = current_language()
        short = lambda pid: localised(a.proposal(pid).record, "short_name", language)  # noqa: E731
        parts = [_("{proposal} from {stance}", proposal=short(r["top"]), stance=f"{r['stance']:+.2f}")
                 for _i, r in changes.iterrows()]
        top = short(a.ranking().top)
        across = _("Across the stance axis, at these weights: {changes}.", changes="; ".join(parts))
        out = (f"<p class='igviz-stance-top'>{text(_('Top-ranked now:'))} <b>{text(top)}</b>. {text(across)}</p>")
        model = a.dataset.tradeoff
        if model is not None:
            names = {c.id: localised(c, "name", language) for c in a.dataset.default_framework.criteria}
            side = lambda s: ", ".join(names.get(l.criterion, l.criterion) for l in model.stance if l.side == s)
            sides = _("Towards centralised weighs up {centralised}; towards dispersed, {dispersed} (data/tradeoff.yaml, "
                      "with the passages behind each).", centralised=side("centralised"), dispersed=side("dispersed"))
            out += f"<p class='igviz-note'>{text(sides)}</p>"
        if a.selected:
            p = a.proposal(a.selected)
            if p.centralisation_shift:
                rows = "".join(
                    f"<tr><th scope='row'>{text(localised(c, 'name', language))}</th><td>{a.dataset.score(p.id, c.id).score:g}</td>"
                    f"<td>{p.score(c.id).score:g}</td></tr>"
                    for c in a.dataset.default_framework.criteria
                    if p.score(c.id).score != a.dataset.score(p.id, c.id).score)
                rank = a.ranking().table.loc[p.id, "rank"]
                caption = _("What-if for {proposal}: shift {shift}, now ranked {rank}", proposal=short(p.id),
                            shift=f"{p.centralisation_shift:+.2f}", rank=rank)
                out += (f"<table class='igviz-table igviz-whatif-table'><caption>{text(caption)}</caption><thead><tr><th>{text(_('Criterion'))}</th>"
                        f"<th>{text(_('Score in the data'))}</th><th>{text(_('What-if'))}</th></tr></thead><tbody>{rows}</tbody></table>")
        return out

    def _plot(self, _redraw=None):
        a = self.assessment
        if a.problem():
            return hv.Points([])
        r = a.ranking()
        colours = dict(zip([p.id for p in a.proposals], proposal_colours(len(a.proposals))))
        frame = pd.DataFrame([{
            "centralisation": a.position(p.id), "overall": r.table.loc[p.id, "overall"],
            "proposal": localised(p.record, "short_name", current_language()),
            "colour": colours[p.id], "size": 16 if p.id == a.selected else 10,
        } for p in a.proposals])
        points = hv.Points(frame, ["centralisation", "overall"], ["proposal", "colour", "size"]).opts(
            color="colour", size="size", line_color="black", tools=["hover"],
            hover_tooltips=[(_("Proposal"), "@proposal"), (_("Centralisation"), "@centralisation{0.00}"),
                            (_("Overall"), "@overall{0.00}")])
        labels = hv.Labels(frame, ["centralisation", "overall"], "proposal").opts(
            text_font_size="9pt", xoffset=0.012, text_align="left", text_color="#333333")
        return (points * labels).opts(
            responsive=True, min_height=360, xlabel=_("Centralisation, measured on the institution map (0 = dispersed)"),
            ylabel=_("Overall"), xlim=(-0.02, max(0.4, frame["centralisation"].max() + 0.12)), toolbar=None,
            show_grid=True, framewise=True)

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Dispersed or centralised?'))}</h2><p class='igviz-note'>"
                      f"{text(_('Best Bits (000 §5): a centralised system is easier to navigate; a dispersed one has fewer risks of capture and brings issue-based expertise.'))}</p>",
                      margin=(0, 10)),

            self._stance, self._summary, self._whatif,
            pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=360),
            sizing_mode="stretch_width")
