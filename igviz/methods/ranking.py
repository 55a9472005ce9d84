"""What every method returns, and how a result becomes a ranking."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MethodResult:
    """Overall value per proposal and how much each criterion contributed to it.

    For every method here the contributions add up to the overall value, which is what
    lets a stacked bar explain a rank.
    """

    overall: np.ndarray        # (proposals,)
    contributions: np.ndarray  # (proposals, criteria); rows sum to `overall`


def order(overall: np.ndarray, passes: np.ndarray | None = None, names: list[str] | None = None) -> np.ndarray:
    """Indices from best to worst.

    Proposals that fail a threshold come after every proposal that passes, whatever
    their overall value; ties are broken by name so the order is stable between runs.
    """
    n = len(overall)
    passes = np.ones(n, dtype=bool) if passes is None else np.asarray(passes, dtype=bool)
    names = names if names is not None else [f"{i:09d}" for i in range(n)]
    # np.lexsort sorts by the last key first.
    return np.lexsort((np.array(names, dtype=object).astype(str), -np.round(overall, 12), ~passes))


def ranks(overall: np.ndarray, passes: np.ndarray | None = None, names: list[str] | None = None) -> np.ndarray:
    """Rank (1 = best) of each proposal, in input order."""
    out = np.empty(len(overall), dtype=int)
    out[order(overall, passes, names)] = np.arange(1, len(overall) + 1)
    return out
