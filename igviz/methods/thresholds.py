"""Minimum thresholds: a floor on a criterion that no weight can buy back."""

from __future__ import annotations

import numpy as np


def threshold_failures(scores: np.ndarray, minimums: np.ndarray) -> np.ndarray:
    """Boolean (proposals × criteria): True where a proposal's score is below that criterion's minimum.

    `minimums` has one entry per criterion; NaN means no threshold on that criterion.
    """
    minimums = np.asarray(minimums, dtype=float)
    with np.errstate(invalid="ignore"):
        return np.asarray(scores, dtype=float) < np.where(np.isnan(minimums), -np.inf, minimums)
