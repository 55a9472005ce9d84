"""The evidence-label rules: a score's label must tell the truth about whose judgement it is.

`stated` needs a cited passage that names the proposal (or its model); `inferred` needs a
rationale that names the inference and a wider range; `silent` is the scale's neutral value
with the widest range. The numbers come from `scale.yaml`; data/README.md ("Evidence") explains
the rules to the people who write the data.
"""

from __future__ import annotations

import re

from .fields import Fields
from .records import Scale, Score
from .sources import SourceLibrary, normalise

_INFER = re.compile(r"\binfer", re.IGNORECASE)


def names_proposal(score: Score, source_names: tuple[str, ...]) -> bool:
    """Whether one of the score's quotes (from a source file) contains a name of the proposal."""
    wanted = [n.casefold() for n in source_names if n.strip()]
    return any(c.source and c.quote and any(n in " ".join(c.quote.split()).casefold() for n in wanted)
               for c in score.citations)


def check_score(scale: Scale | None, rec: Fields, s: Score, source_names: tuple[str, ...]) -> None:
    """Note in `rec` every way the score's evidence label breaks the rules."""
    width = s.high - s.low
    if s.evidence == "stated":
        if not s.names and not names_proposal(s, source_names):
            names = ", ".join(repr(n) for n in source_names) or "none listed"
            rec.fail("citations", "evidence is stated, but no cited quote names the proposal (its source_names: "
                                  f"{names}); quote the passage that names it, add `names:` saying how the "
                                  "passage refers to it, or label the score inferred")
    elif s.evidence == "inferred":
        if not _INFER.search(s.rationale):
            rec.fail("rationale", "evidence is inferred, so the rationale must name the inference in words "
                                  "containing 'infer' (e.g. 'We infer ... from ...')")
    if scale is None:
        return
    minimum = {"stated": scale.stated_min_range, "inferred": scale.inferred_min_range}.get(s.evidence)
    if minimum is not None:
        if minimum and width < minimum:
            rec.fail("high", f"evidence is {s.evidence}, so the range must be at least {minimum:g} wide "
                             f"(got {s.low:g}..{s.high:g})")
        if scale.silent_min_range and width >= scale.silent_min_range:
            rec.fail("high", f"a {s.evidence} range must be narrower than a silent one (under "
                             f"{scale.silent_min_range:g}; got {s.low:g}..{s.high:g})")
    elif s.evidence == "silent" and width < scale.silent_min_range:
        rec.fail("high", f"evidence is silent, so the range must be at least {scale.silent_min_range:g} wide "
                         f"(got {s.low:g}..{s.high:g})")
    if s.evidence == "silent" and scale.neutral is not None:
        if s.score != scale.neutral:
            rec.fail("score", f"evidence is silent, so the score must be the scale's neutral value "
                              f"{scale.neutral:g} (got {s.score:g})")
        half = scale.silent_min_range / 2
        if s.low > scale.neutral - half or s.high < scale.neutral + half:
            rec.fail("low", f"evidence is silent, so the range must reach from {scale.neutral - half:g} to "
                            f"{scale.neutral + half:g} at least (got {s.low:g}..{s.high:g})")


def check_source_names(sources: SourceLibrary, rec: Fields, names: tuple[str, ...]) -> None:
    """A name that no source uses would let any quote pass as naming the proposal: refuse it."""
    texts = sources.folded_texts() if names else []   # cached; a source that is not UTF-8 is named elsewhere
    for i, name in enumerate(names):
        if not any(normalise(name).casefold() in t for t in texts):
            rec.fail(f"source_names[{i}]", f"{name!r} does not occur in any file in sources/; list the words "
                                           "the sources use to name the proposal")
