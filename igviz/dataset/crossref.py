"""Checks between records that can only be made once every file has been read.

A parser checks what its own file says and what the kinds read before it say (a proposal's
seats name known stakeholder groups, a preset's weights its framework's criteria). What is
left needs the whole picture: exactly one default framework, derived criteria that draw on
it, and proposals that score every criterion they must.
"""

from __future__ import annotations

from ..errors import DataError
from .fields import Fields
from .parsers import Contents


def check_references(c: Contents) -> None:
    """Note every cross-reference problem in `c.errors`."""
    if c.scale is None:
        c.errors.append(DataError("scale.yaml", "", "", "missing: no folder has a scale.yaml"))
    defaults = [f for f in c.frameworks.values() if f.default]
    if len(defaults) != 1:
        files = ", ".join(f.file for f in defaults) or "none"
        c.errors.append(DataError("frameworks/", "", "default",
                                  f"exactly one framework must have `default: true`; found {len(defaults)} ({files})"))
    default = defaults[0] if len(defaults) == 1 else None
    if default is not None:
        _check_derivations(c, default)
    _check_scores_complete(c, default)
    _check_baseline_moment(c)


def _check_baseline_moment(c: Contents) -> None:
    """The baseline's scores and the institution map describe one moment: the baseline proposal
    names it in `as_of`, and it must be the map's `as_of` (issue: the status quo had been scored
    as of early 2014 but drawn as of 2026)."""
    if c.institutions is None:
        return
    for p in c.proposals.values():
        if p.baseline and p.as_of != c.institutions.as_of:
            Fields(c.errors, p.file, p.id, {}).fail(
                "as_of", f"the baseline must describe the moment the institution map describes "
                         f"('{c.institutions.as_of}' in institutions.yaml), got '{p.as_of or 'nothing'}'")


def _check_derivations(c: Contents, default) -> None:
    for f in c.frameworks.values():
        for crit in f.criteria:
            rec = Fields(c.errors, f.file, f"{f.id}/{crit.id}", {})
            if f.default and crit.derived_from:
                rec.fail("derived_from", "criteria of the default framework are scored directly, not derived")
            for source in crit.derived_from:
                if source not in default.criterion_ids:
                    rec.fail(f"derived_from.{source}", f"unknown criterion '{source}' of the default framework "
                                                       f"'{default.id}' (known: {', '.join(default.criterion_ids)})")


def _check_scores_complete(c: Contents, default) -> None:
    """Every proposal scores every default criterion, and every criterion that is not derived."""
    for pid, (rec, scored) in c.scored.items():
        for cid in default.criterion_ids if default is not None else ():
            if cid not in scored:
                rec.fail(f"scores.{cid}", f"missing; every proposal scores every criterion of the default framework '{default.id}'")
        for f in c.frameworks.values():
            for crit in f.criteria:
                if not f.default and not crit.derived_from and crit.id not in scored:
                    rec.fail(f"scores.{crit.id}", f"missing; criterion '{crit.id}' of framework '{f.id}' has no "
                                                  "`derived_from`, so every proposal must score it")
