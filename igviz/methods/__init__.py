"""Decision methods: small pure functions on a proposals × criteria score matrix.

Each takes plain NumPy arrays and returns plain values, so they can be tested against
published worked examples without any of igviz's data or model.
"""

from .base import METHODS, USES, Method, PrometheeII, WeightedSum
from .promethee import PREFERENCE_FUNCTIONS, promethee_ii, single_criterion_flows
from .ranking import MethodResult, order, ranks
from .thresholds import threshold_failures
from .weighted_sum import normalise_weights, weighted_sum


__all__ = [
    "METHODS", "Method", "MethodResult", "PrometheeII", "USES", "WeightedSum", "PREFERENCE_FUNCTIONS", "normalise_weights", "order", "promethee_ii",
    "ranks", "single_criterion_flows", "threshold_failures", "weighted_sum",
]
