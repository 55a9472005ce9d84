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


# Pair differences per block of single_criterion_flows_batched: about a megabyte of float32, so a
# block's working arrays stay in cache (the whole stack at once ran at a third of the speed).
_PAIR_CELLS_PER_BLOCK = 262_144


def _signed_preference(d: np.ndarray, preference: str, q: float, p: float, out: np.ndarray, spare: np.ndarray) -> None:
    """out = P(d) − P(−d) elementwise (P_j(a,b) − P_j(b,a) for d = g_j(a) − g_j(b)), in d's dtype.

    `spare` is a working array of d's shape; d may be overwritten. The common functions are
    written as clamps in place (np.clip is one pass; the float64 intermediates of the
    definitions above took most of an SMAA run's time).
    """
    t = d.dtype.type
    if preference == "usual" or (preference == "v_shape" and p <= 0) or (preference == "linear" and p <= q == 0):
        np.sign(d, out=out)
    elif preference == "v_shape":                       # clip(d / p, −1, 1)
        np.multiply(d, t(1 / p), out=out)
        np.clip(out, t(-1), t(1), out=out)
    elif preference == "linear" and p > q:
        # In u = d / (p − q) with c = q / (p − q): 0 for |u| ≤ c, then u ∓ c, then ±1 from
        # |u| ≥ 1 + c; that is clip(u, −1 − c, 1 + c) − clip(u, −c, c).
        c = q / (p - q)
        np.multiply(d, t(1 / (p - q)), out=d)
        np.clip(d, t(-1 - c), t(1 + c), out=out)
        np.clip(d, t(-c), t(c), out=spare)
        np.subtract(out, spare, out=out)
    else:
        fn = PREFERENCE_FUNCTIONS[preference]
        out[...] = fn(d, q, p) - fn(-d, q, p)


def single_criterion_flows_batched(scores: np.ndarray, preference: str = "usual", q: float = 0.0,
                                   p: float = 0.0) -> np.ndarray:
    """φ_j(a) for a stack of score matrices: (..., proposals, criteria) in, the same shape out.

    What SMAA-2 needs under PROMETHEE II, where each sample's drawn scores give their own
    single-criterion flows (tens of thousands of small matrices). Equal to
    `single_criterion_flows` on each matrix of the stack, to float rounding (that one takes
    stacks too, but holds every ordered pair in float64 at once); float32 in gives
    float32 out (half the memory traffic of float64), anything else float64. The result is a
    view with the stack as its last axis in memory.

    Each unordered pair of proposals is compared once, P_j(a,b) − P_j(b,a) being one function
    of g_j(a) − g_j(b), and a proposal's flow is the sum over its pairs, taken for a block of
    the stack at once as one product with the (proposals × pairs) incidence matrix.
    """
    x = np.asarray(scores)
    if x.dtype != np.float32:
        x = x.astype(float)
    m, n = x.shape[-2:]
    if m < 2:
        return np.zeros_like(x)
    stack = x.shape[:-2]
    count = int(np.prod(stack))
    # (proposals, criteria, stack): the stack last, so each operation runs along it. A view when
    # the input is held that way (as SMAA-2 holds its draws), otherwise one transposing copy.
    y = np.moveaxis(x.reshape((count, m, n)), 0, -1)
    first, second = np.triu_indices(m, k=1)
    pairs = len(first)
    incidence = np.zeros((m, pairs), dtype=x.dtype)
    incidence[first, np.arange(pairs)] = 1.0 / (m - 1)
    incidence[second, np.arange(pairs)] = -1.0 / (m - 1)
    flows = np.empty((m, n, count), dtype=x.dtype)
    block = max(1, _PAIR_CELLS_PER_BLOCK // (pairs * n))
    d = np.empty((pairs, n, min(block, count)), dtype=x.dtype)
    h, spare = np.empty_like(d), np.empty_like(d)
    for start in range(0, count, block):
        size = min(block, count - start)
        part = y[:, :, start:start + size]
        dd, hh = d[:, :, :size], h[:, :, :size]
        for a in range(m - 1):   # pairs (a, b > a) are consecutive in triu order: no gathered copies
            offset = a * (2 * m - a - 1) // 2
            np.subtract(part[a], part[a + 1:], out=dd[offset:offset + m - 1 - a])
        _signed_preference(dd, preference, q, p, hh, spare[:, :, :size])
        flows[:, :, start:start + size] = (incidence @ hh.reshape(pairs, n * size)).reshape(m, n, size)
    return np.moveaxis(flows, -1, 0).reshape(x.shape)
