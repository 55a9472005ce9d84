"""One parser per kind of data file, and the records read so far that they add to.

A parser turns one file's raw YAML (or the same dicts built from a DataFrame) into records,
noting every problem with its file, record and field. It may look up records of the kinds
read before its own (the order of `igviz.dataset.kinds.KINDS`, which names what each kind
needs); checks that need every file read are in `igviz.dataset.crossref`.
"""

from __future__ import annotations

import math
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..errors import DataError
from ..i18n import DEFAULT_LANGUAGE, LANGUAGES
from ..safeyaml import YamlProblem
from .fields import MISSING, ErrorList, Fields, brief, record_name
from .records import (
    DECISION_RULES,
    EVIDENCE,
    NODE_KINDS,
    RELATION_KINDS,
    Attributes,
    Body,
    Change,
    Citation,
    Criterion,
    Effect,
    Framework,
    InstitutionMap,
    LaterLayer,
    Overlay,
    Preset,
    ProposalRecord,
    Relation,
    RelationRule,
    Remark,
    Scale,
    Score,
    StakeholderGroup,
    StanceLink,
    TradeoffModel,
)
from .evidence import check_score as check_evidence
from .evidence import check_source_names
from .sources import SourceLibrary


# The fields each kind of record may have. Any other key is reported as unknown (with the closest
# of these), so a misspelt field cannot vanish unread: a new field is added here and where it is read.
FIELDS: dict[str, tuple[str, ...]] = {
    "citation": ("source", "quote", "reference", "url"),
    "scale": ("min", "max", "silent_min_range", "stated_min_range", "inferred_min_range", "neutral", "anchors",
              "evidence", "evidence_exempt"),
    "groups file": ("groups", "citation"),
    "group": ("id", "name", "translations"),
    "framework": ("id", "name", "description", "citation", "default", "criteria", "translations", "verified",
                  "verification_note"),
    "criterion": ("id", "name", "group", "description", "citation", "derived_from", "derivation_rationale",
                  "translations"),
    "proposal": ("id", "name", "short_name", "proponent", "description", "baseline", "citations", "attributes",
                 "strengths", "weaknesses", "scores", "translations", "source_names"),
    "attributes": ("home_institution", "seats", "advisory_groups", "decision_rule", "binding",
                   "coordinating_function", "issue_working_groups", "notes"),
    "remark": ("text", "citation"),
    "score": ("score", "low", "high", "evidence", "rationale", "citations", "names"),
    "presets file": ("presets",),
    "preset": ("id", "framework", "name", "rationale", "weights", "citation"),
    "institutions file": ("nodes", "relations"),
    "body": ("id", "name", "kind", "description", "citation", "members"),
    "relation": ("from", "to", "relation", "description", "citation"),
    "overlay": ("proposal", "note", "adds_bodies", "adds_relations", "removes_relations"),
    "tradeoff file": ("stance", "response"),
    "stance": ("centralised", "dispersed"),
    "stance link": ("criterion", "why", "citation"),
    "response": ("effects", "no_effect", "unit", "note", "citations"),
    "no effect": ("criterion", "reason"),
    "effect": ("criterion", "per_step", "why", "citation"),
}


class Contents:
    """The records read so far, the problems found, and where each record came from."""

    def __init__(self, sources: SourceLibrary):
        self.sources = sources
        self.errors: ErrorList = ErrorList()
        self.scale: Scale | None = None
        self.groups: dict[str, StakeholderGroup] = {}
        self.frameworks: dict[str, Framework] = {}
        self.proposals: dict[str, ProposalRecord] = {}
        self.presets: dict[str, Preset] = {}
        self.relation_rules: dict[str, RelationRule] = {}
        self.institutions: InstitutionMap | None = None
        self.overlays: dict[str, Overlay] = {}
        self.later: LaterLayer | None = None
        self.tradeoff: TradeoffModel | None = None
        self.translations: dict[str, dict[str, str]] = {}   # language -> English text -> translation
        # The design model (data/design/): dimensions and seed readings as read, the model once
        # finished, and designed proposals (id -> their record's fields and raw `design.options`).
        self.design_dimensions: dict = {}
        self.design_readings: dict = {}
        self.design = None
        self.designed: dict = {}
        # Where things came from, for the cross-reference checks and duplicate-id messages.
        self.criterion_file: dict[str, str] = {}
        self.scored: dict[str, tuple[Fields, frozenset[str]]] = {}   # proposal id -> its record, criteria it scores
        self.unreadable_sources: set[str] = set()   # source files already reported as unreadable

    @property
    def default_framework(self) -> Framework | None:
        """The default framework once the frameworks are read, or None while there is not exactly one."""
        defaults = [f for f in self.frameworks.values() if f.default]
        return defaults[0] if len(defaults) == 1 else None

    def records(self) -> dict[str, Any]:
        """What a Dataset is made of, as keyword arguments."""
        return {"scale": self.scale, "groups": self.groups, "frameworks": self.frameworks,
                "proposals": self.proposals, "sources": self.sources, "presets": self.presets,
                "institutions": self.institutions, "overlays": self.overlays, "tradeoff": self.tradeoff,
                "later": self.later, "relation_rules": self.relation_rules, "translations": self.translations,
                "design": self.design}


# -- parts shared by several kinds -------------------------------------------------------------

def citation(c: Contents, rec: Fields, field: str, data: Any) -> Citation | None:
    if not isinstance(data, dict):
        rec.fail(field, "expected a citation: `source` and `quote`, or an external `reference`")
        return None
    f = rec.child(field, data)
    f.only(FIELDS["citation"])
    source = f.get("source", "text", default=None)
    reference = f.get("reference", "text", default=None)
    quote = f.get("quote", "text", default=None)
    url = f.get("url", "text", default=None)
    if source is None and reference is None:
        rec.fail(field, "needs `source` (a file in sources/) with a `quote`, or an external `reference`")
        return None
    if source is not None:
        if quote is None:
            f.fail("quote", f"missing; expected the passage of {source} this rests on, quoted verbatim")
        elif c.sources.path(source) is None:
            known = ", ".join(c.sources.names()) or "none"
            f.fail("source", f"no file '{source}' in the sources folders (known: {known})")
        else:
            try:
                found = c.sources.contains(source, quote)
            except (YamlProblem, OSError) as exc:
                found = True   # not a wrong quote: the source itself cannot be read, said once for the file
                if source not in c.unreadable_sources:
                    c.unreadable_sources.add(source)
                    problem = str(exc) if isinstance(exc, YamlProblem) else f"cannot be read: {exc.strerror or exc}"
                    where = c.sources.path(source)   # as a user knows it: mine/sources/notes.txt
                    c.errors.append(DataError(str(Path(where.parent.parent.name, where.parent.name, where.name)), "", "",
                                              f"{problem} (quoted by {rec.file}, record '{rec.record}')"))
            if not found:
                f.fail("quote", f"not found verbatim in {source} (only whitespace may differ): {brief(quote, 200)}")
    return Citation(source=source, quote=quote, reference=reference, url=url)


def citations(c: Contents, rec: Fields, field: str, required: bool = True) -> tuple[Citation, ...]:
    items = rec.get(field, "list", default=None if not required else MISSING)
    if items is None:
        return ()
    if required and not items:
        rec.fail(field, "is empty; expected at least one citation")
    cites = [citation(c, rec, f"{field}[{i}]", item) for i, item in enumerate(items)]
    return tuple(x for x in cites if x is not None)


def translations(rec: Fields, fields: tuple[str, ...]) -> Mapping[str, Mapping[str, str]]:
    """`translations: {fr: {name: ...}, es: {...}}`: a record's texts in other languages (see igviz.i18n)."""
    out = {}
    for language, texts in (rec.get("translations", "mapping", default={}) or {}).items():
        if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
            rec.fail(f"translations.{language}", f"unknown language; expected one of "
                                                 f"{', '.join(l for l in LANGUAGES if l != DEFAULT_LANGUAGE)}")
            continue
        trec = rec.child(f"translations.{language}", texts)
        if not isinstance(texts, dict):
            trec.fail("", "expected a mapping of field to translated text")
            continue
        for field_name in texts:
            if field_name not in fields:
                trec.fail(str(field_name), f"cannot be translated here; expected one of {', '.join(fields)}")
        texts = {f: v for f in fields if (v := trec.get(f, "text", default=None))}
        if len(texts.get("short_name", "")) > 24:
            trec.fail("short_name", f"at most 24 characters (it labels chart axes), got {len(texts['short_name'])}")
        out[language] = MappingProxyType(texts)
    return MappingProxyType(out)


# -- scale.yaml and stakeholder_groups.yaml ----------------------------------------------------

def parse_scale(c: Contents, file: str, data: Any) -> None:
    rec = Fields(c.errors, file, "scale", data)
    if not isinstance(data, dict):
        rec.fail("", "expected a mapping with min, max and silent_min_range")
        return
    rec.only(FIELDS["scale"])
    lo, hi = rec.get("min", "number"), rec.get("max", "number")
    silent = rec.get("silent_min_range", "number", default=0.0)
    anchors = rec.get("anchors", "mapping", default={}) or {}
    evidence = rec.get("evidence", "mapping", default={}) or {}
    neutral = rec.get("neutral", "number", default=None)
    ranges = {k: rec.get(k, "number", default=0.0) or 0.0 for k in ("stated_min_range", "inferred_min_range")}
    exempt = tuple(str(x) for x in rec.get("evidence_exempt", "list", default=[]) or [])
    if lo is not None and hi is not None:
        if lo >= hi:
            rec.fail("max", f"must be greater than min ({lo:g}), got {hi:g}")
        if neutral is not None and not lo <= neutral <= hi:
            rec.fail("neutral", f"{neutral:g} is outside the scale {lo:g}..{hi:g}")
        c.scale = Scale(lo, hi, silent or 0.0, MappingProxyType(dict(anchors)), MappingProxyType(dict(evidence)),
                        neutral, **ranges, evidence_exempt=exempt)


def parse_groups(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, "stakeholder groups", data)
    top.only(FIELDS["groups file"])
    if "citation" in top.data:   # where the list of groups comes from: checked like any citation
        citation(c, top, "citation", top.data["citation"])
    for i, item in enumerate(top.get("groups", "list", default=[]) or []):
        rec = Fields(c.errors, file, record_name(item, i), item)
        rec.only(FIELDS["group"])
        gid, name = rec.get("id", "id"), rec.get("name", "text")
        if gid and name:
            if gid in c.groups:
                rec.fail("id", f"duplicate stakeholder group id '{gid}'")
            c.groups[gid] = StakeholderGroup(gid, name, translations(rec, ("name",)))


# -- frameworks/*.yaml -------------------------------------------------------------------------

def parse_framework(c: Contents, file: str, data: Any) -> None:
    if not isinstance(data, dict):
        c.errors.append(DataError(file, "", "", "expected a framework: a mapping with id, name, criteria"))
        return
    rec = Fields(c.errors, file, record_name(data, 0), data)
    rec.only(FIELDS["framework"])
    fid = rec.get("id", "id")
    name = rec.get("name", "text")
    description = rec.get("description", "text")
    cite = citation(c, rec, "citation", data.get("citation"))
    default = rec.get("default", "yes/no", default=False)
    criteria = []
    seen: set[str] = set()
    for i, item in enumerate(rec.get("criteria", "list") or []):
        crec = Fields(c.errors, file, f"{fid}/{record_name(item, i)}", item)
        crit = criterion(c, crec, fid, item)
        if crit is None:
            continue
        if crit.id in seen or crit.id in c.criterion_file:
            other = file if crit.id in seen else c.criterion_file[crit.id]
            crec.fail("id", f"duplicate criterion id '{crit.id}' (also in {other}); ids must be unique across all frameworks")
            continue
        seen.add(crit.id)
        criteria.append(crit)
    if rec.data.get("criteria") == []:
        rec.fail("criteria", "is empty; a framework needs at least one criterion")
    if fid is None:
        return
    if fid in c.frameworks:
        rec.fail("id", f"duplicate framework id '{fid}' (also in {c.frameworks[fid].file})")
        return
    for crit in criteria:
        c.criterion_file[crit.id] = file
    verified = rec.get("verified", "yes/no", default=True)
    note = rec.get("verification_note", "text", default="")
    if verified is False and not note:
        rec.fail("verification_note", "missing; `verified: false` needs a note saying what could not be checked")
    c.frameworks[fid] = Framework(fid, name or fid, description or "", cite, tuple(criteria), bool(default), file,
                                  translations(rec, ("name", "description")), verified is not False, note or "")


def criterion(c: Contents, rec: Fields, fid: str | None, data: Any) -> Criterion | None:
    if not isinstance(data, dict):
        rec.fail("", "expected a criterion: a mapping with id, name, group, description, citation")
        return None
    rec.only(FIELDS["criterion"])
    cid = rec.get("id", "id")
    name, group = rec.get("name", "text"), rec.get("group", "text")
    description = rec.get("description", "text")
    cite = citation(c, rec, "citation", data.get("citation"))
    derived = {}
    for key, weight in (rec.get("derived_from", "mapping", default={}) or {}).items():
        if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not weight > 0 or not math.isfinite(weight):
            rec.fail(f"derived_from.{key}", f"expected a positive relative weight, got {brief(weight)}")
        else:
            derived[str(key)] = float(weight)
    rationale = rec.get("derivation_rationale", "text", default="")
    if derived and not rationale:
        rec.fail("derivation_rationale", "missing; say why this criterion is derived from those criteria")
    if None in (cid, name, group, description):
        return None
    return Criterion(cid, name, group, description, cite, fid or "", MappingProxyType(derived), rationale,
                     translations(rec, ("name", "group", "description")))


# -- proposals/*.yaml --------------------------------------------------------------------------

def parse_proposal(c: Contents, file: str, data: Any, index: int = 0) -> None:
    if not isinstance(data, dict):
        c.errors.append(DataError(file, "", "", "expected a proposal: a mapping with id, name, attributes, scores"))
        return
    rec = Fields(c.errors, file, record_name(data, index), data)
    rec.only(FIELDS["proposal"])
    pid = rec.get("id", "id")
    fields = {f: rec.get(f, "text") for f in ("name", "short_name", "proponent", "description")}
    if fields["short_name"] and len(fields["short_name"]) > 24:
        rec.fail("short_name", f"at most 24 characters (it labels chart axes), got {len(fields['short_name'])}")
    baseline = rec.get("baseline", "yes/no", default=False)
    as_of = rec.get("as_of", "text", default="")   # the baseline's moment; checked against the map's in crossref
    cites = citations(c, rec, "citations")
    attrs = attributes(c, rec.child("attributes", data.get("attributes")), data.get("attributes"))
    strengths = remarks(c, rec, "strengths")
    weaknesses = remarks(c, rec, "weaknesses")
    # A designed proposal has `design: {options: ...}` and no hand-set scores: they are derived from
    # the design model once it is read (igviz.dataset.design.finish_designs).
    design = rec.get("design", "mapping", default=None) if "design" in data else None
    if design is not None and "scores" in data:
        rec.fail("scores", "a designed proposal has no hand-set scores: they are derived from its `design` options")
    raw_scores = (data.get("scores") or {}) if design is not None else (rec.get("scores", "mapping") or {})
    if design is not None and not isinstance(raw_scores, dict):
        raw_scores = {}
    source_names = tuple(str(n) for n in rec.get("source_names", "list", default=[]) or []
                         if isinstance(n, str) and n.strip())
    check_source_names(c.sources, rec, source_names)
    if pid is None or None in fields.values() or attrs is None:
        check_scores_alone(c, rec, pid, raw_scores)
        return
    if pid in c.proposals:
        rec.fail("id", f"duplicate proposal id '{pid}' (also in {c.proposals[pid].file})")
        return
    # Every framework has been read (frameworks come first in KINDS), so a score's criterion is known
    # or not now; whether every proposal scores every criterion it must is checked in crossref.
    all_criteria = {cr.id for f in c.frameworks.values() for cr in f.criteria}
    scores = {}
    for cid, item in raw_scores.items():
        if cid not in all_criteria:
            rec.fail(f"scores.{cid}", f"unknown criterion '{cid}' (known: {', '.join(all_criteria_in_order(c))})")
            continue
        srec = rec.child(f"scores.{cid}", item)
        before = len(c.errors)
        s = score(c, srec, item)
        # The evidence rules read the citations: check them only once the score itself is sound,
        # so a mistyped quote is one problem, not two.
        if s is not None and len(c.errors) == before:
            if c.scale is None or pid not in c.scale.evidence_exempt:
                check_evidence(c.scale, srec, s, source_names)
            scores[cid] = s
    c.scored[pid] = (rec, frozenset(raw_scores))
    if design is not None:
        c.designed[pid] = (rec, rec.child("design", design).get("options", "mapping") or {})
    c.proposals[pid] = ProposalRecord(
        pid, fields["name"], fields["short_name"], fields["proponent"], fields["description"],
        cites, attrs, MappingProxyType(scores), strengths, weaknesses, bool(baseline), file,
        translations(rec, ("name", "short_name", "description")), source_names, as_of,
    )


def all_criteria_in_order(c: Contents) -> list[str]:
    return [cr.id for f in c.frameworks.values() for cr in f.criteria]


def check_scores_alone(c: Contents, rec: Fields, pid: str | None, raw_scores: dict) -> None:
    """A proposal whose id, texts or attributes failed still has its scores checked (and, with an id,
    the ones it lacks named by crossref): one load shows every problem of the file.

    Kept apart from parse_proposal's own loop, which also applies the evidence rules to sound records.
    """
    all_criteria = {cr.id for f in c.frameworks.values() for cr in f.criteria}
    for cid, item in raw_scores.items():
        if cid not in all_criteria:
            rec.fail(f"scores.{str(cid)[:40]}", f"unknown criterion '{str(cid)[:40]}' "
                                                f"(known: {', '.join(all_criteria_in_order(c))})")
        else:
            score(c, rec.child(f"scores.{cid}", item), item)
    if pid is not None and pid not in c.proposals:
        c.scored[pid] = (rec, frozenset(raw_scores))


def attributes(c: Contents, rec: Fields, data: Any) -> Attributes | None:
    if not isinstance(data, dict):
        rec.errors.append(DataError(rec.file, rec.record, "attributes", "missing; expected a mapping of the proposal's structural attributes"))
        return None
    rec.only(FIELDS["attributes"])
    home = rec.get("home_institution", "text")
    seats = {}
    for group, count in (rec.get("seats", "mapping") or {}).items():
        if c.groups and group not in c.groups:
            rec.fail(f"seats.{group}", f"unknown stakeholder group '{group}' (known: {', '.join(c.groups)})")
        elif not isinstance(count, (int, float)) or isinstance(count, bool) or count < 0 or not math.isfinite(count):
            rec.fail(f"seats.{group}", f"expected a number of seats >= 0, got {brief(count)}")
        else:
            seats[group] = float(count)
    advisory = []
    for i, group in enumerate(rec.get("advisory_groups", "list", default=[]) or []):
        if not isinstance(group, str):   # a mapping or list here is not a group id (and cannot be looked up)
            rec.fail(f"advisory_groups[{i}]", f"expected a stakeholder group id, got {brief(group)}")
        elif c.groups and group not in c.groups:
            rec.fail(f"advisory_groups[{i}]", f"unknown stakeholder group '{group}' (known: {', '.join(c.groups)})")
        else:
            advisory.append(group)
    rule = rec.choice("decision_rule", DECISION_RULES)
    flags = {f: rec.get(f, "yes/no") for f in ("binding", "coordinating_function", "issue_working_groups")}
    notes = rec.get("notes", "text", default="")
    if None in (home, rule, *flags.values()):
        return None
    return Attributes(home, MappingProxyType(seats), tuple(advisory), rule, flags["binding"],
                      flags["coordinating_function"], flags["issue_working_groups"], notes)


def remarks(c: Contents, rec: Fields, field: str) -> tuple[Remark, ...]:
    out = []
    for i, item in enumerate(rec.get(field, "list", default=[]) or []):
        r = rec.child(f"{field}[{i}]", item)
        r.only(FIELDS["remark"])
        text = r.get("text", "text")
        cite = citation(c, r, "citation", r.data.get("citation"))
        if text and cite:
            out.append(Remark(text, cite))
    return tuple(out)


def score(c: Contents, rec: Fields, data: Any) -> Score | None:
    if not isinstance(data, dict):
        rec.fail("", f"expected a score: a mapping with score, low, high, evidence, rationale, citations; got {brief(data)}")
        return None
    rec.only(FIELDS["score"])
    value, low, high = rec.get("score", "number"), rec.get("low", "number"), rec.get("high", "number")
    evidence = rec.choice("evidence", EVIDENCE)
    rationale = rec.get("rationale", "text")
    cites = citations(c, rec, "citations")
    scale = c.scale
    ok = True
    if scale is not None:
        for name, v in (("score", value), ("low", low), ("high", high)):
            if v is not None and not scale.min <= v <= scale.max:
                rec.fail(name, f"{v:g} is outside the scale {scale.min:g}..{scale.max:g} (see scale.yaml)")
                ok = False
    if ok and None not in (value, low, high):
        if low > high:
            rec.fail("low", f"low ({low:g}) is greater than high ({high:g})")
            ok = False
        elif not low <= value <= high:
            rec.fail("score", f"{value:g} is outside its own range {low:g}..{high:g}")
            ok = False
    # The evidence rules (silent ranges among them) are checked in igviz.dataset.evidence.
    names = rec.get("names", "text", default="")
    if not ok or None in (value, low, high, evidence, rationale):
        return None
    return Score(value, low, high, evidence, rationale, cites, names=names or "")


# -- presets.yaml ------------------------------------------------------------------------------

def parse_presets(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, "presets", data)
    top.only(FIELDS["presets file"])
    for i, item in enumerate(top.get("presets", "list") or []):
        rec = Fields(c.errors, file, record_name(item, i), item)
        rec.only(FIELDS["preset"])
        pid, fid = rec.get("id", "id"), rec.get("framework", "id")
        name, rationale = rec.get("name", "text"), rec.get("rationale", "text")
        raw = rec.get("weights", "mapping") or {}
        cite = citation(c, rec, "citation", item["citation"]) if isinstance(item, dict) and "citation" in item else None
        if fid is not None and fid not in c.frameworks:
            rec.fail("framework", f"unknown framework '{fid}' (known: {', '.join(c.frameworks)})")
            continue
        if None in (pid, fid, name, rationale):
            continue
        criteria = c.frameworks[fid].criterion_ids
        weights = {}
        for key, value in raw.items():
            if key not in criteria:
                rec.fail(f"weights.{key}", f"unknown criterion '{key}' of framework '{fid}' (known: {', '.join(criteria)})")
            elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < math.inf:
                rec.fail(f"weights.{key}", f"expected a weight >= 0, got {brief(value)}")
            else:
                weights[key] = float(value)
        for key in criteria:
            if key not in raw:
                rec.fail(f"weights.{key}", "missing; a preset gives every criterion of its framework a weight")
        if pid in c.presets:
            rec.fail("id", f"duplicate preset id '{pid}'")
        elif weights and not sum(weights.values()) > 0:
            rec.fail("weights", "all weights are zero; a preset must weigh at least one criterion")
        else:
            c.presets[pid] = Preset(pid, fid, name, rationale, MappingProxyType(weights), cite)


# -- institutions.yaml, overlays/*.yaml, tradeoff.yaml -----------------------------------------

def body(c: Contents, rec: Fields) -> Body | None:
    rec.only(FIELDS["body"])
    bid, name = rec.get("id", "id"), rec.get("name", "text")
    kind, description = rec.choice("kind", NODE_KINDS), rec.get("description", "text")
    cite = citation(c, rec, "citation", rec.data.get("citation"))
    members = rec.get("members", "number", default=1.0)
    if members is not None and (members < 1 or members != int(members)):
        rec.fail("members", f"expected a whole number of at least 1, got {members:g}")
        return None
    if None in (bid, name, kind, description, cite):
        return None
    return Body(bid, name, kind, description, cite, int(members))


def relation(c: Contents, rec: Fields, known: set[str]) -> Relation | None:
    rec.only(FIELDS["relation"])
    src, dst, kind = rec.get("from", "id"), rec.get("to", "id"), rec.choice("relation", RELATION_KINDS)
    description = rec.get("description", "text")
    cite = citation(c, rec, "citation", rec.data.get("citation"))
    for field, node in (("from", src), ("to", dst)):
        if node is not None and node not in known:
            rec.fail(field, f"unknown body '{node}' (not in institutions.yaml or this overlay's adds_bodies)")
            return None
    if None in (src, dst, kind, description, cite):
        return None
    if src == dst:
        rec.fail("to", f"a relation joins two bodies; '{src}' -{kind}-> itself")
        return None
    return Relation(src, dst, kind, description, cite)


def check_relation_kind(c: Contents, rec: Fields, rel: Relation | None, kinds: Mapping[str, str]) -> None:
    """Note a relation whose kind does not fit the kinds of body it joins (relation_kinds.yaml).
    `kinds` maps each body id known where the relation is read to its kind."""
    rule = c.relation_rules.get(rel.relation) if rel is not None else None
    if rule is not None and rel.source in kinds and rel.target in kinds:
        problem = rule.problem(kinds[rel.source], kinds[rel.target])
        if problem:
            rec.fail("relation", f"{rel.source} -{rel.relation}-> {rel.target}: {problem}")


def parse_relation_kinds(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, "relation_kinds", data)
    for i, item in enumerate(top.get("kinds", "list") or []):
        rec = Fields(c.errors, file, record_name(item, i), item)
        kind = rec.choice("id", RELATION_KINDS)
        meaning = rec.get("meaning", "text")
        why = rec.get("why", "text", default="")
        sides = []
        for side in ("from", "to"):
            value = rec.get(side, "list")
            if value is None:
                return
            bad = [k for k in value if k not in NODE_KINDS]
            if bad:
                rec.fail(side, f"unknown kind of body {', '.join(map(repr, bad))} (known: {', '.join(NODE_KINDS)})")
            sides.append(tuple(k for k in value if k in NODE_KINDS))
        if kind is None or meaning is None:
            continue
        if kind in c.relation_rules:
            rec.fail("id", f"duplicate relation kind '{kind}'")
        c.relation_rules[kind] = RelationRule(kind, meaning, sides[0], sides[1], why)
    missing = [k for k in RELATION_KINDS if k not in c.relation_rules]
    if missing:
        top.fail("kinds", f"missing {', '.join(missing)}; every relation kind needs its rule")


def parse_institutions(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, "institutions", data)
    top.only(FIELDS["institutions file"])
    bodies: dict[str, Body] = {}
    for i, item in enumerate(top.get("nodes", "list") or []):
        rec = Fields(c.errors, file, record_name(item, i), item)
        b = body(c, rec)
        if b is not None:
            if b.id in bodies:
                rec.fail("id", f"duplicate body id '{b.id}'")
            bodies[b.id] = b
    relations = []
    kinds = {b.id: b.kind for b in bodies.values()}
    for i, item in enumerate(top.get("relations", "list") or []):
        label = f"relation {i + 1}" + (f" ({item.get('from')} -> {item.get('to')})" if isinstance(item, dict) else "")
        rec = Fields(c.errors, file, label, item)
        rel = relation(c, rec, set(bodies))
        check_relation_kind(c, rec, rel, kinds)
        if rel is not None:
            relations.append(rel)
    as_of = top.get("as_of", "text")   # the moment the map describes; the baseline proposal's must match
    c.institutions = InstitutionMap(MappingProxyType(bodies), tuple(relations), as_of or "")


def parse_overlay(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, Path(file).stem, data)
    top.only(FIELDS["overlay"])
    pid = top.get("proposal", "id")
    if pid is None:
        return
    if pid != Path(file).stem:
        top.fail("proposal", f"'{pid}' does not match the file name; name the file overlays/{pid}.yaml")
    if pid not in c.proposals:
        top.fail("proposal", f"unknown proposal '{pid}' (known: {', '.join(c.proposals)})")
        return
    base = c.institutions
    if base is None:
        top.fail("", "overlays need an institutions.yaml to overlay")
        return
    note = top.get("note", "text")
    added = []
    for i, item in enumerate(top.get("adds_bodies", "list") or []):
        rec = top.child(f"adds_bodies[{i}]", item)
        b = body(c, rec)
        if b is not None:
            if b.id in base.bodies:
                rec.fail("id", f"'{b.id}' is already a body of the map; an overlay adds new bodies only")
            added.append(b)
    known = set(base.bodies) | {b.id for b in added}
    kinds = {**{b.id: b.kind for b in base.bodies.values()}, **{b.id: b.kind for b in added}}
    adds = []
    for i, item in enumerate(top.get("adds_relations", "list") or []):
        rec = top.child(f"adds_relations[{i}]", item)
        adds.append(relation(c, rec, known))
        check_relation_kind(c, rec, adds[-1], kinds)
    existing = {r.key for r in base.relations}
    removes = []
    for i, item in enumerate(top.get("removes_relations", "list") or []):
        rec = top.child(f"removes_relations[{i}]", item)
        rel = relation(c, rec, known)
        if rel is not None and rel.key not in existing:
            rec.fail("relation", f"no relation {rel.source} -{rel.relation}-> {rel.target} in institutions.yaml to remove")
        elif rel is not None:
            removes.append(rel)
    c.overlays[pid] = Overlay(pid, note or "", tuple(added), tuple(r for r in adds if r), tuple(removes))


def parse_translations(c: Contents, file: str, data: Any) -> None:
    """translations/<language>.yaml: under headings (for the translator; the lookup ignores them),
    pairs of English text and translation (igviz.datatext reads them to show data text translated)."""
    language = Path(file).stem
    if language not in LANGUAGES or language == DEFAULT_LANGUAGE:
        c.errors.append(DataError(file, "", "", f"a translations file is named after its language: "
                                                f"{', '.join(l for l in LANGUAGES if l != DEFAULT_LANGUAGE)}"))
        return
    if not isinstance(data, dict):
        c.errors.append(DataError(file, "", "", f"expected headings, each a list of {{en: English text, "
                                                f"{language}: translation}}"))
        return
    table = c.translations.setdefault(language, {})
    for heading, entries in data.items():
        if not isinstance(entries, list):
            c.errors.append(DataError(file, str(heading), "", f"expected a list of {{en: ..., "
                                                              f"{language}: ...}} pairs"))
            continue
        for i, entry in enumerate(entries):
            if not (isinstance(entry, dict) and set(entry) == {"en", language}
                    and all(isinstance(v, str) or v is None for v in entry.values())):
                c.errors.append(DataError(file, f"{heading}[{i + 1}]", "", f"expected exactly the texts en and "
                                                                          f"{language}"))
                continue
            if entry[language] and entry[language].strip():
                table[" ".join(entry["en"].split())] = " ".join(entry[language].split())


def parse_later(c: Contents, file: str, data: Any) -> None:
    """since_baseline.yaml: the dated changes to the map since its `as_of` moment."""
    top = Fields(c.errors, file, "since_baseline", data)
    base = c.institutions
    if base is None:
        top.fail("", "the changes since the baseline need an institutions.yaml to change")
        return
    as_of, name, note = top.get("as_of", "text"), top.get("name", "text"), top.get("note", "text")
    bodies = dict(base.bodies)   # as they are after the changes read so far, in order
    keys = {r.key for r in base.relations}
    changes, ids = [], set()
    for i, item in enumerate(top.get("changes", "list") or []):
        rec = Fields(c.errors, file, record_name(item, i), item)
        cid = rec.get("id", "id")
        date, title, description = rec.get("date", "text"), rec.get("title", "text"), rec.get("description", "text")
        cite = citation(c, rec, "citation", rec.data.get("citation"))
        if cid in ids:
            rec.fail("id", f"duplicate change id '{cid}'")
        ids.add(cid)
        added = []
        for j, raw in enumerate(rec.get("adds_bodies", "list", default=[]) or []):
            b = body(c, rec.child(f"adds_bodies[{j}]", raw))
            if b is not None:
                added.append(b)
                bodies[b.id] = b
        kinds = {b.id: b.kind for b in bodies.values()}
        adds = []
        for j, raw in enumerate(rec.get("adds_relations", "list", default=[]) or []):
            r_rec = rec.child(f"adds_relations[{j}]", raw)
            rel = relation(c, r_rec, set(bodies))
            check_relation_kind(c, r_rec, rel, kinds)
            if rel is not None:
                adds.append(rel)
                keys.add(rel.key)
        removes = []
        for j, raw in enumerate(rec.get("removes_relations", "list", default=[]) or []):
            r_rec = rec.child(f"removes_relations[{j}]", raw)
            rel = relation(c, r_rec, set(bodies))
            if rel is not None and rel.key not in keys:
                r_rec.fail("relation", f"no relation {rel.source} -{rel.relation}-> {rel.target} on the map to remove")
            elif rel is not None:
                removes.append(rel)
                keys.discard(rel.key)
        if None not in (cid, date, title, description, cite):
            changes.append(Change(cid, date, title, description, cite, tuple(added), tuple(adds), tuple(removes)))
    if None not in (as_of, name, note):
        c.later = LaterLayer(as_of, name, note, tuple(changes))


def parse_tradeoff(c: Contents, file: str, data: Any) -> None:
    top = Fields(c.errors, file, "tradeoff", data)
    top.only(FIELDS["tradeoff file"])
    default = c.default_framework
    criteria = set(default.criterion_ids) if default else set()

    def criterion_id(rec):
        cid = rec.get("criterion", "id")
        if cid is not None and criteria and cid not in criteria:
            rec.fail("criterion", f"unknown criterion '{cid}' of the default framework (known: {', '.join(sorted(criteria))})")
            return None
        return cid

    links = []
    stance = top.child("stance", top.get("stance", "mapping") or {})
    stance.only(FIELDS["stance"])
    for side in ("centralised", "dispersed"):
        for i, item in enumerate(stance.get(side, "list") or []):
            rec = stance.child(f"{side}[{i}]", item)
            rec.only(FIELDS["stance link"])
            cid, why = criterion_id(rec), rec.get("why", "text")
            cite = citation(c, rec, "citation", rec.data.get("citation"))
            if None not in (cid, why, cite):
                links.append(StanceLink(cid, side, why, cite))
    response = top.child("response", top.get("response", "mapping") or {})
    response.only(FIELDS["response"])
    effects = []
    for i, item in enumerate(response.get("effects", "list") or []):
        rec = response.child(f"effects[{i}]", item)
        rec.only(FIELDS["effect"])
        cid, step, why = criterion_id(rec), rec.get("per_step", "number"), rec.get("why", "text")
        cite = citation(c, rec, "citation", rec.data.get("citation"))
        if None not in (cid, step, why, cite):
            effects.append(Effect(cid, step, why, cite))
    # Documented in data/README.md and checked here (a criterion of the default framework, a reason, quotes
    # found in their sources), though the model does not use them: the linear model's own caveats.
    for i, item in enumerate(response.get("no_effect", "list", default=[]) or []):
        rec = response.child(f"no_effect[{i}]", item)
        rec.only(FIELDS["no effect"])
        criterion_id(rec), rec.get("reason", "text")
    citations(c, response, "citations", required=False)
    c.tradeoff = TradeoffModel(tuple(links), tuple(effects), response.get("unit", "text", default=""),
                               response.get("note", "text", default=""))
