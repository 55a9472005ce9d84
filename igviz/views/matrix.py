"""Proposals × criteria heat map; hovering a cell shows score, range, rationale and source."""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn
import param

from ..model import Assessment
from .base import ChartView
from ..i18n import localised
from .language import _, current_language
from .style import RANKING_INPUTS, WEIGHT_INPUTS, SCORE_CMAP, html_pane, text


def matrix_frame(a: Assessment) -> pd.DataFrame:
    rows = []
    framework = a.active_framework
    language = current_language()
    names = {c.id: localised(c, "name", language) for c in framework.criteria}
    for p in a.proposals:
        short_name = localised(p.record, "short_name", language)
        for c in framework.criteria:
            s = p.score(c.id)
            first = s.citations[0] if s.citations else None
            rows.append({
                "proposal": short_name, "proposal_id": p.id, "criterion": names[c.id], "score": s.score,
                "low": s.low, "high": s.high, "evidence": s.evidence, "rationale": s.rationale,
                "citation": (f"{first.source or first.reference}: “{first.quote}”" if first and first.quote
                             else (first.label() if first else "")),
                "selected": p.id == a.selected,
            })
    return pd.DataFrame(rows)


class ScoreMatrix(ChartView):

    def __init__(self, **params):
        super().__init__(**params)
        self._frame = pd.DataFrame()
        self._drawn = None
        self._dmap = self.dynamic(self._heatmap)
        self._tap = hv.streams.Tap(source=self._dmap)
        self._tap.add_subscriber(self._on_tap)

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved_inputs_changed(self):
        self._inputs_changed()

    @param.depends("assessment.selected", *RANKING_INPUTS, watch=True)
    def _inputs_changed(self):
        # Most weight moves leave the order, and so the matrix, as it was: skip the redraw then.
        if self._shown_state() != self._drawn:
            self.redraw_later()

    def _shown_state(self):
        a = self.assessment
        return (a.framework, a.selected, a.revision, a.problem() or tuple(a.ranking().order))

    def _heatmap(self, _redraw=None):
        a = self.assessment
        self._drawn = self._shown_state()
        frame = matrix_frame(a)
        # Rows in rank order, best at the top, so the matrix reads like the ranking beside it.
        if not a.problem():
            rank = {pid: i for i, pid in enumerate(a.ranking().order)}
            frame = frame.sort_values("proposal_id", key=lambda s: s.map(rank), kind="stable", ascending=False)
        self._frame = frame
        vdims = ["score", "low", "high", "evidence", "rationale", "citation", "proposal_id"]
        heat = hv.HeatMap(frame, ["criterion", "proposal"], vdims).redim(criterion="matrix_criterion", proposal="matrix_proposal").opts(
            cmap=SCORE_CMAP, clim=(a.dataset.scale.min, a.dataset.scale.max), colorbar=True, clabel=_("Score"),
            xrotation=35, responsive=True, min_height=380, tools=["hover", "tap"], toolbar=None,
            xlabel="", ylabel="", framewise=True, line_color="white", line_width=1,
            hover_tooltips=[(_("Proposal"), "@matrix_proposal"), (_("Criterion"), "@matrix_criterion"),
                            (_("Score"), "@score{0.0} (" + _("range") + " @low{0.0}–@high{0.0}, @evidence)"),
                            (_("Why"), "@rationale"), (_("Source"), "@citation")])
        # Dark text on the light (high) end of cividis, light text on the dark end; the selected
        # proposal's row in bold so it stands out in every view.
        labelled = frame.assign(text=frame["score"].map(lambda v: f"{v:.1f}".removesuffix(".0")),
                                ink=frame["score"].map(lambda v: "#000000" if v >= 6 else "#ffffff"),
                                weight=frame["selected"].map({True: "bold", False: "normal"}))
        labels = hv.Labels(labelled, ["criterion", "proposal"], ["text", "ink", "weight"]).redim(
            criterion="matrix_criterion", proposal="matrix_proposal").opts(
            text_color="ink", text_font_style="weight", text_font_size="10pt")
        return heat * labels

    def _on_tap(self, x=None, y=None):
        if y is None or not len(self._frame):
            return
        match = self._frame[self._frame["proposal"] == y]
        if not match.empty:
            self.assessment.selected = match.iloc[0]["proposal_id"]

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Scores'))}</h2><p class='igviz-note'>"
                      f"{text(_('Hover a cell for the rationale and the passage it rests on; click a row to select that proposal.'))}</p>",
                      margin=(0, 10)),
            pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=380),
            sizing_mode="stretch_width",
        )
