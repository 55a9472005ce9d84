"""The weighted sum: the default method, because anyone can follow its arithmetic."""

from __future__ import annotations

import math

import numpy as np

from ..errors import WeightError
from .ranking import MethodResult


def normalise_weights(weights, names: list[str] | None = None) -> np.ndarray:
    """Weights scaled to sum to 1, or a WeightError that says what is wrong with them."""
    w = np.asarray(weights, dtype=float)
    names = names or [f"criterion {i + 1}" for i in range(len(w))]
    bad = [f"{n} = {v}" for n, v in zip(names, w) if not math.isfinite(v)]
    if bad:
        raise WeightError("Weights must be finite numbers; got {weights}.", weights=", ".join(bad))
    neg = [f"{n} = {v:g}" for n, v in zip(names, w) if v < 0]
    if neg:
        raise WeightError("Weights cannot be negative; got {weights}.", weights=", ".join(neg))
    total = w.sum()
    if total <= 0:
        raise WeightError("All weights are zero: give at least one criterion some weight to rank the proposals.")
    return w / total


def weighted_sum(scores: np.ndarray, weights: np.ndarray) -> MethodResult:
    """Overall score = Σ weight × score; `weights` must already sum to 1."""
    contributions = np.asarray(scores, dtype=float) * np.asarray(weights, dtype=float)
    return MethodResult(contributions.sum(axis=1), contributions)
