"""Dispersed versus centralised (Best Bits analysis, 000 §5): a stance slider, a what-if slider for the selected
proposal, and every proposal placed by its measured centralisation against its overall score."""

from __future__ import annotations

import panel as pn
from bokeh.models import ColumnDataSource, HoverTool
from bokeh.transform import dodge

from .base import ChartView, figure, padded, lean

from ..datatext import localised, proposal_text
from .language import _, current_language
from .style import html_pane, proposal_colours, text


class TradeoffView(ChartView):

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._stance = pn.widgets.FloatSlider.from_param(
            a.param.stance, label=_("Stance: prefer dispersed (−1) … prefer centralised (+1)"), step=0.1,
            sizing_mode="stretch_width")
        self._whatif = pn.widgets.FloatSlider(label=_("What if the selected proposal were more centralised (+) or "
                                                     "dispersed (−)"), start=-0.5, end=0.5, step=0.05, value=0.0,
                                              sizing_mode="stretch_width")
        self._whatif.param.watch(self._move_selected, "value_throttled")
        self._summary = html_pane("", sizing_mode="stretch_width")
        self._whatif_table = html_pane("", sizing_mode="stretch_width")
        self._figure = self._build_figure()
        self._pane = pn.pane.Bokeh(self._figure, sizing_mode="stretch_width", min_height=360)
        self.draw_now()

    def _move_selected(self, event):
        a = self.assessment
        if a.selected:
            a.proposal(a.selected).centralisation_shift = float(event.new)

    def _update_text(self):
        a = self.assessment
        # The what-if slider shows the selected proposal's shift, also when a link or code set it.
        self._whatif.param.update(value=a.proposal(a.selected).centralisation_shift if a.selected else 0.0,
                                  disabled=not a.selected)
        self._summary.object = self._summary_html()
        self._whatif_table.object = self._whatif_html()

    def _summary_html(self) -> str:
        a = self.assessment
        if a.result is None:
            return ""
        language = current_language()
        short = lambda pid: proposal_text(a, pid, "short_name", language)  # noqa: E731
        sweep = a.stance_sweep(41)  # leaves out far stances where no weight is left
        changes = sweep[sweep["top"] != sweep["top"].shift()]
        parts = [_("{proposal} from {stance}", proposal=short(r["top"]), stance=f"{r['stance']:+.2f}")
                 for _i, r in changes.iterrows()]
        across = _("Across the stance axis, at these weights: {changes}.", changes="; ".join(parts))
        top = short(a.result.top)
        out = (f"<p class='igviz-stance-top'>{text(_('Top-ranked now:'))} <b>{text(top)}</b>. {text(across)}</p>")
        model = a.dataset.tradeoff
        if model is not None:
            names = {c.id: localised(c, "name", language) for c in a.dataset.default_framework.criteria}
            side = lambda s: ", ".join(names.get(l.criterion, l.criterion) for l in model.stance if l.side == s)
            sides = _("Towards centralised weighs up {centralised}; towards dispersed, {dispersed}.",
                      centralised=side("centralised"), dispersed=side("dispersed"))
            out += f"<p class='igviz-note'>{text(sides)}</p>"
        return out

    def _whatif_html(self) -> str:
        """The selected proposal's what-if, under its slider: above it, the table appearing
        mid-drag pushed the slider about 200 px down, away from the finger or pointer."""
        a = self.assessment
        p = a.proposal(a.selected) if a.selected else None
        if a.result is None or p is None or not p.centralisation_shift:
            return ""
        language = current_language()
        rows = "".join(
            f"<tr><th scope='row'>{text(localised(c, 'name', language))}</th><td>{a.dataset.score(p.id, c.id).score:g}</td>"
            f"<td>{p.score(c.id).score:g}</td></tr>"
            for c in a.dataset.default_framework.criteria
            if p.score(c.id).score != a.dataset.score(p.id, c.id).score)
        caption = _("What-if for {proposal}: shift {shift}, now ranked {rank}",
                    proposal=localised(p.record, "short_name", language),
                    shift=f"{p.centralisation_shift:+.2f}", rank=a.result.table.loc[p.id, "rank"])
        return (f"<table class='igviz-table igviz-whatif-table'><caption>{text(caption)}</caption><thead><tr><th>{text(_('Criterion'))}</th>"
                f"<th>{text(_('Score in the data'))}</th><th>{text(_('What-if'))}</th></tr></thead><tbody>{rows}</tbody></table>")

    def _build_figure(self):
        # Points and their names, built once; a redraw replaces the data.
        fig = figure("", height=360, x_range=(-0.02, 0.4), y_range=(0, 10))
        fig.xaxis.axis_label = _("Centralisation, measured on the institution map (0 = dispersed)")
        fig.yaxis.axis_label = _("Overall")
        self._points = ColumnDataSource({"centralisation": [], "overall": [], "proposal": [], "colour": [], "size": [],
                                         "label_offset": []})
        points = fig.scatter("centralisation", "overall", source=self._points, color="colour", size="size",
                             line_color="black")
        fig.text(x=dodge("centralisation", 0.012, range=fig.x_range), y="overall", text="proposal",
                 y_offset="label_offset", source=self._points, text_font_size="9pt", text_align="left", text_baseline="middle",
                 text_color="#333333")
        fig.add_tools(HoverTool(renderers=[points], tooltips=[
            (_("Proposal"), "@proposal"), (_("Centralisation"), "@centralisation{0.00}"),
            (_("Overall"), "@overall{0.00}")]))
        return lean(fig)

    def _draw(self):
        a = self.assessment
        r = a.result
        if r is None:
            self._points.data = {k: [] for k in self._points.data}
            return
        colours = dict(zip([p.id for p in a.proposals], proposal_colours(len(a.proposals))))
        x = [a.position(p.id) for p in a.proposals]
        y = [float(r.table.loc[p.id, "overall"]) for p in a.proposals]
        language = current_language()
        x_end = max(0.4, max(x) + 0.12)  # room for the names right of the points
        y_start, y_end = padded(min(y), max(y))
        self._points.data = {"centralisation": x, "overall": y,
                             "proposal": [localised(p.record, "short_name", language) for p in a.proposals],
                             "colour": [colours[p.id] for p in a.proposals],
                             "size": [16 if p.id == a.selected else 10 for p in a.proposals],
                             "label_offset": label_offsets(x, y, x_end + 0.02, y_end - y_start)}
        self._figure.x_range.end = x_end
        self._figure.y_range.start, self._figure.y_range.end = y_start, y_end

    def __panel__(self):
        return pn.Column(
            html_pane(f"<h2>{text(_('Dispersed or centralised?'))}</h2><p class='igviz-note'>"
                      f"{text(_('Best Bits analysis, early 2014, §5: a centralised system is easier to navigate; a dispersed one has fewer risks of capture and brings issue-based expertise.'))}</p>",
                      margin=(0, 10)),

            self._stance, self._summary, self._whatif, self._whatif_table,
            self._pane,
            sizing_mode="stretch_width")


# The scatter's plot area is about 280 px tall; a 9 pt name about 14 px tall and a quarter of the
# x axis wide.
PLOT_HEIGHT_PX, LABEL_HEIGHT_PX, LABEL_WIDTH_SHARE = 280, 14, 0.25


def label_offsets(x: list[float], y: list[float], x_span: float, y_span: float) -> list[float]:
    """Vertical offsets (screen pixels, positive = up, as Bokeh's y_offset) that keep names of
    neighbouring points from printing over each other: from the top down, a name that would touch
    one already placed beside it moves below that one."""
    px = PLOT_HEIGHT_PX / (y_span or 1.0)
    placed: list[tuple[float, float]] = []  # (x, label centre in px from the top)
    offsets = [0.0] * len(x)
    for i in sorted(range(len(x)), key=lambda i: -y[i]):
        centre = -y[i] * px
        for other_x, other_centre in sorted(placed, key=lambda p: p[1]):
            if abs(other_x - x[i]) < LABEL_WIDTH_SHARE * x_span and abs(centre - other_centre) < LABEL_HEIGHT_PX:
                centre = other_centre + LABEL_HEIGHT_PX
        placed.append((x[i], centre))
        offsets[i] = -(centre + y[i] * px)
    return offsets
