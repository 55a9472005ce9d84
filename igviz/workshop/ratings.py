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
    def _wide(self) -> tuple[np.ndarray, np.ndarray, list[tuple[str, str]]]:
        """participants × rated cells (NaN: "don't know"), each row's group, and the cells (those someone rated).
        NumPy rather than pivot tables: a refresh of 300 participants × 90 cells reads them all several times."""
        columns = rating_columns(self.submissions)
        n = len(self.submissions)
        values = self.submissions[columns].to_numpy(dtype=float) if columns and n else np.zeros((n, 0))
        rated = ~np.isnan(values).all(axis=0) if n else np.zeros(values.shape[1], dtype=bool)
        groups = self.submissions["group"].astype(str).to_numpy() if n else np.array([], dtype=str)
        return values[:, rated], groups, [rating_cell(c) for c, r in zip(columns, rated) if r]

    @cached_property
    def cells(self) -> pd.MultiIndex:
        """The (proposal, criterion) cells someone rated, in the submissions' column order."""
        return pd.MultiIndex.from_tuples(self._wide[2] or [], names=["proposal", "criterion"])

    @cached_property
    def _by_group(self) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
        """Per stakeholder group that rated something (the workshop's order, then others): per cell the
        count, mean and spread (population standard deviation; NaN where nobody in it rated the cell)."""
        values, groups, _cells = self._wide
        order = [g for g in self.group_ids if g in set(groups)] + sorted(set(groups) - set(self.group_ids))
        out = {}
        for g in order:
            mine = values[groups == g]
            given = ~np.isnan(mine)
            n = given.sum(axis=0)
            if not n.any():
                continue
            with np.errstate(invalid="ignore", divide="ignore"):
                mean = np.where(n > 0, np.nansum(mine, axis=0) / n, np.nan)
                sd = np.sqrt(np.where(n > 0, np.nansum(np.where(given, mine - mean, 0) ** 2, axis=0) / n, np.nan))
            out[g] = (n, mean, sd)
        return out

    @cached_property
    def group_means(self) -> pd.DataFrame:
        """(proposal, criterion) × stakeholder group: each group's mean rating (NaN: nobody in it rated the cell)."""
        return pd.DataFrame({g: mean for g, (_n, mean, _sd) in self._by_group.items()}, index=self.cells)

    @cached_property
    def group_counts(self) -> pd.DataFrame:
        """(proposal, criterion) × stakeholder group: how many rated the cell (0: nobody)."""
        return pd.DataFrame({g: n.astype(int) for g, (n, _mean, _sd) in self._by_group.items()}, index=self.cells)

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
        values = self._wide[0]
        count = (~np.isnan(values)).sum(axis=0)
        frame = pd.DataFrame(index=self.cells)
        frame["ratings"] = count.astype(int)
        means = self.group_means
        frame["groups"] = means.notna().sum(axis=1).astype(int)
        frame["room (equal footing)"] = self.room
        with np.errstate(invalid="ignore"):
            frame["head count"] = np.nanmean(values, axis=0) if values.size else np.nan
            frame["spread"] = np.where(count >= 2, np.nanstd(values, axis=0), np.nan) if values.size else np.nan
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
        # Plain arrays, not iterrows: a refresh of 300 participants × 90 cells builds this every time.
        for (p, c), score, sd, n, groups in zip(spread.index, spread["room (equal footing)"].to_numpy(float),
                                                spread["spread"].to_numpy(float), spread["ratings"].to_numpy(),
                                                spread["groups"].to_numpy()):
            score, sd = float(score), (0.0 if np.isnan(sd) else float(sd))
            cells.setdefault(p, {})[c] = Cell(score, max(RATING_MIN, score - sd), min(RATING_MAX, score + sd),
                                              f"mean of {int(n)} ratings from {int(groups)} "
                                              f"stakeholder groups, each group counting once",
                                              int(n), int(groups), None if int(n) < 2 else sd)
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
        count, mean, sd = self._by_group[group]
        cells: dict[str, dict[str, Cell]] = {}
        for (p, c), n, score, spread in zip(self.cells, count, mean, sd):
            if not n:
                continue  # nobody in the group rated this cell
            score, s = float(score), (float(spread) if n >= 2 else 0.0)
            cells.setdefault(p, {})[c] = Cell(score, max(RATING_MIN, score - s), min(RATING_MAX, score + s),
                                              f"mean of {int(n)} ratings", int(n), 1, s if n >= 2 else None)
        return Perspective(f"Stakeholder group {group}", f"the workshop's {group} participants (their ratings)", cells)
