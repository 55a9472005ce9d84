"""One proposal in full: description, structure, strengths and weaknesses, and why each score."""

from __future__ import annotations

import panel as pn
import param

from ..model import Assessment
from .style import RANKING_INPUTS, WEIGHT_INPUTS, html_pane, quote_html, text

RULES = {"rough_consensus": "Rough consensus", "majority_vote": "Majority vote",
         "intergovernmental": "Intergovernmental", "voluntary": "Voluntary adoption", "mixed": "Mixed"}


class ProposalDetail(pn.viewable.Viewer):
    assessment = param.ClassSelector(class_=Assessment)

    def __init__(self, **params):
        super().__init__(**params)
        a = self.assessment
        self._select = pn.widgets.Select.from_param(
            a.param.selected, name="Proposal",
            options={"Choose a proposal…": None, **{p.short_name: p.id for p in a.proposals}},
            sizing_mode="stretch_width")
        self._rank = html_pane(self._rank_html(), sizing_mode="stretch_width", margin=(0, 10))

    @param.depends("assessment.selected")
    def _title(self):
        a = self.assessment
        name = a.proposal(a.selected).name if a.selected else ""
        return html_pane(f"<h3>{text(name)}</h3>" if name else "", sizing_mode="stretch_width", margin=(0, 10),
                         css_classes=["igviz-detail"])

    @param.depends(WEIGHT_INPUTS, watch=True)
    def _weights_moved_update_rank(self):
        self._update_rank()

    # Updated in place on every weight move: replacing a pane costs a round of layout in the browser.
    @param.depends("assessment.selected", *RANKING_INPUTS, watch=True)
    def _update_rank(self):
        self._rank.object = self._rank_html()

    def _rank_html(self) -> str:
        a = self.assessment
        if not a.selected or a.problem():
            return ""
        row = a.ranking().table.loc[a.selected]
        return f"<p class='igviz-rank'>Rank {row['rank']} of {len(a.proposals)}, overall {row['overall']:.2f}</p>"

    @param.depends("assessment.selected", "assessment.framework", "assessment.revision")
    def _body(self):
        a = self.assessment
        if not a.selected:
            return html_pane("<p class='igviz-note'>Choose a proposal here, or click its bar in the ranking "
                                "or its row in the score matrix.</p>", sizing_mode="stretch_width")
        p = a.proposal(a.selected)
        groups = a.dataset.groups
        seats = ", ".join(f"{text(groups[g].name if g in groups else g)}: {n:g}" for g, n in p.seats.items()) or "none"
        advisory = ", ".join(text(groups[g].name if g in groups else g) for g in p.advisory_groups) or "none"
        yes = lambda v: "yes" if v else "no"
        facts = [("Proposed by", text(p.proponent)), ("Home", text(p.home_institution)),
                 ("Who decides (seats)", seats), ("Advises", advisory),
                 ("Decision rule", RULES.get(p.decision_rule, text(p.decision_rule))),
                 ("Binding", yes(p.binding)), ("Adds a coordinating function", yes(p.coordinating_function)),
                 ("Issue-specific working groups", yes(p.issue_working_groups))]
        remarks = lambda items: "".join(f"<li>{text(r.text)}{quote_html(r.citation)}</li>" for r in items)
        why = "".join(
            f"<details><summary><b>{text(c.name)}</b>: {s.score:g} (range {s.low:g}–{s.high:g}, {text(s.evidence)})</summary>"
            f"<p>{text(s.rationale)}</p>{''.join(quote_html(q) for q in s.citations[:3])}</details>"
            for c in a.active_framework.criteria for s in [p.score(c.id)])
        html = (
            f"<p>{text(p.description)}</p>"
            "<table class='igviz-table igviz-facts'>"
            + "".join(f"<tr><th scope='row'>{k}</th><td>{v}</td></tr>" for k, v in facts)
            + "</table>"
            f"<h4>Strengths</h4><ul>{remarks(p.record.strengths)}</ul>"
            f"<h4>Weaknesses</h4><ul>{remarks(p.record.weaknesses)}</ul>"
            f"<h4>Why each score</h4>{why}"
        )
        return html_pane(html, sizing_mode="stretch_width", css_classes=["igviz-detail"])

    def __panel__(self):
        return pn.Column(html_pane("<h2>Proposal</h2>", margin=(0, 10)), self._select, self._title, self._rank, self._body,
                         sizing_mode="stretch_width")
