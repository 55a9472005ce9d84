"""A validated, immutable set of frameworks, proposals and scores, with table views of it."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from functools import cached_property
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping

import pandas as pd

from ..errors import DataError, DataValidationError
from .frames import frameworks_from_frame, proposals_from_frames
from .kinds import read_folders, read_records
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
                 overlays: Mapping | None = None, tradeoff=None, later=None, relation_rules: Mapping | None = None,
                 translations: Mapping | None = None, design=None):
        self.scale = scale
        self.groups = dict(groups)
        self.frameworks = dict(frameworks)
        self.proposals = dict(proposals)
        self.sources = sources
        self.presets = dict(presets or {})
        self.institutions = institutions   # InstitutionMap, or None when a dataset has no map
        self.overlays = dict(overlays or {})
        self.tradeoff = tradeoff
        self.later = later              # LaterLayer: what changed on the map since its moment, or None
        self.relation_rules = dict(relation_rules or {})
        # language -> English text -> translation, checked by the loader; shown through igviz.datatext
        self.translations = dict(translations or {})
        self.design = design   # DesignModel (data/design/), or None when a dataset has none
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
                             "evidence": s.evidence, "derived": s.derived, "rationale": s.rationale,
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
        errors: list[DataError] = []
        frameworks = frameworks_from_frame(criteria, errors) if criteria is not None else []
        props = proposals_from_frames(proposals, scores, base, errors)
        if errors:
            raise DataValidationError(errors)
        return cls(**read_records(frameworks, props, base=base, extra_sources=sources).records())

    # -- identity ---------------------------------------------------------------------------

    @cached_property
    def fingerprint(self) -> str:
        """A short hash of everything loaded: scale, groups, frameworks, criteria, proposals, scores,
        presets, institution map, overlays and trade-off model.

        Equal datasets give equal fingerprints on any machine and in any run, whatever the
        folders are called (file labels are left out); any change to a record, a score or a
        weight changes it. A saved state records it, so reopening it on other data can say so.
        """
        content = {"scale": self.scale, "groups": self.groups, "frameworks": self.frameworks,
                   "proposals": self.proposals, "presets": self.presets, "institutions": self.institutions,
                   "overlays": self.overlays, "tradeoff": self.tradeoff}
        if self.design is not None:   # (kept out when absent, so a dataset without one keeps its fingerprint)
            content["design"] = self.design
        text = json.dumps(_canonical(content), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                          allow_nan=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def load_dataset(*folders: str | Path, progress: Callable | None = None) -> Dataset:
    """Load and validate data from one or more folders (default: the bundled data).

    Later folders add frameworks, proposals and sources to earlier ones; a folder needs
    only the parts it adds (the bundled `scale.yaml` and stakeholder groups are reused).
    Raises DataValidationError listing every problem, each naming file, record and field.
    `progress`, if given, is called after each data file (see igviz.dataset.kinds.Progress).
    """
    return Dataset(**read_folders(folders, progress).records())


def _canonical(value: Any) -> Any:
    """Records as plain JSON values, the same on every machine: the fingerprint's input.

    Where a record came from (its `file` label) is not content: the same data in a folder
    of another name is the same dataset.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"@": type(value).__name__,
                **{f.name: _canonical(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "file"}}
    if isinstance(value, Mapping):
        return {str(k): _canonical(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_canonical(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)   # 8 and 8.0 are one score, whether it came from YAML or a DataFrame
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise TypeError(f"cannot fingerprint a {type(value).__name__}")


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
    # A derived score is never "stated": no source assessed the proposal on this criterion; the
    # mapping from the default criteria is the data's authors' inference.
    evidence = "silent" if all(s.evidence == "silent" for _, _, s in parts) else "inferred"
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
