"""Whose judgement a number is: evidence labels, the sources' share of each proposal, the
perspective of the bundled scores, and citations as readers see them (titled and translated).

Every view that shows a score shows its evidence label with it, from here, so the words and
marks are the same in the matrix, the radar and the detail.
"""

from __future__ import annotations

from collections import Counter

from ..datatext import data_text, perspective_html as _perspective_html, quote_translation, source_title
from ..i18n import N_
from .language import _, current_language
from .style import quote_html, text

# The order readers meet them in: the sources' own judgement first.
KINDS = ("stated", "inferred", "silent", "derived")
LABELS = {"stated": N_("stated"), "inferred": N_("inferred"), "silent": N_("silent"), "derived": N_("derived")}
MEANINGS = {
    "stated": N_("the sources assess this proposal on this criterion directly"),
    "inferred": N_("read from what the sources say about the proposal's features; the rationale names the inference"),
    "silent": N_("the sources say nothing on it: the scale's neutral value with the widest range"),
    "derived": N_("computed from the Best Bits scores, not assessed in this framework's own terms"),
}
# Marks that need no translation, beside the score in the matrix: filled = the sources' own
# words, half = read from them, empty = nothing said, diamond = computed from other scores.
MARKS = {"stated": "●", "inferred": "◐", "silent": "○", "derived": "◇"}


def evidence_kind(score) -> str:
    """stated / inferred / silent, or derived for a score computed from another framework's
    (the data may mark it with `derived: true`, or it carries the parts it was derived from)."""
    if getattr(score, "derived", False) or getattr(score, "derived_from", ()):
        return "derived"
    return score.evidence if score.evidence in LABELS else "inferred"


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
             for k in KINDS if counts[k] or k != "derived"]
    return "; ".join(parts)


def shares_bar_html(scores) -> str:
    """A thin bar of stated / inferred / silent / derived, with the counts as text for screen readers."""
    counts = evidence_shares(scores)
    total = sum(counts.values()) or 1
    segments = "".join(
        f"<span class='igviz-ev-seg igviz-ev-{k}' style='width:{100 * counts[k] / total:.1f}%'></span>"
        for k in KINDS if counts[k])
    return (f"<span class='igviz-ev-bar' role='img' aria-label='{text(shares_sentence(scores))}'>{segments}</span>")


def legend_html() -> str:
    """The marks and what they mean, for the matrix and the radar."""
    keys = "".join(f"<span class='igviz-key' title='{text(_(MEANINGS[k]))}'><span class='igviz-ev-mark igviz-ev-{k}-ink'>"
                   f"{MARKS[k]}</span> {text(_(LABELS[k]))}</span> " for k in KINDS)
    return f"<p class='igviz-note'>{text(_('Evidence:'))} {keys}</p>"


# -- the perspective of the bundled scores ------------------------------------------------------

def perspective_html(language: str | None = None) -> str:
    """The line naming whose judgement the scores are (see igviz.datatext.perspective_html)."""
    return _perspective_html(language or current_language())


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
