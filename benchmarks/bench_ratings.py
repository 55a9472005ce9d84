"""Time to find the opinion groups of 1,000 participants, and to compute a ratings round's results
for the facilitator's refresh with 300 participants who each rated 9 proposals × 10 criteria.

Targets (issue 16): clustering 1,000 participants under 1 s; facilitator refresh p95 under 1 s.
Prints medians and p95 and the machine's load (shared machines make figures noisy).

    python benchmarks/bench_ratings.py
"""

from __future__ import annotations

import os
import statistics
import time

import numpy as np
import pandas as pd

import igviz
from igviz.workshop import ConsensusRule, round_results
from igviz.workshop.opinions import opinion_groups

GROUPS = ("civil_society", "government", "private_sector", "technical_academic")


def room(n: int, seed: int = 0) -> pd.DataFrame:
    """n participants in four stakeholder groups and two opinion camps, weights and every proposal × criterion rated
    (10 % of ratings "don't know")."""
    data = igviz.load_dataset()
    criteria, proposals = data.default_framework.criterion_ids, list(data.proposals)
    rng = np.random.default_rng(seed)
    camp = rng.integers(0, 2, n)
    weights = np.clip(rng.normal(5, 2, (n, len(criteria))) + np.where(camp[:, None] == 0, 3, -3) * (np.arange(len(criteria)) < 3), 0, 10)
    ratings = np.clip(rng.normal(5, 2, (n, len(proposals) * len(criteria))) + np.where(camp[:, None] == 0, 3, -3) * (np.arange(len(proposals) * len(criteria)) % 7 == 0), 0, 10)
    ratings[rng.random(ratings.shape) < 0.1] = np.nan
    frame = pd.DataFrame({"participant": [f"P{i + 1:03d}" for i in range(n)], "group": [GROUPS[i % 4] for i in range(n)],
                          "comment": "", "submitted_at": pd.Timestamp.now(tz="UTC")})
    frame = frame.join(pd.DataFrame(weights, columns=[f"weight.{c}" for c in criteria]))
    return frame.join(pd.DataFrame(ratings, columns=[f"rating.{p}.{c}" for p in proposals for c in criteria]))


def report(label, samples):
    s = sorted(samples)
    p95 = s[int(0.95 * (len(s) - 1))]
    print(f"{label:<62} median {statistics.median(s) * 1e3:8.1f} ms   p95 {p95 * 1e3:8.1f} ms   (n={len(s)})")


def main():
    print(f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    subs = room(1000)
    times = []
    for _ in range(5):
        t0 = time.perf_counter()
        found = opinion_groups(subs, GROUPS)
        times.append(time.perf_counter() - t0)
    features = len([c for c in subs.columns if c.startswith(("weight.", "rating."))])
    report(f"opinion groups, 1,000 participants × {features} features", times)
    print(f"  found: {found.describe()}")

    data = igviz.load_dataset()
    subs = room(300, seed=1)
    times = []
    for _ in range(10):
        t0 = time.perf_counter()
        r = round_results(data, data.default_framework.id, list(data.proposals), GROUPS, ConsensusRule(), subs)
        r.rating_spread, r.group_ratings, r.rating_ranking, r.proposal_table(), r.criterion_table()
        times.append(time.perf_counter() - t0)
    cells = len([c for c in subs.columns if c.startswith("rating.")])
    report(f"facilitator refresh, ratings results, 300 × {cells} ratings", times)
    times = []
    for _ in range(3):
        t0 = time.perf_counter()
        r = round_results(data, data.default_framework.id, list(data.proposals), GROUPS, ConsensusRule(), subs)
        r.opinion_groups()
        times.append(time.perf_counter() - t0)
    report("  the same with opinion groups", times)


if __name__ == "__main__":
    main()
