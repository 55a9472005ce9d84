"""Design a reform: pick options of the design model (data/design/) and get a proposal with derived scores.

Plain param/Python, no Panel: notebooks, the explorer's "Design a reform" panel and tests all use it.

    >>> import igviz
    >>> from igviz.design import Design
    >>> data = igviz.load_dataset()
    >>> d = Design(name="Binding council", options={"venue": "single_council", "binding": "binding"})
    >>> d.scores(data)["transparent"].score          # the status quo's 3 plus the rules' effects
    >>> d.centralisation(data)                        # measured on the generated institution graph
    >>> a = igviz.Assessment(data); a.add_design(d)   # ranked, shown and saved like any proposal

A design starts from scratch (the status quo plus the rules of its options) or from a proposal
(`base`): a seed proposal keeps its source-based scores and only the options that differ from its
reading move them, by their rules. `validate(data)` applies the model to the seed proposals' own
options and compares the result with their source-based scores; `python -m igviz.design` prints it.
"""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass, replace
from types import MappingProxyType
from typing import Any, Mapping

import numpy as np
import param

from .datatext import Composed, Lowered
from .i18n import N_
from .dataset.design import (
    applicable,
    ceilings,
    chosen,
    derive_scores,
    design_overlay,
    normalise_choice,
    unmet_needs,
    variant_scores,
)
from .dataset.records import Attributes, DesignModel, Overlay, ProposalRecord, Score

ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
# The proposal attributes that drive scores, and the design dimension each one belongs to.
ATTRIBUTE_DIMENSION = {"coordinating_function": "venue", "seats": "composition", "advisory_groups": "composition",
                       "decision_rule": "decision_rule", "binding": "binding", "home_institution": "home",
                       "issue_working_groups": "working_groups"}


def model_of(dataset) -> DesignModel:
    if getattr(dataset, "design", None) is None:
        raise ValueError("this dataset has no design model (data/design/)")
    return dataset.design


def baseline_record(dataset) -> ProposalRecord:
    for p in dataset.proposals.values():
        if p.baseline:
            return p
    raise ValueError("no proposal has `baseline: true`; a design starts from the status quo")


def reading(dataset, proposal_id: str) -> dict[str, Any] | None:
    """The options that describe a proposal: a designed proposal's own, a seed's reading, or None."""
    record = dataset.proposals.get(proposal_id)
    if record is not None and record.design is not None:
        return dict(record.design)
    if record is not None and record.baseline:
        return normalise_choice(model_of(dataset), {})[0]
    r = model_of(dataset).readings.get(proposal_id)
    return dict(r.options) if r is not None else None


class Design(param.Parameterized):
    """A reform composed of design options: a name, where it starts, and the options chosen."""

    design_id = param.String(default="", doc="Identifier (letters, digits, _); made from the name when empty")
    label = param.String(default="My design", doc="The design's name as shown")
    short_label = param.String(default="", doc="At most 24 characters, for chart labels; from the name when empty")
    base = param.String(default="", doc="Proposal id it starts from ('' = from scratch: the status quo)")
    options = param.Dict(default={}, doc="dimension id -> option id (or a list, for a dimension with several)")

    def __init__(self, name: str | None = None, **params):
        if name is not None:
            params["label"] = name
        super().__init__(**params)

    # -- identity -----------------------------------------------------------------------------------

    @property
    def id(self) -> str:
        if self.design_id:
            return self.design_id
        slug = re.sub(r"[^a-z0-9]+", "_", self.label.lower()).strip("_") or "design"
        return "design_" + slug[:40]

    @property
    def short(self) -> str:
        text = self.short_label or self.label
        return text if len(text) <= 24 else text[:23] + "…"

    def choice(self, dataset) -> dict[str, Any]:
        """Every dimension's option: the base proposal's (or the status quo's), overridden by `options`."""
        model = model_of(dataset)
        start = reading(dataset, self.base) if self.base else {}
        if self.base and start is None:
            raise ValueError(f"proposal '{self.base}' has no reading in data/design_readings.yaml, so a design "
                             "cannot start from it")
        choice, problems = normalise_choice(model, {**(start or {}), **self.options})
        if problems:
            raise ValueError(f"design '{self.label}': " + "; ".join(problems))
        return choice

    def problems(self, dataset) -> list[str]:
        """What in this design cannot be used (unknown options) or has no effect (an option that needs another)."""
        try:
            choice = self.choice(dataset)
        except ValueError as exc:
            return [str(exc)]
        return unmet_needs(model_of(dataset), choice)

    def changed(self, dataset) -> dict[str, Any]:
        """The dimensions whose option differs from where the design starts."""
        model = model_of(dataset)
        start = normalise_choice(model, reading(dataset, self.base) or {} if self.base else {})[0]
        now = self.choice(dataset)
        return {d: now[d] for d in model.dimensions if now[d] != start[d]}

    # -- what it does -------------------------------------------------------------------------------

    def scores(self, dataset) -> dict[str, Score]:
        """Scores on the default framework, each with range, evidence, rationale and citations from the rules."""
        model, choice = model_of(dataset), self.choice(dataset)
        if self.base:
            record = dataset.proposal(self.base)
            if record.design is None and not record.baseline:
                # A seed with source-based scores: keep them, move only what the changed options do.
                return variant_scores(model, normalise_choice(model, reading(dataset, self.base))[0], choice,
                                      record.scores, dataset.scale, record.short_name)
        base = baseline_record(dataset)
        return derive_scores(model, choice, base.scores, dataset.scale, base.short_name, ceilings(dataset.proposals))

    def rules(self, dataset) -> list[dict]:
        """Every rule that applies: dimension, option, criterion, effect, range, evidence, rationale, quote."""
        return [{"dimension": d.id, "option": o.id, "option_name": o.name, "criterion": r.criterion,
                 "effect": r.effect, "low": r.low, "high": r.high, "evidence": r.evidence,
                 "rationale": r.rationale, "source": r.citation.source or r.citation.reference,
                 "quote": r.citation.quote}
                for d, o, r in applicable(model_of(dataset), self.choice(dataset))]

    def attributes(self, dataset) -> Attributes:
        """The proposal attributes the options set (home, seats, decision rule, binding, ...)."""
        model, choice = model_of(dataset), self.choice(dataset)
        base = dataset.proposal(self.base).attributes if self.base else baseline_record(dataset).attributes
        values = {"home_institution": base.home_institution, "seats": dict(base.seats),
                  "advisory_groups": tuple(base.advisory_groups), "decision_rule": base.decision_rule,
                  "binding": base.binding, "coordinating_function": base.coordinating_function,
                  "issue_working_groups": base.issue_working_groups}
        for did in self.changed(dataset) if self.base else model.dimensions:
            for oid in chosen(choice, did):
                for k, v in model.dimensions[did].option(oid).sets.items():
                    values[k] = tuple(v) if k == "advisory_groups" else (dict(v) if k == "seats" else v)
        return Attributes(values["home_institution"], MappingProxyType(values["seats"]), values["advisory_groups"],
                          values["decision_rule"], values["binding"], values["coordinating_function"],
                          values["issue_working_groups"], notes=f"Designed: {self.describe(dataset)}")

    def overlay(self, dataset) -> Overlay:
        """The bodies and relations the design adds to the institution map, generated from its options."""
        return design_overlay(model_of(dataset), self.choice(dataset), self.id, dataset.institutions)

    def graph(self, dataset):
        from .network import proposal_graph

        return proposal_graph(dataset.institutions, self.overlay(dataset))

    def centralisation(self, dataset) -> float:
        """How centralised the design is (0–1), measured on its generated graph (igviz.network.centralisation)."""
        from .network import centralisation

        return centralisation(self.graph(dataset))

    def describe(self, dataset) -> str:
        model, choice = model_of(dataset), self.choice(dataset)
        parts = [model.dimensions[d].option(o).name for d in model.dimensions for o in chosen(choice, d)
                 if not model.dimensions[d].option(o).baseline]
        start = f"from {dataset.proposal(self.base).short_name}" if self.base else "from scratch"
        return f"{start}: " + (", ".join(parts) if parts else "no change")

    def record(self, dataset) -> ProposalRecord:
        """The design as a proposal record (scores derived, `design` = its options), for the model and views."""
        base = dataset.proposal(self.base) if self.base else None
        scores = self.scores(dataset)
        citations = tuple(dict.fromkeys(c for s in scores.values() for c in s.citations))[:12] or baseline_record(dataset).citations
        return ProposalRecord(
            self.id, self.label, self.short, "Designed in igviz (a design, not a source's proposal)",
            f"A designed reform, {self.describe(dataset)}. Its scores are derived from the design model's rules "
            "(data/design/): each rests on a quoted passage; none is a source's own verdict on this design.",
            citations, self.attributes(dataset), MappingProxyType(scores),
            base.strengths if base else (), base.weaknesses if base else (), False, "",
            MappingProxyType({}), MappingProxyType(self.choice(dataset)))

    def spec(self) -> dict:
        """Plain data for the spec (links and scenario files)."""
        out = {"name": self.label, "options": {k: list(v) if isinstance(v, (list, tuple)) else v
                                               for k, v in self.options.items()}}
        if self.base:
            out["base"] = self.base
        if self.short_label:
            out["short_name"] = self.short_label
        return out

    @classmethod
    def from_spec(cls, design_id: str, spec: Mapping) -> "Design":
        return cls(design_id=design_id, label=str(spec.get("name") or design_id), base=str(spec.get("base") or ""),
                   short_label=str(spec.get("short_name") or ""), options=dict(spec.get("options") or {}))


    def explain(self, dataset):
        """Per criterion of the default framework: score, low, high, evidence, rationale and citations."""
        import pandas as pd

        scores = self.scores(dataset)
        names = {c.id: c.name for c in dataset.default_framework.criteria}
        return pd.DataFrame([{"criterion": cid, "name": names[cid], "score": s.score, "low": s.low, "high": s.high,
                              "evidence": s.evidence, "rationale": s.rationale,
                              "citations": [(c.source or c.reference, c.quote) for c in s.citations]}
                             for cid, s in scores.items()]).set_index("criterion")


def options_table(dataset):
    """Every dimension and option, for a designer panel: dimension, question, several allowed, option,
    name, one-line explanation, its source and quote, baseline, centralised."""
    import pandas as pd

    rows = []
    for dim in model_of(dataset).dimensions.values():
        for o in dim.options:
            rows.append({"dimension": dim.id, "dimension_name": dim.name, "question": dim.question,
                         "multiple": dim.multiple, "option": o.id, "name": o.name, "explanation": o.explanation,
                         "source": o.citation.source or o.citation.reference, "quote": o.citation.quote,
                         "baseline": o.baseline, "centralised": o.centralised})
    return pd.DataFrame(rows)


def centralising_steps(dataset, design: Design) -> list[Design]:
    """"More centralised" as concrete options, one step at a time: each step swaps one dimension's option
    for the next option marked `centralised: true` in the design files (one body, binding decisions,
    governments decide), in the dimensions' order. Returns the designs after each step (the last
    is the most centralised design the options allow), each measurable with `.centralisation()`."""
    model = model_of(dataset)
    steps, options = [], dict(design.choice(dataset))
    for dim in model.dimensions.values():
        if dim.multiple:
            continue
        # Within a dimension, from the least to the most centralised option (files list the most
        # first), moving only onwards from the option the design has.
        ladder = [o for o in reversed(dim.options) if o.centralised]
        ids = [o.id for o in ladder]
        onwards = ladder[ids.index(options[dim.id]) + 1:] if options.get(dim.id) in ids else ladder
        for o in onwards:
            options[dim.id] = o.id
            steps.append(Design(design_id=f"{design.id}_c{len(steps) + 1}", label=f"{design.label}, {_lower(o.name)}",
                                base=design.base, options={**design.options, **options}))
    return steps


# -- attributes -> options -------------------------------------------------------------------------

def composition_kind(seats: Mapping[str, float], advisory) -> str:
    """Which composition option a proposal's seats stand for."""
    voting = {g: n for g, n in seats.items() if n > 0}
    if not voting:
        return "open"
    if set(voting) == {"government"}:
        return "governments_advised"
    if len(set(voting.values())) == 1:
        return "equal_groups"
    return "governments_majority"


def option_matches(option, attribute: str, value) -> bool:
    """Whether an option stands for this attribute value (the reverse of its `sets`)."""
    if attribute == "home_institution":
        words = [m.lower() for m in option.matches] or [str(option.sets.get("home_institution", "")).lower()]
        return any(w and w in str(value).lower() for w in words)
    if attribute in ("seats", "advisory_groups"):
        return "seats" in option.sets and composition_kind(option.sets["seats"], ()) == value
    if attribute == "decision_rule":
        return value in option.matches or option.sets.get("decision_rule") == value
    return attribute in option.sets and option.sets[attribute] == value


def options_from_attributes(dataset, start: Mapping[str, Any], record_attrs: Attributes, attrs: Mapping[str, Any]):
    """The options after some attributes changed: each changed attribute picks, in its dimension, the
    option that stands for the new value (keeping the current one if it already does).

    Returns (choice, changed dimensions, problems); an attribute no option stands for is a problem
    and leaves its dimension as it was.
    """
    model = model_of(dataset)
    choice, problems, changed = dict(start), [], {}
    for attribute, dim_id in ATTRIBUTE_DIMENSION.items():
        old = getattr(record_attrs, attribute)
        new = attrs.get(attribute, old)
        if attribute == "seats":
            old, new = dict(old), dict(new)
        if attribute == "advisory_groups":
            old, new = tuple(old), tuple(new)
        if new == old or dim_id not in model.dimensions:
            continue
        dim = model.dimensions[dim_id]
        value = composition_kind(attrs.get("seats", record_attrs.seats), ()) if attribute in ("seats", "advisory_groups") else new
        current = dim.option(choice[dim_id]) if isinstance(choice.get(dim_id), str) else None
        if current is not None and option_matches(current, attribute, value):
            continue
        pick = next((o for o in dim.options if option_matches(o, attribute, value)), None)
        if pick is None:
            problems.append(f"no option of '{dim.name}' stands for {attribute} = {new!r}")
            continue
        choice[dim_id] = pick.id
        changed[dim_id] = pick.id
    return choice, changed, problems


@dataclass(frozen=True)
class Variant:
    """A proposal whose attributes were changed: its options, scores, label and overlay."""

    choice: Mapping[str, Any]
    changed: Mapping[str, Any]
    scores: Mapping[str, Score]
    label: str
    problems: tuple[str, ...]
    overlay: Overlay


def variant(dataset, record: ProposalRecord, attrs: Mapping[str, Any]) -> Variant | None:
    """What a proposal becomes with these attribute values: None when they are its record's own (or the
    dataset has no design model, or no reading of the proposal)."""
    if getattr(dataset, "design", None) is None:
        return None
    start = dict(record.design) if record.design is not None else reading(dataset, record.id)
    if start is None:
        return None
    model = model_of(dataset)
    start = normalise_choice(model, start)[0]
    choice, changed, problems = options_from_attributes(dataset, start, record.attributes, attrs)
    if not changed:   # nothing the design model can read changed (an unknown home text is not a design)
        return None
    problems = [*problems, *unmet_needs(model, choice)]
    # The record's scores correspond to its starting options; only the rules that come or go move them.
    scores = variant_scores(model, start, choice, record.scores, dataset.scale, record.short_name)
    # A composed text (igviz.datatext): English as a str, translated where it is shown.
    words = [Lowered(model.dimensions[d].option(o).name) for d, o in changed.items()]
    label = (Composed(N_("{first}"), first=words[0]) if len(words) == 1 else
             Composed(N_("{first}, {second}"), first=words[0], second=words[1]) if len(words) == 2 else
             Composed(N_("{count} changes"), count=len(words)))
    return Variant(MappingProxyType(choice), MappingProxyType(changed), MappingProxyType(scores), label,
                   tuple(problems), design_overlay(model, choice, record.id, dataset.institutions))


def _lower(name: str) -> str:
    """'Binding' -> 'binding', but 'CSTD' and 'IGF' stay as they are."""
    return name[0].lower() + name[1:] if len(name) > 1 and name[1].islower() else name


def variant_short_name(short_name: str, label: str) -> str:
    """'MIPC (Malcolm), binding', shortened to fit 24 characters."""
    text = f"{short_name}, {label}"
    if len(text) <= 24:
        return text
    stem = short_name.split(" (")[0]
    text = f"{stem}, {label}"
    return text if len(text) <= 24 else text[:23] + "…"


# -- validation -----------------------------------------------------------------------------------

def validate(dataset):
    """Apply the design model to each seed proposal's reading and compare with its source-based scores.

    Returns a DataFrame, one row per proposal × criterion (designed score, seed score, seed range,
    within range, difference), with `attrs["agreement"]` (share of cells whose designed score lies
    in the seed's range) and `attrs["mad"]` (mean absolute difference, points on the 0–10 scale).
    """
    import pandas as pd

    model = model_of(dataset)
    base = baseline_record(dataset)
    rows = []
    for pid, r in model.readings.items():
        seed = dataset.proposal(pid)
        if seed.design is not None or seed.baseline:
            continue
        derived = derive_scores(model, r.options, base.scores, dataset.scale, base.short_name)
        for cid in dataset.default_framework.criterion_ids:
            s, x = seed.scores[cid], derived[cid]
            rows.append({"proposal": pid, "criterion": cid, "designed": x.score, "designed_low": x.low,
                         "designed_high": x.high, "seed": s.score, "seed_low": s.low, "seed_high": s.high,
                         "seed_evidence": s.evidence, "within_range": bool(s.low <= x.score <= s.high),
                         "difference": x.score - s.score})
    table = pd.DataFrame(rows)
    table.attrs["agreement"] = float(table["within_range"].mean()) if len(table) else float("nan")
    table.attrs["mad"] = float(table["difference"].abs().mean()) if len(table) else float("nan")
    table.attrs["cells"] = len(table)
    return table


def validation_report(dataset) -> str:
    t = validate(dataset)
    lines = [f"Design model vs source-based scores: {t.attrs['cells']} cells "
             f"({t['proposal'].nunique()} seed proposals × {t['criterion'].nunique()} criteria)",
             f"  within the seed's range: {t.attrs['agreement']:.0%}",
             f"  mean absolute difference: {t.attrs['mad']:.2f} points (0–10 scale)"]
    off = t[~t["within_range"]]
    for _, row in off.iterrows():
        lines.append(f"  outside: {row['proposal']} / {row['criterion']}: designed {row['designed']:g}, "
                     f"seed {row['seed']:g} ({row['seed_low']:g}–{row['seed_high']:g})")
    per = t.assign(abs=t["difference"].abs()).groupby("proposal")["abs"].mean()
    lines.append("  mean absolute difference per proposal: " + ", ".join(f"{k} {v:.2f}" for k, v in per.items()))
    return "\n".join(lines)


# -- the stance axis --------------------------------------------------------------------------------

def stance_switches(assessment, steps: int = 81) -> list[dict]:
    """Where along the stance axis (−1 dispersed … +1 centralised) the top proposal changes.

    One entry per change: {"stance": the first stance of the new top, "from", "to" (proposal ids),
    "from_name", "to_name"}; empty when one proposal is on top all along. For the UI: "the top
    proposal changes at stance +0.35 (Best Bits → UN Committee)".
    """
    sweep = assessment.stance_sweep(steps)
    out = []
    prev = None
    for _, row in sweep.iterrows():
        if prev is not None and row["top"] != prev["top"]:
            out.append({"stance": float(row["stance"]), "from": prev["top"], "to": row["top"],
                        "from_name": prev["short_name"], "to_name": row["short_name"]})
        prev = row
    return out


def main(argv=None) -> int:
    from .dataset import load_dataset

    args = list(sys.argv[1:] if argv is None else argv)
    data = load_dataset(*args)
    print(validation_report(data))
    return 0


if __name__ == "__main__":
    sys.exit(main())
