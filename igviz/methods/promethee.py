"""PROMETHEE II (Brans and Vincke 1985): a net outranking flow per proposal.

Unlike the weighted sum it is non-compensatory within each pairwise comparison: a large
lead on one criterion counts no more than the preference function allows, so a proposal
cannot make up for a poor human-rights score simply by excelling elsewhere.
"""

from __future__ import annotations

import numpy as np

from .ranking import MethodResult


def _usual(d, q, p):
    return (d > 0).astype(float)


def _u_shape(d, q, p):
    return (d > q).astype(float)


def _v_shape(d, q, p):
    return np.clip(d / p, 0.0, 1.0) if p > 0 else (d > 0).astype(float)


def _level(d, q, p):
    return np.where(d > p, 1.0, np.where(d > q, 0.5, 0.0))


def _linear(d, q, p):
    # V-shape with an indifference zone: nothing up to q, full preference from p.
    if p <= q:
        return (d > q).astype(float)
    return np.clip((d - q) / (p - q), 0.0, 1.0)


def _gaussian(d, q, p):
    s = p if p > 0 else 1.0
    return np.where(d > 0, 1.0 - np.exp(-(d ** 2) / (2 * s ** 2)), 0.0)


PREFERENCE_FUNCTIONS = {
    "usual": _usual, "u_shape": _u_shape, "v_shape": _v_shape,
    "level": _level, "linear": _linear, "gaussian": _gaussian,
}


def promethee_ii(scores: np.ndarray, weights: np.ndarray, preference: str = "usual",
                 q: float = 0.0, p: float = 0.0) -> MethodResult:
    """Net flows φ(a) = 1/(n-1) Σ_b [π(a,b) − π(b,a)], all criteria to be maximised.

    `weights` must sum to 1. `q` is the indifference threshold and `p` the preference
    threshold, in score units, for the preference functions that use them (for
    `gaussian`, `p` is the spread s). The contributions are the weighted single-criterion
    net flows w_j φ_j(a) (the "PROMETHEE rainbow"); they sum to φ(a).
    """
    w = np.asarray(weights, dtype=float)
    contributions = single_criterion_flows(scores, preference, q, p) * w
    return MethodResult(contributions.sum(axis=1), contributions)


def single_criterion_flows(scores: np.ndarray, preference: str = "usual", q: float = 0.0, p: float = 0.0) -> np.ndarray:
    """φ_j(a): each proposal's net flow on each criterion alone, shaped like `scores`
    (..., proposals, criteria); leading dimensions are independent problems (e.g. SMAA samples).

    The net flow is linear in the weights, φ(a) = Σ_j w_j φ_j(a), which is what makes exact
    weight-stability intervals possible for PROMETHEE II as for the weighted sum.
    """
    x = np.asarray(scores, dtype=float)
    n = x.shape[-2]
    if n < 2:
        return np.zeros_like(x)
    fn = PREFERENCE_FUNCTIONS[preference]
    d = x[..., :, None, :] - x[..., None, :, :]  # d[..., a, b, j] = g_j(a) − g_j(b)
    pref = fn(d, q, p)                             # P_j(a, b)
    return (pref.sum(axis=-2) - pref.sum(axis=-3)) / (n - 1)
