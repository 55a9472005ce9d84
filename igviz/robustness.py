"""How far the answer can be trusted: one-way weight sensitivity and SMAA-2.

Pure NumPy on a proposals × criteria matrix, like `igviz.methods` (pandas only to label the
sweep's table); `Assessment.sensitivity` and `Assessment.smaa` feed them the current data,
weights, thresholds and method.
"""

from __future__ import annotations

import html
import threading
from dataclasses import dataclass, replace
from functools import cached_property
from itertools import pairwise
from typing import Callable

import numpy as np
import pandas as pd

from .errors import WeightError

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


def _html_table(caption: str, header: list[str], rows: list[list[str]], index_columns: int = 1) -> str:
    """A plain HTML table for a notebook; every text is escaped (names come from data files)."""
    esc = lambda v: html.escape(str(v))  # noqa: E731
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<th>{esc(v)}</th>" if i < index_columns else f"<td>{esc(v)}</td>"
                                    for i, v in enumerate(row)) + "</tr>" for row in rows)
    return (f"<table class='igviz-result'><caption style='caption-side: top; text-align: left'>{esc(caption)}</caption>"
            f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")


def percent(share: float, digits: int = 1) -> str:
    """A share (0–1) as a percentage, '–' where undefined."""
    return "–" if share is None or not np.isfinite(share) else f"{100 * share:.{digits}f} %"


@dataclass(frozen=True)
class WeightSweep:
    """Overall value of every proposal as one criterion's weight moves from 0 to 1.

    Both methods are linear in the weights, so each proposal's overall value is a straight
    line in t, from `at_zero` (t = 0) to `at_one` (t = 1); everything here is exact. Weights
    (`current`, the intervals) are shares of the total weight, 0–1; the overall values are in
    the method's own unit (`value_label`: a score on the data's scale, or a net flow in −1…1).
    """

    criterion: str                      # the swept criterion's id
    current: float                      # its weight now, as a share of the total (0–1)
    at_zero: np.ndarray                 # overall per proposal when the weight is 0
    at_one: np.ndarray                  # ... when it is 1 (the criterion alone)
    top_interval: tuple[float, float]   # weights (shares) for which the top proposal stays the same
    ranking_interval: tuple[float, float]  # weights (shares) for which the whole ranking stays the same
    index: int = 0                      # the criterion's position among the weights
    criterion_name: str = ""
    proposal_ids: tuple[str, ...] = ()
    proposal_names: tuple[str, ...] = ()
    method: str = "weighted_sum"
    value_label: str = "overall value"  # what at_zero and at_one measure, with their range

    def overall_at(self, t) -> np.ndarray:
        t = np.asarray(t, dtype=float)[..., None]
        return self.at_zero + t * (self.at_one - self.at_zero)

    @cached_property
    def table(self) -> pd.DataFrame:
        """By proposal id, best first now: name and overall value with the weight at 0, now and at 1."""
        ids = list(self.proposal_ids) or [f"proposal {i + 1}" for i in range(len(self.at_zero))]
        names = list(self.proposal_names) or ids
        now = self.overall_at(self.current)
        order = np.argsort(-now, kind="stable")
        frame = pd.DataFrame({"name": [names[i] for i in order], "at_zero": self.at_zero[order],
                              "now": now[order], "at_one": self.at_one[order]},
                             index=pd.Index([ids[i] for i in order], name="proposal"))
        frame.attrs.update(criterion=self.criterion, weight_now=self.current, unit=self.value_label)
        return frame

    def _repr_html_(self) -> str:
        label = f"{self.criterion_name} ({self.criterion})" if self.criterion_name else self.criterion
        lo, hi = self.top_interval
        rlo, rhi = self.ranking_interval
        caption = (f"Weight of {label} from 0 to 1 (a share of the total; the others keep their proportions), "
                   f"{self.value_label} of each proposal. Weight now {percent(self.current, 0)}; the top proposal "
                   f"stays first from {percent(lo, 0)} to {percent(hi, 0)}, the whole ranking from "
                   f"{percent(rlo, 0)} to {percent(rhi, 0)}.")
        t = self.table
        rows = [[pid, r["name"], f"{r['at_zero']:.3f}", f"{r['now']:.3f}", f"{r['at_one']:.3f}"] for pid, r in t.iterrows()]
        return _html_table(caption, ["proposal", "name", "weight 0", f"now ({percent(self.current, 0)})", "weight 1"], rows)


def weight_sweep(values: np.ndarray, weights: np.ndarray, j: int, passes: np.ndarray | None = None,
                 names: list[str] | None = None, *, criterion: str | None = None, criterion_name: str = "",
                 proposal_ids: tuple[str, ...] = (), method: str = "weighted_sum",
                 value_label: str = "overall value") -> WeightSweep:
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
    shown_names = tuple(names or ())
    names = names or [f"{i:09d}" for i in range(m)]   # ties fall in list order
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
    return WeightSweep(criterion if criterion is not None else f"criterion {j + 1}", t0, at_zero, at_one,
                       interval(top_pairs), interval(adjacent), index=j, criterion_name=criterion_name,
                       proposal_ids=tuple(proposal_ids), proposal_names=shown_names,
                       method=method, value_label=value_label)


# -- SMAA-2 ---------------------------------------------------------------------------------------

WeightSampler = Callable[[np.random.Generator, int], np.ndarray]


def uniform_simplex(n_criteria: int) -> WeightSampler:
    """No preference information: weights uniform on the simplex (Dirichlet with all α = 1)."""
    def sample(rng, size):
        # Single-precision draws cost a third of double ones; they are normalised in double
        # precision, so each row still sums to 1 to within double rounding. (Row sums as a
        # matrix-vector product: NumPy's sum along a ten-long axis took twice as long.)
        e = rng.standard_exponential((size, n_criteria), dtype=np.float32).astype(np.float64)
        e /= (e @ np.ones(n_criteria))[:, None]
        return e
    return sample


def band(weights: np.ndarray, width: float) -> WeightSampler:
    """Weights uniform over the part of the simplex within ± `width` of the given ones (normalised).

    Every sample is a weight vector (non-negative, summing to 1) with each weight within
    `width` of the reference's share: the polytope where the simplex meets that box. (Drawing
    in the box and renormalising, as before, let about 30 % of samples leave the band and was
    not uniform.) Sampling is exact, by rejection from whichever of three proposals accepts
    most often for this band: see `_band_proposals`.
    """
    w = np.asarray(weights, dtype=float)
    if w.ndim != 1 or not len(w) or not np.isfinite(w).all() or (w < 0).any() or w.sum() <= 0:
        raise WeightError("Reference weights for the band must be finite numbers of 0 or more, not all zero; "
                          "got {weights}.", weights=", ".join(f"{v:g}" for v in np.ravel(w)))
    if not (isinstance(width, (int, float, np.floating)) and np.isfinite(width) and width > 0):
        raise ValueError(f"band_width must be a share of the total weight above 0 (e.g. 0.05 for ± 5 points), got {width!r}")
    w = w / w.sum()
    lo, hi = np.maximum(w - width, 0.0), np.minimum(w + width, 1.0)
    # Each weight is also bounded by what the others leave of the total; tightening the box to
    # that changes no sample, but makes every proposal accept more often.
    for _ in range(len(w)):
        tighter_lo = np.maximum(lo, 1.0 - (hi.sum() - hi))
        tighter_hi = np.minimum(hi, 1.0 - (lo.sum() - lo))
        if np.array_equal(tighter_lo, lo) and np.array_equal(tighter_hi, hi):
            break
        lo, hi = tighter_lo, tighter_hi
    slack, caps = 1.0 - lo.sum(), hi - lo    # u = weights − lo: Σu = slack, 0 ≤ u ≤ caps
    if slack <= 1e-12 or len(w) == 1:
        return lambda rng, size: np.tile(w, (size, 1))
    proposals = _band_proposals(slack, caps)
    # A pilot run with its own generator picks the proposal, so the choice never moves a seed's samples.
    pilot = np.random.default_rng(0)
    rates = [np.mean(accepted) for accepted in (propose(pilot, 2000)[1] for propose in proposals)]
    best = int(np.argmax(rates))
    propose, rate = proposals[best], max(rates[best], 1e-4)

    def sample(rng, size):
        out = np.empty((size, len(w)))
        filled = 0
        while filled < size:
            need = size - filled
            u, ok = propose(rng, int(need / rate * 1.1) + 16)
            u = u[ok][:need]
            out[filled:filled + len(u)] = lo + u
            filled += len(u)
        return out
    return sample


def _band_proposals(slack: float, caps: np.ndarray):
    """Three exact ways to draw u uniformly from {Σu = slack, 0 ≤ u ≤ caps}, each a rejection
    sampler returning (draws, accepted). Each proposal is uniform on a region holding the
    polytope, so the accepted draws are uniform on it.

    - from below: u uniform on the simplex scaled to `slack` (caps rarely bind when the band
      is narrow only at the edges, e.g. reference weights with several zeros);
    - from above: caps − u uniform on the simplex scaled to Σcaps − slack (the same near the
      other corner, where most weights sit at their band's top);
    - in the box: all but the widest coordinate uniform within their caps, the last one what
      the total leaves (the projection is affine, so uniform there is uniform on the polytope),
      kept if it lies within its own cap; the best for bands well inside the simplex.
    """
    n = len(caps)
    top = int(np.argmax(caps))
    free = caps.copy()
    free[top] = 0.0          # the widest coordinate is what the others leave
    ones = np.ones(n)

    def simplex(rng, size, total):
        e = rng.standard_exponential((size, n))
        e *= (total / (e @ ones))[:, None]   # row sums as a product: NumPy's sum along a short axis is slower
        return e

    def below(rng, size):
        u = simplex(rng, size, slack)
        return u, (u <= caps).all(axis=1)

    def above(rng, size):
        u = caps - simplex(rng, size, caps.sum() - slack)
        return u, (u >= 0).all(axis=1)

    def box(rng, size):
        u = rng.random((size, n))
        u *= free
        last = slack - u @ ones
        u[:, top] = last
        return u, (last >= 0) & (last <= caps[top])
    return below, above, box


def resample(weight_sets: np.ndarray, labels=None) -> WeightSampler:
    """The spread of actual weight vectors (e.g. a workshop's submissions), drawn with replacement.

    Each row is one person's weights, normalised to shares. A row that cannot rank anything
    (a weight that is not a finite number, a negative weight, or all zero) is refused with a
    WeightError naming it, by `labels[i]` if given, else by its position counted from 0: a
    ranking from such a row would be noise, and dropping it quietly would hide a bad import.
    """
    sets = np.asarray(weight_sets, dtype=float)
    if sets.ndim != 2 or not sets.size:
        raise WeightError("Weight sets must be a table with one row of weights per person and one column per "
                          "criterion; got an array of shape {shape}.", shape=str(sets.shape))
    labels = list(range(len(sets))) if labels is None else list(labels)
    for label, row in zip(labels, sets):
        problem = ("a weight that is not a finite number" if not np.isfinite(row).all() else
                   "a negative weight" if (row < 0).any() else "all weights zero" if row.sum() <= 0 else "")
        if problem:
            raise WeightError("weight_sets row {row} has {problem} ({weights}): each row needs finite weights of 0 or "
                              "more, at least one above 0.", row=repr(label), problem=problem,
                              weights=", ".join(f"{v:g}" for v in row))
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
# A run's score draws are kept for the confidence factors up to this size (see smaa2), and so
# are working arrays between runs (see _scratch).
_KEPT_BYTES = 8_000_000
_SCRATCH = threading.local()


def score_steps(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Random 16-bit integers (uniform on 0..SCORE_STEPS), four from each 64-bit generator output.

    A float32 uniform costs one generator call per number, and the largest SMAA runs draw
    10⁸ scores per pass. A score only has to fall anywhere in its range: 65,536 evenly spaced
    values across a range of a few points (steps of about 0.00005) are far finer than any
    judgement's precision, and cost a quarter of the calls.
    """
    count = int(np.prod(shape))
    return rng.bit_generator.random_raw((count + 3) // 4).view(np.uint16)[:count].reshape(shape)


class Cancelled(Exception):
    """An SMAA run stopped because its inputs changed."""


@dataclass(frozen=True)
class SMAAResult:
    acceptability: np.ndarray      # proposals × ranks: b_i^r, the share (0–1) of samples giving i rank r + 1
    central_weights: np.ndarray    # proposals × criteria: mean weight shares where i ranks first (NaN if never)
    confidence: np.ndarray         # proposals: share (0–1) of score samples in which i ranks first at its central weights
    samples: int
    seed: int
    method: str = "weighted_sum"   # what ranked each sample: a method id ("weighted_sum", "promethee_ii") or "custom"


def _scratch(name: str, shape: tuple[int, ...], dtype) -> np.ndarray:
    """A working array kept on this thread from one run to the next (its contents are not).

    Memory the process has not used yet costs a page fault per 4 kB on first write, and NumPy's
    large temporaries came back from the allocator as fresh memory run after run: a 10,000-sample
    run of the bundled data that allocated its own took several hundred to over a thousand faults,
    as much time as the rest of its work on this machine. Arrays over `_KEPT_BYTES` are not kept,
    nor those of a run started from a callback of another (they would share the arrays).
    """
    nbytes = int(np.prod(shape)) * np.dtype(dtype).itemsize
    if nbytes > _KEPT_BYTES or _SCRATCH.depth > 1:
        return np.empty(shape, dtype)
    held = getattr(_SCRATCH, name, None)
    if held is None or held.nbytes < nbytes:
        held = np.empty(nbytes, dtype=np.uint8)
        setattr(_SCRATCH, name, held)
    return held[:nbytes].view(dtype).reshape(shape)


def smaa2(scores: np.ndarray, low: np.ndarray, high: np.ndarray, weight_sampler: WeightSampler,
          samples: int = 10_000, seed: int = 0, score_uncertainty: bool = True,
          minimums: np.ndarray | None = None, chunk: int = 10_000,
          progress: Callable[[float], None] | None = None,
          cancelled: Callable[[], bool] | None = None,
          transform: Callable[[np.ndarray], np.ndarray] | None = None,
          method: str | None = None) -> SMAAResult:
    """SMAA-2 (Lahdelma and Salminen 2001), by Monte Carlo, for any method linear in the weights.

    Weights come from `weight_sampler`; scores, if `score_uncertainty`, uniformly from each
    cell's low–high range (otherwise the stated scores are used as they are). Uniform on the
    interval is SMAA's usual model for imprecise measurements: the range says where the
    judgement could lie, not which value inside it is likelier. A proposal
    below a minimum in a sample ranks after every proposal meeting them, as in the ranking.

    Each sample ranks the proposals by Σ_j w_j v_j(a), where v = `transform(scores)`: a
    callable taking score matrices stacked as (..., proposals, criteria) and returning the
    same shape, e.g. the single-criterion net flows φ_j for PROMETHEE II
    (`igviz.methods.promethee.single_criterion_flows_batched`). With score uncertainty it is
    applied to each sample's drawn scores, since φ_j depends on all of them. None means the
    scores themselves (the weighted sum), computed on a faster path. `method` is recorded in
    the result ("weighted_sum" without a transform, "custom" with one, unless given).

    Ties (identical proposals, zero-width score ranges, values within a hundred-thousandth of
    the values' span) are broken at random in every sample, so tied proposals share their
    acceptabilities and confidence factors instead of the first one listed taking them all.

    `progress(fraction)` is called after each chunk; if `cancelled()` turns true the run stops
    with `Cancelled`, so a dashboard can drop work whose inputs have already changed.
    """
    method = method or ("weighted_sum" if transform is None else "custom")
    _SCRATCH.depth = getattr(_SCRATCH, "depth", 0) + 1
    try:
        result = _smaa2(scores, low, high, weight_sampler, samples, seed, score_uncertainty, minimums, chunk,
                        progress, cancelled, transform)
    finally:
        _SCRATCH.depth -= 1
    return replace(result, method=method)


# Ties are broken by adding a uniform random amount up to this fraction of the span of the values
# being summed: far below any difference a judgement can express, far above float32 rounding.
_TIE_BREAK = 1e-5


def _smaa2(scores, low, high, weight_sampler, samples, seed, score_uncertainty, minimums, chunk,
           progress, cancelled, transform) -> SMAAResult:
    x = np.asarray(scores, dtype=np.float32)
    lo = np.asarray(low, dtype=np.float32)
    step = (np.asarray(high, dtype=np.float32) - lo) / np.float32(SCORE_STEPS)
    m, n = x.shape
    mins = None if minimums is None else np.where(np.isnan(minimums), -np.inf, minimums).astype(np.float32)
    # What each sample's weights are summed over, with fixed scores: the scores, or their transform.
    xv = x if transform is None else np.asarray(transform(x), dtype=np.float32)
    x_fails = None if mins is None else (x < mins).any(axis=1)
    # A proposal below a minimum loses more than any two overall values can differ by, so it
    # ranks after every proposal meeting them, and among the others by its value. (A flat 10⁶
    # did the first, but float32 then rounds values to sixteenths: such proposals tied and fell
    # in list order, which moved acceptabilities by up to 0.015 on the bundled data.) Each
    # overall value is a weighted mean of the summed values, so their span bounds the gaps.
    if transform is None or not score_uncertainty:
        span = float(max(np.max(high), np.max(x)) - min(np.min(low), np.min(x))) if transform is None \
            else float(np.max(xv) - np.min(xv))
    else:
        span = None    # known per chunk, from the transformed draws
    rng = np.random.default_rng(seed)

    def sink_and_tie(span):
        return np.float32(span + 1), np.float32(_TIE_BREAK * (span if span > 0 else 1.0))

    def tie_breaks(shape, eps):
        """Uniform on [0, eps) (in 2²⁴ steps): added to values so that ties fall at random."""
        t = rng.random(shape, dtype=np.float32)
        t *= eps
        return t

    def step_to(fraction):
        if cancelled is not None and cancelled():
            raise Cancelled()
        if progress is not None:
            progress(fraction)

    def plan(per_step):
        """(start, size) of each step: as few as `per_step` allows, of equal sizes (± 1)."""
        count = -(-samples // max(1, min(chunk, per_step)))
        bounds = [samples * i // count for i in range(count + 1)]
        return [(a, b - a) for a, b in pairwise(bounds)]

    # Drawn scores are held criterion-major (criteria × proposals × samples), so everything
    # runs along the samples, the long contiguous axis: a weighted sum is an `einsum` over the
    # criterion slices, several times quicker than a small product per sample. A score is
    # lo + k × step for a drawn count k; the lows go in through one small product.
    steps1 = plan(_CELLS_PER_STEP // (m * n))
    # The run's score draws are kept (as 16-bit counts) when they take at most a few megabytes,
    # and the confidence factors are counted on the same draws as the acceptabilities, as in
    # the R package smaa (van Valkenhoef and Tervonen), whose `smaa.cf(meas, cw)` takes the
    # measurement sample the central weights came from. Each draw is still uniform on the score
    # ranges, so a confidence factor is still a mean over the score distribution at its central
    # weights; the draws now also shaped those weights, a dependence that fades as the proposal
    # ranks first more often. On the bundled data, over 300 seeds at 10,000 samples, the mean
    # confidence factors with kept and with fresh draws agreed within 0.0003 for each proposal
    # first in over 1 % of samples, and within their standard errors for the rarer ones.
    # Larger runs draw fresh scores in each phase. With a transform, its values are kept too
    # (float32, each step's block), so it runs once per draw.
    keep = score_uncertainty and 2 * n * m * samples <= _KEPT_BYTES
    kept = _scratch("kept", (n, m, samples), np.uint16) if keep else None
    keep_linear = transform is not None and score_uncertainty and 4 * n * m * samples <= _KEPT_BYTES
    kept_linear: dict[int, tuple[np.ndarray, np.float32, np.float32]] = {}   # start -> (values, sink, eps)
    held = _scratch("scores", (n, m, max(size for _, size in steps1)), np.float32) if score_uncertainty else None
    failing = np.empty((m, samples), dtype=bool) if keep and mins is not None else None
    if mins is not None:
        # A score lo + k × step is below its minimum exactly when k < `fails_below`
        # (0: never; SCORE_STEPS + 1: always), so the test runs on the counts.
        with np.errstate(invalid="ignore", divide="ignore"):
            need = np.ceil((mins.astype(float) - lo) / step.astype(float))
        need = np.where(step > 0, need, np.where(lo < mins, SCORE_STEPS + 1, 0))
        fails_below = np.clip(np.nan_to_num(need, nan=0.0), 0, SCORE_STEPS + 1).astype(np.float32).T[:, :, None]
    step_t = np.ascontiguousarray(step.T)[:, :, None]       # criteria × proposals × 1
    lo_t = np.ascontiguousarray(lo.T)[:, :, None]

    def counts(start, size, again):
        """Drawn counts of samples start.. as float32 (criteria × proposals × size) and which
        proposals are below a minimum in each (proposals × size, or None without minimums);
        `again`: the draws of the first phase, if kept."""
        ks = held[:, :, :size]
        if again and kept is not None:
            np.copyto(ks, kept[:, :, start:start + size])
            return ks, None if failing is None else failing[:, start:start + size]
        drawn = score_steps(rng, (n, m, size))
        np.copyto(ks, drawn)
        if kept is not None:
            np.copyto(kept[:, :, start:start + size], drawn)
        if mins is None:
            return ks, None
        fail = np.logical_or.reduce(ks < fails_below, axis=0)
        if failing is not None:
            failing[:, start:start + size] = fail
        return ks, fail

    def linear(start, size, again):
        """With a transform: its values of samples start.. (criteria × proposals × size, any
        strides), the sink and tie-break scale for them, and which proposals fail a minimum."""
        if again and start in kept_linear:
            return (*kept_linear[start], None if failing is None else failing[:, start:start + size])
        ks, fail = counts(start, size, again)
        ks *= step_t
        ks += lo_t                                            # the drawn scores
        # The transform sees (size × proposals × criteria), a view of the criterion-major draws.
        v = np.asarray(transform(ks.transpose(2, 1, 0)), dtype=np.float32).transpose(2, 1, 0)
        sink, eps = sink_and_tie(float(v.max() - v.min()))
        if keep_linear and not again:
            # Kept as the transform gave them, unless they live in the draws' buffer, which the
            # next step overwrites (an identity transform returns its input).
            kept_linear[start] = (v.copy() if np.may_share_memory(v, held) else v, sink, eps)
        return v, sink, eps, fail

    def values(w, start):
        """Overall value per proposal and sample (proposals × samples) under sampled weights (and scores)."""
        wt = np.ascontiguousarray(w.T, dtype=np.float32)      # criteria × samples
        if not score_uncertainty:
            # Fixed scores: one product.
            sink, eps = sink_and_tie(span)
            v = xv @ wt
            if mins is not None:
                v -= sink * x_fails[:, None]
        elif transform is not None:
            lin, sink, eps, fail = linear(start, len(w), again=False)
            v = np.einsum("jps,js->ps", lin, wt)
            if fail is not None:
                v -= sink * fail
        else:
            sink, eps = sink_and_tie(span)
            ks, fail = counts(start, len(w), again=False)
            ks *= step_t
            v = np.einsum("jps,js->ps", ks, wt)
            v += lo @ wt
            if fail is not None:
                v -= sink * fail
        # In double precision: float32 holds only some forty steps of eps near a value of 5, so
        # identical proposals still tied one time in forty and the first listed went ahead
        # (a 0.025 bias in rank acceptabilities). A sort is symmetric in nothing but its input.
        v = v.astype(np.float64)
        v += tie_breaks(v.shape, eps)
        return v

    rank_counts = np.zeros(m * m, dtype=np.int64)   # at [rank × m + proposal]
    first_weight_sum = np.zeros((m, n))
    slots = (np.arange(m) * m)[:, None]
    proposals = np.arange(m)[:, None]
    for start, size in steps1:
        step_to(start / (2 * samples))
        w = weight_sampler(rng, size)
        # Proposals best first in each sample (proposals × samples; the tie-breaks leave no ties).
        # NumPy's stable sort is the quicker one on columns of ten or so, its default on long ones.
        best_first = np.argsort(-values(w, start), axis=0, kind="stable" if m <= 16 else None)
        rank_counts += np.bincount((best_first + slots).ravel(), minlength=m * m)
        first_weight_sum += (best_first[0] == proposals).astype(float) @ w
    acceptability = rank_counts.reshape(m, m).T / samples
    firsts = acceptability[:, 0] * samples
    with np.errstate(invalid="ignore", divide="ignore"):
        central = first_weight_sum / firsts[:, None]
    central[firsts == 0] = np.nan
    can_win = np.flatnonzero(firsts > 0)
    k = len(can_win)
    candidate_weights = central[can_win].astype(np.float32)

    # Confidence factors: how often each candidate is first at its central weights as scores vary.
    if not score_uncertainty:
        # Nothing varies: first outright (1), tied for first (a share), or not first (0).
        sink, eps = sink_and_tie(span)
        v = candidate_weights @ xv.T                                   # candidates × proposals
        if mins is not None:
            v -= sink * x_fails
        top = np.isclose(v, v.max(axis=1, keepdims=True), rtol=0, atol=eps)
        share = np.where(top[np.arange(k), can_win], 1.0 / top.sum(axis=1), 0.0)
        confidence = np.full(m, np.nan)
        confidence[can_win] = share
        step_to(1.0)
        return SMAAResult(acceptability, central, confidence, samples, seed)
    wins = np.zeros(k, dtype=np.int64)
    steps2 = [] if not k else steps1 if keep else plan(_CELLS_PER_STEP // (m * max(n, k)))
    if steps2 and max(size for _, size in steps2) > held.shape[2]:
        held = _scratch("scores", (n, m, max(size for _, size in steps2)), np.float32)
    v_all = _scratch("values", (m, k, max([size for _, size in steps2], default=0)), np.float32)
    if transform is None:
        # Value at candidate c's weights = lo·w_c + Σ_j k_j × (step_j w_cj): one product per
        # proposal of its counts (criteria × samples, read in place) with the candidates' weights
        # scaled by its steps, giving proposals × candidates × samples.
        scaled_weights = step[:, None, :] * candidate_weights[None, :, :]   # proposals × candidates × criteria
        base = (lo @ candidate_weights.T)[:, :, None]                       # proposals × candidates × 1
        sink, eps = sink_and_tie(span)
    for start, size in steps2:
        step_to(0.5 + start / (2 * samples))
        v = v_all[:, :, :size]
        if transform is None:
            ks, fail = counts(start, size, again=True)
            np.matmul(scaled_weights, ks.transpose(1, 0, 2), out=v)
            v += base
        else:
            lin, sink, eps, fail = linear(start, size, again=True)
            np.matmul(candidate_weights, lin.transpose(1, 0, 2), out=v)   # per proposal: candidates × samples
        if fail is not None:
            v -= (sink * fail)[:, None, :]
        v += tie_breaks((m, 1, size), eps)
        # Each candidate's own value against the best of all (an element-wise maximum over proposals);
        # a tie the float32 tie-breaks leave counts for both, which favours neither.
        wins += np.count_nonzero(v[can_win, np.arange(k)] >= v.max(axis=0), axis=1)
    confidence = np.full(m, np.nan)
    confidence[can_win] = wins / samples
    return SMAAResult(acceptability, central, confidence, samples, seed)
