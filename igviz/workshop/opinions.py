"""Opinion groups: participants clustered by what they submitted (weights and ratings), beside the
stakeholder groups they declared.

"There are not fixed stakeholders: it is a fluid notion" (004). The facilitator sees whether the room
divides along the declared stakeholder groups or across them: a cross-table of opinion groups against
stakeholder groups, a two-dimensional map of participants coloured by group, and for each opinion
group the weights and ratings that set it apart.

How: each participant is a row of features, their weight shares (in percentage points) and their
ratings (a "don't know" takes the room's mean for that cell, so it pulls nowhere). Each feature is
standardised, and each block (weights, ratings) is scaled to count once, however many cells were
rated. k-means (scikit-learn), on the first ten principal components, runs for k = 2 … max_clusters and the k with the best mean silhouette
is kept; when even that silhouette is at most 0.25, the room shows no opinion groups ("no substantial
structure", Kaufman & Rousseeuw, Finding Groups in Data, 1990), and none are drawn. The map is the
first two principal components (PCA) of the same features.

Anonymity: no names and no participant numbers leave this module; an opinion group with fewer than
`min_size` people is not shown (its members are left out of the cross-table and unlabelled on the map).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .ratings import WEIGHT_PREFIX, rating_cell, rating_columns, weight_columns

MIN_CLUSTER_SIZE = 5
MAX_CLUSTERS = 8
NO_STRUCTURE_SILHOUETTE = 0.25  # Kaufman & Rousseeuw (1990): at most 0.25, "no substantial structure"
NOT_SHOWN = ""
CLUSTER_COMPONENTS = 10
# k-means++ starts per k: two find the planted splits of the tests as four did, at half the cost of a
# facilitator's refresh (the slowest part of it with 300 participants).
KMEANS_STARTS = 2


@dataclass
class OpinionGroups:
    """The opinion groups of one round (see the module's docstring)."""

    structure: bool                 # True when the room divides into opinion groups (silhouette > 0.25)
    silhouette: float               # the best mean silhouette (NaN when it could not be computed)
    silhouettes: pd.Series          # per k tried
    crosstab: pd.DataFrame          # opinion group × declared stakeholder group: counts (groups shown only)
    map: pd.DataFrame               # x, y (principal components), group, opinion group ('' when not shown)
    distinctive: pd.DataFrame       # per opinion group, the weights and ratings that set it apart
    explained: tuple[float, float]  # share of the variance the map's two axes show
    not_shown: int = 0              # participants in opinion groups smaller than min_size
    min_size: int = MIN_CLUSTER_SIZE
    features: list[str] = field(default_factory=list)
    # Each submission's opinion group, in the submissions' order ('' when not shown): for checks and
    # notebooks only; pages and exports show the cross-table and the (sorted) map, never this.
    _labels: np.ndarray = field(default=None, repr=False)

    @property
    def k(self) -> int:
        return len(self.crosstab) if self.structure else 1

    def describe(self) -> str:
        if not self.structure:
            return (f"No opinion groups: the best split (silhouette {self.silhouette:.2f}) is no better than one "
                    f"group (at most {NO_STRUCTURE_SILHOUETTE}).")
        hidden = f"; {self.not_shown} in groups smaller than {self.min_size}, not shown" if self.not_shown else ""
        return f"{self.k} opinion groups (silhouette {self.silhouette:.2f}){hidden}."


def feature_table(submissions: pd.DataFrame) -> pd.DataFrame:
    """participants × features: weight shares (percentage points) and ratings ("don't know": NaN)."""
    frame = pd.DataFrame(index=submissions.index)
    weights = weight_columns(submissions)
    if weights:
        raw = submissions[weights].to_numpy(dtype=float)
        totals = np.nansum(raw, axis=1, keepdims=True)
        shares = np.divide(raw, totals, out=np.full_like(raw, np.nan), where=totals > 0) * 100
        frame = frame.join(pd.DataFrame(shares, index=submissions.index, columns=weights))
    ratings = rating_columns(submissions)
    if ratings:
        frame = frame.join(submissions[ratings].astype(float))
    return frame


def _standardised(features: pd.DataFrame) -> np.ndarray:
    """Each feature centred on its mean (a missing value becomes 0: the mean) and scaled to unit
    variance; constant features dropped; each block (weights, ratings) scaled to count once."""
    x = features.to_numpy(dtype=float)
    mean = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
    x = np.where(np.isnan(x), mean, x) - mean
    sd = x.std(axis=0)
    keep = sd > 1e-9
    x = x[:, keep] / sd[keep]
    blocks = np.array([c.startswith(WEIGHT_PREFIX) for c in features.columns])[keep]
    for block in (blocks, ~blocks):
        if block.any():
            x[:, block] /= np.sqrt(block.sum())
    return x


def _name(column: str) -> tuple[str, str, str]:
    if column.startswith(WEIGHT_PREFIX):
        return "weight", "", column[len(WEIGHT_PREFIX):]
    proposal, criterion = rating_cell(column)
    return "rating", proposal, criterion


def opinion_groups(submissions: pd.DataFrame, group_ids=(), min_size: int = MIN_CLUSTER_SIZE,
                   max_clusters: int = MAX_CLUSTERS, top: int = 3, seed: int = 0) -> OpinionGroups:
    """Cluster a round's submissions (participant, group, weight.*, rating.* columns)."""
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    # One thread: k-means on a few hundred rows is milliseconds, but its OpenMP and BLAS threads
    # spin against each other and against the server's own threads on a busy machine (measured: 30
    # times slower on 2 loaded cores).
    with threadpool_limits(1):
        return _opinion_groups(submissions, group_ids, min_size, max_clusters, top, seed)


def _opinion_groups(submissions, group_ids, min_size, max_clusters, top, seed) -> OpinionGroups:
    from sklearn.cluster import KMeans
    from sklearn.decomposition import PCA
    from sklearn.metrics import pairwise_distances, silhouette_score

    subs = submissions.reset_index(drop=True)
    features = feature_table(subs)
    x = _standardised(features) if len(subs) else np.zeros((0, 0))
    n = len(subs)
    groups = subs["group"].astype(str).to_numpy() if n else np.array([], dtype=str)
    # One PCA: its first two components are the map; k-means and the silhouettes run on the leading
    # ones (at most CLUSTER_COMPONENTS): opinion groups are where most of the variation is, and
    # 1,000 participants × 100 features would otherwise take seconds.
    if n >= 2 and x.shape[1] >= 1:
        pca = PCA(n_components=min(CLUSTER_COMPONENTS, x.shape[1], n), random_state=seed)
        x = pca.fit_transform(x)
        explained = tuple(float(v) for v in pca.explained_variance_ratio_[:2]) + (0.0,) * max(0, 2 - x.shape[1])
        coords = np.hstack([x[:, :2], np.zeros((n, max(0, 2 - x.shape[1])))])
    else:
        coords, explained = np.zeros((n, 2)), (0.0, 0.0)

    silhouettes, labels = {}, {}
    distances = pairwise_distances(x) if n >= 3 else None  # once, for every k's silhouette
    largest_k = min(max_clusters, n - 1, max(n // max(min_size, 1), 1))
    for k in range(2, largest_k + 1):
        model = KMeans(n_clusters=k, n_init=KMEANS_STARTS, random_state=seed).fit(x)
        if len(set(model.labels_)) < 2:
            continue
        silhouettes[k] = float(silhouette_score(distances, model.labels_, metric="precomputed"))
        labels[k] = model.labels_
    best = max(silhouettes, key=silhouettes.get) if silhouettes else None
    score = silhouettes[best] if best else float("nan")
    structure = best is not None and score > NO_STRUCTURE_SILHOUETTE

    cluster = np.array([NOT_SHOWN] * n, dtype=object)
    not_shown = 0
    if structure:
        raw = labels[best]
        # Named by size, largest first (A, B, ...), so the names do not depend on k-means' numbering.
        sizes = pd.Series(raw).value_counts()
        shown = [c for c in sizes.index if sizes[c] >= min_size]
        names = {c: chr(ord("A") + i) for i, c in enumerate(shown)}
        cluster = np.array([names.get(c, NOT_SHOWN) for c in raw], dtype=object)
        not_shown = int(sum(sizes[c] for c in sizes.index if c not in names))
        structure = len(shown) >= 2 or (len(shown) == 1 and not_shown > 0)

    order = list(group_ids) + sorted(set(groups) - set(group_ids))
    visible = cluster != NOT_SHOWN
    crosstab = pd.crosstab(pd.Series(cluster[visible], name="opinion group"),
                           pd.Series(groups[visible], name="stakeholder group")) if visible.any() else pd.DataFrame()
    crosstab = crosstab.reindex(columns=[g for g in order if g in set(groups)], fill_value=0)
    if len(crosstab):
        crosstab["all"] = crosstab.sum(axis=1)

    the_map = pd.DataFrame({"x": coords[:, 0], "y": coords[:, 1], "group": groups, "opinion group": cluster})
    # Sorted, not in joining order, so a row cannot be matched with a participant number.
    the_map = the_map.sort_values(["opinion group", "group", "x", "y"], kind="stable").reset_index(drop=True)

    rows = []
    if structure and features.shape[1]:
        filled = features.fillna(features.mean())
        sd = filled.std(ddof=0).replace(0, np.nan)
        for name in sorted(set(cluster[visible])):
            mine = cluster == name
            inside, outside = filled[mine].mean(), filled[~mine].mean()
            effect = ((inside - outside) / sd).dropna()
            for column in effect.abs().sort_values(ascending=False).index[:top]:
                kind, proposal, criterion = _name(column)
                rows.append({"opinion group": name, "kind": kind, "proposal": proposal, "criterion": criterion,
                             "mean in group": inside[column], "mean of the others": outside[column],
                             "difference": inside[column] - outside[column], "effect": effect[column],
                             "unit": "% of the weight" if kind == "weight" else "rating (0–10)"})
    distinctive = pd.DataFrame(rows, columns=["opinion group", "kind", "proposal", "criterion", "mean in group",
                                              "mean of the others", "difference", "effect", "unit"])
    return OpinionGroups(bool(structure), score, pd.Series(silhouettes, name="silhouette", dtype=float).rename_axis("k"),
                         crosstab, the_map, distinctive, explained, not_shown, min_size, list(features.columns),
                         cluster)
