"""Round history: what moved between two rounds (a Delphi-style convergence view).

Weights (equal footing) and their spread per criterion, the room's ratings and their spread per
cell, and the ranking, each round beside the other, with whether disagreement shrank. Pure pandas
over two RoundResults, so a notebook comparing two exports and the facilitator page agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import pandas as pd

from .results import RoundResults


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
