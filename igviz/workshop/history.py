"""Round history: what moved between two rounds (a Delphi-style convergence view).

Weights (equal footing) and their spread per criterion, the room's ratings and their spread per
cell, and the ranking, each round beside the other, with whether disagreement shrank. Pure pandas
over two RoundResults, so a notebook comparing two exports and the facilitator page agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping
from functools import cached_property

import pandas as pd

# RoundResults (results.py) only in annotations: results.py imports this module for its round history.


@dataclass
class RoundComparison:
    """Round `before` against round `after` (RoundResults of the same workshop)."""

    before: RoundResults
    after: RoundResults

    @cached_property
    def weights(self) -> pd.DataFrame:
        """Per criterion: equal-footing weight (%) and spread (points) in each round, and the change."""
        frame = pd.DataFrame(index=pd.Index(self.after.criteria, name="criterion"))
        for label, r in (("before", self.before), ("after", self.after)):
            frame[f"weight % ({label})"] = r.equal_footing_weights.reindex(frame.index) * 100 if len(r.submissions) \
                else float("nan")
            frame[f"spread ({label})"] = r.dispersion["spread"].reindex(frame.index) if len(r.submissions) else float("nan")
        frame["weight change"] = frame["weight % (after)"] - frame["weight % (before)"]
        frame["spread change"] = frame["spread (after)"] - frame["spread (before)"]
        return frame.sort_values("weight change", key=abs, ascending=False, kind="stable")

    @cached_property
    def ratings(self) -> pd.DataFrame:
        """Per cell rated in either round: the room's rating and the spread in each, and the changes."""
        a, b = self.before.rating_spread, self.after.rating_spread
        index = a.index.union(b.index) if len(a) or len(b) else a.index
        frame = pd.DataFrame(index=index)
        for label, s in (("before", a), ("after", b)):
            frame[f"room ({label})"] = s["room (equal footing)"].reindex(index) if len(s) else float("nan")
            frame[f"spread ({label})"] = s["spread"].reindex(index) if len(s) else float("nan")
        frame["room change"] = frame["room (after)"] - frame["room (before)"]
        frame["spread change"] = frame["spread (after)"] - frame["spread (before)"]
        return frame.sort_values("spread change", na_position="last", kind="stable")

    @cached_property
    def ranking(self) -> pd.DataFrame:
        """Per proposal: the equal-footing rank in each round (under the room's scores when a round
        has ratings), and how far it moved (positive: up)."""
        def ranks(r: RoundResults) -> pd.Series:
            if r.has_ratings:
                return r.rating_ranking["rank (room's scores)"]
            table = r.equal_footing_ranking
            return table["rank"] if table is not None else pd.Series(dtype=float)
        before, after = ranks(self.before), ranks(self.after)
        frame = pd.DataFrame({"rank (before)": before, "rank (after)": after})
        frame["moved"] = frame["rank (before)"] - frame["rank (after)"]
        return frame.sort_values("rank (after)", kind="stable")

    def converged(self) -> dict[str, bool | None]:
        """Whether disagreement shrank: mean weight spread, and mean rating spread over the cells
        rated in both rounds (None where a round has nothing to compare)."""
        w = self.weights[["spread (before)", "spread (after)"]].dropna()
        rt = self.ratings[["spread (before)", "spread (after)"]].dropna()
        return {"weights": bool(w["spread (after)"].mean() < w["spread (before)"].mean()) if len(w) else None,
                "ratings": bool(rt["spread (after)"].mean() < rt["spread (before)"].mean()) if len(rt) else None}


def compare_rounds(before: RoundResults, after: RoundResults) -> RoundComparison:
    return RoundComparison(before, after)


def _first(r: RoundResults) -> str | None:
    if r.has_ratings:
        return str(r.rating_ranking.index[0])
    table = r.equal_footing_ranking
    return str(table.index[0]) if table is not None and len(table) else None


def convergence(rounds: Mapping[int, RoundResults]) -> pd.DataFrame:
    """One row per round (by number, in order): whether the room converged over the rounds.

    submissions; weight spread: the mean over criteria of the spread of the weight shares (points);
    rating spread: the mean spread of the ratings over the cells rated in that round, and over the
    cells rated (by two or more) in every round that has ratings, so that rounds asking about
    different cells still compare; cells rated; first: the proposal ranked first (under the room's
    scores when the round has ratings, else the bundled scores), with the equal-footing weights.
    """
    numbers = sorted(rounds)
    rated = [set(rounds[n].rating_spread["spread"].dropna().index) for n in numbers if rounds[n].has_ratings]
    common = set.intersection(*rated) if rated else set()
    rows = []
    for n in numbers:
        r = rounds[n]
        spread = r.rating_spread["spread"] if r.has_ratings else pd.Series(dtype=float)
        rows.append({"round": n, "submissions": len(r.all_submissions),
                     "weight spread": float(r.dispersion["spread"].mean()) if len(r.submissions) else float("nan"),
                     "rating spread": float(spread.mean()) if spread.notna().any() else float("nan"),
                     "rating spread (cells rated in every round)":
                         float(spread.reindex(sorted(common)).mean()) if common and len(spread) else float("nan"),
                     "cells rated": int(len(r.rating_spread)) if r.has_ratings else 0,
                     "first": _first(r)})
    frame = pd.DataFrame(rows, columns=["round", "submissions", "weight spread", "rating spread",
                                        "rating spread (cells rated in every round)", "cells rated", "first"])
    frame.attrs["common cells"] = sorted(common)
    return frame.set_index("round")


def with_history(current: RoundResults, number: int, earlier: Mapping[int, RoundResults]) -> RoundResults:
    """`current` (round `number`) told of the workshop's earlier rounds, before any result is read:
    its round history (`compare_with`, `round_history`), and for a round that asked ratings only,
    the ranking's weights from the latest earlier round with weights (each group counting once)."""
    current.number = number
    current.earlier = {n: r for n, r in sorted(earlier.items()) if n < number}
    if not len(current.submissions) and current.room_weights is None:
        weighed = [r for n, r in sorted(current.earlier.items()) if len(r.submissions)]
        if weighed:
            current.room_weights = weighed[-1].equal_footing_weights
    return current
