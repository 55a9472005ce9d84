"""One proposal in full: description, structure, strengths and weaknesses, and why each score."""

from __future__ import annotations

import panel as pn
import param

from ..model import Assessment
from ..i18n import N_
from ..datatext import localised, proposal_text, shown_score
from .language import _, current_language
from .evidence import (MARKS, evidence_kind, evidence_label, local, perspective_html, rated_note, shares_bar_html,
                       shares_sentence)
from .base import Soon
from .style import html_pane, quote_html, text

RULES = {"rough_consensus": N_("Rough consensus"), "majority_vote": N_("Majority vote"),
         "intergovernmental": N_("Intergovernmental"), "voluntary": N_("Voluntary adoption"), "mixed": N_("Mixed")}


class ProposalDetail(pn.viewable.Viewer):
    assessment = param.ClassSelector(class_=Assessment)

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._select = pn.widgets.Select.from_param(
            a.param.selected, label=_("Proposal"), description=_("The proposal every view highlights"),
            options=self._options(), sizing_mode="stretch_width")
        # Panes updated in place: replacing a pane costs a round of layout in the browser.
        self._title = html_pane("", sizing_mode="stretch_width", margin=(0, 10), css_classes=["igviz-detail"])
        self._rank = html_pane("", sizing_mode="stretch_width", margin=(0, 10))
        self._body_pane = html_pane("", sizing_mode="stretch_width", css_classes=["igviz-detail"])
        self._described = None
        self._update()
        # Like every view, it follows the published result and the selection, nothing else.
        # Just after the ranking's update, not in it (views.base.Soon).
        a.param.watch(Soon(self._update), ["result", "selected"])
        # A design added or removed (igviz.design) is one more or one less to choose.
        a.param.watch(self._proposals_changed, ["proposals"])

    def _proposals_changed(self, *events) -> None:
        # Only when the choice changed: a design replaced under its own id (each option change in the
        # designer) leaves it as it was, and param took the same options for new ones (its labels are
        # translated strings), sending them to the browser ahead of the new ranking.
        options = self._options()
        if options != self._select.options:
            self._select.options = options

    def _options(self) -> dict:
        a, language = self.assessment, current_language()
        return {_("Choose a proposal…"): None, **{proposal_text(a, p.id, "short_name", language): p.id for p in a.proposals}}

    def _update(self, *events) -> None:
        a = self.assessment
        self._rank.object = self._rank_html()
        # The description and the scores behind it change with the selection and the scores,
        # not with a weight move (the rank line above does).
        described = (a.selected, a.framework, a.score_arrays()[0].tobytes(), id(a.perspective))
        if described != self._described:
            self._described = described
            name = proposal_text(a, a.selected, "name", current_language()) if a.selected else ""
            self._title.object = f"<h3>{text(name)}</h3>" if name else ""
            self._body_pane.object = self._body_html()

    def _rank_html(self) -> str:
        a = self.assessment
        if not a.selected or a.result is None:
            return ""
        row = a.result.table.loc[a.selected]
        line = _("Rank {rank} of {count}, overall {overall}", rank=row["rank"], count=len(a.proposals),
                 overall=f"{row['overall']:.2f}")
        return f"<p class='igviz-rank'>{text(line)}</p>"

    def _body(self) -> pn.pane.HTML:
        """The proposal in full (the saved report shows it alone)."""
        return self._body_pane

    def _body_html(self) -> str:
        a = self.assessment
        if not a.selected:
            return f"<p class='igviz-note'>{text(_('Choose a proposal here, or click its bar in the ranking or its row in the score matrix.'))}</p>"
        p = a.proposal(a.selected)
        language = current_language()
        groups = a.dataset.groups
        group = lambda g: text(localised(groups[g], "name", language) if g in groups else g)  # noqa: E731
        seats = ", ".join(f"{group(g)}: {n:g}" for g, n in p.seats.items()) or text(_("none"))
        advisory = ", ".join(group(g) for g in p.advisory_groups) or text(_("none"))
        yes = lambda v: text(_("yes") if v else _("no"))  # noqa: E731
        facts = [(_("Proposed by"), text(local(p.proponent))), (_("Home"), text(local(p.home_institution))),
                 (_("Who decides (seats)"), seats), (_("Advises"), advisory),
                 (_("Decision rule"), text(_(RULES[p.decision_rule])) if p.decision_rule in RULES else text(p.decision_rule)),
                 (_("Binding"), yes(p.binding)), (_("Adds a coordinating function"), yes(p.coordinating_function)),
                 (_("Issue-specific working groups"), yes(p.issue_working_groups))]
        criteria = a.active_framework.criteria
        scores = [p.score(c.id) for c in criteria]
        names = {c.id: localised(c, "name", language) for f in a.dataset.frameworks.values() for c in f.criteria}

        def score_line(s):
            kind = evidence_kind(s)
            return (text(_("{score} (range {low}–{high})", score=shown_score(s.score), low=shown_score(s.low), high=shown_score(s.high)))
                    + f" <span class='igviz-ev-tag'><span class='igviz-ev-{kind}-ink' aria-hidden='true'>{MARKS[kind]}</span> "
                    f"{text(evidence_label(s))}</span>")

        def rationale(c, s):
            if evidence_kind(s) == "rated":
                # People's ratings: whose, how many, how far apart; they cite no source.
                return f"<p class='igviz-rated-note'>{text(rated_note(a.perspective, p.id, c.id) or local(s.rationale))}</p>"
            if not s.derived_from:
                return f"<p>{text(local(s.rationale))}</p>"
            # Written here, in the page's language, from the parts: the loader's English sentence
            # would stay English on a French page.
            parts = "; ".join(f"{names.get(cid, cid)} {score:g} × {share:.0%}" for cid, share, score in s.derived_from)
            line = _("Derived from the {framework} scores: {parts}.", parts=parts,
                     framework=localised(a.dataset.default_framework, "name", language))
            return f"<p>{text(line)} {text(local(c.derivation_rationale))}</p>"

        remarks = lambda items: "".join(f"<li>{text(local(r.text))}{quote_html(r.citation)}</li>" for r in items)  # noqa: E731
        why = "".join(
            f"<details><summary><b>{text(localised(c, 'name', language))}</b>: {score_line(s)}</summary>"
            f"{rationale(c, s)}{''.join(quote_html(q) for q in s.citations[:3])}</details>"
            for c, s in zip(criteria, scores))
        html = (
            f"<p>{text(localised(p.record, 'description', language))}</p>"
            f"<p class='igviz-shares-line'>{text(_('How much of this is the sources’ own judgement:'))} "
            f"{shares_bar_html(scores)} {text(shares_sentence(scores))}</p>"
            f"{perspective_html(perspective=a.perspective)}"
            + "<table class='igviz-table igviz-facts'>"
            + "".join(f"<tr><th scope='row'>{text(k)}</th><td>{v}</td></tr>" for k, v in facts)
            + "</table>"
            f"<h4>{text(_('Strengths'))}</h4><ul>{remarks(p.record.strengths)}</ul>"
            f"<h4>{text(_('Weaknesses'))}</h4><ul>{remarks(p.record.weaknesses)}</ul>"
            f"<h4>{text(_('Why each score'))}</h4>"
            f"{why}"
        )
        return html

    def __panel__(self):
        return pn.Column(html_pane(f"<h2>{text(_('Proposal'))}</h2>", margin=(0, 10)), self._select, self._title, self._rank, self._body_pane,
                         sizing_mode="stretch_width")
