"""Whose judgement a number is: evidence labels, the sources' share of each proposal, the
perspective of the bundled scores, and citations as readers see them (titled and translated).

Every view that shows a score shows its evidence label with it, from here, so the words and
marks are the same in the matrix, the radar and the detail.
"""

from __future__ import annotations

from collections import Counter

from ..datatext import KINDS, LABELS, data_text, evidence_kind, perspective_html as _perspective_html, quote_translation, source_title
from ..i18n import N_
from .language import _, current_language
from .style import quote_html, text

# What each evidence label means (the kinds and labels live in igviz/datatext.py).
MEANINGS = {
    "stated": N_("the sources assess this proposal on this criterion directly"),
    "inferred": N_("read from what the sources say about the proposal's features; the rationale names the inference"),
    "silent": N_("the sources say nothing on it: the scale's neutral value with the widest range"),
    "derived": N_("computed from the Best Bits scores, not assessed in this framework's own terms"),
    "rated": N_("rated by people (a workshop room or a stakeholder group): whose, how many and how far they "
                "disagreed are given with the score"),
}
# Marks that need no translation, beside the score in the matrix: filled = the sources' own
# words, half = read from them, empty = nothing said, diamond = computed from other scores,
# square = rated by people.
MARKS = {"stated": "●", "inferred": "◐", "silent": "○", "derived": "◇", "rated": "■"}


def evidence_label(score) -> str:
    return _(LABELS[evidence_kind(score)])


def evidence_shares(scores) -> dict[str, int]:
    """How many of the scores are of each kind (derived scores counted by their parts' labels
    too, in the detail's sentence)."""
    counts = Counter(evidence_kind(s) for s in scores)
    return {k: counts.get(k, 0) for k in KINDS}


def shares_sentence(scores) -> str:
    counts = evidence_shares(scores)
    total = sum(counts.values()) or 1
    parts = [_("{count} of {total} {label}", count=counts[k], total=total, label=_(LABELS[k]))
             for k in KINDS if counts[k] or k not in ("derived", "rated")]
    return "; ".join(parts)


def shares_bar_html(scores) -> str:
    """A thin bar of stated / inferred / silent / derived, with the counts as text for screen readers."""
    counts = evidence_shares(scores)
    total = sum(counts.values()) or 1
    segments = "".join(
        f"<span class='igviz-ev-seg igviz-ev-{k}' style='width:{100 * counts[k] / total:.1f}%'></span>"
        for k in KINDS if counts[k])
    return (f"<span class='igviz-ev-bar' role='img' aria-label='{text(shares_sentence(scores))}'>{segments}</span>")


def legend_html(rated: bool = False) -> str:
    """The marks and what they mean, for the matrix and the radar (`rated` under a perspective
    whose scores people rated)."""
    keys = "".join(f"<span class='igviz-key' title='{text(_(MEANINGS[k]))}'><span class='igviz-ev-mark igviz-ev-{k}-ink'>"
                   f"{MARKS[k]}</span> {text(_(LABELS[k]))}</span> " for k in KINDS if rated or k != "rated")
    return f"<p class='igviz-note'>{text(_('Evidence:'))} {keys}</p>"


# -- whose judgement: the bundled scores' perspective, or another -----------------------------------

def perspective_html(language: str | None = None, perspective=None) -> str:
    """The line naming whose judgement the scores are (see igviz.datatext.perspective_html); under
    another perspective (igviz.perspective.Perspective), that one's name and whose it is."""
    if perspective is None:
        return _perspective_html(language or current_language())
    line = _("Scores: {name} — {whose}; where nobody rated, the Best Bits group’s (civil society, early 2014).",
             name=_(perspective.name), whose=_(perspective.whose))
    more = _("These scores are people’s ratings, not the sources’: each rated score says how many rated it, from "
             "how many stakeholder groups, and how far their ratings spread. A score nobody rated keeps the Best "
             "Bits group’s, with its evidence label. Choose the perspective under Whose scores.")
    return (f"<details class='igviz-perspective igviz-perspective-rated'><summary>{text(line)} "
            f"<span class='igviz-more'>{text(_('What this means'))}</span></summary><p>{text(more)}</p></details>")


# The names igviz gives the perspectives it makes (igviz.perspective, igviz.workshop.ratings), marked
# here so that translators see them; the test of the views checks they are the names in use.
PERSPECTIVE_NAMES = (N_("Best Bits analysis, early 2014"), N_("the Best Bits group (civil society), from the source documents"),
                     N_("The room, each stakeholder group counting once"),
                     N_("the workshop's participants (their ratings)"))


def rated_note(perspective, proposal_id: str, criterion_id: str) -> str:
    """Whose a rated score is and how sure: 'Rated by: the room … Mean of 7 ratings from 3 stakeholder
    groups; spread ±1.2.' (plain text, translated; the caller escapes). '' where the perspective is silent."""
    cell = perspective.cell(proposal_id, criterion_id) if perspective is not None else None
    if cell is None:
        return ""
    whose = _("Rated by: {name} — {whose}.", name=_(perspective.name), whose=_(perspective.whose))
    if cell.ratings is None:
        return f"{whose} {local(cell.basis)}".strip()
    if cell.groups is not None and cell.groups > 1:
        count = _("Mean of {ratings} ratings from {groups} stakeholder groups, each group counting once.",
                  ratings=cell.ratings, groups=cell.groups)
    else:
        count = _("Mean of {ratings} ratings.", ratings=cell.ratings)
    spread = (_("Spread of the ratings: ±{spread} (standard deviation).", spread=f"{cell.spread:.1f}")
              if cell.spread is not None else _("Spread unknown: fewer than two ratings."))
    return f"{whose} {count} {spread}"


# -- citations as readers see them --------------------------------------------------------------

def citation_html(citation) -> str:
    """The passage verbatim, its translation beside it, and the source's title (see style.quote_html)."""
    return quote_html(citation)


def citation_line(citation) -> str:
    """One line for a tooltip: 'Title: “passage”' (plain text; the caller escapes or Bokeh does)."""
    if citation is None:
        return ""
    title = source_title(citation, current_language())
    if not citation.quote:
        return title
    translated = quote_translation(citation.quote, current_language())
    return f"{title}: “{citation.quote}”" + (f" ({translated})" if translated else "")


def local(value: str) -> str:
    """A data text in the page's language."""
    return data_text(value, current_language())


def rated_short(perspective, proposal_id: str, criterion_id: str) -> str:
    """How sure a rated score is, in a few words for a table cell: '4 ratings, 2 groups, ±4.0'
    ('' where the perspective is silent; its basis where it has no counts). `rated_note` says it in full."""
    cell = perspective.cell(proposal_id, criterion_id) if perspective is not None else None
    if cell is None:
        return ""
    if cell.ratings is None:
        return local(cell.basis)
    spread = f"±{cell.spread:.1f}" if cell.spread is not None else _("no spread")
    return _("{ratings} ratings, {groups} groups, {spread}", ratings=cell.ratings,
             groups=cell.groups if cell.groups is not None else "?", spread=spread)
