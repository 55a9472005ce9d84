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
        frozen = {p: MappingProxyType(dict(row)) for p, row in self.cells.items()}
        object.__setattr__(self, "cells", MappingProxyType(frozen))

    def cell(self, proposal: str, criterion: str) -> Cell | None:
        return self.cells.get(proposal, {}).get(criterion)

    def covers(self, proposal: str, criterion: str) -> bool:
        return self.cell(proposal, criterion) is not None

    def __len__(self) -> int:
        return sum(len(row) for row in self.cells.values())

    def table(self) -> pd.DataFrame:
        """One row per cell: proposal, criterion, score, low, high, basis."""
        rows = [{"proposal": p, "criterion": c, "score": x.score, "low": x.low, "high": x.high, "basis": x.basis}
                for p, row in self.cells.items() for c, x in row.items()]
        frame = pd.DataFrame(rows, columns=["proposal", "criterion", "score", "low", "high", "basis"])
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
            cells.setdefault(str(row.proposal), {})[str(row.criterion)] = Cell(score, low, high,
                                                                               str(getattr(row, "basis", "") or ""))
        return cls(name, whose, cells)

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


def compare_perspectives(assessment, first: "Perspective | None", second: "Perspective | None"):
    """Where two perspectives differ most, and how the ranking changes between them.

    Returns (cells, ranking): `cells` per (proposal, criterion) of the assessment with each
    perspective's score (the bundled one where a perspective is silent; None means the bundled
    scores) and the difference, largest first; `ranking` per proposal, the rank and overall
    score under each with the assessment's current weights and method, and how far it moved
    (positive: the second perspective puts it higher). The assessment is left as it was.
    """
    before = assessment.perspective
    names = [p.name if p is not None else BUNDLED_NAME for p in (first, second)]
    if names[0] == names[1]:
        names = [f"{names[0]} (1)", f"{names[1]} (2)"]
    tables, scores = [], []
    try:
        for view in (first, second):
            assessment.perspective = view
            tables.append(assessment.ranking().table[["rank", "overall"]])
            scores.append(assessment.score_arrays()[0])
    finally:
        assessment.perspective = before
    ids = [p.id for p in assessment.proposals]
    criteria = assessment.active_framework.criterion_ids
    index = pd.MultiIndex.from_product([ids, criteria], names=["proposal", "criterion"])
    cells = pd.DataFrame({names[0]: scores[0].ravel(), names[1]: scores[1].ravel()}, index=index)
    cells["difference"] = cells[names[1]] - cells[names[0]]
    cells = cells.reindex(cells["difference"].abs().sort_values(ascending=False, kind="stable").index)
    ranking = pd.DataFrame({f"rank ({names[0]})": tables[0]["rank"], f"rank ({names[1]})": tables[1]["rank"].reindex(tables[0].index),
                            f"overall ({names[0]})": tables[0]["overall"],
                            f"overall ({names[1]})": tables[1]["overall"].reindex(tables[0].index)})
    ranking["moved"] = ranking[f"rank ({names[0]})"] - ranking[f"rank ({names[1]})"]
    return cells, ranking.sort_values(f"rank ({names[1]})", kind="stable")
