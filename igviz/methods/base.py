"""Methods as small objects: each with its own parameters, all returning one result type.

A method is chosen from the registry `METHODS` by its id. The model keeps one object per method,
so switching from PROMETHEE II to the weighted sum and back keeps PROMETHEE's settings. Every
method here is linear in the weights once its `linear_values` are known (the weighted sum's are the
scores themselves, PROMETHEE II's the single-criterion net flows): that is what makes exact
weight-stability intervals, stance sweeps and SMAA-2 possible for both.
"""

from __future__ import annotations

from typing import ClassVar

import numpy as np
import param

from ..errors import MethodError
from .promethee import PREFERENCE_FUNCTIONS, single_criterion_flows, single_criterion_flows_batched
from .ranking import MethodResult


class Method(param.Parameterized):
    """A way of turning scores and normalised weights into an overall value per proposal."""

    id: ClassVar[str] = ""
    label: ClassVar[str] = ""
    unit: ClassVar[str] = ""  # what an overall value is, so it cannot be read as another kind of number

    def problem(self) -> str:
        """Why these settings cannot rank, or '' when they can (a Message, so pages translate it)."""
        return ""

    def check(self) -> None:
        """Raise MethodError if the settings cannot rank."""
        problem = self.problem()
        if problem:
            raise MethodError(problem.template, **problem.values)

    def linear_values(self, scores: np.ndarray) -> np.ndarray:
        """Values whose weighted sum is each proposal's overall value, shaped like `scores`
        (..., proposals, criteria); leading dimensions are independent problems (e.g. SMAA samples)."""
        raise NotImplementedError

    def rank(self, scores: np.ndarray, weights: np.ndarray) -> MethodResult:
        """Overall values and per-criterion contributions; `weights` must already sum to 1."""
        self.check()
        contributions = self.linear_values(np.asarray(scores, dtype=float)) * np.asarray(weights, dtype=float)
        return MethodResult(contributions.sum(axis=-1), contributions)

    def settings(self) -> dict:
        """The parameters that differ from their defaults (what a spec needs to rebuild this object)."""
        return {k: v for k, v in self.param.values().items()
                if k != "name" and v != self.param[k].default}

    def describe(self) -> str:
        return self.label


class WeightedSum(Method):
    """Overall score = Σ weight × score: anyone can follow its arithmetic, so it is the default."""

    id = "weighted_sum"
    label = "Weighted sum"
    unit = "overall score on the data's scale (0–10)"

    def linear_values(self, scores: np.ndarray) -> np.ndarray:
        return np.asarray(scores, dtype=float)


# Which of the two thresholds each preference function uses (for `gaussian`, p is the spread s).
USES = {"usual": (), "u_shape": ("q",), "v_shape": ("p",), "level": ("q", "p"), "linear": ("q", "p"),
        "gaussian": ("p",)}


class PrometheeII(Method):
    """PROMETHEE II (Brans and Vincke 1985): net outranking flows, from −1 to 1."""

    id = "promethee_ii"
    label = "PROMETHEE II"
    unit = "net outranking flow (−1 to 1)"

    preference = param.Selector(objects=list(PREFERENCE_FUNCTIONS), default="linear",
                                doc="How a difference in score becomes a preference")
    indifference = param.Number(default=0.5, bounds=(0, 10), label="Indifference (q)",
                                doc="Differences up to this many points are ignored")
    strict_preference = param.Number(default=3.0, bounds=(0, 10), label="Strict preference (p)",
                                     doc="Differences from this many points count in full (gaussian: the spread)")

    def __init__(self, **params):
        super().__init__(**params)
        self.check()  # an object built with impossible settings is refused at once

    def problem(self) -> str:
        from ..i18n import Message

        uses = USES[self.preference]
        q, p = self.indifference, self.strict_preference
        if self.preference == "gaussian" and p <= 0:
            return Message("PROMETHEE II: a gaussian preference needs a spread (strict preference) above 0.")
        if uses == ("p",) and p <= 0:
            return Message("PROMETHEE II: a V-shape preference needs a strict preference threshold above 0.")
        if uses == ("q", "p") and not q < p:
            return Message("PROMETHEE II: the indifference threshold ({q:g}) must be below the strict preference "
                           "threshold ({p:g}).", q=q, p=p)
        return ""

    def linear_values(self, scores: np.ndarray) -> np.ndarray:
        # Stacks (SMAA's samples) go to the blocked float32-friendly version: the same flows in a
        # fraction of the time and memory; a single matrix keeps the published definition.
        flows = single_criterion_flows if np.ndim(scores) <= 2 else single_criterion_flows_batched
        return flows(scores, self.preference, self.indifference, self.strict_preference)

    def describe(self) -> str:
        uses = USES[self.preference]
        parts = [self.preference.replace("_", "-")]
        if "q" in uses:
            parts.append(f"q = {self.indifference:g}")
        if "p" in uses:
            parts.append(f"{'s' if self.preference == 'gaussian' else 'p'} = {self.strict_preference:g}")
        return f"{self.label} ({', '.join(parts)})"


METHODS: dict[str, type[Method]] = {cls.id: cls for cls in (WeightedSum, PrometheeII)}
