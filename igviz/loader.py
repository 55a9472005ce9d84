"""Reading and validating igviz data from YAML folders or pandas DataFrames.

Every problem is collected with the file, record and field it concerns, and all of
them are raised together as one `DataValidationError`, so a user fixes a file in one go.
Both the YAML and the DataFrame paths turn their input into the same plain dicts and go
through the same checks, so they accept and refuse exactly the same things.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, Iterable, Mapping

import yaml

from .errors import DataError, DataValidationError
from .records import (
    DECISION_RULES,
    NODE_KINDS,
    RELATION_KINDS,
    Body,
    Effect,
    InstitutionMap,
    Overlay,
    Relation,
    StanceLink,
    TradeoffModel,
    EVIDENCE,
    Attributes,
    Citation,
    Criterion,
    Framework,
    Preset,
    ProposalRecord,
    Remark,
    Scale,
    Score,
    StakeholderGroup,
)
from .i18n import DEFAULT_LANGUAGE, LANGUAGES
from .sources import SourceLibrary

if TYPE_CHECKING:
    from .dataset import Dataset

_PACKAGE = Path(__file__).resolve().parent
# Installed from a wheel the data sits inside the package; in a checkout it is the repo's data/.
BUNDLED_DATA = _PACKAGE / "data" if (_PACKAGE / "data").is_dir() else _PACKAGE.parent / "data"
_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_MISSING = object()


class _Record:
    """Typed access to one record's fields, noting every problem instead of stopping."""

    def __init__(self, errors: list[DataError], file: str, record: str, data: Any, prefix: str = ""):
        self.errors, self.file, self.record, self.prefix = errors, file, record, prefix
        self.data = data if isinstance(data, dict) else {}

    def fail(self, field: str, message: str) -> None:
        self.errors.append(DataError(self.file, self.record, self.prefix + field, message))

    def child(self, field: str, data: Any) -> "_Record":
        return _Record(self.errors, self.file, self.record, data, f"{self.prefix}{field}.")

    def get(self, field: str, kind: str, default: Any = _MISSING) -> Any:
        value = self.data.get(field, _MISSING)
        if value is _MISSING or value is None:
            if default is _MISSING:
                self.fail(field, f"missing; expected {kind}")
            return None if default is _MISSING else default
        return self._coerce(field, value, kind)

    def choice(self, field: str, options: tuple[str, ...]) -> str | None:
        """A text field that must be one of `options`; None (with the problem noted) otherwise."""
        value = self.get(field, "text")
        if value is not None and value not in options:
            self.fail(field, f"expected one of {', '.join(options)}, got {value!r}")
            return None
        return value

    def _coerce(self, field: str, value: Any, kind: str) -> Any:
        if kind == "text":
            if isinstance(value, (str, int, float)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
            self.fail(field, f"expected text, got {value!r}")
        elif kind == "id":
            if isinstance(value, str) and _ID.match(value):
                return value
            self.fail(field, f"expected an identifier (a letter, then letters, digits or _), got {value!r}")
        elif kind == "number":
            if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value):
                return float(value)
            self.fail(field, f"expected a finite number, got {value!r}")
        elif kind == "yes/no":
            if isinstance(value, bool):
                return value
            self.fail(field, f"expected true or false, got {value!r}")
        elif kind == "list":
            if isinstance(value, list):
                return value
            self.fail(field, f"expected a list, got {type(value).__name__}")
        elif kind == "mapping":
            if isinstance(value, dict):
                return value
            self.fail(field, f"expected a mapping of names to values, got {type(value).__name__}")
        else:  # pragma: no cover - programming error
            raise ValueError(kind)
        return None


class _Builder:
    """Turns raw records into validated records, remembering where each came from."""

    def __init__(self, sources: SourceLibrary):
        self.sources = sources
        self.errors: list[DataError] = []
        self.scale: Scale | None = None
        self.groups: dict[str, StakeholderGroup] = {}
        self.frameworks: dict[str, Framework] = {}
        self.proposals: dict[str, ProposalRecord] = {}
        self.presets: dict[str, Preset] = {}
        self.institutions: InstitutionMap | None = None
        self.overlays: dict[str, Overlay] = {}
        self.tradeoff: TradeoffModel | None = None
        self._raw_network: list[tuple[str, str, Any]] = []
        self._raw_presets: list[tuple[str, Any]] = []
        self._raw_scores: dict[str, tuple[_Record, dict]] = {}
        self._criterion_file: dict[str, str] = {}

    # -- citations ---------------------------------------------------------------

    def citation(self, rec: _Record, field: str, data: Any) -> Citation | None:
        if not isinstance(data, dict):
            rec.fail(field, "expected a citation: `source` and `quote`, or an external `reference`")
            return None
        c = rec.child(field, data)
        source = c.get("source", "text", default=None)
        reference = c.get("reference", "text", default=None)
        quote = c.get("quote", "text", default=None)
        url = c.get("url", "text", default=None)
        if source is None and reference is None:
            rec.fail(field, "needs `source` (a file in sources/) with a `quote`, or an external `reference`")
            return None
        if source is not None:
            if quote is None:
                c.fail("quote", f"missing; expected the passage of {source} this rests on, quoted verbatim")
            elif self.sources.path(source) is None:
                known = ", ".join(self.sources.names()) or "none"
                c.fail("source", f"no file '{source}' in the sources folders (known: {known})")
            elif not self.sources.contains(source, quote):
                c.fail("quote", f"not found verbatim in {source} (only whitespace may differ): {quote!r}")
        return Citation(source=source, quote=quote, reference=reference, url=url)

    def citations(self, rec: _Record, field: str, required: bool = True) -> tuple[Citation, ...]:
        items = rec.get(field, "list", default=None if not required else _MISSING)
        if items is None:
            return ()
        if required and not items:
            rec.fail(field, "is empty; expected at least one citation")
        cites = [self.citation(rec, f"{field}[{i}]", item) for i, item in enumerate(items)]
        return tuple(c for c in cites if c is not None)

    # -- scale and stakeholder groups ----------------------------------------------

    def add_scale(self, file: str, data: Any) -> None:
        rec = _Record(self.errors, file, "scale", data)
        if not isinstance(data, dict):
            rec.fail("", "expected a mapping with min, max and silent_min_range")
            return
        lo, hi = rec.get("min", "number"), rec.get("max", "number")
        silent = rec.get("silent_min_range", "number", default=0.0)
        anchors = rec.get("anchors", "mapping", default={}) or {}
        evidence = rec.get("evidence", "mapping", default={}) or {}
        if lo is not None and hi is not None:
            if lo >= hi:
                rec.fail("max", f"must be greater than min ({lo:g}), got {hi:g}")
            self.scale = Scale(lo, hi, silent or 0.0, MappingProxyType(dict(anchors)), MappingProxyType(dict(evidence)))

    def add_groups(self, file: str, data: Any) -> None:
        top = _Record(self.errors, file, "stakeholder groups", data)
        for i, item in enumerate(top.get("groups", "list", default=[]) or []):
            rec = _Record(self.errors, file, _record_name(item, i), item)
            gid, name = rec.get("id", "id"), rec.get("name", "text")
            if gid and name:
                if gid in self.groups:
                    rec.fail("id", f"duplicate stakeholder group id '{gid}'")
                self.groups[gid] = StakeholderGroup(gid, name, self.translations(rec, ("name",)))

    def translations(self, rec: _Record, fields: tuple[str, ...]) -> Mapping[str, Mapping[str, str]]:
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

    # -- frameworks -------------------------------------------------------------------

    def add_framework(self, file: str, data: Any) -> None:
        if not isinstance(data, dict):
            self.errors.append(DataError(file, "", "", "expected a framework: a mapping with id, name, criteria"))
            return
        rec = _Record(self.errors, file, _record_name(data, 0), data)
        fid = rec.get("id", "id")
        name = rec.get("name", "text")
        description = rec.get("description", "text")
        citation = self.citation(rec, "citation", data.get("citation"))
        default = rec.get("default", "yes/no", default=False)
        criteria = []
        seen: set[str] = set()
        for i, item in enumerate(rec.get("criteria", "list") or []):
            crec = _Record(self.errors, file, f"{fid}/{_record_name(item, i)}", item)
            criterion = self.criterion(crec, fid, item)
            if criterion is None:
                continue
            if criterion.id in seen or criterion.id in self._criterion_file:
                other = file if criterion.id in seen else self._criterion_file[criterion.id]
                crec.fail("id", f"duplicate criterion id '{criterion.id}' (also in {other}); ids must be unique across all frameworks")
                continue
            seen.add(criterion.id)
            criteria.append(criterion)
        if rec.data.get("criteria") == []:
            rec.fail("criteria", "is empty; a framework needs at least one criterion")
        if fid is None:
            return
        if fid in self.frameworks:
            rec.fail("id", f"duplicate framework id '{fid}' (also in {self.frameworks[fid].file})")
            return
        for c in criteria:
            self._criterion_file[c.id] = file
        self.frameworks[fid] = Framework(fid, name or fid, description or "", citation, tuple(criteria), bool(default), file,
                                         self.translations(rec, ("name", "description")))

    def criterion(self, rec: _Record, fid: str | None, data: Any) -> Criterion | None:
        if not isinstance(data, dict):
            rec.fail("", "expected a criterion: a mapping with id, name, group, description, citation")
            return None
        cid = rec.get("id", "id")
        name, group = rec.get("name", "text"), rec.get("group", "text")
        description = rec.get("description", "text")
        citation = self.citation(rec, "citation", data.get("citation"))
        derived = {}
        for key, weight in (rec.get("derived_from", "mapping", default={}) or {}).items():
            if not isinstance(weight, (int, float)) or isinstance(weight, bool) or not weight > 0 or not math.isfinite(weight):
                rec.fail(f"derived_from.{key}", f"expected a positive relative weight, got {weight!r}")
            else:
                derived[str(key)] = float(weight)
        rationale = rec.get("derivation_rationale", "text", default="")
        if derived and not rationale:
            rec.fail("derivation_rationale", "missing; say why this criterion is derived from those criteria")
        if None in (cid, name, group, description):
            return None
        translations = self.translations(rec, ("name", "group", "description"))
        return Criterion(cid, name, group, description, citation, fid or "", MappingProxyType(derived), rationale,
                         translations)

    # -- proposals ----------------------------------------------------------------------

    def add_proposal(self, file: str, data: Any, index: int = 0) -> None:
        if not isinstance(data, dict):
            self.errors.append(DataError(file, "", "", "expected a proposal: a mapping with id, name, attributes, scores"))
            return
        rec = _Record(self.errors, file, _record_name(data, index), data)
        pid = rec.get("id", "id")
        fields = {f: rec.get(f, "text") for f in ("name", "short_name", "proponent", "description")}
        if fields["short_name"] and len(fields["short_name"]) > 24:
            rec.fail("short_name", f"at most 24 characters (it labels chart axes), got {len(fields['short_name'])}")
        baseline = rec.get("baseline", "yes/no", default=False)
        citations = self.citations(rec, "citations")
        attributes = self.attributes(rec.child("attributes", data.get("attributes")), data.get("attributes"))
        strengths = self.remarks(rec, "strengths")
        weaknesses = self.remarks(rec, "weaknesses")
        scores = rec.get("scores", "mapping") or {}
        if pid is None or None in fields.values() or attributes is None:
            return
        if pid in self.proposals:
            rec.fail("id", f"duplicate proposal id '{pid}' (also in {self.proposals[pid].file})")
            return
        self._raw_scores[pid] = (rec, scores)
        self.proposals[pid] = ProposalRecord(
            pid, fields["name"], fields["short_name"], fields["proponent"], fields["description"],
            citations, attributes, {}, strengths, weaknesses, bool(baseline), file,
            self.translations(rec, ("name", "short_name", "description")),
        )

    def attributes(self, rec: _Record, data: Any) -> Attributes | None:
        if not isinstance(data, dict):
            rec.errors.append(DataError(rec.file, rec.record, "attributes", "missing; expected a mapping of the proposal's structural attributes"))
            return None
        home = rec.get("home_institution", "text")
        seats = {}
        for group, count in (rec.get("seats", "mapping") or {}).items():
            if self.groups and group not in self.groups:
                rec.fail(f"seats.{group}", f"unknown stakeholder group '{group}' (known: {', '.join(self.groups)})")
            elif not isinstance(count, (int, float)) or isinstance(count, bool) or count < 0 or not math.isfinite(count):
                rec.fail(f"seats.{group}", f"expected a number of seats >= 0, got {count!r}")
            else:
                seats[group] = float(count)
        advisory = rec.get("advisory_groups", "list", default=[]) or []
        for i, group in enumerate(advisory):
            if self.groups and group not in self.groups:
                rec.fail(f"advisory_groups[{i}]", f"unknown stakeholder group '{group}' (known: {', '.join(self.groups)})")
        rule = rec.choice("decision_rule", DECISION_RULES)
        flags = {f: rec.get(f, "yes/no") for f in ("binding", "coordinating_function", "issue_working_groups")}
        notes = rec.get("notes", "text", default="")
        if None in (home, rule, *flags.values()):
            return None
        return Attributes(home, MappingProxyType(seats), tuple(advisory), rule, flags["binding"],
                          flags["coordinating_function"], flags["issue_working_groups"], notes)

    def remarks(self, rec: _Record, field: str) -> tuple[Remark, ...]:
        out = []
        for i, item in enumerate(rec.get(field, "list", default=[]) or []):
            r = rec.child(f"{field}[{i}]", item)
            text = r.get("text", "text")
            citation = self.citation(r, "citation", r.data.get("citation"))
            if text and citation:
                out.append(Remark(text, citation))
        return tuple(out)

    def score(self, rec: _Record, data: Any) -> Score | None:
        if not isinstance(data, dict):
            rec.fail("", f"expected a score: a mapping with score, low, high, evidence, rationale, citations; got {data!r}")
            return None
        value, low, high = rec.get("score", "number"), rec.get("low", "number"), rec.get("high", "number")
        evidence = rec.choice("evidence", EVIDENCE)
        rationale = rec.get("rationale", "text")
        citations = self.citations(rec, "citations")
        scale = self.scale
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
        if evidence == "silent" and scale is not None and None not in (low, high) and high - low < scale.silent_min_range:
            rec.fail("high", f"evidence is silent, so the range must be at least {scale.silent_min_range:g} wide (got {low:g}..{high:g})")
            ok = False
        if not ok or None in (value, low, high, evidence, rationale):
            return None
        return Score(value, low, high, evidence, rationale, citations)

    # -- cross-references, once everything is read -----------------------------------

    def finish(self) -> "tuple[Scale, dict, dict, dict]":
        if self.scale is None:
            self.errors.append(DataError("scale.yaml", "", "", "missing: no folder has a scale.yaml"))
        defaults = [f for f in self.frameworks.values() if f.default]
        if len(defaults) != 1:
            files = ", ".join(f.file for f in defaults) or "none"
            self.errors.append(DataError("frameworks/", "", "default",
                                         f"exactly one framework must have `default: true`; found {len(defaults)} ({files})"))
        default = defaults[0] if len(defaults) == 1 else None
        all_criteria = {c.id: c for f in self.frameworks.values() for c in f.criteria}
        if default is not None:
            self._check_derivations(default, all_criteria)
        for pid, (rec, raw) in self._raw_scores.items():
            scores = {}
            for cid, item in raw.items():
                srec = rec.child(f"scores.{cid}", item)
                if cid not in all_criteria:
                    rec.fail(f"scores.{cid}", f"unknown criterion '{cid}' (known: {', '.join(all_criteria)})")
                    continue
                score = self.score(srec, item)
                if score is not None:
                    scores[cid] = score
            if default is not None:
                for cid in default.criterion_ids:
                    if cid not in raw:
                        rec.fail(f"scores.{cid}", f"missing; every proposal scores every criterion of the default framework '{default.id}'")
            for f in self.frameworks.values():
                for c in f.criteria:
                    if not f.default and not c.derived_from and c.id not in raw:
                        rec.fail(f"scores.{c.id}", f"missing; criterion '{c.id}' of framework '{f.id}' has no `derived_from`, so every proposal must score it")
            old = self.proposals[pid]
            self.proposals[pid] = ProposalRecord(**{**old.__dict__, "scores": MappingProxyType(scores)})
        for file, data in self._raw_presets:
            self.add_presets(file, data)
        for kind, file, data in self._raw_network:
            {"institutions": self.add_institutions, "overlay": self.add_overlay, "tradeoff": self.add_tradeoff}[kind](file, data)

        if self.errors:
            raise DataValidationError(self.errors)
        return self.scale, self.groups, self.frameworks, self.proposals

    # -- the institution map, overlays and the trade-off model ------------------------------------

    def body(self, rec: _Record) -> Body | None:
        bid, name = rec.get("id", "id"), rec.get("name", "text")
        kind, description = rec.choice("kind", NODE_KINDS), rec.get("description", "text")
        citation = self.citation(rec, "citation", rec.data.get("citation"))
        members = rec.get("members", "number", default=1.0)
        if members is not None and (members < 1 or members != int(members)):
            rec.fail("members", f"expected a whole number of at least 1, got {members:g}")
            return None
        if None in (bid, name, kind, description, citation):
            return None
        return Body(bid, name, kind, description, citation, int(members))

    def relation(self, rec: _Record, known: set[str]) -> Relation | None:
        src, dst, kind = rec.get("from", "id"), rec.get("to", "id"), rec.choice("relation", RELATION_KINDS)
        description = rec.get("description", "text")
        citation = self.citation(rec, "citation", rec.data.get("citation"))
        for field, node in (("from", src), ("to", dst)):
            if node is not None and node not in known:
                rec.fail(field, f"unknown body '{node}' (not in institutions.yaml or this overlay's adds_bodies)")
                return None
        if None in (src, dst, kind, description, citation):
            return None
        return Relation(src, dst, kind, description, citation)

    def add_institutions(self, file: str, data: Any) -> None:
        top = _Record(self.errors, file, "institutions", data)
        bodies: dict[str, Body] = {}
        for i, item in enumerate(top.get("nodes", "list") or []):
            rec = _Record(self.errors, file, _record_name(item, i), item)
            body = self.body(rec)
            if body is not None:
                if body.id in bodies:
                    rec.fail("id", f"duplicate body id '{body.id}'")
                bodies[body.id] = body
        relations = []
        for i, item in enumerate(top.get("relations", "list") or []):
            label = f"relation {i + 1}" + (f" ({item.get('from')} -> {item.get('to')})" if isinstance(item, dict) else "")
            rel = self.relation(_Record(self.errors, file, label, item), set(bodies))
            if rel is not None:
                relations.append(rel)
        self.institutions = InstitutionMap(MappingProxyType(bodies), tuple(relations))

    def add_overlay(self, file: str, data: Any) -> None:
        top = _Record(self.errors, file, Path(file).stem, data)
        pid = top.get("proposal", "id")
        if pid is None:
            return
        if pid != Path(file).stem:
            top.fail("proposal", f"'{pid}' does not match the file name; name the file overlays/{pid}.yaml")
        if pid not in self.proposals:
            top.fail("proposal", f"unknown proposal '{pid}' (known: {', '.join(self.proposals)})")
            return
        base = self.institutions
        if base is None:
            top.fail("", "overlays need an institutions.yaml to overlay")
            return
        note = top.get("note", "text")
        added = []
        for i, item in enumerate(top.get("adds_bodies", "list") or []):
            rec = top.child(f"adds_bodies[{i}]", item)
            body = self.body(rec)
            if body is not None:
                if body.id in base.bodies:
                    rec.fail("id", f"'{body.id}' is already a body of the map; an overlay adds new bodies only")
                added.append(body)
        known = set(base.bodies) | {b.id for b in added}
        adds = [self.relation(top.child(f"adds_relations[{i}]", item), known)
                for i, item in enumerate(top.get("adds_relations", "list") or [])]
        existing = {r.key for r in base.relations}
        removes = []
        for i, item in enumerate(top.get("removes_relations", "list") or []):
            rec = top.child(f"removes_relations[{i}]", item)
            rel = self.relation(rec, known)
            if rel is not None and rel.key not in existing:
                rec.fail("relation", f"no relation {rel.source} -{rel.relation}-> {rel.target} in institutions.yaml to remove")
            elif rel is not None:
                removes.append(rel)
        self.overlays[pid] = Overlay(pid, note or "", tuple(added), tuple(r for r in adds if r), tuple(removes))

    def add_tradeoff(self, file: str, data: Any) -> None:
        top = _Record(self.errors, file, "tradeoff", data)
        default = next((f for f in self.frameworks.values() if f.default), None)
        criteria = set(default.criterion_ids) if default else set()

        def criterion(rec):
            cid = rec.get("criterion", "id")
            if cid is not None and criteria and cid not in criteria:
                rec.fail("criterion", f"unknown criterion '{cid}' of the default framework (known: {', '.join(sorted(criteria))})")
                return None
            return cid

        links = []
        stance = top.child("stance", top.get("stance", "mapping") or {})
        for side in ("centralised", "dispersed"):
            for i, item in enumerate(stance.get(side, "list") or []):
                rec = stance.child(f"{side}[{i}]", item)
                cid, why = criterion(rec), rec.get("why", "text")
                citation = self.citation(rec, "citation", rec.data.get("citation"))
                if None not in (cid, why, citation):
                    links.append(StanceLink(cid, side, why, citation))
        response = top.child("response", top.get("response", "mapping") or {})
        effects = []
        for i, item in enumerate(response.get("effects", "list") or []):
            rec = response.child(f"effects[{i}]", item)
            cid, step, why = criterion(rec), rec.get("per_step", "number"), rec.get("why", "text")
            citation = self.citation(rec, "citation", rec.data.get("citation"))
            if None not in (cid, step, why, citation):
                effects.append(Effect(cid, step, why, citation))
        self.tradeoff = TradeoffModel(tuple(links), tuple(effects), response.get("unit", "text", default=""),
                                      response.get("note", "text", default=""))

    def add_presets(self, file: str, data: Any) -> None:
        top = _Record(self.errors, file, "presets", data)
        for i, item in enumerate(top.get("presets", "list") or []):
            rec = _Record(self.errors, file, _record_name(item, i), item)
            pid, fid = rec.get("id", "id"), rec.get("framework", "id")
            name, rationale = rec.get("name", "text"), rec.get("rationale", "text")
            raw = rec.get("weights", "mapping") or {}
            citation = self.citation(rec, "citation", item["citation"]) if isinstance(item, dict) and "citation" in item else None
            if fid is not None and fid not in self.frameworks:
                rec.fail("framework", f"unknown framework '{fid}' (known: {', '.join(self.frameworks)})")
                continue
            if None in (pid, fid, name, rationale):
                continue
            criteria = self.frameworks[fid].criterion_ids
            weights = {}
            for key, value in raw.items():
                if key not in criteria:
                    rec.fail(f"weights.{key}", f"unknown criterion '{key}' of framework '{fid}' (known: {', '.join(criteria)})")
                elif not isinstance(value, (int, float)) or isinstance(value, bool) or not 0 <= value < math.inf:
                    rec.fail(f"weights.{key}", f"expected a weight >= 0, got {value!r}")
                else:
                    weights[key] = float(value)
            for key in criteria:
                if key not in raw:
                    rec.fail(f"weights.{key}", "missing; a preset gives every criterion of its framework a weight")
            if pid in self.presets:
                rec.fail("id", f"duplicate preset id '{pid}'")
            elif weights and not sum(weights.values()) > 0:
                rec.fail("weights", "all weights are zero; a preset must weigh at least one criterion")
            else:
                self.presets[pid] = Preset(pid, fid, name, rationale, MappingProxyType(weights), citation)

    def _check_derivations(self, default: Framework, all_criteria: dict) -> None:
        for f in self.frameworks.values():
            for c in f.criteria:
                rec = _Record(self.errors, f.file, f"{f.id}/{c.id}", {})
                if f.default and c.derived_from:
                    rec.fail("derived_from", "criteria of the default framework are scored directly, not derived")
                for source in c.derived_from:
                    if source not in default.criterion_ids:
                        rec.fail(f"derived_from.{source}", f"unknown criterion '{source}' of the default framework "
                                                           f"'{default.id}' (known: {', '.join(default.criterion_ids)})")


def _record_name(item: Any, index: int) -> str:
    if isinstance(item, dict) and isinstance(item.get("id"), str):
        return item["id"]
    return f"item {index + 1}"


def _read_yaml(path: Path, errors: list[DataError], label: str) -> Any:
    try:
        with path.open(encoding="utf-8") as fh:
            return yaml.safe_load(fh)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        errors.append(DataError(label, "", "", f"not valid YAML{where}: {problem}"))
    except UnicodeDecodeError as exc:
        errors.append(DataError(label, "", "", f"not UTF-8 text: {exc}"))
    return _MISSING


def load_dataset(*folders: str | Path) -> "Dataset":
    """Load and validate data from one or more folders (default: the bundled data).

    Later folders add frameworks, proposals and sources to earlier ones; a folder needs
    only the parts it adds (the bundled `scale.yaml` and stakeholder groups are reused).
    """
    from .dataset import Dataset

    folders = tuple(Path(f) for f in folders) or (BUNDLED_DATA,)
    sources = SourceLibrary()
    builder = _Builder(sources)
    for folder in folders:
        if not folder.is_dir():
            builder.errors.append(DataError(str(folder), "", "", "no such data folder"))
            continue
        if (folder / "sources").is_dir():
            sources.add_folder(folder / "sources")
    for folder in folders:
        for name, add in (("scale.yaml", builder.add_scale), ("stakeholder_groups.yaml", builder.add_groups)):
            path = folder / name
            if path.is_file():
                data = _read_yaml(path, builder.errors, _label(path, folders))
                if data is not _MISSING:
                    add(_label(path, folders), data)
    for folder in folders:
        for path in sorted((folder / "frameworks").glob("*.y*ml")):
            data = _read_yaml(path, builder.errors, _label(path, folders))
            if data is not _MISSING:
                builder.add_framework(_label(path, folders), data)
    for folder in folders:
        for path in sorted((folder / "proposals").glob("*.y*ml")):
            data = _read_yaml(path, builder.errors, _label(path, folders))
            if data is not _MISSING:
                builder.add_proposal(_label(path, folders), data)
    for folder in folders:
        for name, kind in (("institutions.yaml", "institutions"), ("tradeoff.yaml", "tradeoff")):
            path = folder / name
            if path.is_file():
                data = _read_yaml(path, builder.errors, _label(path, folders))
                if data is not _MISSING:
                    builder._raw_network.append((kind, _label(path, folders), data))
    for folder in folders:
        for path in sorted((folder / "overlays").glob("*.y*ml")):
            data = _read_yaml(path, builder.errors, _label(path, folders))
            if data is not _MISSING:
                builder._raw_network.append(("overlay", _label(path, folders), data))
    for folder in folders:
        path = folder / "presets.yaml"
        if path.is_file():
            data = _read_yaml(path, builder.errors, _label(path, folders))
            if data is not _MISSING:
                builder._raw_presets.append((_label(path, folders), data))
    scale, groups, frameworks, proposals = builder.finish()
    return Dataset(scale, groups, frameworks, proposals, sources, builder.presets,
                   builder.institutions, builder.overlays, builder.tradeoff)


def _label(path: Path, folders: Iterable[Path]) -> str:
    """A path as the user knows it: relative to the data folder, with the folder's name."""
    for folder in folders:
        try:
            return str(Path(folder.name) / path.relative_to(folder))
        except ValueError:
            continue
    return str(path)


def build_dataset(frameworks: list[tuple[str, dict]], proposals: list[tuple[str, dict]],
                  base: "Dataset | None" = None, extra_sources: Iterable[Path] = ()) -> "Dataset":
    """Validate in-memory records (from DataFrames or code) on top of an optional base dataset."""
    from .dataset import Dataset

    sources = SourceLibrary(list(base.sources.folders) if base else [BUNDLED_DATA / "sources"])
    for folder in extra_sources:
        sources.add_folder(Path(folder))
    builder = _Builder(sources)
    if base is not None:
        builder.scale, builder.groups = base.scale, dict(base.groups)
        builder.frameworks = {k: v for k, v in base.frameworks.items()}
        builder._criterion_file = {c.id: f.file for f in base.frameworks.values() for c in f.criteria}
        builder.proposals = dict(base.proposals)
        builder.presets = dict(base.presets)
        builder.institutions, builder.tradeoff = base.institutions, base.tradeoff
        builder.overlays = dict(base.overlays)
    else:
        for name, add in (("scale.yaml", builder.add_scale), ("stakeholder_groups.yaml", builder.add_groups)):
            add(name, yaml.safe_load((BUNDLED_DATA / name).read_text(encoding="utf-8")))
    for label, data in frameworks:
        builder.add_framework(label, data)
    for i, (label, data) in enumerate(proposals):
        builder.add_proposal(label, data, i)
    scale, groups, fws, props = builder.finish()
    return Dataset(scale, groups, fws, props, sources, builder.presets,
                   builder.institutions, builder.overlays, builder.tradeoff)
