"""The records igviz's data is made of, as plain immutable values.

These are what the loader produces after validation; nothing here reads files or
knows about views. The param model (`igviz.model`) wraps them for reactive use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

DECISION_RULES = ("rough_consensus", "majority_vote", "intergovernmental", "voluntary", "mixed")
EVIDENCE = ("stated", "inferred", "silent")


@dataclass(frozen=True)
class Citation:
    """A source file in `sources/` with a verbatim quote, or an external reference."""

    source: str | None = None
    quote: str | None = None
    reference: str | None = None
    url: str | None = None

    def label(self) -> str:
        return self.source or self.reference or ""


@dataclass(frozen=True)
class Criterion:
    id: str
    name: str
    group: str
    description: str
    citation: Citation
    framework: str
    # Default-framework criterion id -> relative weight; empty for directly scored criteria.
    derived_from: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    derivation_rationale: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Framework:
    id: str
    name: str
    description: str
    citation: Citation
    criteria: tuple[Criterion, ...]
    default: bool = False
    file: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    # False when the criteria could not be checked against a citable text; the note says what
    # (views show it beside the framework's name).
    verified: bool = True
    verification_note: str = ""

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def criterion(self, criterion_id: str) -> Criterion:
        for c in self.criteria:
            if c.id == criterion_id:
                return c
        raise KeyError(f"framework '{self.id}' has no criterion '{criterion_id}'")

    @property
    def groups(self) -> list[str]:
        """Group names in the order the framework first uses them."""
        return list(dict.fromkeys(c.group for c in self.criteria))


@dataclass(frozen=True)
class Score:
    score: float
    low: float
    high: float
    evidence: str
    rationale: str
    citations: tuple[Citation, ...]
    # For a score derived from the default framework: (criterion id, share, score) per part.
    derived_from: tuple[tuple[str, float, float], ...] = ()
    # For a stated score whose quotes do not contain one of the proposal's source_names: how the
    # cited passage refers to the proposal.
    names: str = ""

    @property
    def derived(self) -> bool:
        """True for a score computed from the default framework's scores, not scored directly."""
        return bool(self.derived_from)


@dataclass(frozen=True)
class Remark:
    """A strength or weakness, with the passage it rests on."""

    text: str
    citation: Citation


@dataclass(frozen=True)
class Attributes:
    home_institution: str
    seats: Mapping[str, float]
    advisory_groups: tuple[str, ...]
    decision_rule: str
    binding: bool
    coordinating_function: bool
    issue_working_groups: bool
    notes: str = ""


@dataclass(frozen=True)
class ProposalRecord:
    id: str
    name: str
    short_name: str
    proponent: str
    description: str
    citations: tuple[Citation, ...]
    attributes: Attributes
    scores: Mapping[str, Score]
    strengths: tuple[Remark, ...] = ()
    weaknesses: tuple[Remark, ...] = ()
    baseline: bool = False
    file: str = ""
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))
    # The words that name the proposal or its model in the sources: a stated score's quote must
    # contain one (or the score says how its passage refers to the proposal, in `names`).
    source_names: tuple[str, ...] = ()
    as_of: str = ""   # for the baseline: the moment it describes (must be the institution map's)
    # For a designed proposal (no hand-set scores): dimension id -> option id, or a tuple of option
    # ids for a dimension that allows several; its scores are derived from the design model's rules.
    design: Mapping[str, object] | None = None


@dataclass(frozen=True)
class Scale:
    min: float
    max: float
    silent_min_range: float
    anchors: Mapping[int, str]
    evidence: Mapping[str, str]
    # The evidence rules (data/README.md, "Evidence"); None/0 where a scale file does not set them.
    neutral: float | None = None
    stated_min_range: float = 0.0
    inferred_min_range: float = 0.0
    # Proposals whose scores are not yet held to the evidence rules (scale.yaml says why).
    evidence_exempt: tuple[str, ...] = ()


@dataclass(frozen=True)
class StakeholderGroup:
    id: str
    name: str
    translations: Mapping[str, Mapping[str, str]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class Preset:
    """A named weight profile for one framework, with why someone might hold it."""

    id: str
    framework: str
    name: str
    rationale: str
    weights: Mapping[str, float]
    citation: Citation | None = None


# Kinds of body, one per stakeholder group of stakeholder_groups.yaml (a national government is
# `government`, an organisation of governments `intergovernmental`, the technical and academic
# community `technical`, the private sector `private`), plus `multistakeholder` for bodies whose
# members come from several groups.
NODE_KINDS = ("government", "intergovernmental", "multistakeholder", "technical", "private", "civil_society")
# Relation kinds that carry decision-making authority, and how much: the weights of the
# centralisation measure (see igviz.network). Deciding and overseeing carry full authority;
# routing an issue to another body carries less, because that body still decides.
AUTHORITY = {"decides_on": 1.0, "oversees": 1.0, "mandates": 0.8, "coordinates": 0.6, "appoints": 0.5}
# Forwarding an issue routes the decision to the receiving body: the authority it carries is
# credited to the body that takes the issue up, not to the one that routes it (MIPOC routes
# issues to many existing bodies; Malcolm's MIPC takes up every issue the IGF forwards).
ISSUE_INTAKE = {"forwards_issues_to": 0.3}
NO_AUTHORITY = ("advises", "feeds_into", "reports_to", "convenes", "hosts", "funds", "monitors")
RELATION_KINDS = (*AUTHORITY, *ISSUE_INTAKE, *NO_AUTHORITY)


@dataclass(frozen=True)
class Body:
    id: str
    name: str
    kind: str
    description: str
    citation: Citation
    members: int = 1   # > 1 for a node standing for many independent actors (national governments)


@dataclass(frozen=True)
class Relation:
    source: str
    target: str
    relation: str
    description: str
    citation: Citation

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.source, self.target, self.relation)


@dataclass(frozen=True)
class RelationRule:
    """What a relation kind means and which kinds of body it may join (relation_kinds.yaml)."""
    kind: str
    meaning: str
    from_kinds: tuple[str, ...]
    to_kinds: tuple[str, ...]
    why: str = ""

    def problem(self, from_kind: str, to_kind: str) -> str | None:
        """Why a relation of this kind cannot go from a `from_kind` body to a `to_kind` body, or None."""
        for side, kind, allowed in (("from", from_kind, self.from_kinds), ("to", to_kind, self.to_kinds)):
            if kind not in allowed:
                return (f"'{self.kind}' ({self.meaning}) cannot go {side} a {kind.replace('_', ' ')} body; "
                        f"allowed {side}: {', '.join(allowed)} (relation_kinds.yaml)")
        return None


@dataclass(frozen=True)
class InstitutionMap:
    bodies: Mapping[str, Body]
    relations: tuple[Relation, ...]
    as_of: str = ""          # the moment the map describes, as shown to readers ("early 2014")


@dataclass(frozen=True)
class Change:
    """One dated change to the map since its `as_of` moment (since_baseline.yaml)."""
    id: str
    date: str
    title: str
    description: str
    citation: Citation
    adds_bodies: tuple[Body, ...]          # new bodies, or a body of the map as it is now (same id)
    adds_relations: tuple[Relation, ...]   # new relations, or one of the map's as it is now (same key)
    removes_relations: tuple[Relation, ...]


@dataclass(frozen=True)
class LaterLayer:
    """What changed since the map's moment, as a separate layer a reader can switch on."""
    as_of: str            # the later moment ("2026")
    name: str             # as shown on the switch
    note: str
    changes: tuple[Change, ...]


@dataclass(frozen=True)
class Overlay:
    proposal: str
    note: str
    adds_bodies: tuple[Body, ...]
    adds_relations: tuple[Relation, ...]
    removes_relations: tuple[Relation, ...]


@dataclass(frozen=True)
class StanceLink:
    criterion: str
    side: str          # "centralised" or "dispersed"
    why: str
    citation: Citation


@dataclass(frozen=True)
class Effect:
    criterion: str
    per_step: float    # score change per +0.1 of centralisation
    why: str
    citation: Citation


@dataclass(frozen=True)
class TradeoffModel:
    stance: tuple[StanceLink, ...]
    effects: tuple[Effect, ...]
    unit: str
    note: str = ""


# -- the design model (data/design/) -------------------------------------------------------------

@dataclass(frozen=True)
class DesignRule:
    """One option's effect on one criterion: a score change against the status quo, with its range.

    `evidence` is stated, inferred or silent; a silent rule has no effect and widens the range.
    `when`/`unless` map a dimension id to option ids: the rule applies only when every `when`
    dimension has one of its options chosen and no `unless` dimension does.
    """

    criterion: str
    effect: float
    low: float
    high: float
    evidence: str
    rationale: str
    citation: Citation
    when: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    unless: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class DesignOption:
    id: str
    name: str
    explanation: str
    citation: Citation
    rules: tuple[DesignRule, ...] = ()
    baseline: bool = False
    sets: Mapping[str, object] = field(default_factory=lambda: MappingProxyType({}))
    matches: tuple[str, ...] = ()          # attribute values (or words, for the home) it stands for
    centralised: bool = False              # one of the options that make a design more centralised
    needs: Mapping[str, tuple[str, ...]] = field(default_factory=lambda: MappingProxyType({}))
    node: str = ""                         # the map's body that houses it (home options)
    convened_by: str = ""                  # the map's body that forms working groups
    overlay_bodies: tuple[Body, ...] = ()
    overlay_relations: tuple[Relation, ...] = ()


@dataclass(frozen=True)
class DesignDimension:
    id: str
    name: str
    question: str
    options: tuple[DesignOption, ...]
    multiple: bool = False
    order: float = 0
    file: str = ""

    def option(self, option_id: str) -> DesignOption:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(f"design dimension '{self.id}' has no option '{option_id}' "
                       f"(known: {', '.join(o.id for o in self.options)})")

    @property
    def baseline(self) -> tuple[str, ...] | str:
        ids = tuple(o.id for o in self.options if o.baseline)
        return ids if self.multiple else (ids[0] if ids else self.options[0].id)


@dataclass(frozen=True)
class DesignReading:
    """How the design model reads a seed proposal: its options, and why."""

    proposal: str
    options: Mapping[str, object]
    note: str


@dataclass(frozen=True)
class DesignModel:
    dimensions: Mapping[str, DesignDimension]
    readings: Mapping[str, DesignReading]
