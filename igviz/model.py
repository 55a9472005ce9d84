"""The param model: weights, proposals and the assessment that ranks them.

Plain `param.Parameterized` classes with no Panel import, so the whole model runs and is
tested without a server or a browser; views and notebooks watch these parameters.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd
import param

from .dataset import Dataset, derive_score, load_dataset
from .errors import WeightError
from .methods import METHODS, Method, normalise_weights, order, threshold_failures
from .i18n import Message
from .dataset.records import DECISION_RULES, Framework, ProposalRecord, Score
from .perspective import Perspective
from .robustness import SMAAResult, WeightSweep, band, resample, smaa2, uniform_simplex, weight_sweep

WEIGHT_MAX = 10
DEFAULT_WEIGHT = 5
# How much the criteria tied to neither end of the dispersed–centralised axis fade at a stance of ±1.
STANCE_NEUTRAL_FADE = 1.0


class Weight(param.Number):
    """A criterion's weight: any finite number from 0 up (sliders offer 0–10)."""

    def _validate_value(self, val, allow_None):
        if isinstance(val, (int, float)) and not isinstance(val, bool) and not math.isfinite(val):
            raise ValueError(f"Weight '{self.label or self.name}' must be a finite number, got {val!r}.")
        super()._validate_value(val, allow_None)

    def _validate_bounds(self, val, bounds, inclusive_bounds):
        if isinstance(val, (int, float)) and val < 0:
            raise ValueError(f"Weight '{self.label or self.name}' cannot be negative, got {val!r}.")
        super()._validate_bounds(val, bounds, inclusive_bounds)


class Weights(param.Parameterized):
    """One `Weight` parameter per criterion of a framework; build it with `Weights.for_framework`."""

    framework_id: str = ""
    _criteria: tuple[str, ...] = ()

    @classmethod
    def for_framework(cls, framework: Framework, **values) -> "Weights":
        params = {
            c.id: Weight(default=DEFAULT_WEIGHT, bounds=(0, None), softbounds=(0, WEIGHT_MAX), step=1,
                         label=c.name, doc=c.description, precedence=float(i + 1))
            for i, c in enumerate(framework.criteria)
        }
        klass = param.parameterized_class(f"Weights_{framework.id}", params, cls)
        klass.framework_id = framework.id
        klass._criteria = tuple(params)
        return klass(**values)

    @property
    def criteria(self) -> list[str]:
        return list(self._criteria)

    def values(self) -> dict[str, float]:
        return {c: float(getattr(self, c)) for c in self.criteria}

    def vector(self) -> np.ndarray:
        return np.array([getattr(self, c) for c in self.criteria], dtype=float)

    def set(self, values: dict | None = None, **kw) -> None:
        """Set several weights at once (one update for the views); unknown criteria are an error."""
        values = {**(values or {}), **kw}
        unknown = [k for k in values if k not in self.criteria]
        if unknown:
            raise KeyError(f"unknown criteria {unknown} for framework '{self.framework_id}' "
                           f"(known: {', '.join(self.criteria)})")
        self.param.update(**values)

    def reset(self) -> None:
        self.param.update(**{c: DEFAULT_WEIGHT for c in self.criteria})


# Proposal attributes that drive scores through the design model (igviz.design).
ATTRIBUTES = ("home_institution", "seats", "advisory_groups", "decision_rule", "binding", "coordinating_function",
              "issue_working_groups")


class Proposal(param.Parameterized):
    """A proposal whose structural attributes and scores an analyst can change in code."""

    id = param.String(constant=True)
    short_name = param.String()
    proponent = param.String()
    description = param.String()
    baseline = param.Boolean(False)
    home_institution = param.String()
    seats = param.Dict(default={}, doc="Decision seats by stakeholder group id")
    advisory_groups = param.List(default=[], item_type=str)
    decision_rule = param.Selector(objects=list(DECISION_RULES))
    binding = param.Boolean(False)
    coordinating_function = param.Boolean(False)
    issue_working_groups = param.Boolean(False)
    score_overrides = param.Dict(default={}, doc="criterion id -> Score that replaces the data's score")
    perspective_scores = param.Dict(default={}, precedence=-1,
                                    doc="criterion id -> Score from the assessment's perspective (set by the Assessment)")
    centralisation_shift = param.Number(default=0.0, bounds=(-1, 1), step=0.05, label="What if more centralised",
                                        doc="Move the proposal along the dispersed (−) to centralised (+) axis; "
                                            "its scores respond as data/tradeoff.yaml says")

    def __init__(self, record: ProposalRecord, dataset: Dataset, **params):
        a = record.attributes
        self.record = record
        self.dataset = dataset
        self._variant_key, self._variant = None, None
        super().__init__(
            id=record.id, name=record.name, short_name=record.short_name, proponent=record.proponent,
            description=record.description, baseline=record.baseline, home_institution=a.home_institution,
            seats=dict(a.seats), advisory_groups=list(a.advisory_groups), decision_rule=a.decision_rule,
            binding=a.binding, coordinating_function=a.coordinating_function,
            issue_working_groups=a.issue_working_groups, **params)
        # Watched before anything else watches this proposal, so the name is current when a ranking is made.
        self.param.watch(self._rename, list(ATTRIBUTES))
        self._rename()

    # -- attributes drive scores (igviz.design) ---------------------------------------------------------

    @property
    def variant(self):
        """The designed variant these attributes make (igviz.design.Variant), or None while they are the
        record's own. Changing binding, decision rule, coordinating function, working groups, home or
        composition picks the design option that stands for the new value; its rules move the scores."""
        key = tuple(repr(getattr(self, a)) for a in ATTRIBUTES)
        if key != self._variant_key:
            from .design import variant

            self._variant_key = key
            self._variant = variant(self.dataset, self.record, {a: getattr(self, a) for a in ATTRIBUTES})
        return self._variant

    def _rename(self, *events) -> None:
        from .design import variant_short_name

        v = self.variant
        short = variant_short_name(self.record.short_name, v.label) if v is not None else self.record.short_name
        name = f"{self.record.name} (designed variant: {v.label})" if v is not None else self.record.name
        if (short, name) != (self.short_name, self.name):
            with param.edit_constant(self):   # `name` is constant in param; a variant is renamed on purpose
                self.param.update(short_name=short, name=name)

    def base_score(self, criterion_id: str) -> Score:
        """The default framework's score before overrides and the what-if shift: the record's, or the variant's."""
        v = self.variant
        return v.scores[criterion_id] if v is not None and criterion_id in v.scores else self.record.scores[criterion_id]

    def score(self, criterion_id: str) -> Score:
        """This proposal's score, counting overrides and the what-if shift (also in derived criteria)."""
        if criterion_id in self.score_overrides:
            return self.score_overrides[criterion_id]
        if criterion_id in self.perspective_scores:
            return self._shifted(criterion_id, self.perspective_scores[criterion_id])
        if criterion_id in self.record.scores:
            return self._shifted(criterion_id, self.base_score(criterion_id))
        criterion = self.dataset.criterion(criterion_id)
        if (not self.centralisation_shift and self.variant is None and self.id in self.dataset.proposals
                and not any(cid in self.score_overrides or cid in self.perspective_scores
                            for cid in criterion.derived_from)):
            return self.dataset.score(self.id, criterion_id)
        return derive_score(criterion, self.score, self.dataset.default_framework)

    def graph(self):
        """This proposal's institution graph: the map with its overlay (a variant's or design's generated one)."""
        from .network import networks, proposal_graph

        v = self.variant
        if v is not None:
            return proposal_graph(self.dataset.institutions, v.overlay)
        if self.id in self.dataset.proposals:
            return networks(self.dataset)[self.id].graph
        return proposal_graph(self.dataset.institutions, self.overlay)

    def centralisation(self) -> float:
        from .network import centralisation, networks

        if self.dataset.institutions is None:
            return 0.0
        if self.variant is None and self.id in self.dataset.proposals:
            return networks(self.dataset)[self.id].centralisation
        return centralisation(self.graph())

    def _shifted(self, criterion_id: str, base: Score) -> Score:
        """The response model of data/tradeoff.yaml applied to a score: per_step per 0.1 of shift, kept on the scale."""
        model = self.dataset.tradeoff
        if not self.centralisation_shift or model is None:
            return base
        effect = next((e for e in model.effects if e.criterion == criterion_id), None)
        if effect is None:
            return base
        delta = effect.per_step * self.centralisation_shift / 0.1
        lo, hi = self.dataset.scale.min, self.dataset.scale.max
        clip = lambda v: float(min(hi, max(lo, v + delta)))
        direction = "more centralised" if self.centralisation_shift > 0 else "more dispersed"
        return replace(base, score=clip(base.score), low=clip(base.low), high=clip(base.high), evidence="inferred",
                       rationale=f"What-if, {direction} by {abs(self.centralisation_shift):.2f}: {delta:+.1f} "
                                 f"({effect.why.strip()}) Before: {base.rationale}",
                       citations=(*base.citations, effect.citation))

    def set_score(self, criterion_id: str, score: float, low: float | None = None, high: float | None = None,
                  rationale: str = "Set by the analyst.") -> None:
        """Replace one score (e.g. to test a what-if); the range defaults to the score itself."""
        self.dataset.criterion(criterion_id)  # unknown criterion -> KeyError naming it
        scale = self.dataset.scale
        low = score if low is None else low
        high = score if high is None else high
        for label, v in (("score", score), ("low", low), ("high", high)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and scale.min <= v <= scale.max):
                raise ValueError(f"{self.id}.{criterion_id}: {label} must be a number in {scale.min:g}..{scale.max:g}, got {v!r}")
        if not low <= score <= high:
            raise ValueError(f"{self.id}.{criterion_id}: expected low <= score <= high, got {low:g} <= {score:g} <= {high:g}")
        base = self.score(criterion_id)
        self.score_overrides = {**self.score_overrides,
                                criterion_id: replace(base, score=float(score), low=float(low), high=float(high),
                                                      evidence="inferred", rationale=rationale, derived_from=())}


class DesignedProposal(Proposal):
    """A design (igviz.design.Design) as a proposal: its record and overlay are generated from its options."""

    def __init__(self, design, dataset: Dataset, **params):
        self.design = design
        self.overlay = design.overlay(dataset)
        self._measured = (None, None)
        super().__init__(design.record(dataset), dataset, **params)

    def centralisation(self) -> float:
        # Measured once per overlay (the design's own, or a variant's): the designer's rank line asks on
        # every option change and every weight move, and building the graph took a good part of that.
        key = self._variant_key if self.variant is not None else None
        if self._measured[0] != key or self._measured[1] is None:
            self._measured = (key, super().centralisation())
        return self._measured[1]


@dataclass(frozen=True)
class Ranking:
    """The outcome of one assessment: who ranks where, by how much, and why.

    Holds plain arrays; the pandas tables are built on first use, because re-ranking runs
    on every slider move and most moves only need the order.
    """

    framework: Framework
    method: str                 # the method's id in igviz.methods.METHODS
    method_label: str           # e.g. "PROMETHEE II (linear, q = 0.5, p = 3)"
    unit: str                   # what `overall` is: a score on the data's scale, or a net flow
    proposal_ids: tuple[str, ...]
    names: tuple[str, ...]
    short_names: tuple[str, ...]
    weight_values: np.ndarray   # normalised, framework order
    overall: np.ndarray         # input order
    contribution_values: np.ndarray  # proposals × criteria, input order; rows sum to `overall`
    failures: np.ndarray        # proposals × criteria, True where below a threshold
    best_first: np.ndarray      # indices into the input order

    @cached_property
    def weights(self) -> pd.Series:
        return pd.Series(self.weight_values, index=self.framework.criterion_ids, name="weight")

    @property
    def order(self) -> list[str]:
        return [self.proposal_ids[i] for i in self.best_first]

    @property
    def top(self) -> str:
        return self.proposal_ids[self.best_first[0]]

    @cached_property
    def table(self) -> pd.DataFrame:
        """By proposal id, best first: rank, name, short_name, overall, passes, failed criteria."""
        idx = self.best_first
        names = [c.name for c in self.framework.criteria]
        table = pd.DataFrame({
            "rank": np.arange(1, len(idx) + 1),
            "name": [self.names[i] for i in idx],
            "short_name": [self.short_names[i] for i in idx],
            "overall": self.overall[idx],
            "passes": ~self.failures[idx].any(axis=1),
            "failed": [[names[j] for j in np.flatnonzero(self.failures[i])] for i in idx],
        }, index=pd.Index(self.order, name="proposal"))
        table.attrs.update(method=self.method_label, overall=self.unit)  # an overall score and a net flow look alike
        return table

    @cached_property
    def contributions(self) -> pd.DataFrame:
        """Proposals (best first) × criteria: weight × score, or weighted net flow for PROMETHEE II."""
        return pd.DataFrame(self.contribution_values[self.best_first], index=self.table.index,
                            columns=self.framework.criterion_ids)

    def __repr__(self) -> str:
        return (f"<Ranking by {self.method_label}, {self.framework.name}: "
                f"{' > '.join(self.short_names[i] for i in self.best_first)}>")

    def _repr_html_(self) -> str:
        # A notebook shows the table with what its numbers are: an overall score and a net flow
        # look alike, and weights are shares of the total, not points.
        import html

        table = self.table.drop(columns=["failed"]).rename(columns={"overall": f"overall ({self.unit})"})
        return (f"<p><b>Ranking by {html.escape(self.method_label)}</b>, {html.escape(self.framework.name)}; "
                f"weights as shares of their total: "
                f"{html.escape(', '.join(f'{k} {v:.0%}' for k, v in self.weights.items()))}</p>"
                + table.to_html(float_format=lambda v: f"{v:.3f}"))


@dataclass(frozen=True)
class Robustness:
    """SMAA-2 results labelled with the assessment's proposals, criteria and method.

    Acceptabilities and confidence factors are shares of the samples (0–1); central weights
    are shares of the total weight (each row sums to 1). Tables list the proposals best first:
    by first-rank acceptability, then (for those never first, or tied) by expected rank.
    """

    result: SMAAResult
    proposal_ids: tuple[str, ...]
    criteria: tuple[str, ...]
    weights: str                       # how weights were drawn: "simplex", "band" or "sets"
    ranked_by: str = "weighted sum of the scores"   # what ranked each sample, in words
    proposal_names: tuple[str, ...] = ()
    criterion_names: tuple[str, ...] = ()
    band_width: float | None = None
    score_uncertainty: bool = True

    @property
    def method(self) -> str:
        """The method id that ranked each sample ("weighted_sum", "promethee_ii")."""
        return self.result.method

    @cached_property
    def best_first(self) -> np.ndarray:
        """Proposal positions, best first: first-rank acceptability, then expected rank, then as listed."""
        a = self.result.acceptability
        expected = a @ np.arange(1, a.shape[1] + 1)
        return np.lexsort((np.arange(len(a)), expected, -a[:, 0]))

    @cached_property
    def table(self) -> pd.DataFrame:
        """Best first: rank acceptabilities (share of samples at each rank, 0–1), confidence factor
        (share of score samples in which the proposal is first at its central weights, 0–1; NaN if
        never first) and expected rank (1 = first)."""
        r, order = self.result, self.best_first
        ranks = pd.DataFrame(r.acceptability[order], index=pd.Index([self.proposal_ids[i] for i in order], name="proposal"),
                             columns=[f"rank {i + 1}" for i in range(r.acceptability.shape[1])])
        ranks["confidence"] = r.confidence[order]
        ranks["expected rank"] = r.acceptability[order] @ np.arange(1, r.acceptability.shape[1] + 1)
        ranks.attrs.update(unit="share of samples (0–1)", method=self.ranked_by)   # as the ranking's table says its method
        return ranks

    @cached_property
    def central_weights(self) -> pd.DataFrame:
        """Mean weight shares (0–1, each row sums to 1) among the samples where each proposal ranks
        first, best first as in `table` (NaN where it never does)."""
        order = self.best_first
        frame = pd.DataFrame(self.result.central_weights[order],
                             index=pd.Index([self.proposal_ids[i] for i in order], name="proposal"),
                             columns=list(self.criteria))
        frame.attrs.update(unit="share of the total weight (0–1)")
        return frame

    def describe(self) -> str:
        """One sentence: what was sampled and what ranked each sample."""
        drawn = {"simplex": "weights drawn uniformly from all weight vectors",
                 "band": f"weights drawn uniformly within ± {self.band_width:g} of the current shares"
                         if self.band_width is not None else "weights drawn near the current ones",
                 "sets": "weights drawn from the submitted weight sets"}.get(self.weights, f"weights: {self.weights}")
        scores = "scores drawn within their ranges" if self.score_uncertainty else "scores as stated"
        return (f"SMAA-2, {self.result.samples:,} samples (seed {self.result.seed}): {drawn}, {scores}; "
                f"each sample ranked by {self.ranked_by}.")

    def _repr_html_(self) -> str:
        from .robustness import _html_table, percent

        names = dict(zip(self.proposal_ids, self.proposal_names or self.proposal_ids))
        t = self.table
        ranks = [c for c in t.columns if c.startswith("rank ")]
        rows = [[pid, names[pid], *(percent(row[c]) for c in ranks), percent(row["confidence"], 0),
                 f"{row['expected rank']:.2f}"] for pid, row in t.iterrows()]
        out = _html_table(f"{self.describe()} Rank acceptability: share of samples (%) in which each proposal "
                          "takes each rank; confidence: share of score samples in which it is first at its central "
                          "weights. Best first.",
                          ["proposal", "name", *ranks, "confidence", "expected rank"], rows, index_columns=2)
        cw = self.central_weights
        criterion_names = dict(zip(self.criteria, self.criterion_names or self.criteria))
        rows = [[pid, names[pid], *(percent(v, 0) for v in row)] for pid, row in cw.iterrows()]
        return out + _html_table("Central weights: the mean weights (% of the total) of the samples in which each "
                                 "proposal ranks first ('–': never first).",
                                 ["proposal", "name", *(criterion_names[c] for c in cw.columns)], rows, index_columns=2)


class Assessment(param.Parameterized):
    """Proposals ranked under a framework, a set of weights, a method and thresholds.

    The model publishes its own result: `result` (the `Ranking` under the current inputs, or None
    when they cannot rank) and `problem` (why not, or ''). It keeps both current itself, whatever
    input changes: a weight, the framework (which replaces the `Weights` object), the method or one
    of its settings, a threshold, the stance, or a proposal's scores. A view depends on `result`
    and `selected`, nothing else, so no view needs to know what the inputs are.
    """

    dataset = param.ClassSelector(class_=Dataset, constant=True, precedence=-1)
    framework = param.Selector(doc="The criteria framework proposals are assessed against")
    weights = param.ClassSelector(class_=Weights, precedence=-1)
    method = param.Selector(objects=list(METHODS), default="weighted_sum", doc="How scores and weights become a ranking")
    methods = param.Dict(default={}, constant=True, precedence=-1,
                         doc="One object per method id, with that method's own settings; kept for the "
                             "assessment's life, so switching methods back and forth keeps them")
    thresholds = param.Dict(default={}, doc="criterion id -> minimum score a proposal must reach")
    proposals = param.List(item_type=Proposal, precedence=-1)
    revision = param.Integer(default=0, precedence=-1, doc="Bumped when a proposal's scores change")
    stance = param.Number(default=0.0, bounds=(-1, 1), step=0.1, label="Stance: dispersed (−1) to centralised (+1)",
                          doc="Shifts weight towards the criteria the sources associate with one end of the "
                              "dispersed–centralised axis (data/tradeoff.yaml)")
    selected = param.Selector(default=None, objects=[None], allow_None=True,
                              doc="The proposal every view highlights")
    compared = param.ListSelector(default=[], objects=[], doc="Proposals overlaid on the radar chart")
    perspective = param.ClassSelector(class_=Perspective, default=None, allow_None=True, precedence=-1,
                                      doc="Whose scores rank the proposals: None for the bundled scores (the Best "
                                          "Bits analysis, early 2014), or another perspective, e.g. a workshop "
                                          "room's ratings; where it is silent the bundled score stays")
    result = param.ClassSelector(class_=Ranking, default=None, allow_None=True, constant=True, precedence=-1,
                                 doc="The ranking under the current inputs (None when they cannot rank)")
    problem = param.String(default="", constant=True, precedence=-1,
                           doc="Why the inputs cannot rank, or '' (a Message: pages translate it)")

    def __init__(self, dataset: Dataset | None = None, **params):
        dataset = dataset or load_dataset()
        frameworks = list(dataset.frameworks)
        self.param.framework.objects = frameworks
        params.setdefault("framework", dataset.default_framework.id)
        params.setdefault("proposals", [Proposal(r, dataset) for r in dataset.proposals.values()])
        params["methods"] = {**{key: cls() for key, cls in METHODS.items()}, **params.get("methods", {})}
        weights = params.pop("weights", None)
        ids = [p.id for p in params["proposals"]]
        self.param.selected.objects = [None, *ids]
        self.param.compared.objects = ids
        self._cache: dict = {}
        self._under_cache: dict = {}   # scores under other perspectives (`under`)
        self._watched_weights = None
        super().__init__(dataset=dataset, **params)
        self.param.framework.objects = frameworks
        self.param.selected.objects = [None, *ids]
        self.param.compared.objects = ids
        self.weights = weights if weights is not None else Weights.for_framework(self.active_framework)
        for p in self.proposals:
            p.param.watch(self._scores_changed, ["score_overrides", "centralisation_shift", "perspective_scores",
                                                 *ATTRIBUTES])
        for m in self.methods.values():
            m.param.watch(self._update_result, [k for k in m.param if k != "name"])
        # One watcher for all the inputs, so a framework switch (new weights and no thresholds, in
        # one update) computes one result, not one per input.
        self.param.watch(self._inputs_changed, ["weights", "method", "thresholds", "proposals", "revision", "stance"])
        self._follow_weights()
        if self.perspective is not None:
            with param.parameterized.discard_events(self):
                self._apply_perspective()
        self._update_result()

    def _scores_changed(self, *events) -> None:
        self.revision += 1

    @param.depends("perspective", watch=True)
    def _apply_perspective(self) -> None:
        # Every proposal takes its cells at once, then one revision bump: one new result, not one per proposal.
        for p in self.proposals:
            with param.parameterized.discard_events(p):
                p.perspective_scores = self._perspective_scores(p, self.perspective)
        self.revision += 1

    def _perspective_scores(self, proposal: Proposal, view: Perspective | None) -> dict:
        if view is None:
            return {}
        scores = {}
        for criterion, cell in (view.cells.get(proposal.id) or {}).items():
            if criterion not in proposal.record.scores and criterion not in self.active_framework.criterion_ids:
                continue
            # The perspective's own judgement: it replaces the sources' rationale and cites nothing of theirs.
            scores[criterion] = Score(float(cell.score), float(cell.low), float(cell.high), "rated",
                                      f"{view.name} ({view.whose}): {cell.basis}".rstrip(": "), ())
        return scores

    def under(self, perspective: Perspective | None) -> tuple["Ranking", np.ndarray]:
        """The ranking, and the scores (proposals × criteria of the active framework), under another
        perspective (None: the bundled scores) with every other input as it is.

        Computed aside: the assessment's perspective, its published result and whatever watches it
        are left as they were, and no event fires (a compare view redraws nothing else). Raises
        WeightError when the inputs cannot rank, as `ranking()` does.
        """
        if perspective is self.perspective:
            scores = self.score_arrays()[0]
            return (self.result if self.result is not None else self._rank(scores)), scores
        # A weight move changes the ranking, not the scores: they are kept per perspective (holding
        # the perspective itself, so that its id cannot be reused by another while kept) until a
        # score, the framework or the proposals change.
        key = (id(perspective), self.framework, self.revision, tuple(p.id for p in self.proposals))
        kept = self._under_cache.get(key)
        if kept is None:
            kept = self._under_cache[key] = (perspective, self._scores_under(perspective))
            while len(self._under_cache) > 8:
                self._under_cache.pop(next(iter(self._under_cache)))
        return self._rank(kept[1]), kept[1]

    def _scores_under(self, perspective: Perspective | None) -> np.ndarray:
        saved = [(p, p.perspective_scores) for p in self.proposals]
        criteria = self.active_framework.criterion_ids
        try:
            for p in self.proposals:
                with param.parameterized.discard_events(p):
                    p.perspective_scores = self._perspective_scores(p, perspective)
            return np.array([[p.score(c).score for c in criteria] for p in self.proposals],
                            dtype=float).reshape(len(self.proposals), len(criteria))
        finally:
            for p, before in saved:
                with param.parameterized.discard_events(p):
                    p.perspective_scores = before

    def _inputs_changed(self, *events) -> None:
        if any(e.name == "weights" for e in events):
            self._follow_weights()
        self._update_result()

    def _follow_weights(self) -> None:
        # The Weights object is replaced on a framework switch: watch the current one only, so the
        # number of watchers stays the same however often the framework changes.
        if self._watched_weights is not None:
            obj, watcher = self._watched_weights
            obj.param.unwatch(watcher)
        self._watched_weights = (self.weights, self.weights.param.watch(self._update_result, self.weights.criteria))

    def _update_result(self, *events) -> None:
        try:
            result, problem, self._error = self._rank(), "", None
        except WeightError as exc:  # MethodError too: impossible method settings
            result, problem, self._error = None, Message(exc.template, **exc.values), exc
        with param.edit_constant(self):
            self.param.update(result=result, problem=problem)

    @param.depends("framework", watch=True)
    def _rebuild_weights(self) -> None:
        # A new framework has other criteria: start its weights afresh rather than guess a mapping.
        # One update, so nothing watching sees the new framework with the old weights.
        self.param.update(thresholds={}, weights=Weights.for_framework(self.active_framework))

    # -- designs (igviz.design) ---------------------------------------------------------------------

    @property
    def designs(self) -> list:
        """The designs added to this assessment (igviz.design.Design), in the order added."""
        return [p.design for p in self.proposals if isinstance(p, DesignedProposal)]

    def add_design(self, design) -> "DesignedProposal":
        """Rank a design like any proposal (every view shows it); a design with the same id is replaced."""
        if design.id in self.dataset.proposals:
            raise ValueError(f"design id '{design.id}' is a proposal of the data; choose another name or design_id")
        problems = [p for p in design.problems(self.dataset) if "has no effect" not in p]
        if problems:
            raise ValueError("; ".join(problems))
        proposal = DesignedProposal(design, self.dataset)
        # A perspective may rate a design too (a workshop can rank designs): it takes its cells as
        # every proposal does.
        proposal.perspective_scores = self._perspective_scores(proposal, self.perspective)
        proposal.param.watch(self._scores_changed, ["score_overrides", "centralisation_shift", "perspective_scores",
                                                    *ATTRIBUTES])
        kept = [p for p in self.proposals if p.id != design.id]
        # The score memo's key holds proposal ids: a design replaced under its id has new scores (its
        # row, kept per proposal object, is computed afresh; the others' rows stay).
        self._cache = {"rows": self._cache.get("rows", {})}
        self._set_proposals([*kept, proposal])
        return proposal

    def remove_design(self, design_id: str) -> None:
        self._set_proposals([p for p in self.proposals if not (isinstance(p, DesignedProposal) and p.id == design_id)])

    def _set_proposals(self, proposals: list) -> None:
        ids = [p.id for p in proposals]
        # A design replaced under its own id (every option change in the designer) leaves the choices
        # as they were: set again, each widget made from these parameters sent its options to the
        # browser ahead of the new ranking.
        if self.param.compared.objects != ids:
            self.param.selected.objects = [None, *ids]
            self.param.compared.objects = ids
        self.param.update(proposals=proposals, selected=self.selected if self.selected in ids else None,
                          compared=[c for c in self.compared if c in ids])

    @property
    def active_framework(self) -> Framework:
        return self.dataset.framework(self.framework)

    @property
    def active_method(self) -> Method:
        return self.methods[self.method]

    def proposal(self, proposal_id: str) -> Proposal:
        for p in self.proposals:
            if p.id == proposal_id:
                return p
        raise KeyError(f"unknown proposal '{proposal_id}' (known: {', '.join(p.id for p in self.proposals)})")

    def set_weights(self, values: dict | None = None, **kw) -> None:
        self.weights.set(values, **kw)

    def apply_preset(self, preset_id: str) -> None:
        """Set the weights of a named profile from `data/presets.yaml` (switching framework if needed)."""
        try:
            preset = self.dataset.presets[preset_id]
        except KeyError:
            raise KeyError(f"unknown preset '{preset_id}' (known: {', '.join(self.dataset.presets)})") from None
        if preset.framework != self.framework:
            self.framework = preset.framework
        self.weights.set(dict(preset.weights))

    def set_threshold(self, criterion_id: str, minimum: float | None) -> None:
        """Require at least `minimum` on a criterion (None removes the threshold)."""
        if criterion_id not in self.active_framework.criterion_ids:
            raise KeyError(f"unknown criterion '{criterion_id}' in framework '{self.framework}' "
                           f"(known: {', '.join(self.active_framework.criterion_ids)})")
        rest = {k: v for k, v in self.thresholds.items() if k != criterion_id}
        self.thresholds = rest if minimum is None else {**rest, criterion_id: float(minimum)}

    # -- derived ----------------------------------------------------------------------------

    def score_arrays(self):
        """(score, low, high) arrays, proposals × criteria of the active framework."""
        # A memo of a pure function of these three: scores change only through `revision`.
        key = (self.framework, self.revision, tuple(p.id for p in self.proposals))
        if key not in self._cache:
            criteria = self.active_framework.criterion_ids
            # Kept per proposal too: a design replaced under its id (every option change in the
            # designer) costs its own row, not every proposal's. A row is as current as the key's
            # framework and revision (every score change bumps it); the proposal object itself is the
            # row's key, so a replaced design never reuses its predecessor's row.
            kept, rows, current = self._cache.get("rows", {}), {}, (self.framework, self.revision)
            for p in self.proposals:
                row = kept.get(p)
                rows[p] = row if row is not None and row[0] == current else (current, [p.score(c) for c in criteria])
            cells = [rows[p][1] for p in self.proposals]
            self._cache = {"rows": rows,
                           key: tuple(np.array([[getattr(s, a) for s in row] for row in cells], dtype=float)
                                      .reshape(len(self.proposals), len(criteria)) for a in ("score", "low", "high"))}
        return self._cache[key]

    def stance_multipliers(self, stance: float | None = None) -> np.ndarray:
        """Per criterion: ×(1 + stance) on the centralised side, ×(1 − stance) on the dispersed side,
        ×(1 − |stance|) for criteria tied to neither side.

        At −1 the criteria the sources tie to a centralised system (navigability, clarity) drop
        out and the dispersed side's (issue expertise, adaptability, capture resistance) double;
        at +1 the reverse. Only criteria listed in data/tradeoff.yaml are affected.
        """
        stance = self.stance if stance is None else stance
        out = np.ones(len(self.weights.criteria))
        model = self.dataset.tradeoff
        if model is None or not stance:
            return out
        # Criteria tied to neither end fade as the stance nears an end, so that at ±1 the ranking is
        # decided by the side the user prefers (000 §5's trade-off), where the scores allow it. Only
        # when that side has weight in this framework: otherwise nothing would be left to rank by.
        favoured = "centralised" if stance > 0 else "dispersed"
        weights = self.weights.values()
        if any(link.side == favoured and weights.get(link.criterion, 0) > 0 for link in model.stance):
            out[:] = 1 - abs(stance) * STANCE_NEUTRAL_FADE
        for link in model.stance:
            if link.criterion in self.weights.criteria:
                sign = 1 if link.side == "centralised" else -1
                out[self.weights.criteria.index(link.criterion)] = 1 + sign * stance
        return out

    def effective_weights(self, stance: float | None = None) -> np.ndarray:
        """The weights a ranking uses: the sliders' weights after the stance, normalised."""
        names = [self.active_framework.criterion(c).name for c in self.weights.criteria]
        return normalise_weights(self.weights.vector() * self.stance_multipliers(stance), names)

    def normalised_weights(self) -> pd.Series:
        return pd.Series(self.effective_weights(), index=self.weights.criteria, name="weight")

    def ranking(self) -> Ranking:
        """The ranking under the current inputs (`result`); raises WeightError if they cannot rank."""
        if self.result is None:
            raise self._error
        return self.result

    def _rank(self, scores: np.ndarray | None = None) -> Ranking:
        framework = self.active_framework
        method = self.active_method
        weights = self.effective_weights()
        scores = self.score_arrays()[0] if scores is None else scores
        result = method.rank(scores, weights)
        minimums = np.array([self.thresholds.get(c, np.nan) for c in framework.criterion_ids])
        failures = threshold_failures(scores, minimums)
        short_names = tuple(p.short_name for p in self.proposals)
        return Ranking(
            framework, self.method, method.describe(), method.unit, tuple(p.id for p in self.proposals),
            tuple(p.name for p in self.proposals), short_names, weights, result.overall, result.contributions,
            failures, order(result.overall, ~failures.any(axis=1), list(short_names)),
        )

    # -- the dispersed-versus-centralised axis ---------------------------------------------------

    def position(self, proposal_id: str) -> float:
        """Where a proposal sits from dispersed (0) to centralised (1): measured on its institution
        graph (igviz.network.centralisation), moved by its what-if shift."""
        from .network import networks

        base = self.proposal(proposal_id).centralisation() if self.dataset.institutions else 0.0
        return float(min(1.0, max(0.0, base + self.proposal(proposal_id).centralisation_shift)))

    def stance_sweep(self, steps: int = 41) -> pd.DataFrame:
        """The top-ranked proposal at each stance from −1 to +1 (other inputs as they are)."""
        # Only the top is needed, and both methods are a weighted sum of one matrix: the inputs are
        # gathered once and each stance costs a product and a sort, not a whole ranking (the
        # explorer redoes this sweep on every weight move).
        criteria = self.weights.criteria
        names = [self.active_framework.criterion(c).name for c in criteria]
        vector, values = self.weights.vector(), self._linear_values()
        minimums = np.array([self.thresholds.get(c, np.nan) for c in self.active_framework.criterion_ids])
        passes = ~threshold_failures(self.score_arrays()[0], minimums).any(axis=1)
        short_names = [p.short_name for p in self.proposals]
        rows = []
        for stance in np.linspace(-1, 1, steps):
            scaled = vector * self.stance_multipliers(float(stance))
            if not scaled.sum() > 0:
                # Only criteria on one side of the axis carry weight, and this far stance zeroes them
                # all: nothing ranks here, so the stance is left out rather than the whole sweep.
                continue
            weights = normalise_weights(scaled, names)
            # The same products and sums as the methods take, so ties fall the same way.
            top = order((values * weights).sum(axis=1), passes, short_names)[0]
            rows.append({"stance": float(stance), "top": self.proposals[top].id, "short_name": short_names[top]})
        return pd.DataFrame(rows, columns=["stance", "top", "short_name"])

    # -- robustness ---------------------------------------------------------------------------

    def _linear_values(self) -> np.ndarray:
        """The matrix whose weighted sum is each proposal's overall value under the current method."""
        return self.active_method.linear_values(self.score_arrays()[0])

    def sensitivity(self, criterion_id: str) -> WeightSweep:
        """How the overall values move as one criterion's weight goes from 0 to 100 %, others in proportion.

        The result is labelled: `sweep.criterion` (id), `criterion_name`, `proposal_ids`, and
        `sweep.table` lists the proposals best first with their values at weight 0, now and 1.
        """
        criteria = self.active_framework.criterion_ids
        if criterion_id not in criteria:
            raise KeyError(f"unknown criterion '{criterion_id}' in framework '{self.framework}' (known: {', '.join(criteria)})")
        r = self.ranking()
        passes = ~r.failures.any(axis=1)
        return weight_sweep(self._linear_values(), r.weight_values, criteria.index(criterion_id), passes,
                            list(r.short_names), criterion=criterion_id,
                            criterion_name=self.active_framework.criterion(criterion_id).name,
                            proposal_ids=r.proposal_ids, method=self.method, value_label=self.active_method.unit)

    def sensitivity_table(self) -> pd.DataFrame:
        """Per criterion (by id, with its name): its weight now, and the weight range over which the
        top proposal, and the whole ranking, stay the same (all as shares of the total weight, 0–1)."""
        rows = []
        for c in self.active_framework.criteria:
            sweep = self.sensitivity(c.id)
            rows.append({"criterion": c.id, "name": c.name, "weight": sweep.current,
                         "top_from": sweep.top_interval[0], "top_to": sweep.top_interval[1],
                         "ranking_from": sweep.ranking_interval[0], "ranking_to": sweep.ranking_interval[1]})
        table = pd.DataFrame(rows).set_index("criterion")
        table.attrs.update(unit="share of the total weight (0–1)", method=self.active_method.describe())
        return table

    def _smaa_method(self):
        """(transform, method id, words) for SMAA-2 under the current method. The transform is the
        method's `linear_values` (stacked score matrices to the values whose weighted sum is the
        overall value); None for the weighted sum, whose values are the scores: smaa2 has its own
        faster path for them."""
        method = self.active_method
        transform = None if method.id == "weighted_sum" else method.linear_values
        return transform, method.id, f"{method.describe()}: {method.unit}"

    def smaa(self, samples: int = 10_000, seed: int = 0, weights: str = "simplex", band_width: float = 0.05,
             weight_sets=None, score_uncertainty: bool = True,
             progress=None, cancelled=None) -> Robustness:
        """SMAA-2 rank acceptabilities, central weights and confidence factors under the current method.

        Each sample is ranked as the ranking is: by the weighted sum, or by PROMETHEE II net flows
        (recomputed from each sample's drawn scores, with the current preference settings).
        weights: "simplex" (no preference information), "band" (uniform within ± band_width, a
        share of the total weight, of the weights the ranking uses, after the stance), or "sets"
        (resample `weight_sets`, e.g. a workshop's submissions: one row per person, one column per
        criterion in framework order, or a DataFrame with the criterion ids as columns; a row that
        cannot rank is refused with a WeightError naming it). Score uncertainty uses each score's
        low–high range.
        """
        criteria = self.active_framework.criterion_ids
        if weights == "simplex":
            sampler = uniform_simplex(len(criteria))
        elif weights == "band":
            sampler = band(self.effective_weights(), band_width)  # the weights the ranking uses, stance included
        elif weights == "sets":
            if weight_sets is None or len(weight_sets) == 0:
                raise ValueError("weights='sets' needs weight_sets: one row of weights per person")
            labels = None
            if isinstance(weight_sets, pd.DataFrame):
                missing = [c for c in criteria if c not in weight_sets.columns]
                if missing:
                    raise ValueError(f"weight_sets lacks columns for {', '.join(missing)} "
                                     f"(expected one column per criterion: {', '.join(criteria)})")
                labels, weight_sets = list(weight_sets.index), weight_sets[criteria].to_numpy(dtype=float)
            sets = np.asarray(weight_sets, dtype=float)
            if sets.ndim != 2 or sets.shape[1] != len(criteria):
                raise ValueError(f"weight_sets must have one column per criterion ({len(criteria)}: "
                                 f"{', '.join(criteria)}), got an array of shape {sets.shape}")
            sampler = resample(sets, labels)
        else:
            raise ValueError(f"weights must be 'simplex', 'band' or 'sets', got {weights!r}")
        transform, method_id, ranked_by = self._smaa_method()
        x, lo, hi = self.score_arrays()
        minimums = np.array([self.thresholds.get(c, np.nan) for c in criteria])
        result = smaa2(x, lo, hi, sampler, samples, seed, score_uncertainty,
                       minimums if self.thresholds else None, progress=progress, cancelled=cancelled,
                       transform=transform, method=method_id)
        return Robustness(result, tuple(p.id for p in self.proposals), tuple(criteria), weights, ranked_by,
                          tuple(p.short_name for p in self.proposals),
                          tuple(c.name for c in self.active_framework.criteria),
                          band_width if weights == "band" else None, score_uncertainty)

    def explain(self, proposal_id: str) -> pd.DataFrame:
        """Why a proposal scores as it does: per criterion its weight, score, range, contribution and sources."""
        ranking = self.ranking()
        proposal = self.proposal(proposal_id)
        rows = []
        for c in self.active_framework.criteria:
            s = proposal.score(c.id)
            rows.append({
                "criterion": c.id, "name": c.name, "weight": ranking.weights[c.id], "score": s.score,
                "low": s.low, "high": s.high, "contribution": ranking.contributions.loc[proposal_id, c.id],
                "evidence": s.evidence, "rationale": s.rationale,
                "citations": [(x.source or x.reference, x.quote) for x in s.citations],
            })
        return pd.DataFrame(rows).set_index("criterion")
