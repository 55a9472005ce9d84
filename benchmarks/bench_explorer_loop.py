"""How long opening the explorer holds the server's event loop, and what it costs in CPU.

Panel builds each browser session's page (the explorer: some 140 Bokeh models) on the server's one
event loop, in the request that opens the page; meanwhile no other request is answered, a /lite
Submit included (its store work runs on a thread, but its answer is written from the loop).

Starts `igviz serve` (SQLite in a temporary folder), warms up, then --rounds times: GET /explorer
(what a browser's first request does: it builds the whole session) while a probe asks for a small
static file (/igviz-static/phone.css: answered by the loop alone, no thread, no database) every
20 ms. Prints the server's CPU per explorer opened (median; CPU time hardly depends on how busy the
machine is, unlike wall time), the probe's latency (p50/p95/max) idle and during the openings, and
the machine's load average (shared machine). Never fails on a figure.

    python benchmarks/bench_explorer_loop.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from bench_lite_bytes import cpu_seconds  # noqa: E402
from browser_support import WORKSHOP_APPS, panel_server  # noqa: E402

PROBE = "igviz-static/phone.css"


def get(url: str) -> float:
    start = time.perf_counter()
    with urllib.request.urlopen(url, timeout=120) as r:
        r.read()
    return time.perf_counter() - start


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))] * 1000


def probe_while(base: str, busy: threading.Event, done: threading.Event, out: list) -> None:
    while not done.is_set():
        seconds = get(f"{base}/{PROBE}")
        out.append((busy.is_set(), seconds))
        time.sleep(0.02)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="igviz-bench-explorer-")
    with panel_server(WORKSHOP_APPS, f"sqlite:///{folder}/w.sqlite") as server:
        base = server.base
        for _ in range(2):
            get(f"{base}/explorer")  # warm-up: the app's first session
        busy, done, probes = threading.Event(), threading.Event(), []
        prober = threading.Thread(target=probe_while, args=(base, busy, done, probes), daemon=True)
        prober.start()
        time.sleep(2)  # idle probes first
        cpu, walls = [], []
        for _ in range(args.rounds):
            before = cpu_seconds(server.proc.pid)
            busy.set()
            walls.append(get(f"{base}/explorer"))
            busy.clear()
            cpu.append(cpu_seconds(server.proc.pid) - before)
            time.sleep(0.5)
        done.set()
        prober.join(60)
    idle = [s for b, s in probes if not b]
    during = [s for b, s in probes if b]
    print(f"Opening the explorer ({args.rounds} times, one at a time; igviz serve, one process; {os.cpu_count()} cores):")
    print(f"  server CPU per explorer opened      median {statistics.median(cpu) * 1000:6.0f} ms   "
          f"max {max(cpu) * 1000:6.0f} ms  (the probes' own cost included: a few ms)")
    print(f"  explorer page answered (wall)       median {statistics.median(walls) * 1000:6.0f} ms   "
          f"p95 {pct(walls, .95):6.0f} ms")
    print(f"  small request, idle                 p50 {pct(idle, .5):6.0f} ms   p95 {pct(idle, .95):6.0f} ms   "
          f"max {max(idle) * 1000:6.0f} ms  (n={len(idle)})")
    print(f"  small request, while one opens      p50 {pct(during, .5):6.0f} ms   p95 {pct(during, .95):6.0f} ms   "
          f"max {max(during) * 1000:6.0f} ms  (n={len(during)})")
    print(f"  load average {' '.join(f'{v:.2f}' for v in os.getloadavg())} (machine shared)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
