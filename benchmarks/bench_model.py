"""Time to load the bundled data, and to re-rank after one weight change.

Target (issue 2): re-ranking under 1 ms for the default data. Prints medians and p95 over
many repetitions; every repetition uses a new weight value, so no cached result is reused.

    python benchmarks/bench_model.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import igviz


def timed(fn, repeat):
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def report(label, samples, unit=1e3, suffix="ms"):
    s = sorted(samples)
    p95 = s[int(0.95 * (len(s) - 1))]
    print(f"{label:<44} median {statistics.median(s) * unit:8.3f} {suffix}   p95 {p95 * unit:8.3f} {suffix}   (n={len(s)})")


def main():
    report("load bundled data (validate every quote)", timed(igviz.load_dataset, 20))
    data = igviz.load_dataset()
    report("build an Assessment", timed(lambda: igviz.Assessment(data), 50))
    rng = np.random.default_rng(0)
    for method in ("weighted_sum", "promethee_ii"):
        a = igviz.Assessment(data, method=method)
        a.ranking()
        values = iter(rng.uniform(0, 10, size=100_000))

        def move_and_rank():
            a.weights.transparent = float(next(values))
            a.ranking()

        report(f"re-rank after one weight change ({method})", timed(move_and_rank, 2000))

        def move_rank_and_tabulate():
            a.weights.transparent = float(next(values))
            a.ranking().table

        report(f"  ... and build the ranking table ({method})", timed(move_rank_and_tabulate, 2000))
    print(f"data: {len(data.proposals)} proposals x {len(data.default_framework.criteria)} criteria; target: re-rank < 1 ms")


if __name__ == "__main__":
    main()
