"""The ranking: proposals best first, each bar stacked by what each criterion contributed."""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn
import param

from ..errors import WeightError
from ..methods import METHODS
from ..model import Assessment
from .base import ChartView
from ..i18n import N_, localised
from .language import _, current_language, in_language
from .style import RANKING_INPUTS, WEIGHT_INPUTS, criterion_colours, html_pane, text

FAIL_MARK = "✗ "
SELECTED_MARK = "▶ "
# The methods' names (igviz.methods.METHODS), marked here to be translated where they are shown.
METHOD_NAMES = {"weighted_sum": N_("Weighted sum"), "promethee_ii": N_("PROMETHEE II")}


def ranking_frame(a: Assessment) -> pd.DataFrame:
    """One row per proposal × criterion, in rank order, ready to stack."""
    r = a.ranking()
    language = current_language()
    names = {c.id: localised(c, "name", language) for c in r.framework.criteria}
    rows = []
    for pid, row in r.table.iterrows():
        short_name = localised(a.proposal(pid).record, "short_name", language)
        # The selected proposal is marked in its axis label: styling one stack of bars is not
        # reliable in HoloViews, and a text mark also survives printing and screen readers.
        mark = SELECTED_MARK if pid == a.selected else ""
        label = f"{mark}{row['rank']}. {FAIL_MARK if not row['passes'] else ''}{short_name}"
        for cid in r.framework.criterion_ids:
            rows.append({"proposal_id": pid, "proposal": label, "criterion": names[cid],
                         "contribution": r.contributions.loc[pid, cid], "overall": row["overall"],
                         "selected": pid == a.selected, "passes": row["passes"]})
    return pd.DataFrame(rows)


class RankingView(ChartView):

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._method = pn.widgets.RadioButtonGroup.from_param(
            a.param.method, options={_(METHOD_NAMES.get(key, label)): key for key, label in METHODS.items()},
            button_type="light", name=_("Method"))
        self._frame = pd.DataFrame()
        self._table_pane = html_pane(self._table_html(), sizing_mode="stretch_width")
        self._thresholds = pn.Card(title=_("Minimum thresholds"), collapsed=True, sizing_mode="stretch_width")
        self._thresholds.param.watch(self._thresholds_toggled, "collapsed")
        self._dmap = self.dynamic(self._bars)
        self._tap = hv.streams.Selection1D(source=self._dmap)
        self._tap.add_subscriber(self._on_tap)

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved_inputs_changed(self):
        self._inputs_changed()

    # HoloViews cannot follow the nested dependencies itself, so one event stands in for them.
    # The text table is updated first: it is the cheapest view and the one read aloud.
    @param.depends(*RANKING_INPUTS, "assessment.selected", watch=True)
    def _inputs_changed(self):
        self._table_pane.object = self._table_html()
        self.redraw_later()

    def _bars(self, _redraw=None):
        a = self.assessment
        if a.problem():
            return hv.Bars([], "proposal", "contribution").opts(title=in_language(a.problem()))
        frame = self._frame = ranking_frame(a)
        criteria = list(dict.fromkeys(frame["criterion"]))
        colours = criterion_colours(criteria)
        # Bokeh draws the first category at the bottom; reverse so rank 1 sits on top.
        frame = frame.iloc[::-1].reset_index(drop=True)
        self._frame = frame
        label = _("Net flow (PROMETHEE II)") if a.method == "promethee_ii" else _("Overall score (0–10)")
        # Own dimension names: HoloViews links axes that share a name, even across panes.
        bars = hv.Bars(frame, [hv.Dimension("proposal", label=_("Ranked proposal")), "criterion"],
                       ["contribution", "overall", "proposal_id", "selected"]).redim(proposal="ranked")
        return bars.opts(
            stacked=True, invert_axes=True, cmap=colours, color="criterion",
            line_color="white", line_width=0.5,
            tools=["hover", "tap"], active_tools=["tap"], responsive=True, min_height=420,
            xlabel="", ylabel=label, show_legend=False, framewise=True,  # axes swap with invert_axes
            fontscale=1.15, toolbar=None, nonselection_alpha=1.0, selection_alpha=1.0,
            hover_tooltips=[(_("Proposal"), "@ranked"), (_("Criterion"), "@criterion"),
                            (_("Contribution"), "@contribution{0.00}"), (_("Overall"), "@overall{0.00}")],
        )

    @param.depends("assessment.framework")
    def _key(self):
        # An HTML key wraps to any width, where Bokeh's legend was clipped beside a narrow chart.
        framework = self.assessment.active_framework
        colours = criterion_colours([c.name for c in framework.criteria])
        language = current_language()
        keys = "".join(f"<span class='igviz-key'><span style='color:{colours[c.name]}'>■</span> {text(localised(c, 'name', language))}</span> "
                       for c in framework.criteria)
        return html_pane(f"<p class='igviz-note'>{keys}</p>", sizing_mode="stretch_width", margin=(0, 10))

    def _on_tap(self, index):
        if index and len(self._frame):
            self.assessment.selected = self._frame.iloc[index[0]]["proposal_id"]

    def _table(self):
        """The same ranking as text, for screen readers and for reading off a projector."""
        return self._table_pane

    def _table_html(self) -> str:
        a = self.assessment
        try:
            r = a.ranking()
        except WeightError as exc:
            return f"<div class='igviz-warning' role='alert'>{text(in_language(exc))}</div>"
        language = current_language()
        local = {c.name: localised(c, "name", language) for c in r.framework.criteria}
        meets = lambda row: _("yes") if row["passes"] else _(  # noqa: E731
            "no: below {criteria}", criteria=", ".join(local.get(n, n) for n in row["failed"]))
        rows = "".join(
            f"<tr data-proposal='{text(pid)}'><td>{row['rank']}</td><td>{text(localised(a.proposal(pid).record, 'name', language))}</td>"
            f"<td>{row['overall']:.2f}</td><td>{text(meets(row))}</td></tr>"
            for pid, row in r.table.iterrows())
        caption = text(_("Ranking by {method}, {framework}", method=_(METHOD_NAMES.get(a.method, METHODS[a.method])).lower(),
                         framework=localised(r.framework, "name", language)))
        return (f"<table class='igviz-table igviz-ranking-table'><caption>{caption}</caption>"
                f"<thead><tr><th>{text(_('Rank'))}</th><th>{text(_('Proposal'))}</th><th>{text(_('Overall'))}</th>"
                f"<th>{text(_('Meets thresholds'))}</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")

    # The minimum-threshold sliders are built when the card is first opened: most sessions never
    # open it, and ten sliders are a good part of the page's first render.
    def _thresholds_toggled(self, event):
        if not event.new and not self._thresholds.objects:
            self._fill_thresholds()

    @param.depends("assessment.weights", "assessment.framework", watch=True)
    def _fill_thresholds(self):
        card = self._thresholds
        if card.collapsed:
            card.objects = []  # refilled with the current criteria when next opened
            return
        a = self.assessment
        sliders = []
        for c in a.active_framework.criteria:
            slider = pn.widgets.IntSlider(name=_("Minimum {criterion}", criterion=localised(c, "name", current_language())),
                                          start=0, end=int(a.dataset.scale.max),
                                          value=int(a.thresholds.get(c.id, 0)), sizing_mode="stretch_width")
            slider.param.watch(lambda e, cid=c.id: a.set_threshold(cid, e.new or None), "value_throttled")
            sliders.append(slider)
        note = html_pane(f"<p class='igviz-note'>{text(_('A proposal below a minimum is marked ✗ and ranked after every proposal that meets all minimums, whatever the weights. 0 means no minimum.'))}</p>")
        card.objects = [note, *sliders]

    def __panel__(self):
        return pn.Column(
            pn.FlexBox(html_pane(f"<h2>{text(_('Ranking'))}</h2>", margin=(0, 10)), self._method, flex_wrap="wrap",
                       align_items="center"),
            pn.Tabs((_("Chart"), pn.Column(pn.pane.HoloViews(self._dmap, sizing_mode="stretch_width", min_height=420),
                                        self._key, sizing_mode="stretch_width")),
                    (_("Table"), self._table), dynamic=False),

            self._thresholds, sizing_mode="stretch_width",
        )
