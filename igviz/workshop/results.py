"""What a round of submissions says: group weights, equal-footing ranking, dispersion, rough consensus.

Pure pandas and NumPy over a table of submissions, so the facilitator page, a notebook
loading an export and the tests all compute the same thing.

The rules follow the sources. Stakeholder groups meet "on an equal footing" (002, 003):
the equal-footing weights are the mean of each group's mean, so a group's say does not grow
with the number of its people in the room. The MIPC (001) needs "an overall rough consensus
... which includes rough consensus within each stakeholder group". And a good process
"documents consensus and dissensions" (004): comments are kept, never averaged away.
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import asdict, dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from ..i18n import N_
from ..model import ATTRIBUTES, Assessment, DesignedProposal, Proposal
from ..dataset.records import StakeholderGroup
from ..perspective import Perspective
from .ratings import WEIGHT_PREFIX, RoomRatings, rating_cell, rating_columns, weight_columns  # noqa: F401 - re-exported

CONSENSUS, NO_CONSENSUS, TOO_FEW = "rough consensus", "no consensus", "too few submissions"


def fresh_proposal(p: Proposal) -> Proposal:
    """A new proposal object like `p`, for another assessment: from its own record and attributes, not
    looked up in the data by id (a design is not in the data, and the lookup lost a variant's changes)."""
    if isinstance(p, DesignedProposal):
        return DesignedProposal(p.design, p.dataset)
    fresh = Proposal(p.record, p.dataset)
    changed = {k: getattr(p, k) for k in ATTRIBUTES if getattr(p, k) != getattr(fresh, k)}
    if changed:
        fresh.param.update(**changed)
    return fresh


@dataclass(frozen=True)
class ConsensusRule:
    """When a proposal has rough consensus. The facilitator can change every number.

    A participant *supports* a proposal when it is among the `top_n` best under their own
    weights (ties included). Within a stakeholder group, rough consensus holds when at least
    `group_share` of the group's participants support it and the group has at least
    `min_group_size` submissions (fewer cannot show a consensus). Overall rough consensus holds
    when it holds within every stakeholder group of the workshop (001: "includes rough
    consensus within each stakeholder group"); a group that has not submitted enough leaves the
    overall answer open rather than counting as agreement.
    """

    top_n: int = 3
    group_share: float = 0.75
    min_group_size: int = 2

    def __post_init__(self):
        problems = []
        if not (isinstance(self.top_n, (int, np.integer)) and self.top_n >= 1):
            problems.append(f"top_n must be a whole number of at least 1, got {self.top_n!r}")
        if not (isinstance(self.group_share, (int, float)) and 0 < self.group_share <= 1):
            problems.append(f"group_share must be more than 0 and at most 1, got {self.group_share!r}")
        if not (isinstance(self.min_group_size, (int, np.integer)) and self.min_group_size >= 1):
            problems.append(f"min_group_size must be a whole number of at least 1, got {self.min_group_size!r}")
        if problems:
            raise ValueError("Consensus rule: " + "; ".join(problems))

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict | None) -> "ConsensusRule":
        values = dict(values or {})
        known = {k: values[k] for k in ("top_n", "group_share", "min_group_size") if k in values}
        return cls(**known)

    DESCRIPTION = N_("A participant supports a proposal that is in their top {top_n}. Rough consensus within a "
                     "stakeholder group: at least {share} of its participants support it, with at least {minimum} "
                     "submissions. Overall: rough consensus within every stakeholder group.")

    def description_values(self) -> dict:
        return {"top_n": self.top_n, "share": f"{self.group_share:.0%}", "minimum": self.min_group_size}

    def describe(self) -> str:
        return self.DESCRIPTION.format(**self.description_values())


def as_shown(submissions: pd.DataFrame) -> pd.DataFrame:
    """The submissions the results count: without participants the facilitator removed, with hidden
    comments left empty. A table from `WorkshopStore.submissions(..., moderated=True)` (the audit's
    view) says so in its `removed` and `comment_hidden` columns; one without them is taken as shown.
    """
    if "removed" not in submissions.columns and "comment_hidden" not in submissions.columns:
        return submissions
    shown = submissions
    if "removed" in shown.columns:
        shown = shown[~shown["removed"].fillna(False).astype(bool)]
    if "comment_hidden" in shown.columns:
        hidden = shown["comment_hidden"].fillna(False).astype(bool)
        shown = shown.assign(comment=shown["comment"].where(~hidden, ""))
    return shown.drop(columns=[c for c in ("removed", "comment_hidden") if c in shown.columns]).reset_index(drop=True)


@dataclass
class RoundResults:
    """Everything the facilitator shows for one round, computed from anonymised submissions.

    submissions: one row per participant with columns participant, group, comment and
    `weight.<criterion>` (raw slider values; each person's are normalised to shares first,
    so someone who pushes every slider to the top does not count more), and in a round that asks
    for ratings `rating.<proposal>.<criterion>` (0–10; NaN: "don't know"). The weight results
    count the rows with weights (`submissions`); the ratings results every row (`all_submissions`).
    room_weights: the weights the ranking under the room's scores uses when this round asked for
    ratings only (e.g. an earlier round's equal-footing weights); without them, equal weights.
    number and earlier: this round's number and the earlier rounds' results (round history:
    `compare_with`, `round_history`); a store's or an export's results have them.
    """

    assessment: Assessment
    submissions: pd.DataFrame
    groups: tuple[StakeholderGroup, ...]
    rule: ConsensusRule = ConsensusRule()
    room_weights: pd.Series | None = None
    number: int | None = None                       # this round's number, when known
    earlier: dict[int, "RoundResults"] | None = None  # the workshop's earlier rounds' results, by number

    def __post_init__(self):
        self.all_submissions = as_shown(self.submissions)
        columns = weight_columns(self.all_submissions)
        has_weights = self.all_submissions[columns].notna().all(axis=1) if columns else \
            pd.Series(False, index=self.all_submissions.index)
        self.submissions = self.all_submissions[has_weights].reset_index(drop=True)
        criteria = self.criteria
        columns = [WEIGHT_PREFIX + c for c in criteria]
        missing = [c for c in columns if c not in self.submissions.columns]
        if missing and len(self.submissions):
            raise ValueError(f"submissions lack weights for {', '.join(m[len(WEIGHT_PREFIX):] for m in missing)} "
                             f"(the workshop's criteria: {', '.join(criteria)})")
        raw = self.submissions[columns].to_numpy(dtype=float) if len(self.submissions) else np.zeros((0, len(criteria)))
        totals = raw.sum(axis=1, keepdims=True)
        self.shares = np.divide(raw, totals, out=np.zeros_like(raw), where=totals > 0)

    @property
    def criteria(self) -> list[str]:
        return self.assessment.active_framework.criterion_ids

    @property
    def group_ids(self) -> list[str]:
        return [g.id for g in self.groups]

    def _group_of(self) -> np.ndarray:
        return self.submissions["group"].to_numpy(dtype=object) if len(self.submissions) else np.array([], dtype=object)

    @cached_property
    def counts(self) -> pd.Series:
        """Submissions per stakeholder group, every group of the workshop listed (zero too); in a
        ratings round, those with ratings only count too."""
        groups = self.all_submissions["group"].to_numpy(dtype=object) if len(self.all_submissions) else \
            np.array([], dtype=object)
        return pd.Series([int((groups == g).sum()) for g in self.group_ids], index=self.group_ids, name="submissions")

    @cached_property
    def group_weights(self) -> pd.DataFrame:
        """Mean weight shares per stakeholder group (rows: groups that submitted)."""
        groups = self._group_of()
        rows = {g: self.shares[groups == g].mean(axis=0) for g in self.group_ids if (groups == g).any()}
        return pd.DataFrame.from_dict(rows, orient="index", columns=self.criteria)

    @cached_property
    def equal_footing_weights(self) -> pd.Series:
        """Each stakeholder group counts once, however many of its people submitted."""
        return self.group_weights.mean(axis=0).rename("equal footing")

    @cached_property
    def headcount_weights(self) -> pd.Series:
        """Each person counts once: larger groups weigh more."""
        return pd.Series(self.shares.mean(axis=0) if len(self.shares) else np.nan, index=self.criteria,
                         name="head count")

    def assessment_for(self, weights: str = "equal footing") -> Assessment:
        """A fresh assessment of the workshop's proposals under the group's weights ("equal footing"
        or "head count"), scaled to the sliders' 0–10, e.g. to open in the explorer."""
        chosen = {"equal footing": self.equal_footing_weights, "head count": self.headcount_weights}.get(weights)
        if chosen is None:
            raise ValueError(f"weights must be 'equal footing' or 'head count', got {weights!r}")
        if not len(self.submissions):
            raise ValueError("no submissions in this round: there are no group weights yet")
        a = self.assessment
        fresh = Assessment(a.dataset, framework=a.framework, proposals=[fresh_proposal(p) for p in a.proposals])
        fresh.weights.set({c: float(v) * 10 / float(chosen.max()) for c, v in chosen.items()})
        return fresh

    def _ranking(self, weights: pd.Series) -> pd.DataFrame | None:
        if not len(self.submissions):
            return None
        a = self.assessment
        a.weights.set({c: float(v) for c, v in weights.items()})
        return a.ranking().table[["rank", "name", "short_name", "overall"]]

    @cached_property
    def equal_footing_ranking(self) -> pd.DataFrame | None:
        return self._ranking(self.equal_footing_weights)

    @cached_property
    def headcount_ranking(self) -> pd.DataFrame | None:
        return self._ranking(self.headcount_weights)

    @cached_property
    def personal_scores(self) -> np.ndarray:
        """participants × proposals: each proposal's overall score under each person's own weights."""
        scores = self.assessment.score_arrays()[0]
        return self.shares @ scores.T

    @cached_property
    def support(self) -> np.ndarray:
        """participants × proposals: True where the proposal is in the person's top n (ties included)."""
        return _top_n(self.personal_scores, self.rule.top_n)

    @cached_property
    def consensus(self) -> pd.DataFrame:
        """Per proposal: share of each group supporting it, and whether rough consensus holds there and overall.

        Columns: `<group> support` (share, NaN where nobody from the group submitted),
        `<group>` (status) for each group, then `overall` (status).
        """
        return self._consensus_table(self.support, self._group_of())

    def _consensus_table(self, support: np.ndarray, groups: np.ndarray) -> pd.DataFrame:
        """The rough consensus table from participants × proposals `support` and each row's group."""
        ids = [p.id for p in self.assessment.proposals]
        frame = pd.DataFrame(index=pd.Index(ids, name="proposal"))
        frame["name"] = [p.short_name for p in self.assessment.proposals]
        statuses = {}
        for g in self.group_ids:
            members = groups == g
            share = support[members].mean(axis=0) if members.any() else np.full(len(ids), np.nan)
            frame[f"{g} support"] = share
            if members.sum() < self.rule.min_group_size:
                statuses[g] = [TOO_FEW] * len(ids)
            else:
                statuses[g] = [CONSENSUS if s >= self.rule.group_share - 1e-12 else NO_CONSENSUS for s in share]
        for g in self.group_ids:
            frame[g] = statuses[g]
        frame["overall"] = [self._overall([statuses[g][i] for g in self.group_ids]) for i in range(len(ids))]
        return frame

    @staticmethod
    def _overall(statuses: list[str]) -> str:
        if NO_CONSENSUS in statuses:
            return NO_CONSENSUS  # one group without consensus settles it, however the others stand
        if TOO_FEW in statuses:
            return TOO_FEW
        return CONSENSUS

    @cached_property
    def dispersion(self) -> pd.DataFrame:
        """Per criterion, how much people disagree about its weight, most disputed first.

        `spread`: the standard deviation of everyone's weight share, in percentage points;
        `between groups`: the gap between the highest and lowest group mean, in points;
        also each group's mean share. Discussion goes where the spread is largest.
        """
        names = {c.id: c.name for c in self.assessment.active_framework.criteria}
        frame = pd.DataFrame(index=pd.Index(self.criteria, name="criterion"))
        frame["name"] = [names[c] for c in self.criteria]
        frame["spread"] = self.shares.std(axis=0) * 100 if len(self.shares) else np.nan
        gw = self.group_weights
        frame["between groups"] = (gw.max(axis=0) - gw.min(axis=0)) * 100 if len(gw) else np.nan
        for g in gw.index:
            frame[f"{g} mean"] = gw.loc[g] * 100
        return frame.sort_values("spread", ascending=False, kind="stable")

    @cached_property
    def dissent(self) -> pd.DataFrame:
        """Every comment, with the group, the commenter's own top proposal and whether it differs
        from the equal-footing top. Never a name: participants appear by number only."""
        if not len(self.submissions):
            return pd.DataFrame(columns=["participant", "group", "comment", "own top", "own id", "differs"])
        proposals = self.assessment.proposals
        best = np.argmax(self.personal_scores, axis=1)
        frame = pd.DataFrame({"participant": self.submissions["participant"].to_numpy(),
                              "group": self.submissions["group"].to_numpy(),
                              "comment": self.submissions["comment"].fillna("").astype(str).to_numpy(),
                              "own top": [proposals[i].short_name for i in best],
                              "own id": [proposals[i].id for i in best]})
        frame["differs"] = frame["own id"] != self.equal_footing_ranking.index[0]
        return frame[frame["comment"].str.strip() != ""].reset_index(drop=True)

    def proposal_table(self) -> pd.DataFrame:
        """Per proposal, everything the facilitator shows about it: both rankings, each group's
        support and rough consensus, for an export (rows in equal-footing rank order)."""
        frame = self.consensus.copy()
        for label, ranking in (("equal footing", self.equal_footing_ranking), ("head count", self.headcount_ranking)):
            if ranking is None:
                frame[f"rank ({label})"], frame[f"overall ({label})"] = np.nan, np.nan
            else:
                frame[f"rank ({label})"] = ranking["rank"].reindex(frame.index)
                frame[f"overall ({label})"] = ranking["overall"].reindex(frame.index)
        first = ["name", "rank (equal footing)", "overall (equal footing)", "rank (head count)", "overall (head count)"]
        frame = frame[first + [c for c in frame.columns if c not in first]].rename(columns={"overall": "rough consensus"})
        return frame.sort_values("rank (equal footing)", kind="stable") if self.equal_footing_ranking is not None else frame

    def criterion_table(self) -> pd.DataFrame:
        """Per criterion: the group's weights (equal footing, head count, each group's mean, in % of
        the total) and the disagreement about them (spread, gap between groups), most disputed first."""
        frame = self.dispersion.copy()
        frame.insert(1, "weight % (equal footing)", self.equal_footing_weights.reindex(frame.index) * 100)
        frame.insert(2, "weight % (head count)", self.headcount_weights.reindex(frame.index) * 100)
        return frame.rename(columns={"spread": "spread (points)", "between groups": "between groups (points)"})

    def robustness(self, samples: int = 4000, seed: int = 0):
        """SMAA-2 with weights drawn from the submissions themselves (and the scores' ranges)."""
        if not len(self.shares):
            return None
        # By participant, so a row that cannot rank (possible only in an edited export: the store
        # refuses such submissions) is refused naming who sent it.
        sets = pd.DataFrame(self.shares, columns=self.criteria, index=self.submissions["participant"].to_numpy())
        return self.assessment.smaa(samples=samples, seed=seed, weights="sets", weight_sets=sets)

    # -- ratings ---------------------------------------------------------------------------------

    @property
    def has_ratings(self) -> bool:
        return bool(len(self.ratings.long))

    @cached_property
    def bundled_perspective(self) -> Perspective:
        return Perspective.bundled(self.assessment)

    @cached_property
    def ratings(self) -> RoomRatings:
        """The round's ratings: group means, the room's (equal footing), spread (see RoomRatings)."""
        frame = self.all_submissions[["participant", "group", *rating_columns(self.all_submissions)]] \
            if len(self.all_submissions) else pd.DataFrame(columns=["participant", "group"])
        return RoomRatings(frame, self.group_ids, self.bundled_perspective)

    @property
    def group_ratings(self) -> pd.DataFrame:
        """(proposal, criterion) × stakeholder group: each group's mean rating."""
        return self.ratings.group_means

    @property
    def room_ratings(self) -> pd.Series:
        """(proposal, criterion): the room's rating, each stakeholder group counting once."""
        return self.ratings.room

    @property
    def rating_spread(self) -> pd.DataFrame:
        """Per (proposal, criterion) rated: spread, gap between groups, room against bundled; most disputed first."""
        return self.ratings.spread

    def perspectives(self) -> dict[str, Perspective]:
        """The bundled scores, the room's (equal footing) and each stakeholder group's that rated, by name."""
        views = [self.bundled_perspective]
        if self.has_ratings:
            views.append(self.ratings.perspective())
            views += [self.ratings.group_perspective(g) for g in self.ratings.group_means.columns]
        return {v.name: v for v in views}

    @cached_property
    def ranking_weights(self) -> pd.Series:
        """The weights the ratings ranking uses: this round's equal-footing weights, else `room_weights`,
        else equal weights. `attrs['whose']` says which."""
        if len(self.submissions):
            weights, whose = self.equal_footing_weights, "this round's weights, each stakeholder group counting once"
        elif self.room_weights is not None:
            weights, whose = pd.Series(self.room_weights, dtype=float).reindex(self.criteria), "the weights given"
            if weights.isna().any() or weights.sum() <= 0:
                raise ValueError(f"room_weights must give a weight of 0 or more to each criterion "
                                 f"({', '.join(self.criteria)}), not all zero")
        else:
            weights, whose = pd.Series(1.0, index=self.criteria), "equal weights (this round asked for no weights)"
        weights = (weights / weights.sum()).rename("weight")
        weights.attrs["whose"] = whose
        return weights

    def _fresh(self, perspective: Perspective | None) -> Assessment:
        a = self.assessment
        fresh = Assessment(a.dataset, framework=a.framework, perspective=perspective,
                           proposals=[fresh_proposal(p) for p in a.proposals])  # designs too
        fresh.weights.set({c: float(v) * 10 / float(self.ranking_weights.max()) for c, v in self.ranking_weights.items()})
        return fresh

    @contextmanager
    def _scratch_under(self, perspective: Perspective | None, weights: pd.Series | None = None):
        """The round's own assessment under a perspective and weights (`ranking_weights` unless
        given) for the time of a `with`, its perspective put back after: building a fresh assessment
        was the slowest part of a facilitator's refresh. (Every weight result sets its own weights.)"""
        a = self.assessment
        before = a.perspective
        chosen = self.ranking_weights if weights is None else weights
        a.weights.set({c: float(v) * 10 / float(chosen.max()) for c, v in chosen.items()})
        if a.perspective is not perspective:
            a.perspective = perspective
        try:
            yield a
        finally:
            if a.perspective is not before:
                a.perspective = before

    def assessment_under(self, perspective: Perspective | str | None = None) -> Assessment:
        """A fresh assessment of the workshop's proposals under a perspective (a Perspective, or its
        name in `perspectives()`; None: the room's) and the ratings ranking's weights (`ranking_weights`)."""
        if perspective is None:
            perspective = self.ratings.perspective() if self.has_ratings else None
        elif isinstance(perspective, str):
            views = self.perspectives()
            if perspective not in views:
                raise KeyError(f"no perspective '{perspective}' in this round (known: {', '.join(views)})")
            perspective = views[perspective]
        return self._fresh(perspective)

    @cached_property
    def rating_ranking(self) -> pd.DataFrame | None:
        """Per proposal: rank and overall score under the room's scores (equal footing, the bundled
        score where nobody rated) beside those under the bundled scores, both with `ranking_weights`;
        `rank change` is bundled rank − room rank (positive: the room puts it higher). Rows in the
        room's order; None without ratings."""
        if not self.has_ratings:
            return None
        if len(self.submissions):  # ranking_weights are this round's equal-footing weights: ranked already
            bundled = self.equal_footing_ranking
        else:
            with self._scratch_under(None) as a:
                bundled = a.ranking().table.copy()
        with self._scratch_under(self.ratings.perspective()) as a:
            room = a.ranking().table.copy()
            self.__dict__["_room_scores"] = a.score_arrays()[0].copy()  # for rating_personal_scores
        frame = pd.DataFrame({"name": room["short_name"], "rank (room's scores)": room["rank"],
                              "overall (room's scores)": room["overall"]})
        frame["rank (bundled scores)"] = bundled["rank"].reindex(frame.index)
        frame["overall (bundled scores)"] = bundled["overall"].reindex(frame.index)
        frame["rank change"] = frame["rank (bundled scores)"] - frame["rank (room's scores)"]
        rated = set(self.ratings.long["proposal"].unique())
        frame["rated"] = [p in rated for p in frame.index]
        frame.attrs.update(weights=self.ranking_weights.attrs["whose"], room=self.ratings.perspective().name)
        return frame.sort_values("rank (room's scores)", kind="stable")

    def opinion_groups(self, min_size: int | None = None, max_clusters: int | None = None, seed: int = 0):
        """Participants clustered by their weights and ratings, beside their declared stakeholder groups
        (igviz.workshop.opinions): a cross-table, a 2-D map, what sets each opinion group apart."""
        from .opinions import MAX_CLUSTERS, MIN_CLUSTER_SIZE, opinion_groups

        return opinion_groups(self.all_submissions, self.group_ids, min_size=min_size or MIN_CLUSTER_SIZE,
                              max_clusters=max_clusters or MAX_CLUSTERS, seed=seed)

    def rating_robustness(self, samples: int = 4000, seed: int = 0):
        """SMAA-2 under the room's scores, with the spread of the ratings as score uncertainty (each
        rated cell drawn from its mean ± spread; unrated cells from the bundled ranges) and weights
        drawn from this round's submissions (or the ranking's weights, within ± 5 points, when it had none)."""
        if not self.has_ratings:
            return None
        with self._scratch_under(self.ratings.perspective()) as a:
            if len(self.shares):
                sets = pd.DataFrame(self.shares, columns=self.criteria, index=self.submissions["participant"].to_numpy())
                return a.smaa(samples=samples, seed=seed, weights="sets", weight_sets=sets)
            return a.smaa(samples=samples, seed=seed, weights="band")

    # -- ratings: rough consensus, perspectives, round history -------------------------------------------

    @cached_property
    def rating_personal_scores(self) -> np.ndarray:
        """all_submissions × proposals: each proposal's overall score as each participant sees it in a
        ratings round: their own ratings where they gave one, the room's scores where they said
        "don't know" (the bundled score where nobody rated), under their own weights (the ranking's
        weights, `ranking_weights`, for a participant who gave none)."""
        if "_room_scores" not in self.__dict__:
            self.rating_ranking  # noqa: B018 - ranks under the room's scores and keeps them
        a = self.assessment
        room = self.__dict__["_room_scores"]                         # proposals × criteria
        subs = self.all_submissions
        n = len(subs)
        pids, criteria = [p.id for p in a.proposals], self.criteria
        own = np.broadcast_to(room, (n, *room.shape)).copy()
        for column in rating_columns(subs):
            proposal, criterion = rating_cell(column)
            if proposal in pids and criterion in criteria:
                values = subs[column].to_numpy(dtype=float)
                given = ~np.isnan(values)
                own[given, pids.index(proposal), criteria.index(criterion)] = values[given]
        columns = [WEIGHT_PREFIX + c for c in criteria]
        raw = subs.reindex(columns=columns).to_numpy(dtype=float) if n else np.zeros((0, len(criteria)))
        totals = raw.sum(axis=1, keepdims=True)
        has = ~np.isnan(raw).any(axis=1) & (totals[:, 0] > 0)
        shares = np.tile(self.ranking_weights.reindex(criteria).to_numpy(dtype=float), (n, 1))
        shares[has] = raw[has] / totals[has]
        return np.einsum("npc,nc->np", own, shares)

    @cached_property
    def rating_consensus(self) -> pd.DataFrame | None:
        """Rough consensus on the ranking under the room's scores (the consensus rule, unchanged): a
        participant supports a proposal in their top n as they see it (`rating_personal_scores`:
        their own ratings, else the room's, under their own weights). Columns as `consensus`, plus
        `rank (room's scores)`; rows in the room's order. None without ratings."""
        if not self.has_ratings:
            return None
        groups = self.all_submissions["group"].to_numpy(dtype=object)
        frame = self._consensus_table(_top_n(self.rating_personal_scores, self.rule.top_n), groups)
        frame.insert(1, "rank (room's scores)", self.rating_ranking["rank (room's scores)"].reindex(frame.index))
        frame.attrs["weights"] = "each participant's own (the ranking's weights where they gave none)"
        return frame.sort_values("rank (room's scores)", kind="stable")

    def perspective_named(self, name: str | None) -> Perspective | None:
        """A perspective of `perspectives()` by its name (None or the bundled name: the bundled scores)."""
        if name is None or name == self.bundled_perspective.name:
            return None
        views = self.perspectives()
        if name not in views:
            raise KeyError(f"no perspective '{name}' in this round (known: {', '.join(views)})")
        return views[name]

    def ranking_under(self, perspective: Perspective | str | None = None, weights: str = "equal footing"):
        """The ranking (rank, name, short_name, overall) under a perspective (a Perspective, its name
        in `perspectives()`, or None: the bundled scores) with this round's "equal footing" or "head
        count" weights (in a round without weights: `ranking_weights`). None without any weights."""
        if isinstance(perspective, str):
            perspective = self.perspective_named(perspective)
        if weights not in ("equal footing", "head count"):
            raise ValueError(f"weights must be 'equal footing' or 'head count', got {weights!r}")
        if not len(self.all_submissions):
            return None
        chosen = (self.equal_footing_weights if weights == "equal footing" else self.headcount_weights) \
            if len(self.submissions) else self.ranking_weights
        with self._scratch_under(perspective, chosen) as a:
            return a.ranking().table[["rank", "name", "short_name", "overall"]].copy()

    def compare_with(self, number: int | None = None):
        """What moved from an earlier round (`earlier`; None: the one before) to this one
        (igviz.workshop.history.RoundComparison)."""
        from .history import compare_rounds

        earlier = self.earlier or {}
        if not earlier:
            raise KeyError("no earlier round to compare with")
        number = max(earlier) if number is None else number
        if number not in earlier:
            raise KeyError(f"no round {number} before this one (earlier rounds: {', '.join(map(str, sorted(earlier)))})")
        return compare_rounds(earlier[number], self)

    def round_history(self) -> pd.DataFrame:
        """One row per round, this one last: how the room converged (igviz.workshop.history.convergence)."""
        from .history import convergence

        return convergence({**(self.earlier or {}), (self.number or max(self.earlier or {0: None}) + 1): self})


def _top_n(scores: np.ndarray, n: int) -> np.ndarray:
    """participants × proposals: True where the proposal is among the row's n best (ties included)."""
    if not len(scores):
        return np.zeros(scores.shape, dtype=bool)
    n = min(n, scores.shape[1])
    nth_best = -np.sort(-scores, axis=1)[:, n - 1:n]
    return scores >= nth_best - 1e-9
