"""Proposals × criteria heat map; hovering a cell shows score, range, rationale and source."""

from __future__ import annotations

import pandas as pd
import panel as pn
from bokeh.models import ColorBar, ColumnDataSource, FactorRange, HoverTool, LinearColorMapper, TapTool
from bokeh.palettes import Cividis256

from ..model import Assessment
from .base import ChartView, Soon, figure, lean

from ..datatext import localised
from .language import _, current_language
from .evidence import (KINDS, LABELS, MARKS, citation_line, evidence_kind, evidence_label, evidence_shares, legend_html,
                       local, perspective_html, rated_note, shares_bar_html)
from .style import html_pane, text, wrapped_tooltip


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
            kind = evidence_kind(s)
            # A rated score says whose it is and how sure (head count, groups, spread) where the
            # sources' rationale would be.
            why = (rated_note(a.perspective, p.id, c.id) or local(s.rationale)) if kind == "rated" else \
                local(s.rationale) if not s.derived_from else _("Derived from the Best Bits scores")
            rows.append({
                "proposal": short_name, "proposal_id": p.id, "criterion": names[c.id], "score": s.score,
                "low": s.low, "high": s.high, "evidence": evidence_label(s), "kind": kind,
                "rationale": why,
                "citation": citation_line(first),
                "selected": p.id == a.selected,
            })
    return pd.DataFrame(rows)


# What the hover and the cell labels read, one row per cell.
COLUMNS = ("matrix_proposal", "matrix_criterion", "proposal_id", "score", "low", "high", "evidence", "kind", "rationale",
           "citation", "text", "ink", "weight")


class ScoreMatrix(ChartView):
    """The matrix as a Bokeh figure built once, its data replaced on each redraw."""

    def __init__(self, **params):
        super().__init__(**params)
        self._frame = pd.DataFrame()
        self._figure = self._build_figure()
        self._figure.margin = (5, 10)
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=380)
        self.draw_now()

    def _shows(self):
        # Most weight moves leave the order, and so the matrix, as it was: no redraw then.
        a, r = self.assessment, self.assessment.result
        return (a.framework, a.selected, a.score_arrays()[0].tobytes(), tuple(r.order) if r is not None else None,
                id(a.perspective))  # another perspective may rate a cell as the sources scored it: its label differs

    def _build_figure(self):
        # Cells and their labels share one source: the hover, the labels and a tap all read the
        # same row, and the proposal and criterion names go to the page once. Dragging pans and
        # the wheel zooms.
        fig = figure("", height=380, x_range=FactorRange(), y_range=FactorRange(), grid=False,
                     tools="pan,wheel_zoom", active_scroll="wheel_zoom")
        fig.xaxis.major_label_orientation = 35 * 3.141592653589793 / 180
        fig.xaxis.axis_label_text_font_size = fig.yaxis.axis_label_text_font_size = "13px"
        self._source = ColumnDataSource({k: [] for k in COLUMNS})
        scale = self.assessment.dataset.scale
        # Cividis: perceptually uniform and readable with colour-blindness.
        mapper = LinearColorMapper(palette=Cividis256, low=scale.min, high=scale.max, nan_color="white")
        cells = fig.rect("matrix_criterion", "matrix_proposal", width=1, height=1, source=self._source,
                         fill_color={"field": "score", "transform": mapper}, line_color="white", line_width=1,
                         nonselection_fill_alpha=1.0, nonselection_line_alpha=1.0)
        fig.text("matrix_criterion", "matrix_proposal", text="text", source=self._source, text_color="ink",
                 text_font_style="weight", text_font_size="10pt", text_align="center", text_baseline="middle",
                 nonselection_text_alpha=1.0)
        fig.add_tools(HoverTool(renderers=[cells], tooltips=wrapped_tooltip(*(f"<b>{text(label)}:</b> {value}" for label, value in (
            (_("Proposal"), "@matrix_proposal"), (_("Criterion"), "@matrix_criterion"),
            (_("Score"), "@score{0.0} (" + text(_("range")) + " @low{0.0}–@high{0.0}, @evidence)"),
            (_("Why"), "@rationale"), (_("Source"), "@citation"))))))
        tap = TapTool(renderers=[cells])
        fig.add_tools(tap)
        fig.toolbar.active_tap = tap
        fig.add_layout(ColorBar(color_mapper=mapper, title=_("Score"), location=(0, 0), label_standoff=8,
                                major_tick_line_color="black", bar_line_color="black"), "right")
        self._source.selected.on_change("indices", lambda attr, old, new: self._on_tap(new))
        return lean(fig)

    def _draw(self):
        a = self.assessment
        frame = matrix_frame(a)
        # Rows in rank order, best at the top, so the matrix reads like the ranking beside it.
        if a.result is not None:
            rank = {pid: i for i, pid in enumerate(a.result.order)}
            frame = frame.sort_values("proposal_id", key=lambda s: s.map(rank), kind="stable", ascending=False)
        frame = frame.reset_index(drop=True)
        self._frame = frame
        # Dark text on the light (high) end of cividis, light text on the dark end; the selected
        # proposal's row in bold so it stands out in every view.
        self._source.selected.indices = []
        self._source.data = {
            "matrix_proposal": frame["proposal"].tolist(), "matrix_criterion": frame["criterion"].tolist(),
            **{k: frame[k].tolist() for k in ("proposal_id", "score", "low", "high", "evidence", "kind", "rationale", "citation")},
            # The score and its evidence mark (● stated, ◐ inferred, ○ silent, ◇ derived; the legend
            # above says which), so the label is in the cell, not only in the hover.
            "text": [f"{v:.1f}".removesuffix(".0") + " " + MARKS[k] for v, k in zip(frame["score"], frame["kind"])],
            "ink": frame["score"].map(lambda v: "#000000" if v >= 6 else "#ffffff").tolist(),
            "weight": frame["selected"].map({True: "bold", False: "normal"}).tolist()}
        self._figure.x_range.factors = list(dict.fromkeys(frame["criterion"]))
        self._figure.y_range.factors = list(dict.fromkeys(frame["proposal"]))

    def _on_tap(self, index):
        if index and len(self._frame):
            self.assessment.selected = self._frame.iloc[index[0]]["proposal_id"]

    def _shares_html(self) -> str:
        """Per proposal, how much of its row is the sources' own judgement (stated, inferred, silent)."""
        a = self.assessment
        language = current_language()
        order = list(a.result.order) if a.result is not None else [p.id for p in a.proposals]
        kinds = KINDS if a.perspective is not None else [k for k in KINDS if k != "rated"]
        rows = ""
        for pid in order:
            p = a.proposal(pid)
            scores = [p.score(c.id) for c in a.active_framework.criteria]
            counts = evidence_shares(scores)
            cells = "".join(f"<td class='igviz-num'>{counts[k]}</td>" for k in kinds)
            rows += (f"<tr><th scope='row'>{text(localised(p.record, 'short_name', language))}</th>"
                     f"<td>{shares_bar_html(scores)}</td>{cells}</tr>")
        heads = "".join(f"<th scope='col'>{MARKS[k]} {text(_(LABELS[k]))}</th>" for k in kinds)
        return (f"<details class='igviz-shares' open><summary>{text(_('How much of each row is the sources’ own judgement'))}</summary>"
                f"<table class='igviz-table igviz-shares'><thead><tr><th scope='col'>{text(_('Proposal'))}</th>"
                f"<th scope='col'>{text(_('Share'))}</th>{heads}</tr></thead><tbody>{rows}</tbody></table></details>")

    def _heading_html(self) -> str:
        rated = self.assessment.perspective is not None
        return (f"<h2>{text(_('Scores'))}</h2>{perspective_html(perspective=self.assessment.perspective)}<p class='igviz-note'>"
                f"{text(_('Hover a cell for the rationale and the passage it rests on; click a row to select that proposal.'))}</p>"
                f"{legend_html(rated)}")

    def __panel__(self):
        self._shares_pane = html_pane(self._shares_html(), sizing_mode="stretch_width", margin=(0, 10))
        # Just after the ranking's update, not in it (views.base.Soon).
        self.assessment.param.watch(Soon(lambda: setattr(self._shares_pane, "object", self._shares_html())),
                                    ["framework", "result"])
        heading = html_pane(self._heading_html(), margin=(0, 10))
        # Whose scores these are changes with the perspective: the line above the matrix says so.
        self.assessment.param.watch(lambda *e: setattr(heading, "object", self._heading_html()), ["perspective"])
        return pn.Column(
            heading,
            self._pane,
            self._shares_pane,
            sizing_mode="stretch_width",
        )

