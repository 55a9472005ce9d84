"""The spec: everything someone set, as plain data, generated from the model's parameters.

One spec holds every input that differs from a fresh assessment of the same data: the framework,
weights, method and each method's settings, thresholds, stance, selection, the score perspective
(whose scores rank, with the scores), and per proposal its score overrides, what-if shift and
changed attributes, with a fingerprint of the dataset. A link
and a scenario file are two encodings of that one nested dict: a file stores it as YAML or JSON
and is read back as data; a link flattens it into query parameters. Both are read by one
validator, so a link and a file can never disagree on what a value means.

A link is how a facilitator shares "this is what the weights did", so reading one never breaks the
page: every value is checked, bad ones are named and skipped, and the rest still applies. A file is
an analyst's record: anything it cannot use is an error naming the file and the field.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote, urlencode, urlparse

import yaml

from .dataset.fields import brief
from .i18n import Message
from .methods import METHODS

SPEC_VERSION = 1
# The assessment's own parameters that are state (the rest are derived, or nested below).
ASSESSMENT_FIELDS = ("framework", "method", "thresholds", "stance", "selected", "compared")
# Proposal parameters that are the record's own identity, never changed by a user.
# perspective_scores is set by the Assessment from its perspective (igviz/perspective.py), not by a spec.
FIXED_PROPOSAL_FIELDS = ("name", "id", "short_name", "proponent", "description", "baseline", "perspective_scores")
# The longest link read (keys and values, in characters). A full spec of every override on the bundled data
# is a few thousand; a 48 kB link of 8,000 made-up ids held the server for seconds, so longer ones are
# refused in one message, before any value is read.
LINK_MAX = 16_384
# Older links wrote the comparison as `compare`.
LINK_ALIASES = {"compare": "compared"}


@dataclass
class Scenario:
    """One spec: a nested dict of what differs from a fresh assessment of the same dataset."""

    spec: dict = field(default_factory=dict)

    # -- from and into an assessment --------------------------------------------------------------

    @classmethod
    def from_assessment(cls, a) -> "Scenario":
        """Every parameter that differs from its default, read from the parameters themselves."""
        from .model import DEFAULT_WEIGHT, Proposal

        spec: dict = {"igviz_spec": SPEC_VERSION}
        spec["dataset"] = a.dataset.fingerprint
        defaults = {"framework": a.dataset.default_framework.id}
        for name in ASSESSMENT_FIELDS:
            value, default = getattr(a, name), defaults.get(name, a.param[name].default)
            if value != default:
                spec[name] = _plain(value)
        weights = {c: v for c, v in a.weights.values().items() if v != DEFAULT_WEIGHT}
        if weights:
            spec["weights"] = weights
        methods = {key: m.settings() for key, m in a.methods.items() if m.settings()}
        if methods:
            spec["methods"] = methods
        designs = {p.id: p.design.spec() for p in a.proposals if getattr(p, "design", None) is not None}
        if designs:
            spec["designs"] = designs
        if a.perspective is not None:
            # Whose scores rank the proposals, with the scores themselves: a link or file must rank
            # the same without the workshop export they came from.
            spec["perspective"] = _plain(a.perspective.to_dict())
        proposals = {}
        for p in a.proposals:
            if getattr(p, "design", None) is not None:
                continue   # a design is saved by its options (above), not as changes to a record
            fresh = Proposal(p.record, a.dataset).param.values()
            changed = {k: v for k, v in p.param.values().items()
                       if k not in FIXED_PROPOSAL_FIELDS and k != "score_overrides" and v != fresh[k]}
            if p.score_overrides:
                changed["score_overrides"] = {c: {"score": s.score, "low": s.low, "high": s.high,
                                                  "rationale": s.rationale} for c, s in p.score_overrides.items()}
            if changed:
                proposals[p.id] = _plain(changed)
        if proposals:
            spec["proposals"] = proposals
        return cls(spec)

    def apply(self, a) -> None:
        """Put this spec into an assessment: framework first (it rebuilds the weights), then the rest.
        Anything not in the spec goes back to its default, so the assessment shows exactly the spec."""
        s = self.spec
        framework = s.get("framework", a.dataset.default_framework.id)
        if a.framework != framework:
            a.framework = framework
        a.weights.reset()
        a.weights.set(s.get("weights", {}))
        for key, m in a.methods.items():
            fresh = METHODS[key]()
            m.param.update(**{k: v for k, v in fresh.param.values().items() if k != "name"})
            m.param.update(**s.get("methods", {}).get(key, {}))
        from .model import DesignedProposal, Proposal
        from .design import Design

        for p in [p for p in a.proposals if isinstance(p, DesignedProposal)]:
            a.remove_design(p.id)
        for design_id, d in s.get("designs", {}).items():
            a.add_design(Design.from_spec(design_id, d))
        from .perspective import Perspective

        view = Perspective.from_dict(s["perspective"]) if s.get("perspective") else None
        if view is None or not view.same_scores(a.perspective):
            a.perspective = view
        for p in a.proposals:
            if isinstance(p, DesignedProposal):
                continue
            changes = dict(s.get("proposals", {}).get(p.id, {}))
            overrides = changes.pop("score_overrides", {})
            fresh = {k: v for k, v in Proposal(p.record, a.dataset).param.values().items()
                     if k not in FIXED_PROPOSAL_FIELDS}
            p.param.update({**fresh, **changes})
            for c, o in overrides.items():
                p.set_score(c, o["score"], o["low"], o["high"], o.get("rationale") or "Set by the analyst.")
        a.param.update(method=s.get("method", "weighted_sum"), thresholds=dict(s.get("thresholds", {})),
                       stance=s.get("stance", 0.0), selected=s.get("selected"), compared=list(s.get("compared", [])))

    # -- files ------------------------------------------------------------------------------

    def to_dict(self) -> dict:
        return json.loads(json.dumps(self.spec))  # a deep copy, plain types only

    def save(self, path) -> Path:
        """Write the spec as YAML (.yaml/.yml) or JSON (anything else)."""
        path = Path(path)
        data = self.to_dict()
        text = (yaml.safe_dump(data, sort_keys=False, allow_unicode=True) if path.suffix in (".yaml", ".yml")
                else json.dumps(data, indent=2, ensure_ascii=False))
        path.write_text(text, encoding="utf-8")
        return path

    @classmethod
    def load(cls, path, dataset) -> "Scenario":
        """Read a scenario file as data; anything it cannot use is an error naming the file and the field.
        A file saved with other data is an error too (its scores would not be the ones it was saved with)."""
        from .errors import DataError, DataValidationError

        from .safeyaml import YamlProblem, load_file

        path = Path(path)
        try:
            # YAML is a superset of JSON. Read like a data file: an alias bomb, a duplicate key, deep
            # nesting or text that is not UTF-8 is refused with its line, never expanded or a traceback.
            data = load_file(path)
        except YamlProblem as exc:
            raise DataValidationError([DataError(str(path), "scenario", exc.path, str(exc))]) from None
        except OSError as exc:
            raise DataValidationError([DataError(str(path), "scenario", "", f"cannot read: {exc.strerror or exc}")]) from None
        if not isinstance(data, dict):
            raise DataValidationError([DataError(str(path), "scenario", "", "expected a mapping of scenario fields")])
        scenario, problems = cls.from_dict(data, dataset, from_link=False)
        if problems:
            raise DataValidationError([DataError(str(path), "scenario", field, str(p)) for field, p in problems])
        return scenario

    # -- links ------------------------------------------------------------------------

    def to_query(self) -> dict[str, str]:
        """The spec flattened into query parameters: `weights=transparent:10,expertise:0`,
        `methods.promethee_ii=preference:usual`, `proposals.mipc.centralisation_shift=0.2`."""
        query: dict[str, str] = {}
        spec = {k: v for k, v in self.to_dict().items() if k != "igviz_spec"}
        if "perspective" in spec:
            spec["perspective"] = _link_perspective(spec["perspective"])
        _flatten(spec, "", query)
        return query

    def to_link(self, base: str = "") -> str:
        # '/' is kept as it is (a query may hold it): a perspective's cells are `score/low/high/…`.
        return f"{base}?{urlencode(self.to_query(), safe=':,/')}"

    @classmethod
    def from_link(cls, link: str, dataset) -> "tuple[Scenario, list[str]]":
        return cls.from_query(parse_qs(urlparse(link).query), dataset)

    @classmethod
    def from_query(cls, query: dict, dataset) -> "tuple[Scenario, list[str]]":
        """Read link parameters (values may be str, bytes or lists of them, as servers give them).

        Returns the spec built from every valid value, and a message for each invalid one.
        """
        texts = [(_text(key), _text(value)) for key, value in query.items()]
        length = sum(len(key) + len(value) + 2 for key, value in texts)
        if length > LINK_MAX:
            scenario, _problems = cls.from_dict({}, dataset, from_link=True)
            return scenario, [Message("This link is {length} characters long; igviz reads links of at most {limit} "
                                      "characters, so it was not read.", length=length, limit=LINK_MAX)]
        nested: dict = {}
        for key, value in texts:
            parts = LINK_ALIASES.get(key, key).split(".")
            node = nested
            for part in parts[:-1]:
                # `proposals.mipc=centralisation_shift:0.2` and `proposals.mipc.score_overrides...` both fill mipc.
                if isinstance(node.get(part), str):
                    node[part] = _pair_dict(node[part])
                node = node.setdefault(part, {})
            leaf, text = parts[-1], value
            node[leaf] = {**_pair_dict(text), **node[leaf]} if isinstance(node.get(leaf), dict) else text
        scenario, problems = cls.from_dict(nested, dataset, from_link=True)
        return scenario, [p for _field, p in problems]

    # -- the one validator ------------------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict, dataset, from_link: bool = False) -> "tuple[Scenario, list[tuple[str, str]]]":
        """Check a spec read from a file (typed values) or a link (text): the valid part, and
        (field, message) for each value that was left out."""
        v = _Reader(dataset, from_link)
        return cls(v.read(data)), v.problems

    def __eq__(self, other) -> bool:
        return isinstance(other, Scenario) and self.to_dict() == other.to_dict()


class _Reader:
    """Reads each field of a spec against the dataset, keeping what is valid and naming what is not."""

    def __init__(self, dataset, from_link: bool):
        self.dataset, self.from_link = dataset, from_link
        self.problems: list[tuple[str, str]] = []

    def problem(self, field: str, message: str) -> None:
        self.problems.append((field, message))

    def read(self, d: dict) -> dict:
        dataset = self.dataset
        out: dict = {"igviz_spec": SPEC_VERSION}
        known = {"igviz_spec", "dataset", "weights", "methods", "proposals", "designs", "perspective", "lang",
                 *ASSESSMENT_FIELDS}
        for key in d:
            if key not in known:
                self.problem(key, Message("Ignored '{field}' in the link: igviz does not know it.", field=key))
        fingerprint, loaded = self.text(d.get("dataset"), "dataset", "a dataset fingerprint"), dataset.fingerprint
        if fingerprint and str(fingerprint) != loaded:
            self.problem("dataset", Message("This state was saved with other data (fingerprint {saved}; the data "
                                            "loaded here is {loaded}): scores may differ from what was shared.",
                                            saved=str(fingerprint), loaded=loaded))
        out["dataset"] = loaded
        framework = self.text(d.get("framework"), "framework", "a framework id") or dataset.default_framework.id
        if framework not in dataset.frameworks:
            self.problem("framework", Message("Unknown framework '{framework}' in the link; showing {default}.",
                                              framework=framework, default=dataset.default_framework.name))
            framework = dataset.default_framework.id
        if framework != dataset.default_framework.id:
            out["framework"] = framework
        criteria = dataset.framework(framework).criterion_ids
        method = self.text(d.get("method"), "method", "a method id") or "weighted_sum"
        if method not in METHODS:
            self.problem("method", Message("Unknown method '{method}' in the link (known: {known}); using the "
                                           "weighted sum.", method=method, known=", ".join(METHODS)))
            method = "weighted_sum"
        if method != "weighted_sum":
            out["method"] = method
        for what, upper in (("weight", math.inf), ("threshold", dataset.scale.max)):
            values = self.pairs(d.get(f"{what}s"), what, criteria, upper)
            if values:
                out[f"{what}s"] = values
        methods = self.methods(d.get("methods"))
        if methods:
            out["methods"] = methods
        designs = self.designs(d.get("designs"))
        if designs:
            out["designs"] = designs
        ids = [*dataset.proposals, *designs]
        stance = d.get("stance")
        if stance not in (None, ""):
            number = _number(stance)
            if not -1 <= number <= 1:
                self.problem("stance", Message("Ignored stance '{stance}' in the link: expected a number from -1 to 1.",
                                               stance=str(stance)))
            elif number:
                out["stance"] = number
        selected = self.text(d.get("selected"), "selected", "a proposal id") or None
        if selected is not None and selected not in ids:
            self.problem("selected", Message("Unknown proposal '{proposal}' in the link; nothing is selected.",
                                             proposal=str(selected)))
        elif selected is not None:
            out["selected"] = selected
        compared = []
        for pid in self.items(d.get("compared"), "compared"):
            if pid in ids:
                compared.append(pid)
            else:
                self.problem("compared", Message("Unknown proposal '{proposal}' in the link's comparison; left out.",
                                                 proposal=pid))
        if compared:
            out["compared"] = compared
        proposals = self.proposals(d.get("proposals"))
        if proposals:
            out["proposals"] = proposals
        perspective = self.perspective(d.get("perspective"), ids)
        if perspective:
            out["perspective"] = perspective
        return out

    # A file holds typed values; a link holds text. These read either, and nothing else; a value of
    # another type (only a file can hold one) is named with its field and left out.
    def text(self, value, field: str, what: str) -> str | None:
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value
        self.problem(field, f"Ignored '{field}': expected {what} (text), got {brief(value)}.")
        return None

    def items(self, value, field: str) -> list[str]:
        if value is None or value == "":
            return []
        if isinstance(value, str):
            # In a file a string is one id ("compared: mipc"); in a link, ids are comma-separated.
            return [x for x in value.split(",") if x] if self.from_link else [value]
        if not isinstance(value, (list, tuple)):
            self.problem(field, f"Ignored '{field}': expected a list of proposal ids, got {brief(value)}.")
            return []
        out = []
        for i, x in enumerate(value):
            if isinstance(x, str):
                out.append(x)
            else:
                self.problem(f"{field}[{i}]", f"Ignored '{field}[{i}]': expected a proposal id (text), got {brief(x)}.")
        return out

    def mapping(self, value, field: str) -> dict:
        if value in (None, ""):
            return {}
        if isinstance(value, dict):
            return value
        if isinstance(value, str) and self.from_link:
            return _pair_dict(value)
        self.problem(field, Message("Ignored '{field}': expected a mapping, got '{value}'.", field=field,
                                    value=brief(value, 80) if not isinstance(value, str) else value[:80]))
        return {}

    def pairs(self, value, what: str, criteria: list[str], upper: float) -> dict[str, float]:
        out = {}
        for key, raw in self.mapping(value, f"{what}s").items():
            if raw is None or key not in criteria:
                self.problem(f"{what}s", Message(_BAD_PAIR[what], part=f"{key}" if raw is None else f"{key}:{raw}",
                                                 criteria=", ".join(criteria)))
                continue
            number = _number(raw)
            if not math.isfinite(number) or number < 0 or number > upper:
                template = _BAD_VALUE[what] if math.isfinite(upper) else _BAD_UNBOUNDED[what]
                self.problem(f"{what}s", Message(template, criterion=key, upper=f"{upper:g}", value=str(raw)))
                continue
            out[key] = number
        return out

    def methods(self, value) -> dict:
        out = {}
        for key, settings in self.mapping(value, "methods").items():
            if key not in METHODS:
                self.problem("methods", Message("Ignored settings for unknown method '{method}' (known: {known}).",
                                                method=key, known=", ".join(METHODS)))
                continue
            settings = self.mapping(settings, f"methods.{key}")
            cls, kept = METHODS[key], {}
            probe = cls()
            for name, raw in settings.items():
                if name == "name" or name not in cls.param:
                    self.problem(f"methods.{key}", Message("Ignored '{setting}' for {method}: it has no such setting.",
                                                           setting=name, method=cls.label))
                    continue
                typed = _typed(cls.param[name], raw)
                try:
                    setattr(probe, name, typed)  # param checks the value on its own
                except ValueError as exc:
                    self.problem(f"methods.{key}", Message("Ignored {setting} '{value}' for {method}: {reason}",
                                                           setting=name, value=str(raw), method=cls.label,
                                                           reason=str(exc)))
                    continue
                kept[name] = typed
            # ...and the method checks the combination, once all are read (q and p come in any order).
            if probe.problem():
                self.problem(f"methods.{key}", Message("Ignored the settings for {method}: {reason}",
                                                       method=cls.label, reason=probe.problem()))
                kept = {}
            if kept:
                out[key] = kept
        return out

    def proposals(self, value) -> dict:
        from .model import Proposal

        out = {}
        for pid, changes in self.mapping(value, "proposals").items():
            if pid not in self.dataset.proposals:
                self.problem("proposals", Message("Ignored changes to unknown proposal '{proposal}'.", proposal=pid))
                continue
            field = f"proposals.{pid}"
            probe = Proposal(self.dataset.proposals[pid], self.dataset)
            kept = {}
            for name, raw in self.mapping(changes, field).items():
                if name == "score_overrides":
                    overrides = self.overrides(probe, raw, f"{field}.score_overrides")
                    if overrides:
                        kept[name] = overrides
                    continue
                if name in FIXED_PROPOSAL_FIELDS or name not in probe.param:
                    self.problem(field, Message("Ignored '{setting}' for proposal '{proposal}': it cannot be changed.",
                                                setting=name, proposal=pid))
                    continue
                typed = _typed(probe.param[name], raw)
                try:
                    setattr(probe, name, typed)
                except ValueError as exc:
                    self.problem(field, Message("Ignored {setting} '{value}' for proposal '{proposal}': {reason}",
                                                setting=name, value=str(raw), proposal=pid, reason=str(exc)))
                    continue
                kept[name] = typed
            if kept:
                out[pid] = kept
        return out

    def designs(self, value) -> dict:
        """`designs: {id: {name, base, short_name, options: {dimension: option or [options]}}}`; in a link
        `designs.ID.name=...`, `designs.ID.options.venue=single_council`, `designs.ID.options.igf_reforms=a,b`."""
        from .design import ID, Design

        out = {}
        if getattr(self.dataset, "design", None) is None:
            if value:
                self.problem("designs", Message("Ignored the designs: this data has no design model."))
            return out
        for did, raw in self.mapping(value, "designs").items():
            raw = self.mapping(raw, f"designs.{did}")
            if not ID.match(str(did)) or did in self.dataset.proposals:
                self.problem("designs", Message("Ignored design '{design}': its id must be an identifier that is "
                                                "not a proposal of the data.", design=str(did)))
                continue
            options = {}
            for dim, opt in self.mapping(raw.get("options"), f"designs.{did}.options").items():
                dimension = self.dataset.design.dimensions.get(dim)
                if dimension is not None and dimension.multiple:
                    options[dim] = self.items(opt, f"designs.{did}.options.{dim}") if not isinstance(opt, str) or self.from_link else [opt]
                else:
                    options[dim] = opt
            spec = {"name": str(raw.get("name") or did), "options": options}
            for key in ("base", "short_name"):
                if raw.get(key):
                    spec[key] = str(raw[key])
            design = Design.from_spec(did, spec)
            problems = [p for p in design.problems(self.dataset) if "has no effect" not in p]
            if problems:
                self.problem("designs", Message("Ignored design '{design}': {reason}", design=str(did),
                                                reason="; ".join(problems)))
                continue
            out[did] = design.spec()
        return out

    def perspective(self, value, ids: list[str]) -> dict:
        """`perspective: {name, whose, cells: {proposal: {criterion: {score, low, high, basis, ratings,
        groups, spread}}}}` (Perspective.to_dict); in a link `perspective.name=...`,
        `perspective.cells.mipc.transparent=score:6.5,low:5,high:8,ratings:7`. A bad cell is named and
        left out; the rest of the perspective still ranks."""
        raw = self.mapping(value, "perspective")
        if not raw:
            return {}
        for key in raw:
            if key not in ("name", "whose", "cells"):
                self.problem("perspective", Message("Ignored '{field}' in the perspective: expected name, whose "
                                                    "and cells.", field=f"perspective.{key}"))
        name = self.label(raw.get("name"), "perspective.name") or "Perspective from a link or file"
        whose = self.label(raw.get("whose"), "perspective.whose") or ""
        scale = self.dataset.scale
        cells: dict = {}
        for pid, row in self.mapping(raw.get("cells"), "perspective.cells").items():
            if pid not in ids:
                self.problem("perspective.cells", Message("Ignored the perspective's scores of unknown proposal "
                                                          "'{proposal}'.", proposal=str(pid)))
                continue
            row = self.mapping(row, f"perspective.cells.{pid}")
            # A link writes a cell's sentence beside it as `criterion.basis` (see _link_perspective).
            bases = {str(k)[:-len(".basis")]: v for k, v in row.items() if self.from_link and str(k).endswith(".basis")}
            for cid, cell in row.items():
                if self.from_link and str(cid).endswith(".basis"):
                    continue
                field = f"perspective.cells.{pid}.{cid}"
                if self.from_link and isinstance(cell, str) and ":" not in cell:
                    cell = {**_unslashed(cell), **({"basis": bases[cid]} if bases.get(cid) else {})}
                checked = self.perspective_cell(self.mapping(cell, field), scale)
                if isinstance(checked, str):
                    self.problem(field, Message("Ignored the perspective's score of '{proposal}' on '{criterion}': "
                                                "{reason}", proposal=str(pid), criterion=str(cid), reason=checked))
                    continue
                try:
                    self.dataset.criterion(cid)
                except KeyError:
                    self.problem(field, Message("Ignored the perspective's score of '{proposal}' on '{criterion}': "
                                                "no such criterion.", proposal=str(pid), criterion=str(cid)))
                    continue
                cells.setdefault(pid, {})[cid] = checked
        return {"name": name, "whose": whose, "cells": cells}

    # User text shown on the pages (always escaped there): short, like a name.
    LABEL_MAX = 300

    def label(self, value, field: str) -> str:
        text = self.text(value, field, "text")
        if text and len(text) > self.LABEL_MAX:
            self.problem(field, Message("Shortened '{field}' to {limit} characters.", field=field, limit=self.LABEL_MAX))
            text = text[:self.LABEL_MAX]
        return text or ""

    def perspective_cell(self, cell: dict, scale) -> "dict | str":
        """A perspective's cell, checked: the plain dict to keep, or what is wrong with it (in words)."""
        unknown = [k for k in cell if k not in ("score", "low", "high", "basis", "ratings", "groups", "spread")]
        if unknown:
            return f"unknown field {', '.join(map(str, unknown))} (known: score, low, high, basis, ratings, groups, spread)"
        score = _number(cell.get("score"))
        low, high = _number(cell.get("low", score)), _number(cell.get("high", score))
        for label, v in (("score", score), ("low", low), ("high", high)):
            if not (math.isfinite(v) and scale.min <= v <= scale.max):
                return f"{label} must be a number in {scale.min:g}..{scale.max:g}, got {cell.get(label)!r}"
        if not low <= score <= high:
            return f"expected low <= score <= high, got {low:g} <= {score:g} <= {high:g}"
        out: dict = {"score": score}
        if (low, high) != (score, score):
            out.update(low=low, high=high)
        basis = cell.get("basis")
        if basis not in (None, ""):
            if not isinstance(basis, str):
                return f"basis must be text, got {brief(basis)}"
            out["basis"] = basis[:self.LABEL_MAX]
        for key in ("ratings", "groups"):
            if cell.get(key) not in (None, ""):
                n = _number(cell[key])
                if not (math.isfinite(n) and n >= 0 and float(n).is_integer()):
                    return f"{key} must be a whole number of 0 or more, got {cell[key]!r}"
                out[key] = int(n)
        if cell.get("spread") not in (None, ""):
            spread = _number(cell["spread"])
            if not (math.isfinite(spread) and spread >= 0):
                return f"spread must be a number of 0 or more, got {cell['spread']!r}"
            out["spread"] = spread
        return out

    def overrides(self, probe, value, field: str) -> dict:
        out = {}
        for cid, raw in self.mapping(value, field).items():
            o = self.mapping(raw, f"{field}.{cid}")
            try:
                score = _number(o.get("score"))
                low, high = _number(o.get("low", score)), _number(o.get("high", score))
                rationale = str(o.get("rationale") or "Set by the analyst.")
                probe.set_score(cid, score, low, high, rationale)  # checks the criterion, the scale and the order
            except (KeyError, ValueError) as exc:
                self.problem(field, Message("Ignored the score override for '{criterion}': {reason}",
                                            criterion=cid, reason=str(exc).strip("'\"")))
                continue
            out[cid] = {"score": score, "low": low, "high": high, "rationale": rationale}
        return out


# A perspective's cell in a link: score/low/high/ratings/groups/spread, blank where unknown. A room's
# perspective has up to one cell per proposal × criterion: written as `score:…,low:…,high:…` each,
# with its sentence, 90 rated cells made a link longer than LINK_MAX.
CELL_PARTS = ("score", "low", "high", "ratings", "groups", "spread")


def _link_perspective(perspective: dict) -> dict:
    """The perspective as a link writes it: one parameter per proposal, `criterion:score/low/high/…`.
    A cell's basis (a sentence) is left out where its ratings say it (the pages write the sentence from
    them); a cell without ratings keeps it, as `criterion:score/low/high` plus `criterion.basis`."""
    cells = {}
    for pid, row in (perspective.get("cells") or {}).items():
        for cid, cell in row.items():
            parts = [_link_text(cell[k]) if cell.get(k) is not None else "" for k in CELL_PARTS]
            parts[1] = parts[1] or parts[0]
            parts[2] = parts[2] or parts[0]
            cells.setdefault(pid, {})[cid] = "/".join(parts).rstrip("/")
            if cell.get("basis") and cell.get("ratings") is None:
                cells[pid][f"{cid}.basis"] = cell["basis"]
    return {**perspective, "cells": cells}


def _unslashed(text: str) -> dict:
    """`5.5/3.25/7.75/17/4/2.25` (or fewer parts) from a link as a cell's mapping."""
    parts = text.split("/")
    if len(parts) > len(CELL_PARTS):
        return {"score": text}  # reported as not a number
    return {k: v for k, v in zip(CELL_PARTS, parts) if v != ""}


def _flatten(value, prefix: str, query: dict) -> None:
    if isinstance(value, dict):
        if prefix and all(not isinstance(v, (dict, list)) for v in value.values()):
            query[prefix] = ",".join(f"{_escape(k)}:{_escape(_link_text(v))}" for k, v in value.items())
            return
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else k, query)
    elif isinstance(value, list):
        query[prefix] = ",".join(_escape(_link_text(v)) for v in value)
    else:
        query[prefix] = _link_text(value)


def _pair_dict(text: str) -> dict:
    """`k:v,k:v` from a link as a dict (a part without a colon maps to None, to be reported)."""
    out = {}
    for part in filter(None, text.split(",")):
        key, sep, raw = part.partition(":")
        out[unquote(key.strip())] = unquote(raw) if sep else None
    return out


def _escape(s: str) -> str:
    # Inside a pair list, a comma, a colon or a percent sign in a value would split it wrongly.
    return quote(str(s), safe=" !$'()*+;=@[]~/?.-_")


def _link_text(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        # The shortest text that reads back as the very same float: the ranking is reproduced exactly.
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def _typed(parameter, raw):
    """A link's text as the parameter's type (a file's values are already typed)."""
    import param

    if not isinstance(raw, str):
        return raw
    if isinstance(parameter, param.Boolean):
        return {"true": True, "false": False}.get(raw.lower(), raw)
    if isinstance(parameter, param.Number):
        return _number(raw)
    if isinstance(parameter, param.List):
        return [unquote(x) for x in raw.split(",") if x]
    if isinstance(parameter, param.Dict):
        pairs = (part.partition(":") for part in raw.split(",") if part)
        return {unquote(k): (_number(v) if math.isfinite(_number(v)) else unquote(v)) for k, _sep, v in pairs}
    return raw


def _plain(value):
    """Parameter values as plain YAML/JSON types."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def _number(value) -> float:
    if isinstance(value, bool):
        return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _text(value) -> str:
    if isinstance(value, (list, tuple)):
        value = value[-1] if value else ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    return str(value).strip()


# Whole sentences per kind of value, so that each translates as one.
_BAD_PAIR = {
    "weight": Message("Ignored weight '{part}' in the link: expected criterion:number with a criterion of this "
                      "framework ({criteria})."),
    "threshold": Message("Ignored threshold '{part}' in the link: expected criterion:number with a criterion of this "
                         "framework ({criteria})."),
}
_BAD_VALUE = {
    "weight": Message("Ignored weight for '{criterion}' in the link: expected a number from 0 to {upper}, got '{value}'."),
    "threshold": Message("Ignored threshold for '{criterion}' in the link: expected a number from 0 to {upper}, "
                         "got '{value}'."),
}
_BAD_UNBOUNDED = {
    "weight": Message("Ignored weight for '{criterion}' in the link: expected a number of 0 or more, got '{value}'."),
    "threshold": Message("Ignored threshold for '{criterion}' in the link: expected a number of 0 or more, "
                         "got '{value}'."),
}
