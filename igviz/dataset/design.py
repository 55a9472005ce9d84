"""The design model (data/design/): dimensions, options and their rules, and deriving scores from them.

A design is a choice of one option per dimension (several for a dimension with `multiple: true`).
Each option carries one rule per criterion of the default framework (an effect on the score
against the status quo, with a range, evidence and a verbatim quote), or names the criterion as
one the sources are silent on (no effect, a wider range). A designed proposal's scores are the
status quo's scores plus the effects of the rules that apply; nothing is set by hand.

This module reads the files (`parse_dimension`, `parse_readings`), derives designed proposals
once everything is read (`finish_designs`), and holds the pure functions the rest of igviz uses:
`normalise_choice`, `applicable`, `derive_scores`, `variant_scores`, `design_overlay`.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from ..datatext import Composed, Joined, Lowered
from ..errors import DataError
from ..i18n import N_
from .fields import Fields, record_name
from .records import (
    EVIDENCE,
    NODE_KINDS,
    RELATION_KINDS,
    Body,
    Citation,
    DesignDimension,
    DesignModel,
    DesignOption,
    DesignReading,
    DesignRule,
    Overlay,
    Relation,
    Score,
)

# Each silent rule widens the range by this much on either side (it has no effect on the score).
SILENT_WIDEN = 0.25
# Each further gain (or loss) on one criterion counts this share of the one before (see `combined`).
OVERLAP = 0.75
# The attributes a design option may set (the proposal's `attributes`).
ATTRIBUTES = ("home_institution", "seats", "advisory_groups", "decision_rule", "binding",
              "coordinating_function", "issue_working_groups")
BODY_REF = "designed_body"            # the venue's new body, as overlay relations name it
GROUPS_ID = "designed_working_groups"


# -- reading ------------------------------------------------------------------------------------

DIMENSION_FIELDS = ("id", "name", "question", "order", "multiple", "options")
OPTION_FIELDS = ("id", "name", "explanation", "citation", "baseline", "sets", "matches", "match", "centralised",
                 "needs", "node", "convened_by", "rules", "silent", "overlay")
RULE_FIELDS = ("criterion", "effect", "range", "evidence", "rationale", "citation", "when", "unless")


def _unknown(rec: Fields, data: Any, known: tuple[str, ...]) -> None:
    """A misspelt field (`unles:`) would silently drop a condition: name it, with the fields expected."""
    if isinstance(data, dict):
        for key in data:
            if key not in known:
                import difflib

                close = difflib.get_close_matches(str(key), known, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                rec.fail(str(key), f"unknown field{hint} (expected: {', '.join(known)})")

def parse_dimension(c, file: str, data: Any) -> None:
    from .parsers import citation

    if not isinstance(data, dict):
        c.errors.append(DataError(file, "", "", "expected a design dimension: a mapping with id, name, options"))
        return
    rec = Fields(c.errors, file, record_name(data, 0), data)
    _unknown(rec, data, DIMENSION_FIELDS)
    did, name, question = rec.get("id", "id"), rec.get("name", "text"), rec.get("question", "text")
    multiple = rec.get("multiple", "yes/no", default=False)
    order = rec.get("order", "number", default=0.0)
    default = c.default_framework
    criteria = default.criterion_ids if default else []
    options, seen = [], set()
    for i, item in enumerate(rec.get("options", "list") or []):
        orec = Fields(c.errors, file, f"{did}/{record_name(item, i)}", item)
        opt = _option(c, orec, item, criteria)
        if opt is None:
            continue
        if opt.id in seen:
            orec.fail("id", f"duplicate option id '{opt.id}' in dimension '{did}'")
            continue
        seen.add(opt.id)
        options.append(opt)
    if did is None or name is None or question is None:
        return
    if not options:
        rec.fail("options", "is empty; a dimension needs at least one option")
        return
    baselines = [o.id for o in options if o.baseline]
    if not multiple and len(baselines) != 1:
        rec.fail("options", f"exactly one option must have `baseline: true` (the status quo); found {len(baselines)}")
    if did in c.design_dimensions:
        rec.fail("id", f"duplicate design dimension '{did}' (also in {c.design_dimensions[did].file})")
        return
    c.design_dimensions[did] = DesignDimension(did, name, question, tuple(options), bool(multiple), order or 0.0, file)


def _option(c, rec: Fields, data: Any, criteria: list[str]) -> DesignOption | None:
    from .parsers import citation

    if not isinstance(data, dict):
        rec.fail("", "expected an option: a mapping with id, name, explanation, citation, rules")
        return None
    _unknown(rec, data, OPTION_FIELDS)
    oid, name, explanation = rec.get("id", "id"), rec.get("name", "text"), rec.get("explanation", "text")
    cite = citation(c, rec, "citation", data.get("citation"))
    baseline = bool(rec.get("baseline", "yes/no", default=False))
    sets = rec.get("sets", "mapping", default={}) or {}
    for key in sets:
        if key not in ATTRIBUTES:
            rec.fail(f"sets.{key}", f"unknown attribute; expected one of {', '.join(ATTRIBUTES)}")
    matches = tuple(str(m) for m in (rec.get("match", "list", default=None) or rec.get("matches", "list", default=[]) or []))
    rules: list[DesignRule] = []
    named: dict[str, str] = {}
    for i, item in enumerate(rec.get("rules", "list", default=[]) or []):
        r = _rule(c, rec.child(f"rules[{i}]", item), item, criteria)
        if r is not None:
            rules.append(r)
            named.setdefault(r.criterion, "rules")
    silent = rec.get("silent", "mapping", default={}) or {}
    srec = rec.child("silent", silent)
    why = srec.get("why", "text", default=None) if silent else None
    if silent and not why:
        srec.fail("why", "missing; say why the sources are silent on these criteria")
    for cid in (srec.get("criteria", "list", default=[]) or []) if silent else []:
        if criteria and cid not in criteria:
            srec.fail("criteria", f"unknown criterion '{cid}' (known: {', '.join(criteria)})")
            continue
        if cid in named:
            srec.fail("criteria", f"'{cid}' has a rule already; a criterion is either ruled on or silent")
            continue
        named[cid] = "silent"
        if cite is not None:
            rules.append(DesignRule(cid, 0.0, 0.0, 0.0, "silent", f"The sources are silent: {why}", cite))
    if baseline and rules:
        rec.fail("rules", "the baseline option is the status quo: it has no rules (its effects are zero by definition)")
    if not baseline and criteria:
        missing = [cid for cid in criteria if cid not in named]
        if missing:
            rec.fail("rules", f"no rule and not silent for {', '.join(missing)}: every option says what it does to "
                              "every criterion (a rule, or `silent:` when the sources say nothing)")
    needs = _option_map(rec, "needs", rec.get("needs", "mapping", default={}) or {})
    node = rec.get("node", "text", default="") or ""
    convened = rec.get("convened_by", "text", default="") or ""
    known = set(c.institutions.bodies) if c.institutions else set()
    for field_name, ref in (("node", node), ("convened_by", convened)):
        if ref and not ref.startswith("$") and known and ref not in known:
            rec.fail(field_name, f"unknown body '{ref}' (not in institutions.yaml)")
    bodies, relations = [], []
    overlay = rec.get("overlay", "mapping", default={}) or {}
    orec = rec.child("overlay", overlay)
    for i, item in enumerate(orec.get("adds_bodies", "list", default=[]) or []):
        b = _body(c, orec.child(f"adds_bodies[{i}]", item), item, cite)
        if b is not None:
            bodies.append(b)
    for i, item in enumerate(orec.get("adds_relations", "list", default=[]) or []):
        r = _relation(c, orec.child(f"adds_relations[{i}]", item), item, cite, known | {b.id for b in bodies})
        if r is not None:
            relations.append(r)
    if None in (oid, name, explanation, cite):
        return None
    return DesignOption(oid, name, explanation, cite, tuple(rules), baseline, MappingProxyType(dict(sets)), matches,
                        bool(rec.get("centralised", "yes/no", default=False)), needs, node, convened,
                        tuple(bodies), tuple(relations))


def _option_map(rec: Fields, field: str, raw: Mapping) -> Mapping[str, tuple[str, ...]]:
    out = {}
    for key, value in raw.items():
        values = value if isinstance(value, list) else [value]
        if not all(isinstance(v, str) for v in values):
            rec.fail(f"{field}.{key}", f"expected an option id or a list of option ids, got {value!r}")
            continue
        out[str(key)] = tuple(values)
    return MappingProxyType(out)


def _rule(c, rec: Fields, data: Any, criteria: list[str]) -> DesignRule | None:
    from .parsers import citation

    if not isinstance(data, dict):
        rec.fail("", "expected a rule: criterion, effect, range, evidence, rationale, citation")
        return None
    _unknown(rec, data, RULE_FIELDS)
    cid, effect = rec.get("criterion", "id"), rec.get("effect", "number")
    evidence, rationale = rec.choice("evidence", EVIDENCE), rec.get("rationale", "text")
    cite = citation(c, rec, "citation", data.get("citation"))
    span = rec.get("range", "list")
    low = high = None
    if span is not None:
        if (len(span) != 2 or not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
                                      for v in span)):
            rec.fail("range", f"expected [low, high], two numbers, got {span!r}")
        else:
            low, high = float(span[0]), float(span[1])
            if effect is not None and not low <= effect <= high:
                rec.fail("range", f"the effect {effect:g} must lie within its range [{low:g}, {high:g}]")
    if cid is not None and criteria and cid not in criteria:
        rec.fail("criterion", f"unknown criterion '{cid}' of the default framework (known: {', '.join(criteria)})")
        return None
    if evidence == "silent" and effect not in (None, 0):
        rec.fail("effect", "a silent rule has no effect (0); it widens the range instead")
    when = _option_map(rec, "when", rec.get("when", "mapping", default={}) or {})
    unless = _option_map(rec, "unless", rec.get("unless", "mapping", default={}) or {})
    if None in (cid, effect, evidence, rationale, cite, low, high):
        return None
    return DesignRule(cid, effect, low, high, evidence, rationale, cite, when, unless)


def _body(c, rec: Fields, data: Any, default_cite: Citation | None) -> Body | None:
    from .parsers import citation

    bid, name = rec.get("id", "id"), rec.get("name", "text")
    kind, description = rec.choice("kind", NODE_KINDS), rec.get("description", "text")
    cite = citation(c, rec, "citation", data.get("citation")) if isinstance(data, dict) and "citation" in data else default_cite
    if c.institutions and bid in c.institutions.bodies:
        rec.fail("id", f"'{bid}' is already a body of the map; an option adds new bodies only")
        return None
    if None in (bid, name, kind, description, cite):
        return None
    return Body(bid, name, kind, description, cite)


def _relation(c, rec: Fields, data: Any, default_cite: Citation | None, known: set[str]) -> Relation | None:
    from .parsers import citation

    src, dst = rec.get("from", "text"), rec.get("to", "text")
    kind, description = rec.choice("relation", RELATION_KINDS), rec.get("description", "text")
    cite = citation(c, rec, "citation", data.get("citation")) if isinstance(data, dict) and "citation" in data else default_cite
    for field_name, node in (("from", src), ("to", dst)):
        if node and not node.startswith("$") and node not in (BODY_REF,) and known and node not in known:
            rec.fail(field_name, f"unknown body '{node}' (not in institutions.yaml, this option's bodies, "
                                 f"'{BODY_REF}' or $home)")
            return None
    if None in (src, dst, kind, description, cite):
        return None
    return Relation(src, dst, kind, description, cite)


def parse_readings(c, file: str, data: Any) -> None:
    """data/design_readings.yaml: how the design model reads each seed proposal (for validation)."""
    top = Fields(c.errors, file, "readings", data)
    for i, item in enumerate(top.get("readings", "list") or []):
        rec = Fields(c.errors, file, record_name(item, i) if not isinstance(item, dict) else str(item.get("proposal")), item)
        pid, note = rec.get("proposal", "id"), rec.get("note", "text")
        options = rec.get("options", "mapping") or {}
        if pid is not None and pid not in c.proposals:
            rec.fail("proposal", f"unknown proposal '{pid}' (known: {', '.join(c.proposals)})")
            continue
        if None in (pid, note):
            continue
        c.design_readings[pid] = (rec, dict(options), note)


def finish_designs(c) -> None:
    """Once every file is read: check readings and designed proposals, derive their scores and overlays."""
    if not c.design_dimensions and not c.designed:
        return
    model = DesignModel(MappingProxyType(dict(sorted(c.design_dimensions.items(), key=lambda kv: kv[1].order))),
                        MappingProxyType({}))
    readings = dict(c.design.readings) if c.design is not None else {}   # a base dataset's, when adding to it
    for pid, (rec, options, note) in c.design_readings.items():
        choice, problems = normalise_choice(model, options)
        for p in problems:
            rec.fail("options", p)
        if not problems:
            readings[pid] = DesignReading(pid, MappingProxyType(choice), note)
    model = replace(model, readings=MappingProxyType(readings))
    c.design = model
    baseline = next((p for p in c.proposals.values() if p.baseline), None)
    for pid, (rec, options) in c.designed.items():
        if not model.dimensions:
            rec.fail("design", "this proposal is designed, but no data folder has a design model (design/)")
            continue
        if baseline is None:
            rec.fail("design", "a designed proposal's scores start from the status quo; no proposal has `baseline: true`")
            continue
        choice, problems = normalise_choice(model, options)
        for p in problems:
            rec.fail("design", p)
        if problems:
            continue
        scores = derive_scores(model, choice, baseline.scores, c.scale, baseline.short_name, ceilings(c.proposals))
        record = c.proposals[pid]
        c.proposals[pid] = replace(record, scores=MappingProxyType(scores), design=MappingProxyType(choice))
        c.scored[pid] = (rec, frozenset(scores) | frozenset(c.scored[pid][1]))
        if pid in c.overlays:
            rec.fail("design", f"a designed proposal's map overlay is generated from its options; remove overlays/{pid}.yaml")
        elif c.institutions is not None:
            c.overlays[pid] = design_overlay(model, choice, pid, c.institutions)


# -- choosing options -----------------------------------------------------------------------------

def normalise_choice(model: DesignModel, options: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """A complete choice (every dimension, baselines filled in), and a problem for each bad entry."""
    problems, choice = [], {}
    for did in options:
        if did not in model.dimensions:
            problems.append(f"unknown design dimension '{did}' (known: {', '.join(model.dimensions)})")
    for did, dim in model.dimensions.items():
        raw = options.get(did, dim.baseline)
        if dim.multiple:
            values = [raw] if isinstance(raw, str) else list(raw or [])
            known = [o.id for o in dim.options]
            bad = [v for v in values if v not in known]
            if bad:
                problems.append(f"unknown option(s) {', '.join(map(str, bad))} of '{did}' (known: {', '.join(known)})")
            choice[did] = tuple(v for v in known if v in values)   # in the dimension's order, once each
        else:
            if isinstance(raw, (list, tuple)):
                problems.append(f"'{did}' takes one option, got {list(raw)}")
                raw = dim.baseline
            if raw not in [o.id for o in dim.options]:
                problems.append(f"unknown option '{raw}' of '{did}' (known: {', '.join(o.id for o in dim.options)})")
                raw = dim.baseline
            choice[did] = raw
    return choice, problems


def chosen(choice: Mapping[str, Any], did: str) -> tuple[str, ...]:
    value = choice.get(did)
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _holds(choice, condition: Mapping[str, tuple[str, ...]]) -> bool:
    return all(set(chosen(choice, d)) & set(opts) for d, opts in condition.items())


def applicable(model: DesignModel, choice: Mapping[str, Any]):
    """(dimension, option, rule) for every rule that applies to the choice: its option is chosen, the
    option's `needs` hold, and the rule's `when` holds and its `unless` does not."""
    out = []
    for did, dim in model.dimensions.items():
        for oid in chosen(choice, did):
            option = dim.option(oid)
            if option.needs and not _holds(choice, option.needs):
                continue
            for rule in option.rules:
                if rule.when and not _holds(choice, rule.when):
                    continue
                if rule.unless and any(set(chosen(choice, d)) & set(o) for d, o in rule.unless.items()):
                    continue
                out.append((dim, option, rule))
    return out


def unmet_needs(model: DesignModel, choice: Mapping[str, Any]) -> list[str]:
    """Chosen options whose `needs` do not hold (they then have no effect), in words."""
    out = []
    for did, dim in model.dimensions.items():
        for oid in chosen(choice, did):
            option = dim.option(oid)
            if option.needs and not _holds(choice, option.needs):
                wants = "; ".join(f"{model.dimensions[d].name}: " + " or ".join(model.dimensions[d].option(o).name for o in opts)
                                  for d, opts in option.needs.items() if d in model.dimensions)
                out.append(f"{dim.name} '{option.name}' has no effect without {wants}")
    return out


# -- deriving scores ---------------------------------------------------------------------------------

def _clip(v: float, scale) -> float:
    return float(min(scale.max, max(scale.min, v)))


def rule_uncertainty(rule: DesignRule) -> float:
    return SILENT_WIDEN if rule.evidence == "silent" else max(rule.effect - rule.low, rule.high - rule.effect)


def combined(effects) -> float:
    """Several options' effects on one criterion: gains largest first, each further one counting
    OVERLAP times the one before (likewise for losses); a single option's effect is its rule.

    A modelling judgement, stated in data/README.md ("How a design is scored"); the sources assess
    models, not combinations, and give no factor. Decided against plain addition, which reproduces
    the seed models' own scores slightly better (mean absolute difference 0.61 against 0.73 points,
    94 % within range either way, on rules written with those scores in view), because added up,
    a dispersed design of every favoured option became as easy to navigate as one central body
    (the Best Bits composite reached the UN Committee's 8 on clarity of process) and so came first
    even at the centralised end of the stance axis, against the one thing the sources say about
    the two kinds of design (000 §5: "A centralised system could be easier to navigate")."""
    gains = sorted((e for e in effects if e > 0), reverse=True)
    losses = sorted(e for e in effects if e < 0)
    return float(sum(e * OVERLAP ** i for i, e in enumerate(gains)) + sum(e * OVERLAP ** i for i, e in enumerate(losses)))


def ceilings(proposals) -> dict[str, float]:
    """Per criterion, the highest score the sources give any proposal (designed ones left out).

    Options' effects add up, so a design that picks many could otherwise be scored better than
    anything the sources judged; a designed score is capped here instead ("no source judges any
    model better on this criterion"), and its range keeps the uncertainty. A modelling judgement,
    stated in data/README.md: the sources assess models, never a combination of options, and for
    the one combination they put forward they withhold a verdict (000 §5: "More discussion is
    needed about the form, location and processes"), so the model claims no more for a
    combination than the sources found in some model they did assess.
    """
    out: dict[str, float] = {}
    for p in proposals.values():
        if p.design is not None:
            continue
        for cid, s in p.scores.items():
            out[cid] = max(out.get(cid, s.score), s.score)
    return out


# The evidence words inside a composed rationale, translated from igviz/locales where shown.
EVIDENCE_WORDS = {"stated": N_("stated"), "inferred": N_("inferred"), "silent": N_("silent")}


def _effect(rule: DesignRule, option) -> Composed:
    """'+3 A coordinating body that routes issues (stated): <the rule's rationale>'."""
    return Composed(N_("{effect:+g} {option} ({evidence}): {why}"), effect=rule.effect, option=option.name,
                    evidence=Composed(EVIDENCE_WORDS.get(rule.evidence, rule.evidence)), why=rule.rationale)


def derive_scores(model: DesignModel, choice, base: Mapping[str, Score], scale, base_name: str = "the status quo",
                  ceiling: Mapping[str, float] | None = None):
    """Scores for a design: the baseline's score plus the effects of the rules that apply.

    Per criterion: score = base + the rules' effects, combined (`combined`: further gains on one
    criterion count ¾ of the one before); the range adds every rule's uncertainty, ¼ per silent rule.
    Where no rule that applies speaks to the criterion, the evidence is silent and the range is at
    least the scale's `silent_min_range`. Every designed score is inferred: the design model's
    inference from the quoted passages, never a source's own verdict on the design.
    """
    rules = applicable(model, choice)
    out = {}
    for cid, b in base.items():
        mine = [(d, o, r) for d, o, r in rules if r.criterion == cid]
        spoken = [(d, o, r) for d, o, r in mine if r.evidence != "silent"]
        silent = [(d, o, r) for d, o, r in mine if r.evidence == "silent"]
        score = b.score + combined([r.effect for _, _, r in spoken])
        low = score - sum(r.effect - r.low for _, _, r in spoken) - SILENT_WIDEN * len(silent)
        high = score + sum(r.high - r.effect for _, _, r in spoken) + SILENT_WIDEN * len(silent)
        # Always an inference of the design model's, never a source's verdict on the design; where no
        # rule speaks to the criterion it is the inference that the design leaves the baseline's score
        # as it was, with the widest range (a silent label would claim the scale's neutral value).
        evidence = "inferred"
        if not spoken and high - low < scale.silent_min_range:
            half = scale.silent_min_range / 2
            low, high = score - half, score + half
        # Composed texts (igviz.datatext): English here, translated where shown, from the locales'
        # templates and the data's translations of the option names and the rules' rationales.
        parts = Joined("; ", tuple(_effect(r, o) for _, o, r in spoken))
        quiet = Joined(", ", tuple(o.name for _, o, r in silent))
        why = (Composed(N_("We infer this from the design model's rules, starting from {base} ({score:g}): {parts}"),
                        base=base_name, score=b.score, parts=parts) if parts.items else
               Composed(N_("We infer this from the design model's rules, starting from {base} ({score:g}): "
                           "no chosen option changes it"), base=base_name, score=b.score))
        if quiet.items:
            why = Composed(N_("{why}. Silent (no effect, wider range): {options}."), why=why, options=quiet)
        else:
            why = Composed(N_("{why}."), why=why)
        cap = (ceiling or {}).get(cid)
        if cap is not None and score > cap >= b.score:
            why = Composed(N_("{why} The effects add up to {total:.1f}; capped at {cap:g}, the best score the sources "
                              "give any proposal on this criterion (a combination is not judged better than any "
                              "model was)."), why=why, total=score, cap=cap)
            score = cap
        rationale = why
        cites = tuple(dict.fromkeys(r.citation for _, _, r in spoken)) or tuple(dict.fromkeys(r.citation for _, _, r in silent))
        out[cid] = Score(_clip(score, scale), _clip(min(low, score), scale), _clip(max(high, score), scale), evidence,
                         rationale, cites or b.citations)
    return out


def variant_scores(model: DesignModel, before, after, base: Mapping[str, Score], scale, base_name: str):
    """A seed proposal's source-based scores, changed by swapping the options `before` for `after`.

    Only what the change does is added: score + (Σ effects after − Σ effects before); the range
    moves with the score and widens by the uncertainty of every rule that came or went.
    """
    old, new = applicable(model, before), applicable(model, after)
    key = lambda t: (t[0].id, t[1].id, id(t[2]))   # rules hold mappings (unhashable); the same model object
    old_keys, new_keys = {key(t) for t in old}, {key(t) for t in new}
    gone = [t for t in old if key(t) not in new_keys]
    came = [t for t in new if key(t) not in old_keys]
    out = {}
    for cid, b in base.items():
        g = [t for t in gone if t[2].criterion == cid]
        n = [t for t in came if t[2].criterion == cid]
        if not g and not n:
            out[cid] = b
            continue
        delta = sum(t[2].effect for t in n) - sum(t[2].effect for t in g)
        spread = sum(rule_uncertainty(t[2]) for t in g + n)
        parts = Joined("; ", tuple([_effect(r, o) for _, o, r in n if r.evidence != "silent"]
                                   + [Composed(N_("{effect:+g} no longer {option}"), effect=-r.effect, option=o.name)
                                      for _, o, r in g if r.evidence != "silent" and r.effect]))
        if parts.items:
            rationale = Composed(N_("Designed variant of {base} ({score:g}, from the sources): {delta:+g} ({parts}). "
                                    "Before: {before}"),
                                 base=base_name, score=b.score, delta=delta, parts=parts, before=b.rationale)
        else:
            rationale = Composed(N_("Designed variant of {base} ({score:g}, from the sources): {delta:+g} (the rules "
                                    "that apply are silent here: wider range). Before: {before}"),
                                 base=base_name, score=b.score, delta=delta, before=b.rationale)
        cites = tuple(dict.fromkeys([*(t[2].citation for t in n if t[2].evidence != "silent"), *b.citations]))
        out[cid] = Score(_clip(b.score + delta, scale), _clip(b.low + delta - spread, scale),
                         _clip(b.high + delta + spread, scale), "inferred" if delta or parts else b.evidence,
                         rationale, cites)
    return out


# -- the institution overlay ------------------------------------------------------------------------

def design_overlay(model: DesignModel, choice, proposal_id: str, institutions) -> Overlay:
    """The bodies and relations a design adds to the map, generated from its options.

    `$home` stands for the home option's body of the map (a relation to it is left out when the
    design has no home); `designed_body` for the venue's new body (left out when the venue adds
    none); working groups are drawn as one body, formed by `convened_by` ($mandated: the bodies
    the design routes issues to) and taking issues from the new body where there is one.
    """
    home = next((model.dimensions[d].option(o).node for d in model.dimensions for o in chosen(choice, d)
                 if model.dimensions[d].option(o).node), "")
    active = [(model.dimensions[d], model.dimensions[d].option(o)) for d in model.dimensions for o in chosen(choice, d)]
    active = [(d, o) for d, o in active if not o.needs or _holds(choice, o.needs)]
    bodies: dict[str, Body] = {}
    for _, o in active:
        for b in o.overlay_bodies:
            bodies.setdefault(b.id, b)
    main = BODY_REF if BODY_REF in bodies else ""

    def resolve(ref: str) -> str:
        return {"$home": home, BODY_REF: main}.get(ref, ref)

    relations: dict[tuple, Relation] = {}
    existing = {r.key for r in institutions.relations}
    for _, o in active:
        for r in o.overlay_relations:
            src, dst = resolve(r.source), resolve(r.target)
            if src and dst and src != dst and (src in bodies or src in institutions.bodies) \
                    and (dst in bodies or dst in institutions.bodies):
                rel = replace(r, source=src, target=dst)
                if rel.key not in existing:   # already on the map: nothing to add
                    relations.setdefault(rel.key, rel)
    for dim, o in active:
        if dim.id != "working_groups" or not o.sets.get("issue_working_groups"):
            continue
        bodies[GROUPS_ID] = Body(GROUPS_ID, Composed(N_("Issue-specific working groups ({option})"),
                                                     option=Lowered(o.name)), "multistakeholder",
                                 "Ad hoc multistakeholder working groups, one per issue.", o.citation)
        formers = ([r.target for r in relations.values() if r.relation == "forwards_issues_to" and r.source == main]
                   if o.convened_by == "$mandated" else [o.convened_by] if o.convened_by else [])
        for former in formers:
            if former in institutions.bodies or former in bodies:
                rel = Relation(former, GROUPS_ID, "convenes", "Forms the working group for an issue within its mandate.",
                               o.citation)
                relations.setdefault(rel.key, rel)
        if main and o.convened_by != "$mandated":
            rel = Relation(main, GROUPS_ID, "forwards_issues_to", "Routes a new issue to an issue-specific working group.",
                           o.citation)
            relations.setdefault(rel.key, rel)
        if "igf" in institutions.bodies:
            rel = Relation(GROUPS_ID, "igf", "reports_to", "Each issue process informs and is accountable to the "
                           "wider community at the IGF.", o.citation)
            relations.setdefault(rel.key, rel)
    names = Joined(", ", tuple(o.name for d, o in active if not o.baseline))
    note = (Composed(N_("Generated from the design's options ({options}); the bodies stand for the kind of body an "
                        "option describes, not a named institution."), options=names) if names.items else
            Composed(N_("Generated from the design's options (the status quo); the bodies stand for the kind of body an "
                        "option describes, not a named institution.")))
    return Overlay(proposal_id, note, tuple(bodies.values()), tuple(relations.values()), ())
