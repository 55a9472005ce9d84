"""What a round's ratings say: each stakeholder group's mean ratings, the room's on an equal footing,
and where the room disputes the facts (the spread per proposal × criterion).

A submission's ratings are columns `rating.<proposal>.<criterion>` of the submissions table (the
store's, an export's), NaN where the participant said "don't know" or was not asked. Pure pandas and
NumPy, like results.py, so the facilitator page, a notebook and the tests compute the same thing.

Stakeholder groups meet "on an equal footing" (002, 003): the room's rating of a cell is the mean of
the means of the groups that rated it, so a group's say does not grow with its number of people.
No individual rating leaves this module with a name: participants are numbers, and the tables are
means, spreads and counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..perspective import Cell, Perspective
RATING_MIN, RATING_MAX = 0, 10  # the scores' scale (data/scale.yaml): a rating is a score
RATING_PREFIX = "rating."
WEIGHT_PREFIX = "weight."  # here, not in results.py, so that opinions.py needs only this module
ROOM_NAME = "The room, each stakeholder group counting once"


def rating_column(proposal: str, criterion: str) -> str:
    return f"{RATING_PREFIX}{proposal}.{criterion}"


def weight_columns(submissions: pd.DataFrame) -> list[str]:
    return [c for c in submissions.columns if c.startswith(WEIGHT_PREFIX)]


def rating_columns(submissions: pd.DataFrame) -> list[str]:
    return [c for c in submissions.columns if c.startswith(RATING_PREFIX)]


def rating_cell(column: str) -> tuple[str, str]:
    """'rating.mipoc.transparent' → ('mipoc', 'transparent') (ids have no dots)."""
    proposal, _, criterion = column[len(RATING_PREFIX):].partition(".")
    return proposal, criterion


def ratings_of(row) -> dict:
    """One submission's ratings as {proposal: {criterion: rating}}, "don't know" left out."""
    out: dict[str, dict[str, float]] = {}
    for column, value in row.items():
        if str(column).startswith(RATING_PREFIX) and value is not None and not pd.isna(value):
            proposal, criterion = rating_cell(column)
            out.setdefault(proposal, {})[criterion] = float(value)
    return out


@dataclass
class RoomRatings:
    """The ratings of one round: submissions (participant, group, rating.* columns), the workshop's
    stakeholder groups (in order) and the bundled perspective to set them beside."""

    submissions: pd.DataFrame
    group_ids: list[str]
    bundled: Perspective

    @cached_property
    def long(self) -> pd.DataFrame:
        """One row per rating given: participant (number), group, proposal, criterion, rating."""
        columns = rating_columns(self.submissions)
        if not columns or not len(self.submissions):
            return pd.DataFrame(columns=["participant", "group", "proposal", "criterion", "rating"])
        # NumPy, not melt and string splits: 300 participants × 90 cells is 27,000 ratings per refresh.
        values = self.submissions[columns].to_numpy(dtype=float)
        rows, cols = np.nonzero(~np.isnan(values))
        cells = [rating_cell(c) for c in columns]
        frame = pd.DataFrame({"participant": self.submissions["participant"].to_numpy()[rows],
                              "group": self.submissions["group"].to_numpy()[rows],
                              "proposal": np.array([p for p, _c in cells], dtype=object)[cols],
                              "criterion": np.array([c for _p, c in cells], dtype=object)[cols],
                              "rating": values[rows, cols]})
        return frame[["participant", "group", "proposal", "criterion", "rating"]].reset_index(drop=True)

    @cached_property
    def cells(self) -> pd.MultiIndex:
        """The (proposal, criterion) cells someone rated, in the submissions' column order."""
        columns = rating_columns(self.submissions)
        rated = [c for c, any_ in zip(columns, self.submissions[columns].notna().any().to_numpy()) if any_]
        return pd.MultiIndex.from_tuples([rating_cell(c) for c in rated] or [], names=["proposal", "criterion"])

    @cached_property
    def group_means(self) -> pd.DataFrame:
        """(proposal, criterion) × stakeholder group: each group's mean rating (NaN: nobody in it rated the cell)."""
        table = self.long.pivot_table(index=["proposal", "criterion"], columns="group", values="rating",
                                      aggfunc="mean") if len(self.long) else pd.DataFrame()
        groups = [g for g in self.group_ids if g in table.columns] + \
            [g for g in table.columns if g not in self.group_ids]
        return table.reindex(index=self.cells, columns=groups).rename_axis(columns=None)

    @cached_property
    def group_counts(self) -> pd.DataFrame:
        """(proposal, criterion) × stakeholder group: how many rated the cell (0: nobody)."""
        if not len(self.long):
            return pd.DataFrame(index=self.cells)
        table = self.long.pivot_table(index=["proposal", "criterion"], columns="group", values="rating",
                                      aggfunc="count", fill_value=0)
        return table.reindex(index=self.cells, columns=self.group_means.columns, fill_value=0).rename_axis(columns=None)

    @cached_property
    def room(self) -> pd.Series:
        """The room's rating per cell on an equal footing: the mean of the group means (each group
        that rated the cell counts once, however many of its people did)."""
        return self.group_means.mean(axis=1, skipna=True).rename("room (equal footing)")

    @cached_property
    def spread(self) -> pd.DataFrame:
        """Per (proposal, criterion) rated: where the room disputes the facts, most disputed first.

        ratings: how many rated the cell; groups: how many stakeholder groups did; room (equal
        footing); head count (each person once); spread: the standard deviation of the individual
        ratings (NaN with fewer than two); between groups: highest minus lowest group mean (NaN
        with fewer than two groups); bundled: the bundled score; room − bundled; then each group's mean.
        """
        columns = ["ratings", "groups", "room (equal footing)", "head count", "spread", "between groups", "bundled",
                   "room − bundled"]
        if not len(self.long):
            return pd.DataFrame(columns=columns, index=self.cells)
        by_cell = self.long.groupby(["proposal", "criterion"], sort=False)["rating"]
        frame = pd.DataFrame(index=self.cells)
        frame["ratings"] = by_cell.count().reindex(self.cells).astype(int)
        means = self.group_means
        frame["groups"] = means.notna().sum(axis=1).astype(int)
        frame["room (equal footing)"] = self.room
        frame["head count"] = by_cell.mean().reindex(self.cells)
        frame["spread"] = by_cell.std(ddof=0).reindex(self.cells).where(frame["ratings"] >= 2)
        frame["between groups"] = (means.max(axis=1) - means.min(axis=1)).where(frame["groups"] >= 2)
        frame["bundled"] = [self._bundled(p, c) for p, c in self.cells]
        frame["room − bundled"] = frame["room (equal footing)"] - frame["bundled"]
        for g in means.columns:
            frame[f"{g} mean"] = means[g]
        return frame.sort_values(["spread", "between groups"], ascending=False, na_position="last", kind="stable")

    def _bundled(self, proposal: str, criterion: str) -> float:
        cell = self.bundled.cell(proposal, criterion)
        return cell.score if cell else np.nan

    def perspective(self) -> Perspective:
        """The room's scores (equal footing) as a perspective (see `room_perspective`)."""
        return self.room_perspective

    @cached_property
    def room_perspective(self) -> Perspective:
        """The room's scores (equal footing) as a perspective; each cell's range is its mean ± the
        spread of the individual ratings (kept on the 0–10 scale), the score uncertainty SMAA-2 draws
        from. A cell one person rated has no spread: its range is the rating itself."""
        spread = self.spread
        cells: dict[str, dict[str, Cell]] = {}
        for (p, c), row in spread.iterrows():
            score = float(row["room (equal footing)"])
            sd = 0.0 if pd.isna(row["spread"]) else float(row["spread"])
            cells.setdefault(p, {})[c] = Cell(score, max(RATING_MIN, score - sd), min(RATING_MAX, score + sd),
                                              f"mean of {int(row['ratings'])} ratings from {int(row['groups'])} "
                                              f"stakeholder groups, each group counting once")
        return Perspective(ROOM_NAME, "the workshop's participants (their ratings)", cells)

    def group_perspective(self, group: str) -> Perspective:
        """One stakeholder group's mean ratings as a perspective (ranges: the group's own spread)."""
        made = self.__dict__.setdefault("_group_perspectives", {})  # a refresh asks for each several times
        if group not in made:
            made[group] = self._group_perspective(group)
        return made[group]

    def _group_perspective(self, group: str) -> Perspective:
        if group not in self.group_means.columns:
            raise KeyError(f"nobody in the stakeholder group '{group}' rated anything "
                           f"(groups that did: {', '.join(self.group_means.columns) or 'none'})")
        mine = self.long[self.long["group"] == group].groupby(["proposal", "criterion"], sort=False)["rating"]
        mean, sd, n = mine.mean(), mine.std(ddof=0), mine.count()
        cells: dict[str, dict[str, Cell]] = {}
        for (p, c), score in mean.items():
            s = float(sd[(p, c)]) if n[(p, c)] >= 2 else 0.0
            cells.setdefault(p, {})[c] = Cell(float(score), max(RATING_MIN, score - s), min(RATING_MAX, score + s),
                                              f"mean of {int(n[(p, c)])} ratings")
        return Perspective(f"Stakeholder group {group}", f"the workshop's {group} participants (their ratings)", cells)
