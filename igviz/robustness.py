"""How far the answer can be trusted: one-way weight sensitivity and SMAA-2.

Pure NumPy on a proposals × criteria matrix, like `igviz.methods`; `Assessment.sensitivity`
and `Assessment.smaa` feed them the current data, weights and thresholds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

# -- one-way sensitivity ------------------------------------------------------------------------

_EPS = 1e-12


def shifted_weights(weights: np.ndarray, j: int, t: float) -> np.ndarray:
    """Weights with criterion j set to t and the others rescaled in proportion to sum 1 − t.

    If every other weight is zero the remainder is shared equally, so the sweep is defined
    for any starting point.
    """
    w = np.asarray(weights, dtype=float)
    rest = np.delete(w, j)
    rest = rest / rest.sum() if rest.sum() > _EPS else np.full(len(rest), 1.0 / max(len(rest), 1))
    return np.insert(rest * (1.0 - t), j, t)


@dataclass(frozen=True)
class WeightSweep:
    """Overall value of every proposal as one criterion's weight moves from 0 to 1.

    Both methods are linear in the weights, so each proposal's overall value is a straight
    line in t, from `at_zero` (t = 0) to `at_one` (t = 1); everything here is exact.
    """

    criterion: int
    current: float                      # the criterion's normalised weight now
    at_zero: np.ndarray                 # overall per proposal when the weight is 0
    at_one: np.ndarray                  # ... when it is 1 (the criterion alone)
    top_interval: tuple[float, float]   # weights for which the top proposal stays the same
    ranking_interval: tuple[float, float]  # weights for which the whole ranking stays the same

    def overall_at(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None]
        return self.at_zero + t * (self.at_one - self.at_zero)


def weight_sweep(values: np.ndarray, weights: np.ndarray, j: int, passes: np.ndarray | None = None,
                 names: list[str] | None = None) -> WeightSweep:
    """Exact stability intervals for criterion j's weight.

    `values` is the proposals × criteria matrix whose weighted sum is the overall value: the
    scores for the weighted sum, the single-criterion net flows for PROMETHEE II. `passes`
    marks proposals meeting every threshold; they always rank before the others, so only
    pairs on the same side of the thresholds can swap.
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    m = v.shape[0]
    passes = np.ones(m, dtype=bool) if passes is None else np.asarray(passes, dtype=bool)
    names = names or [f"{i:09d}" for i in range(m)]
    t0 = float(w[j])
    rest = shifted_weights(w, j, 0.0)
    at_zero, at_one = v @ rest, v[:, j].copy()
    now = at_zero + t0 * (at_one - at_zero)
    order = np.lexsort((np.array(names, dtype=object).astype(str), -np.round(now, 12), ~passes))

    def interval(pairs) -> tuple[float, float]:
        lo, hi = 0.0, 1.0
        for a, b in pairs:  # a ranks ahead of b now
            if passes[a] != passes[b]:
                continue
            d0 = (at_zero[a] - at_zero[b])
            slope = (at_one[a] - at_zero[a]) - (at_one[b] - at_zero[b])
            gap = d0 + slope * t0
            if abs(slope) < _EPS:
                continue  # parallel lines never cross
            cross = -d0 / slope
            if abs(gap) < 1e-9:
                # Tied now (a is ahead on name): a stays ahead only on the side where its line rises.
                if slope > 0:
                    lo = max(lo, t0)
                else:
                    hi = min(hi, t0)
            elif cross < t0:
                lo = max(lo, cross)
            else:
                hi = min(hi, cross)
        return max(0.0, lo), min(1.0, hi)

    top = order[0]
    top_pairs = [(top, b) for b in order[1:]]
    adjacent = list(zip(order[:-1], order[1:]))
    # The ranking holds exactly as long as no two neighbours swap: a non-neighbour can only
    # overtake by first crossing someone in between.
    return WeightSweep(j, t0, at_zero, at_one, interval(top_pairs), interval(adjacent))


# -- SMAA-2 ---------------------------------------------------------------------------------------

WeightSampler = Callable[[np.random.Generator, int], np.ndarray]


def uniform_simplex(n_criteria: int) -> WeightSampler:
    """No preference information: weights uniform on the simplex (Dirichlet with all α = 1)."""
    def sample(rng, size):
        # Single-precision draws cost a third of double ones; the sum is taken in double
        # precision, so each row still sums to 1 to within double rounding.
        e = rng.standard_exponential((size, n_criteria), dtype=np.float32)
        return e / e.sum(axis=1, keepdims=True, dtype=np.float64)
    return sample


def band(weights: np.ndarray, width: float) -> WeightSampler:
    """Weights within ± `width` (in normalised weight) of the given ones, then renormalised."""
    w = np.asarray(weights, dtype=float)
    w = w / w.sum()
    lo, hi = np.clip(w - width, 0, None), w + width

    def sample(rng, size):
        s = lo + rng.random((size, len(w))) * (hi - lo)
        total = s.sum(axis=1, keepdims=True)
        return np.where(total > 0, s / np.where(total > 0, total, 1), 1.0 / len(w))
    return sample


def resample(weight_sets: np.ndarray) -> WeightSampler:
    """The spread of actual weight vectors (e.g. a workshop's submissions), drawn with replacement."""
    sets = np.asarray(weight_sets, dtype=float)
    sets = sets / sets.sum(axis=1, keepdims=True)

    def sample(rng, size):
        return sets[rng.integers(0, len(sets), size=size)]
    return sample


# A drawn score is low + k × (high − low) / SCORE_STEPS for a random integer k in 0..SCORE_STEPS.
SCORE_STEPS = 65_535
# Drawn scores per step of an SMAA run (about a megabyte of float32): small enough to stay in
# cache (10,000 samples of the bundled data at once ran at half the speed), and small enough that
# OpenBLAS runs each product on one thread: waking its worker threads on a busy two-core server
# made runs slower and several times as erratic.
_CELLS_PER_STEP = 250_000


def score_steps(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random 16-bit integers (uniform on 0..SCORE_STEPS), four from each 64-bit generator output.

    A float32 uniform costs one generator call per number, and the largest SMAA runs draw
    10⁸ scores per pass. A score only has to fall anywhere in its range: 65,536 evenly spaced
    values across a range of a few points (steps of about 0.00005) are far finer than any
    judgement's precision, and cost a quarter of the calls.
    """
    count = int(np.prod(shape))
    return rng.bit_generator.random_raw((count + 3) // 4).view(np.uint16)[:count].reshape(shape)


def _draw(rng, low: np.ndarray, step: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Scores uniform within their ranges, float32; `low` and `step` broadcast against `shape`."""
    scores = np.multiply(score_steps(rng, shape), step, dtype=np.float32)
    scores += low
    return scores


def uniform_scores(rng: np.random.Generator, low: np.ndarray, high: np.ndarray, size: int) -> np.ndarray:
    """Scores drawn uniformly within each cell's low–high range (size × proposals × criteria).

    Uniform on the interval is SMAA's usual model for imprecise measurements: the range says
    where the judgement could lie, not which value inside it is likelier.
    """
    low = np.asarray(low, dtype=np.float32)
    step = (np.asarray(high, dtype=np.float32) - low) / np.float32(SCORE_STEPS)
    return _draw(rng, low, step, (size, *low.shape))


class Cancelled(Exception):
    """An SMAA run stopped because its inputs changed."""


@dataclass(frozen=True)
class SMAAResult:
    acceptability: np.ndarray      # proposals × ranks: b_i^r, the share of samples giving i rank r + 1
    central_weights: np.ndarray    # proposals × criteria: mean weights where i ranks first (NaN if never)
    confidence: np.ndarray         # proposals: share of score samples in which i ranks first at its central weights
    samples: int
    seed: int


def smaa2(scores: np.ndarray, low: np.ndarray, high: np.ndarray, weight_sampler: WeightSampler,
          samples: int = 10_000, seed: int = 0, score_uncertainty: bool = True,
          minimums: np.ndarray | None = None, chunk: int = 10_000,
          progress: Callable[[float], None] | None = None,
          cancelled: Callable[[], bool] | None = None) -> SMAAResult:
    """SMAA-2 (Lahdelma and Salminen 2001) for the weighted sum, by Monte Carlo.

    Weights come from `weight_sampler`; scores, if `score_uncertainty`, uniformly from each
    cell's low–high range (otherwise the stated scores are used as they are). A proposal
    below a minimum in a sample ranks after every proposal meeting them, as in the ranking.
    Exact ties (identical proposals) are broken at random, so identical proposals share
    their acceptabilities instead of the first one listed taking them all.

    `progress(fraction)` is called after each chunk; if `cancelled()` turns true the run stops
    with `Cancelled`, so a dashboard can drop work whose inputs have already changed.
    """
    x = np.asarray(scores, dtype=np.float32)
    lo = np.asarray(low, dtype=np.float32)
    step = (np.asarray(high, dtype=np.float32) - lo) / np.float32(SCORE_STEPS)
    m, n = x.shape
    mins = None if minimums is None else np.where(np.isnan(minimums), -np.inf, minimums).astype(np.float32)
    rng = np.random.default_rng(seed)

    def penalty(xs):
        """Push a proposal below a minimum under every proposal meeting them (per sample)."""
        return np.float32(0) if mins is None else np.float32(1e6) * (xs < mins).any(axis=-1)

    def step_to(fraction):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(fraction)

    def values(w):
        """Overall value per sample and proposal under sampled weights (and scores)."""
        if not score_uncertainty:
            # Fixed scores: one product, and exact ties (identical proposals) broken at random,
            # counting values within 1e-4 of each other as tied.
            v = w @ x.T - penalty(x)
            v += rng.random(v.shape, dtype=np.float32) * np.float32(1e-4)
            return v
        xs = _draw(rng, lo, step, (len(w), m, n))
        v = (xs @ w[:, :, None])[:, :, 0]   # one small product per sample
        if mins is not None:
            v -= penalty(xs)
        return v

    counts = np.zeros(m * m, dtype=np.int64)   # at [rank × m + proposal]
    first_weight_sum = np.zeros(m * n)         # at [proposal × n + criterion]
    slots = np.arange(m) * m
    per_step = max(1, min(chunk, _CELLS_PER_STEP // (m * n)))
    done = 0
    while done < samples:
        step_to(done / (2 * samples))
        size = min(per_step, samples - done)
        w = weight_sampler(rng, size)
        # Proposals best first in each sample (drawn scores leave no ties to break).
        best_first = np.argsort(-values(w.astype(np.float32)), axis=1)
        counts += np.bincount((best_first + slots).ravel(), minlength=m * m)
        first_weight_sum += np.bincount((best_first[:, :1] * n + np.arange(n)).ravel(), weights=w.ravel(),
                                        minlength=m * n)
        done += size
    acceptability = counts.reshape(m, m).T / samples
    firsts = acceptability[:, 0] * samples
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_weight_sum.reshape(m, n) / firsts[:, None]
    central[firsts == 0] = np.nan
    can_win = np.flatnonzero(firsts > 0)
    k = len(can_win)
    candidate_weights = central[can_win].astype(np.float32)

    # Confidence factors: how often each candidate is first at its central weights as scores vary.
    if not score_uncertainty:
        # Nothing varies: first outright (1), tied for first (a share), or not first (0).
        v = candidate_weights @ x.T - penalty(x)                      # candidates × proposals
        top = np.isclose(v, v.max(axis=1, keepdims=True), rtol=0, atol=1e-4)
        share = np.where(top[np.arange(k), can_win], 1.0 / top.sum(axis=1), 0.0)
        confidence = np.full(m, np.nan)
        confidence[can_win] = share
        step_to(1.0)
        return SMAAResult(acceptability, central, confidence, samples, seed)
    wins = np.zeros(k, dtype=np.int64)
    per_step = max(1, min(chunk, _CELLS_PER_STEP // (m * max(n, k))))
    done = 0
    while done < samples and k:
        step_to(0.5 + done / (2 * samples))
        size = min(per_step, samples - done)
        # Drawn proposal-major (proposals × samples × criteria), so the best value in each sample
        # is an element-wise maximum over proposals, which NumPy vectorises, not an argmax along
        # a strided middle axis (which took most of a large run).
        xs = _draw(rng, lo[:, None, :], step[:, None, :], (m, size, n))
        v = np.matmul(xs, candidate_weights.T)   # [proposal, sample, candidate]: one product per proposal
        if mins is not None:
            v -= penalty(xs)[:, :, None]
        own = v[can_win, :, np.arange(k)]       # each candidate's own value: candidates × samples
        wins += (own >= v.max(axis=0).T).sum(axis=1)
        done += size
    confidence = np.full(m, np.nan)
    confidence[can_win] = wins / samples
    return SMAAResult(acceptability, central, confidence, samples, seed)
