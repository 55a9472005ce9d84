"""The ranking: proposals best first, each bar stacked by what each criterion contributed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import panel as pn
import param
from bokeh.models import ColumnDataSource, FactorRange, HoverTool, Range1d, TapTool

from ..methods import METHODS, PREFERENCE_FUNCTIONS, USES
from ..model import Assessment
from .base import ChartView, figure, lean
from ..i18n import N_
from ..datatext import localised, proposal_text
from .language import _, current_language, in_language
from .style import criterion_colours, html_pane, text, live

FAIL_MARK = "✗ "
SELECTED_MARK = "▶ "
# The methods' names (igviz.methods.METHODS), marked here to be translated where they are shown.
METHOD_NAMES = {"weighted_sum": N_("Weighted sum"), "promethee_ii": N_("PROMETHEE II")}
# PROMETHEE II's preference functions (igviz.methods.PREFERENCE_FUNCTIONS), as shown.
PREFERENCE_NAMES = {"usual": N_("Usual"), "u_shape": N_("U-shape"), "v_shape": N_("V-shape"), "level": N_("Level"),
                    "linear": N_("Linear"), "gaussian": N_("Gaussian")}


def ranking_frame(a: Assessment) -> pd.DataFrame:
    """One row per proposal × criterion, in rank order, ready to stack."""
    r = a.ranking()
    language = current_language()
    names = {c.id: localised(c, "name", language) for c in r.framework.criteria}
    rows = []
    for pid, row in r.table.iterrows():
        short_name = proposal_text(a, pid, "short_name", language)
        # The selected proposal is marked in its axis label: a text mark survives printing,
        # screen readers and colour blindness, where a highlighted stack of bars would not.
        mark = SELECTED_MARK if pid == a.selected else ""
        label = f"{mark}{row['rank']}. {FAIL_MARK if not row['passes'] else ''}{short_name}"
        for cid in r.framework.criterion_ids:
            rows.append({"proposal_id": pid, "proposal": label, "criterion": names[cid],
                         "contribution": r.contributions.loc[pid, cid], "overall": row["overall"],
                         "selected": pid == a.selected, "passes": row["passes"]})
    return pd.DataFrame(rows)


# The chart's fonts, 1.15 times the other charts': it is the one read from across a room.
FONT_SCALE = 1.15


class RankingView(ChartView):
    """The ranking as stacked bars (a Bokeh figure built once, its data replaced on each redraw)
    and as a table."""

    text_first = True   # the table a change is waited for: sent in the change's own update

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._method = pn.widgets.RadioButtonGroup.from_param(
            a.param.method, options={_(METHOD_NAMES.get(key, cls.label)): key for key, cls in METHODS.items()},
            color="light", label=_("Method"))
        self._settings = self._method_settings()
        self._frame = pd.DataFrame()
        self._table_pane = html_pane(self._table_html(), sizing_mode="stretch_width")
        self._thresholds = pn.Card(title=_("Minimum thresholds"), collapsed=True, sizing_mode="stretch_width")
        self._threshold_sliders: dict[str, pn.widgets.IntSlider] = {}
        self._thresholds.param.watch(self._thresholds_toggled, "collapsed")
        self._figure = self._build_figure()
        self._figure.margin = (5, 10)
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=420)
        self.draw_now()

    def _method_settings(self) -> pn.Column:
        """PROMETHEE II's settings, made from the method object's parameters (two-way: a link or
        code that changes them moves the widgets), shown only while PROMETHEE II ranks.

        The widgets are built when PROMETHEE II is first chosen: most sessions never choose it,
        and every widget is models for the page to build and send."""
        a = self.assessment
        settings = pn.Column(sizing_mode="stretch_width", css_classes=["igviz-method-settings"], visible=False)

        def show(*events):
            if a.method == "promethee_ii" and not settings.objects:
                settings.objects = self._promethee_widgets(settings)
            settings.visible = a.method == "promethee_ii"

        show()
        a.param.watch(show, "method")
        return settings

    def _promethee_widgets(self, settings) -> list:
        a = self.assessment
        method = a.methods["promethee_ii"]
        top = float(a.dataset.scale.max - a.dataset.scale.min)
        preference = pn.widgets.Select.from_param(
            method.param.preference, label=_("Preference function"), sizing_mode="stretch_width",
            options={_(PREFERENCE_NAMES.get(k, k)): k for k in PREFERENCE_FUNCTIONS})
        q = pn.widgets.FloatSlider.from_param(method.param.indifference, label=_("Indifference (q)"), start=0, end=top,
                                              step=0.1, throttled=True, sizing_mode="stretch_width")
        p = pn.widgets.FloatSlider.from_param(method.param.strict_preference, label=_("Strict preference (p)"),
                                              start=0, end=top, step=0.1, throttled=True, sizing_mode="stretch_width")
        note = html_pane(f"<p class='igviz-note'>{text(_('Score differences up to q count for nothing, from p in full.'))}</p>",
                         sizing_mode="stretch_width", margin=(0, 10))

        def used(*events):
            uses = USES.get(method.preference, ("q", "p"))
            q.visible, p.visible = "q" in uses, "p" in uses

        used()
        method.param.watch(used, "preference")
        return [preference, q, p, note]

    def _update_text(self):
        self._table_pane.object = self._table_html()

    def _build_figure(self):
        # One bar glyph for all stacks, each row a proposal × criterion with its own left and right
        # ends and colour: a redraw replaces the data, never the glyphs.
        fig = figure("", height=420, y_range=FactorRange(), x_range=Range1d(0, 1), grid=False)
        fig.title.text_font_size = "13.8pt"
        for axis in fig.axis:
            axis.axis_label_text_font_size = f"{13 * FONT_SCALE:g}px"
            axis.major_label_text_font_size = f"{11 * FONT_SCALE:g}px"
        self._source = ColumnDataSource({k: [] for k in ("ranked", "criterion", "contribution", "overall", "proposal_id",
                                                         "left", "right", "colour")})
        bars = fig.hbar(y="ranked", left="left", right="right", height=0.8, source=self._source,
                        fill_color="colour", line_color="white", line_width=0.5,
                        nonselection_fill_alpha=1.0, nonselection_line_alpha=1.0)
        fig.add_tools(HoverTool(renderers=[bars], tooltips=[
            (_("Proposal"), "@ranked"), (_("Criterion"), "@criterion"),
            (_("Contribution"), "@contribution{0.00}"), (_("Overall"), "@overall{0.00}")]))
        tap = TapTool(renderers=[bars])
        fig.add_tools(tap)
        fig.toolbar.active_tap = tap
        self._source.selected.on_change("indices", lambda attr, old, new: self._on_tap(new))
        return lean(fig)

    def _draw(self):
        a = self.assessment
        fig = self._figure
        if a.result is None:
            self._frame = pd.DataFrame()
            self._source.data = {k: [] for k in self._source.data}
            fig.y_range.factors = []
            fig.title.text = in_language(a.problem)
            return
        frame = ranking_frame(a)
        colours = criterion_colours(list(dict.fromkeys(frame["criterion"])))
        self._frame = frame
        # Positive parts stacked rightwards from 0, negative ones (PROMETHEE's flows) leftwards.
        values = frame["contribution"].to_numpy(dtype=float)
        keys = frame["proposal"].to_numpy()
        left, right = np.zeros(len(frame)), np.zeros(len(frame))
        ends: dict = {}
        for i, (key, v) in enumerate(zip(keys, values)):
            pos, neg = ends.get(key, (0.0, 0.0))
            if v >= 0:
                left[i], right[i] = pos, pos + v
                pos += v
            else:
                left[i], right[i] = neg + v, neg
                neg += v
            ends[key] = (pos, neg)
        self._source.selected.indices = []
        self._source.data = {
            "ranked": frame["proposal"].tolist(), "criterion": frame["criterion"].tolist(),
            "contribution": values, "overall": frame["overall"].to_numpy(dtype=float),
            "proposal_id": frame["proposal_id"].tolist(), "left": left, "right": right,
            "colour": frame["criterion"].map(colours).tolist()}
        # Bokeh draws the first category at the bottom: reversed, rank 1 sits on top. Only the
        # proposals are reversed; within a bar the criteria run left to right in the key's order.
        fig.y_range.factors = list(dict.fromkeys(keys))[::-1]
        low, high = min(0.0, left.min()), max(0.0, right.max())
        span = (high - low) or 1.0
        fig.x_range.start = low - 0.05 * span if low < 0 else 0.0
        fig.x_range.end = high + 0.05 * span if high > 0 else 0.0
        fig.xaxis.axis_label = _("Net flow (PROMETHEE II)") if a.method == "promethee_ii" else _("Overall score (0–10)")
        fig.title.text = ""

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
        r = a.result
        if r is None:
            return f"<div class='igviz-warning' role='alert'>{text(in_language(a.problem))}</div>"
        language = current_language()
        local = {c.name: localised(c, "name", language) for c in r.framework.criteria}
        meets = lambda row: _("yes") if row["passes"] else _(  # noqa: E731
            "no: below {criteria}", criteria=", ".join(local.get(n, n) for n in row["failed"]))
        rows = "".join(
            f"<tr data-proposal='{text(pid)}'><td>{row['rank']}</td><td>{text(proposal_text(a, pid, 'name', language))}</td>"
            f"<td>{row['overall']:.2f}</td><td>{text(meets(row))}</td></tr>"
            for pid, row in r.table.iterrows())
        # The method's own name, as the switch above shows it ("PROMETHEE II", not "promethee ii").
        caption = text(_("Ranking ({method}), {framework}", method=_(METHOD_NAMES.get(a.method, METHODS[a.method].label)),
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

    @param.depends("assessment.framework", watch=True)
    def _fill_thresholds(self):
        card = self._thresholds
        self._threshold_sliders = {}
        if card.collapsed:
            card.objects = []  # refilled with the current criteria when next opened
            return
        a = self.assessment
        sliders = []
        for c in a.active_framework.criteria:
            slider = pn.widgets.IntSlider(label=_("Minimum {criterion}", criterion=localised(c, "name", current_language())),
                                          start=0, end=int(a.dataset.scale.max),
                                          value=int(a.thresholds.get(c.id, 0)), sizing_mode="stretch_width")
            slider.param.watch(lambda e, cid=c.id: a.set_threshold(cid, e.new or None), "value_throttled")
            sliders.append(slider)
            self._threshold_sliders[c.id] = slider
        note = html_pane(f"<p class='igviz-note'>{text(_('A proposal below a minimum is marked ✗ and ranked after every proposal that meets all minimums, whatever the weights. 0 means no minimum.'))}</p>")
        card.objects = [note, *sliders]

    @param.depends("assessment.thresholds", watch=True)
    def _show_thresholds(self):
        # Thresholds set from elsewhere (a link, a scenario, code) move the sliders too.
        for cid, slider in self._threshold_sliders.items():
            slider.value = int(self.assessment.thresholds.get(cid, 0))

    def __panel__(self):
        return pn.Column(
            pn.FlexBox(html_pane(f"<h2>{text(_('Ranking'))}</h2>", margin=(0, 10)), self._method, flex_wrap="wrap",
                       align_items="center"),
            self._settings,
            pn.Tabs((_("Chart"), pn.Column(self._pane,
                                        live(self._key), sizing_mode="stretch_width")),
                    (_("Table"), self._table), dynamic=False),

            self._thresholds, sizing_mode="stretch_width",
        )
