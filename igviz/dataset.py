"""A validated, immutable set of frameworks, proposals and scores, with table views of it."""

from __future__ import annotations

import math
from functools import cached_property
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from .errors import DataError, DataValidationError
from .records import Citation, Criterion, Framework, Preset, ProposalRecord, Scale, Score, StakeholderGroup
from .sources import SourceLibrary


class Dataset:
    """Everything loaded from `data/` (or from DataFrames), checked and cross-referenced.

    Build one with `igviz.load_dataset()` or `Dataset.from_frames()`; it never changes
    after that, so views and assessments can share it freely.
    """

    def __init__(self, scale: Scale, groups: Mapping[str, StakeholderGroup], frameworks: Mapping[str, Framework],
                 proposals: Mapping[str, ProposalRecord], sources: SourceLibrary,
                 presets: Mapping[str, Preset] | None = None, institutions=None,
                 overlays: Mapping | None = None, tradeoff=None):
        self.scale = scale
        self.groups = dict(groups)
        self.frameworks = dict(frameworks)
        self.proposals = dict(proposals)
        self.sources = sources
        self.presets = dict(presets or {})
        self.institutions = institutions   # InstitutionMap, or None when a dataset has no map
        self.overlays = dict(overlays or {})
        self.tradeoff = tradeoff
        self._derived: dict[tuple[str, str], Score] = {}

    def __repr__(self) -> str:
        return (f"<Dataset: {len(self.frameworks)} frameworks ({', '.join(self.frameworks)}), "
                f"{len(self.proposals)} proposals>")

    @cached_property
    def default_framework(self) -> Framework:
        return next(f for f in self.frameworks.values() if f.default)

    def framework(self, framework_id: str) -> Framework:
        try:
            return self.frameworks[framework_id]
        except KeyError:
            raise KeyError(f"unknown framework '{framework_id}' (known: {', '.join(self.frameworks)})") from None

    def proposal(self, proposal_id: str) -> ProposalRecord:
        try:
            return self.proposals[proposal_id]
        except KeyError:
            raise KeyError(f"unknown proposal '{proposal_id}' (known: {', '.join(self.proposals)})") from None

    def criterion(self, criterion_id: str):
        for f in self.frameworks.values():
            for c in f.criteria:
                if c.id == criterion_id:
                    return c
        raise KeyError(f"unknown criterion '{criterion_id}'")

    def presets_for(self, framework_id: str) -> list[Preset]:
        return [p for p in self.presets.values() if p.framework == framework_id]

    # -- scores -------------------------------------------------------------------------

    def score(self, proposal_id: str, criterion_id: str) -> Score:
        """The proposal's score on a criterion: as written, or derived from the default framework."""
        proposal = self.proposal(proposal_id)
        if criterion_id in proposal.scores:
            return proposal.scores[criterion_id]
        key = (proposal_id, criterion_id)
        if key not in self._derived:
            lookup = lambda cid: proposal.scores[cid]
            self._derived[key] = derive_score(self.criterion(criterion_id), lookup, self.default_framework)
        return self._derived[key]

    # -- tables ---------------------------------------------------------------------------

    def criteria_table(self, framework_id: str | None = None) -> pd.DataFrame:
        framework = self.framework(framework_id) if framework_id else self.default_framework
        return pd.DataFrame([{
            "criterion": c.id, "name": c.name, "group": c.group, "description": c.description,
            "citation": _cite(c.citation),
            "derived_from": ", ".join(f"{k} ×{v:g}" for k, v in c.derived_from.items()),
        } for c in framework.criteria]).set_index("criterion")

    def proposals_table(self) -> pd.DataFrame:
        rows = []
        for p in self.proposals.values():
            a = p.attributes
            rows.append({
                "proposal": p.id, "name": p.name, "short_name": p.short_name, "proponent": p.proponent,
                "baseline": p.baseline, "home_institution": a.home_institution,
                "seats": ", ".join(f"{self.groups[g].name if g in self.groups else g}: {n:g}" for g, n in a.seats.items()),
                "advisory_groups": ", ".join(a.advisory_groups), "decision_rule": a.decision_rule,
                "binding": a.binding, "coordinating_function": a.coordinating_function,
                "issue_working_groups": a.issue_working_groups,
            })
        return pd.DataFrame(rows).set_index("proposal")

    def scores_table(self, framework_id: str | None = None) -> pd.DataFrame:
        """One row per proposal × criterion: score, range, evidence, rationale and citations."""
        framework = self.framework(framework_id) if framework_id else self.default_framework
        rows = []
        for pid in self.proposals:
            for c in framework.criteria:
                s = self.score(pid, c.id)
                rows.append({"proposal": pid, "criterion": c.id, "score": s.score, "low": s.low, "high": s.high,
                             "evidence": s.evidence, "rationale": s.rationale,
                             "citations": " | ".join(_cite(x) for x in s.citations)})
        return pd.DataFrame(rows)

    # -- building from DataFrames -------------------------------------------------------------

    @classmethod
    def from_frames(cls, criteria: pd.DataFrame | None = None, proposals: pd.DataFrame | None = None,
                    scores: pd.DataFrame | None = None, base: "Dataset | None" = None,
                    sources: Iterable[str] = ()) -> "Dataset":
        """Build a dataset from pandas tables, optionally on top of `base` (e.g. the bundled data).

        criteria: one row per criterion, columns framework, id, name, group, description,
            source + quote (or reference), optional derived_from ("inclusive: 2, expertise: 1"
            or a dict), derivation_rationale, framework_name, framework_description, default.
        proposals: one row per proposal, columns id, name, short_name, proponent, description,
            home_institution, seats ("government: 50" or a dict), advisory_groups,
            decision_rule, binding, coordinating_function, issue_working_groups, source + quote.
        scores: one row per proposal × criterion, columns proposal, criterion, score, low, high,
            evidence, rationale, source + quote.
        sources: extra folders holding the files your quotes cite.

        Problems are reported like file problems, naming the table, the row and the column.
        """
        from .loader import build_dataset

        errors: list[DataError] = []
        frameworks = _frameworks_from_frame(criteria, errors) if criteria is not None else []
        props = _proposals_from_frames(proposals, scores, base, errors)
        if errors:
            raise DataValidationError(errors)
        return build_dataset(frameworks, props, base=base, extra_sources=sources)


def derive_score(criterion: Criterion, lookup: Callable[[str], Score], default: Framework) -> Score:
    """A non-default criterion's score as the weighted mean of the default criteria it draws on.

    The range is the weighted mean of the ranges, and the rationale and citations are
    those of the parts, so a derived number still leads back to quoted passages.
    """
    if not criterion.derived_from:
        raise KeyError(f"criterion '{criterion.id}' is neither scored nor derived")
    total = sum(criterion.derived_from.values())
    parts = [(cid, w / total, lookup(cid)) for cid, w in criterion.derived_from.items()]
    names = {c.id: c.name for c in default.criteria}
    rationale = (f"Derived from the {default.name}: "
                 + "; ".join(f"{names[cid]} {s.score:g} × {share:.0%}" for cid, share, s in parts)
                 + f". {criterion.derivation_rationale}")
    kinds = {s.evidence for _, _, s in parts}
    evidence = kinds.pop() if len(kinds) == 1 else "inferred"
    return Score(
        score=sum(share * s.score for _, share, s in parts),
        low=sum(share * s.low for _, share, s in parts),
        high=sum(share * s.high for _, share, s in parts),
        evidence=evidence, rationale=rationale,
        citations=tuple(dict.fromkeys(c for _, _, s in parts for c in s.citations)),
        derived_from=tuple((cid, share, s.score) for cid, share, s in parts),
    )


def _cite(c: Citation) -> str:
    if c.source:
        return f'{c.source}: "{c.quote}"'
    return c.reference + (f' "{c.quote}"' if c.quote else "")


def _present(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, float) and math.isnan(value):
        return False
    return not (isinstance(value, str) and not value.strip())


def _row_citation(row: Mapping[str, Any]) -> dict:
    return {k: row[k] for k in ("source", "quote", "reference", "url") if _present(row.get(k))}


def _mapping(value: Any) -> Any:
    """Accept "a: 1, b: 2" (what people type in a spreadsheet) as well as a dict."""
    if isinstance(value, str):
        out = {}
        for part in value.replace(";", ",").split(","):
            if part.strip():
                key, _, num = part.partition(":")
                try:
                    out[key.strip()] = float(num)
                except ValueError:
                    out[key.strip()] = num.strip()
        return out
    return value


def _rows(frame: pd.DataFrame) -> list[dict]:
    return [{k: (v if _present(v) else None) for k, v in row.items()} for row in frame.to_dict("records")]


def _frameworks_from_frame(frame: pd.DataFrame, errors: list[DataError]) -> list[tuple[str, dict]]:
    label = "criteria DataFrame"
    if "framework" not in frame.columns:
        errors.append(DataError(label, "", "framework", "missing column; expected the framework id of each criterion"))
        return []
    out: dict[str, dict] = {}
    for i, row in enumerate(_rows(frame)):
        fid = row.get("framework")
        fw = out.setdefault(str(fid), {
            "id": fid, "name": row.get("framework_name") or fid,
            "description": row.get("framework_description") or f"Criteria framework {fid}",
            "default": bool(row.get("default") or False), "criteria": [],
        })
        if "citation" not in fw and _row_citation(row):
            fw["citation"] = _row_citation(row)
        criterion = {k: row.get(k) for k in ("id", "name", "group", "description", "derivation_rationale") if row.get(k) is not None}
        criterion["citation"] = _row_citation(row)
        if row.get("derived_from") is not None:
            criterion["derived_from"] = _mapping(row["derived_from"])
        fw["criteria"].append(criterion)
    return [(f"{label} (framework {fid})", fw) for fid, fw in out.items()]


def _proposals_from_frames(proposals: pd.DataFrame | None, scores: pd.DataFrame | None,
                           base: Dataset | None, errors: list[DataError]) -> list[tuple[str, dict]]:
    out: dict[str, dict] = {}
    if proposals is not None:
        for i, row in enumerate(_rows(proposals)):
            pid = row.get("id")
            out[str(pid)] = {
                **{k: row.get(k) for k in ("id", "name", "short_name", "proponent", "description") if row.get(k) is not None},
                "baseline": bool(row.get("baseline") or False),
                "citations": [_row_citation(row)] if _row_citation(row) else [],
                "attributes": {
                    **{k: row.get(k) for k in ("home_institution", "decision_rule", "binding",
                                                 "coordinating_function", "issue_working_groups", "notes")
                       if row.get(k) is not None},
                    "seats": _mapping(row.get("seats")) or {},
                    "advisory_groups": _list(row.get("advisory_groups")),
                },
                "scores": {},
            }
    if scores is not None:
        label = "scores DataFrame"
        for i, row in enumerate(_rows(scores)):
            pid, cid = row.get("proposal"), row.get("criterion")
            if str(pid) not in out:
                errors.append(DataError(label, f"row {i + 1}", "proposal",
                                        f"unknown proposal '{pid}'; a scores table scores the proposals of its "
                                        f"proposals table ({', '.join(out) or 'none given'})"))
                continue
            out[str(pid)]["scores"][str(cid)] = {
                **{k: row.get(k) for k in ("score", "low", "high", "evidence", "rationale") if row.get(k) is not None},
                "citations": [_row_citation(row)] if _row_citation(row) else [],
            }
    # Scores live in their own table, so a problem names both tables; record and field pin it down.
    return [(f"proposals and scores DataFrames (proposal row {i + 1})", p) for i, p in enumerate(out.values())]


def _list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return list(value)
