"""Design a reform: the explorer's panel on igviz.design.

Start from any proposal or from scratch, pick an option per design dimension (each with its one-line
explanation and its source), name the design, and add it to the comparison: it is then ranked and
drawn by every view like any proposal (igviz.model.Assessment.add_design), and saved in the page's
link and in scenario files through the spec. While it is in the comparison, every change re-adds it
under the same id, so the views follow live. The panel only builds a `Design`; all that a design does
(scores, overlay, centralisation) is igviz.design's.
"""

from __future__ import annotations

import panel as pn
import param

from ..datatext import proposal_text, source_title
from ..design import Design, reading
from ..model import Assessment, DesignedProposal
from .evidence import MARKS, evidence_kind, evidence_label, local
from .language import _, current_language
from .base import Later, Soon
from .style import html_pane, text

SCRATCH = ""   # the "start from" value of a design from scratch (the status quo plus its options)


# Panel holds a change from the browser for 50 ms (`_debounce`) to merge a burst of them; a choice
# from a list or a tick is one change, not a burst, and the hold was a third of the time from a
# choice to the new ranking (as for the weight sliders, views.weights.WeightSlider).
class OptionSelect(pn.widgets.Select):
    _debounce = 0


class OptionChecks(pn.widgets.CheckBoxGroup):
    _debounce = 0


class DesignerPanel(pn.viewable.Viewer):
    """Compose a design from the design model's options; add it to the assessment and keep it current."""

    assessment = param.ClassSelector(class_=Assessment)
    design_id = param.String(default="", doc="The id of the design in the comparison ('' while it is not)")

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        data = a.dataset
        self._model = data.design
        self._quiet = False   # set while the panel sets its own widgets: no design update for those
        # The score table follows once the session is quiet: built with the ranking's update, it held
        # that update up (a chart-like part, scheduled like the charts: views.base.Later).
        self._scores_later = Later(self._refresh_scores)
        # The explanations and the rank line follow the ranking's update, not in it (views.base.Soon).
        self._explain_soon = Soon(self._explain_options)
        self._status_soon = Soon(self._refresh_status)
        language = current_language()
        if self._model is None:
            self._layout = html_pane(f"<p class='igviz-note'>{text(_('This data has no design model, so there is nothing to design from.'))}</p>")
            return
        starts = {_("From scratch (the status quo)"): SCRATCH}
        starts.update({proposal_text(data, pid, "short_name", language): pid for pid in data.proposals
                       if not data.proposals[pid].baseline and reading(data, pid) is not None})
        self._start = OptionSelect(label=_("Start from"), options=starts, value=SCRATCH, sizing_mode="stretch_width",
                                        description=_("A proposal's own options (its scores stay the sources' and "
                                                      "move only by the options you change), or the status quo"))
        self._name = pn.widgets.TextInput(label=_("Name of the design"), value=_("My design"), max_length=80,
                                          sizing_mode="stretch_width")
        self._widgets: dict[str, pn.widgets.Widget] = {}
        self._explained: dict[str, pn.pane.HTML] = {}
        singles, multiples = [], []
        for dim in self._model.dimensions.values():
            names = {local(o.name): o.id for o in dim.options}
            help_text = local(dim.question)
            self._explained[dim.id] = html_pane("", sizing_mode="stretch_width", margin=(0, 10, 5, 10),
                                                css_classes=["igviz-design-explained"])
            if dim.multiple:
                w = OptionChecks(options=names, value=[], inline=False, sizing_mode="stretch_width")
                label = html_pane(f"<p class='igviz-design-dim'><b>{text(local(dim.name))}</b> "
                                  f"<span class='igviz-note'>{text(help_text)}</span></p>", margin=(5, 10, 0, 10))
                multiples.append(pn.Column(label, w, self._explained[dim.id], sizing_mode="stretch_width", margin=0))
            else:
                w = OptionSelect(label=local(dim.name), options=names, description=help_text,
                                      sizing_mode="stretch_width")
                singles.append(pn.Column(w, self._explained[dim.id], sizing_mode="stretch_width", margin=0))
            w.param.watch(self._option_changed, "value")
            self._widgets[dim.id] = w
        self._add = pn.widgets.Button(label=_("Add to the comparison"), color="primary", sizing_mode="stretch_width")
        self._remove = pn.widgets.Button(label=_("Remove from the comparison"), color="light", visible=False,
                                         sizing_mode="stretch_width")
        self._add.on_click(self._add_clicked)
        self._remove.on_click(self._remove_clicked)
        self._start.param.watch(self._start_changed, "value")
        self._name.param.watch(self._option_changed, "value")
        self._status = html_pane("", sizing_mode="stretch_width", margin=(0, 10), css_classes=["igviz-design-status"])
        self._scores = html_pane("", sizing_mode="stretch_width", margin=(0, 10), css_classes=["igviz-design-scores"])
        # Two columns of choices beside the design's scores on a projector; one column on a phone.
        self._options = pn.Column(pn.GridBox(*singles, ncols=2, sizing_mode="stretch_width"),
                                  pn.GridBox(*multiples, ncols=2, sizing_mode="stretch_width"),
                                  sizing_mode="stretch_width", margin=0)
        choose = pn.Column(pn.Row(self._start, self._name, sizing_mode="stretch_width"), self._options,
                           pn.Row(self._add, self._remove, sizing_mode="stretch_width"),
                           styles={"flex": "1 1 520px", "min-width": "0"}, sizing_mode="stretch_width")
        results = pn.Column(self._status, self._scores, styles={"flex": "1 1 340px", "min-width": "0"},
                            sizing_mode="stretch_width")
        self._layout = pn.Column(
            html_pane(f"<h2>{text(_('Design a reform'))}</h2><p class='igviz-note'>"
                      f"{text(_('Compose a reform from the choices the sources discuss. Each option moves scores by a rule quoted from a source; add the design to see it in every view.'))}</p>",
                      margin=(0, 10)),
            pn.FlexBox(choose, results, flex_wrap="wrap", align_items="flex-start", sizing_mode="stretch_width"),
            sizing_mode="stretch_width", css_classes=["igviz-designer"])
        # A design the page's link brought (or one added in code) is the one the panel edits.
        if a.designs:
            self._load(a.designs[-1])
        else:
            self._show_choice(Design(label=self._name.value).choice(data))
            self._update_text()
        a.param.watch(self._result_changed, ["result"])

    # -- the design the widgets describe ------------------------------------------------------------

    def design(self) -> Design:
        """The design as the widgets have it: the options that differ from where it starts."""
        data = self.assessment.dataset
        start = Design(label="", base=self._start.value).choice(data)
        options = {}
        for did, w in self._widgets.items():
            value = tuple(w.value) if self._model.dimensions[did].multiple else w.value
            if value != start[did]:
                options[did] = list(value) if isinstance(value, tuple) else value
        name = self._name.value.strip() or _("My design")
        return Design(label=name, base=self._start.value, options=options, design_id=self.design_id)

    def _load(self, design: Design) -> None:
        self._quiet = True
        try:
            self.design_id = design.id
            self._start.value = design.base if design.base in self._start.options.values() else SCRATCH
            self._name.value = design.label
        finally:
            self._quiet = False
        self._show_choice(design.choice(self.assessment.dataset))
        self._update_text()

    def _show_choice(self, choice) -> None:
        self._quiet = True
        try:
            for did, w in self._widgets.items():
                value = choice[did]
                w.value = list(value) if self._model.dimensions[did].multiple else value
        finally:
            self._quiet = False
        self._explain_options()

    def _explain_options(self) -> None:
        """Under each dimension: what the chosen option does, in one line, and its source."""
        language = current_language()
        for did, w in self._widgets.items():
            dim = self._model.dimensions[did]
            chosen = w.value if dim.multiple else [w.value]
            lines = []
            for oid in chosen:
                o = dim.option(oid)
                lines.append(f"<span class='igviz-note'>{text(local(o.explanation))} "
                             f"<cite>({text(_('Source'))}: {text(source_title(o.citation, language))})</cite></span>")
            self._explained[did].object = "<br>".join(lines)

    # -- events ---------------------------------------------------------------------------------------

    def _start_changed(self, event) -> None:
        if self._quiet:
            return
        # A new start: the widgets show its options; the design keeps no change from the old start.
        self._show_choice(Design(label="", base=event.new).choice(self.assessment.dataset))
        self._option_changed()

    def _option_changed(self, *events) -> None:
        if self._quiet:
            return
        if self.design_id:
            self._publish()   # in the comparison: every view follows at once
        else:
            self._update_text()
        self._explain_soon()

    def _add_clicked(self, _event=None) -> None:
        design = self.design()
        if design.id in self.assessment.dataset.proposals:
            design = Design(label=design.label, base=design.base, options=design.options, design_id=f"design_{design.id}")
        self.design_id = design.id
        if self._publish():
            self.assessment.selected = self.design_id   # the radar, detail and map show it

    def _remove_clicked(self, _event=None) -> None:
        if self.design_id:
            self.assessment.remove_design(self.design_id)
        self.design_id = ""
        self._update_text()

    def _publish(self) -> bool:
        """Add the design (or replace it, same id) in the assessment; say why not if it cannot be."""
        try:
            self.assessment.add_design(self.design())
        except ValueError as exc:
            self._status.object = f"<p class='igviz-warning' role='alert'>{text(exc)}</p>"
            return False
        self._update_text()
        return True

    def _result_changed(self, *events) -> None:
        # The rank line follows the weights; a design the link replaced is loaded into the widgets.
        a = self.assessment
        if self.design_id and self.design_id not in {d.id for d in a.designs}:
            self.design_id = ""
        if not self.design_id and a.designs:
            self._load(a.designs[-1])
            return
        self._status_soon()

    # -- text -----------------------------------------------------------------------------------------

    def _update_text(self) -> None:
        self._add.visible = not self.design_id
        self._remove.visible = bool(self.design_id)
        self._status_soon()
        self._scores_later()

    def _refresh_status(self) -> None:
        self._status.object = self._status_html()

    def _refresh_scores(self) -> None:
        self._scores.object = self._scores_html()

    def _status_html(self) -> str:
        a = self.assessment
        if not self.design_id:
            return f"<p class='igviz-note'>{text(_('Not in the comparison yet: these are its scores, before weights.'))}</p>"
        p = next((p for p in a.proposals if p.id == self.design_id and isinstance(p, DesignedProposal)), None)
        if p is None:
            return ""
        parts = []
        if a.result is not None and self.design_id in a.result.table.index:
            row = a.result.table.loc[self.design_id]
            parts.append(_("Rank {rank} of {count}, overall {overall}", rank=row["rank"], count=len(a.proposals),
                           overall=f"{row['overall']:.2f}"))
        parts.append(_("Centralisation: {value}", value=f"{a.position(self.design_id):.2f}"))
        problems = [q for q in p.design.problems(a.dataset)]
        warn = "".join(f"<p class='igviz-warning'>{text(q)}</p>" for q in problems)
        return (f"<p class='igviz-rank igviz-design-rank' aria-live='polite'>{text(' · '.join(parts))}</p>"
                f"<p class='igviz-note'>{text(_('In every view as “{name}”; changes apply at once and are saved in the link.', name=p.short_name))}</p>{warn}")

    def _scores_html(self) -> str:
        """The design's scores, each with its range, evidence label and why (the rules that set it)."""
        data = self.assessment.dataset
        try:
            design = self.design()
            table = design.explain(data)
            scores = design.scores(data)
        except ValueError as exc:
            return f"<p class='igviz-warning' role='alert'>{text(exc)}</p>"
        language = current_language()
        rows = []
        for cid, row in table.iterrows():
            s = scores[cid]
            kind = evidence_kind(s)
            sources = "; ".join(dict.fromkeys(source_title(c, language) for c in s.citations))
            rows.append(
                f"<tr data-criterion='{text(cid)}'><th scope='row'>{text(local(row['name']))}</th>"
                f"<td class='igviz-num'>{row['score']:.1f}</td><td class='igviz-num'>{row['low']:.0f}–{row['high']:.0f}</td>"
                f"<td><span class='igviz-ev-mark igviz-ev-{kind}-ink' aria-hidden='true'>{MARKS[kind]}</span> "
                f"{text(evidence_label(s))}</td>"
                f"<td><details><summary>{text(_('why'))}</summary>{text(local(s.rationale))}"
                f"{'<br><cite>' + text(sources) + '</cite>' if sources else ''}</details></td></tr>")
        head = (f"<tr><th scope='col'>{text(_('Criterion'))}</th><th scope='col'>{text(_('Score'))}</th>"
                f"<th scope='col'>{text(_('Range'))}</th><th scope='col'>{text(_('Evidence'))}</th>"
                f"<th scope='col'>{text(_('Why'))}</th></tr>")
        whose = _("Scores of igviz's design model: each moves the starting point by rules quoted from the sources; no source assessed this design.")
        return (f"<table class='igviz-table igviz-design-table'><caption>{text(_('Its scores (0–10), and why'))}</caption>"
                f"<thead>{head}</thead><tbody>{''.join(rows)}</tbody></table><p class='igviz-note'>{text(whose)}</p>")

    def __panel__(self):
        return self._layout
