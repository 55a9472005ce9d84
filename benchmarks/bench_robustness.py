"""SMAA-2 timings (issue 5 targets: 10,000 samples on the bundled data under 10 ms; 50 proposals
× 20 criteria at 100,000 samples under 1 s), the same under PROMETHEE II (issue 13: some tens of
ms, each sample's net flows recomputed from its drawn scores), and the exact sensitivity table.

Prints medians over several runs, with and without score uncertainty.

    python benchmarks/bench_robustness.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

import igviz
from igviz.robustness import smaa2, uniform_simplex


def median_time(fn, repeat):
    fn()  # warm up
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times)


def main():
    a = igviz.Assessment()
    x, lo, hi = a.score_arrays()
    m, n = x.shape
    for uncertain in (True, False):
        med, best = median_time(lambda: smaa2(x, lo, hi, uniform_simplex(n), 10_000, 0, uncertain), 15)
        print(f"SMAA-2, bundled data ({m} x {n}), 10,000 samples, score ranges {'on ' if uncertain else 'off'}: "
              f"median {med * 1e3:7.1f} ms (best {best * 1e3:.1f})   target < 10 ms")
    promethee = a.methods["promethee_ii"]   # its default settings; linear_values hands stacks to the batched flows
    for uncertain in (True, False):
        med, best = median_time(lambda: smaa2(x, lo, hi, uniform_simplex(n), 10_000, 0, uncertain,
                                              transform=promethee.linear_values), 9)
        print(f"SMAA-2 under {promethee.describe()}, bundled data, 10,000 samples, score ranges "
              f"{'on ' if uncertain else 'off'}: median {med * 1e3:7.1f} ms (best {best * 1e3:.1f})   target: tens of ms")
    rng = np.random.default_rng(0)
    big = rng.uniform(0, 10, (50, 20))
    big_lo, big_hi = np.clip(big - 1.5, 0, 10), np.clip(big + 1.5, 0, 10)
    for uncertain in (True, False):
        med, best = median_time(lambda: smaa2(big, big_lo, big_hi, uniform_simplex(20), 100_000, 0, uncertain), 3)
        print(f"SMAA-2, 50 x 20, 100,000 samples, score ranges {'on ' if uncertain else 'off'}:          "
              f"median {med:7.2f} s  (best {best:.2f})   target < 1 s")
    med, best = median_time(a.sensitivity_table, 50)
    print(f"exact stability intervals, all {n} criteria (bundled data):           median {med * 1e3:7.2f} ms")


if __name__ == "__main__":
    main()
