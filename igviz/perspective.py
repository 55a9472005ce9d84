"""Score perspectives: whose judgement the scores are.

The bundled scores are one group's judgement (the Best Bits analysis, early 2014); a workshop
round's ratings give more (each stakeholder group's mean ratings, and the room's with each group
counting once). A `Perspective` is such a named set of scores with ranges; an `Assessment` ranks
under any of them (`Assessment.perspective`), and every score it then shows says whose it is.

Plain dataclasses and pandas: no Panel, so notebooks, the store's results and the pages share it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Mapping

import numpy as np
import pandas as pd

BUNDLED_NAME = "Best Bits analysis, early 2014"
BUNDLED_WHOSE = "the Best Bits group (civil society), from the source documents"


@dataclass(frozen=True)
class Cell:
    """One proposal's score on one criterion in a perspective, with its plausible range and basis."""

    score: float
    low: float
    high: float
    basis: str = ""  # e.g. "mean of 7 ratings (3 stakeholder groups)"
    # How sure, for rated cells (None where unknown, e.g. a perspective typed in by hand): how many
    # people rated the cell, from how many stakeholder groups, and the spread (standard deviation)
    # of their ratings. The views show them beside the score: a mean of 2 ratings is not one of 40.
    ratings: int | None = None
    groups: int | None = None
    spread: float | None = None


@dataclass(frozen=True)
class Perspective:
    """A named set of scores with ranges: {proposal id: {criterion id: Cell}}.

    A perspective need not cover every cell: an assessment keeps the bundled score where a
    perspective is silent (a round may rate only a few proposals), and says so (`covers`).
    """

    name: str
    whose: str
    cells: Mapping[str, Mapping[str, Cell]] = field(default_factory=dict)

    def __post_init__(self):
        for proposal, row in self.cells.items():
            for criterion, cell in row.items():
                values = (cell.low, cell.score, cell.high)
                if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in values) or \
                        not cell.low <= cell.score <= cell.high:
                    raise ValueError(f"perspective '{self.name}', {proposal}.{criterion}: expected numbers with "
                                     f"low <= score <= high, got {cell.low!r} <= {cell.score!r} <= {cell.high!r}")
                for what in ("ratings", "groups"):
                    n = getattr(cell, what)
                    if n is not None and not (isinstance(n, int) and not isinstance(n, bool) and n >= 0):
                        raise ValueError(f"perspective '{self.name}', {proposal}.{criterion}: {what} must be a "
                                         f"whole number of 0 or more, got {n!r}")
                if cell.spread is not None and not (isinstance(cell.spread, (int, float)) and
                                                    math.isfinite(cell.spread) and cell.spread >= 0):
                    raise ValueError(f"perspective '{self.name}', {proposal}.{criterion}: spread must be a "
                                     f"number of 0 or more, got {cell.spread!r}")
        frozen = {p: MappingProxyType(dict(row)) for p, row in self.cells.items()}
        object.__setattr__(self, "cells", MappingProxyType(frozen))

    def cell(self, proposal: str, criterion: str) -> Cell | None:
        return self.cells.get(proposal, {}).get(criterion)

    def covers(self, proposal: str, criterion: str) -> bool:
        return self.cell(proposal, criterion) is not None

    def __len__(self) -> int:
        return sum(len(row) for row in self.cells.values())

    def table(self) -> pd.DataFrame:
        """One row per cell: proposal, criterion, score, low, high, basis, ratings, groups, spread."""
        columns = ["proposal", "criterion", "score", "low", "high", "basis", "ratings", "groups", "spread"]
        rows = [{"proposal": p, "criterion": c, "score": x.score, "low": x.low, "high": x.high, "basis": x.basis,
                 "ratings": x.ratings, "groups": x.groups, "spread": x.spread}
                for p, row in self.cells.items() for c, x in row.items()]
        frame = pd.DataFrame(rows, columns=columns)
        frame.attrs.update(perspective=self.name, whose=self.whose)
        return frame.set_index(["proposal", "criterion"])

    def scores(self) -> pd.DataFrame:
        """proposals × criteria: the perspective's scores (NaN where it is silent)."""
        return self.table()["score"].unstack("criterion")

    @classmethod
    def from_table(cls, name: str, whose: str, frame: pd.DataFrame) -> "Perspective":
        """From a table with proposal and criterion (columns or index) and score, and optionally low,
        high, basis; a row whose score is NaN is left out (nobody rated it)."""
        frame = frame.reset_index() if {"proposal", "criterion"} - set(frame.columns) else frame
        cells: dict[str, dict[str, Cell]] = {}
        for row in frame.itertuples(index=False):
            score = float(row.score)
            if math.isnan(score):
                continue
            low = float(getattr(row, "low", score))
            high = float(getattr(row, "high", score))
            low, high = (score if math.isnan(low) else low), (score if math.isnan(high) else high)
            basis = getattr(row, "basis", "")
            basis = "" if basis is None or (isinstance(basis, float) and math.isnan(basis)) else str(basis)
            cells.setdefault(str(row.proposal), {})[str(row.criterion)] = Cell(
                score, low, high, basis, _count(getattr(row, "ratings", None)), _count(getattr(row, "groups", None)),
                _optional(getattr(row, "spread", None)))
        return cls(name, whose, cells)

    # -- as plain data (scenario files and links, igviz/scenario.py) ------------------------------

    def to_dict(self) -> dict:
        """{name, whose, cells: {proposal: {criterion: {score, low, high, basis, ratings, groups, spread}}}};
        what a cell does not know is left out, and a range that is the score itself too."""
        cells = {}
        for p, row in self.cells.items():
            for c, x in row.items():
                cell = {"score": x.score}
                if (x.low, x.high) != (x.score, x.score):
                    cell.update(low=x.low, high=x.high)
                for key in ("basis", "ratings", "groups", "spread"):
                    value = getattr(x, key)
                    if value not in (None, ""):
                        cell[key] = value
                cells.setdefault(p, {})[c] = cell
        return {"name": self.name, "whose": self.whose, "cells": cells}

    @classmethod
    def from_dict(cls, data: dict) -> "Perspective":
        """From `to_dict`'s plain data (a spec checks it first: igviz.scenario names what is wrong)."""
        cells = {}
        for p, row in (data.get("cells") or {}).items():
            for c, x in row.items():
                score = float(x["score"])
                cells.setdefault(str(p), {})[str(c)] = Cell(
                    score, float(x.get("low", score)), float(x.get("high", score)), str(x.get("basis") or ""),
                    _count(x.get("ratings")), _count(x.get("groups")), _optional(x.get("spread")))
        return cls(str(data.get("name") or ""), str(data.get("whose") or ""), cells)

    def same_scores(self, other: "Perspective | None") -> bool:
        """True if the other perspective has the same name and cells (the way a link restores one)."""
        return other is not None and self.to_dict() == other.to_dict()

    @classmethod
    def bundled(cls, assessment) -> "Perspective":
        """The scores the data ships with (the Best Bits analysis, early 2014) for an assessment's
        proposals and framework, ignoring any what-if change or other perspective on it."""
        dataset = assessment.dataset
        cells = {}
        for p in assessment.proposals:
            row = {}
            for c in assessment.active_framework.criterion_ids:
                s = p.record.scores.get(c) or dataset.score(p.id, c)
                row[c] = Cell(s.score, s.low, s.high, s.evidence)
            cells[p.id] = row
        return cls(BUNDLED_NAME, BUNDLED_WHOSE, cells)


def _count(value) -> int | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return int(value)


def _optional(value) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


@dataclass(frozen=True)
class Comparison:
    """Two perspectives' scores and rankings as arrays (what `compare_perspectives` tabulates; the
    explorer's compare view reads these directly, as it redraws on every weight move)."""

    proposal_ids: tuple[str, ...]
    criteria: tuple[str, ...]
    scores: tuple  # (first, second): proposals × criteria
    ranks: tuple   # (first, second): rank per proposal (1 = best), input order
    overall: tuple  # (first, second): overall value per proposal, input order

    def differences(self):
        """(proposal index, criterion index, difference) per cell, largest |difference| first (stable)."""
        diff = (self.scores[1] - self.scores[0]).ravel()
        order = np.argsort(-np.abs(diff), kind="stable")
        n = len(self.criteria)
        return [(int(i) // n, int(i) % n, float(diff[i])) for i in order]


def comparison(assessment, first: "Perspective | None", second: "Perspective | None") -> Comparison:
    """Both perspectives ranked aside (Assessment.under) with the assessment's current inputs."""
    scores, ranks, overall = [], [], []
    for view in (first, second):
        ranking, matrix = assessment.under(view)
        rank = np.empty(len(ranking.best_first), dtype=int)
        rank[ranking.best_first] = np.arange(1, len(rank) + 1)
        scores.append(matrix)
        ranks.append(rank)
        overall.append(np.asarray(ranking.overall, dtype=float))
    return Comparison(tuple(p.id for p in assessment.proposals), tuple(assessment.active_framework.criterion_ids),
                      tuple(scores), tuple(ranks), tuple(overall))


def compare_perspectives(assessment, first: "Perspective | None", second: "Perspective | None"):
    """Where two perspectives differ most, and how the ranking changes between them.

    Returns (cells, ranking): `cells` per (proposal, criterion) of the assessment with each
    perspective's score (the bundled one where a perspective is silent; None means the bundled
    scores) and the difference, largest first; `ranking` per proposal, the rank and overall
    score under each with the assessment's current weights and method, and how far it moved
    (positive: the second perspective puts it higher). The assessment is left as it was, and
    nothing watching it hears of the comparison (both are ranked aside: Assessment.under).
    """
    names = [p.name if p is not None else BUNDLED_NAME for p in (first, second)]
    if names[0] == names[1]:
        names = [f"{names[0]} (1)", f"{names[1]} (2)"]
    c = comparison(assessment, first, second)
    index = pd.MultiIndex.from_product([list(c.proposal_ids), list(c.criteria)], names=["proposal", "criterion"])
    cells = pd.DataFrame({names[0]: c.scores[0].ravel(), names[1]: c.scores[1].ravel()}, index=index)
    cells["difference"] = cells[names[1]] - cells[names[0]]
    cells = cells.reindex(cells["difference"].abs().sort_values(ascending=False, kind="stable").index)
    ids = pd.Index(c.proposal_ids, name="proposal")
    ranking = pd.DataFrame({f"rank ({names[0]})": c.ranks[0], f"rank ({names[1]})": c.ranks[1],
                            f"overall ({names[0]})": c.overall[0], f"overall ({names[1]})": c.overall[1]}, index=ids)
    ranking["moved"] = ranking[f"rank ({names[0]})"] - ranking[f"rank ({names[1]})"]
    return cells, ranking.sort_values(f"rank ({names[1]})", kind="stable")
