"""A room of 1,000 phones at once: joins, then submissions, on the light page; how soon does the facilitator see them?

    python benchmarks/bench_burst.py [--participants 1000] [--setups sqlite postgres]
        [--processes 2] [--join-spread 5] [--submit-spread 5]

Two set-ups (issue #17, "one small server holds 1,000 participants"):
- sqlite: one `igviz serve` process on a SQLite file, phones straight to it;
- postgres: `--processes` (default 2) `igviz serve --behind-proxy` processes on one throwaway PostgreSQL
  (tests/postgres_support.py), behind nginx started from the deployment recipe deploy/nginx.conf
  (tests/burst_support.py): /lite round robin, Panel pages hashed on the client address.

Per set-up, a new workshop; N simulated phones on /lite (plain HTTP forms, with the anti-forgery cookie
and field, as a browser without JavaScript sends them), each from its own loopback address
(127.1.x.y), as a venue's phones each have their own: each opens the join page, presses Join (the
join latency is from pressing Join to the weights page received: the post and its redirect), with
arrivals evenly over --join-spread seconds; once all have joined, each submits its own weights
(evenly over --submit-spread seconds; submit latency = press to acknowledgement). Meanwhile a
facilitator's poll reads the store's revision twice a second, as the facilitator page does, and the
submissions when it has changed: submit-to-facilitator = from a submission's acknowledgement to the
end of the first poll that saw it (0 when seen before the phone had its answer). Lost = acknowledged
but not stored with the weights sent. Errors = any answer other than the page expected (a refusal
429, a 5xx, a timeout), by kind.

Rate limits: the servers run with IGVIZ_LIMIT_JOIN_PER_WORKSHOP=1000/600 and
IGVIZ_MAX_PARTICIPANTS=1000 (tests/burst_support.py ROOM_SETTINGS), the settings the recipe gives
for a room of 1,000: by default a workshop takes 200 joins at once and 500 participants. The
per-address limits stay as they are: every phone has its own address.

The client (this script) runs on the same machine and takes CPU the servers would have in a real
room (each phone brings its own); the CPU seconds of the igviz processes, the machine's busy share
and its load average are printed so that a busy machine can be told from a slow server. Prints
figures beside the target (submit-to-facilitator p95 under 2 s, no errors, nothing lost); never fails
on a missed target.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
from contextlib import ExitStack
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from burst_support import (ROOM_SETTINGS, igviz_alone, igviz_behind_nginx, median, percentile,  # noqa: E402
                           process_cpu_seconds, run_burst)

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore  # noqa: E402

P95_TARGET_S = 2.0


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of the whole machine so far (/proc/stat), every tenant included."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]
    return sum(values) - idle, sum(values)


def report(name: str, result, cpu_s: float, busy: float, load_before, load_after, served: dict | None) -> None:
    ms = lambda v: f"{v * 1000:7.0f} ms"  # noqa: E731
    n = result.participants
    print(f"\n== {name}: {n} phones ==")
    print(f"  join page (the link)       p50 {ms(median(result.opened))}  p95 {ms(percentile(result.opened, 95))}")
    print(f"  join (press → page)        p50 {ms(median(result.joined))}  p95 {ms(percentile(result.joined, 95))}"
          f"   {len(result.joined)} joined in {result.join_wall_s:.1f} s")
    print(f"  submit (press → answer)    p50 {ms(median(result.submitted))}  p95 {ms(percentile(result.submitted, 95))}"
          f"   {len(result.submitted)} acknowledged in {result.submit_wall_s:.1f} s")
    p95 = percentile(result.to_facilitator, 95)
    print(f"  submit → facilitator       p50 {ms(median(result.to_facilitator))}  p95 {ms(p95)}"
          f"   target p95 < {P95_TARGET_S:g} s: {'met' if p95 < P95_TARGET_S else 'MISSED'}")
    errors = sum(result.errors.values())
    print(f"  errors                     {errors}" + "".join(f"\n      {k} × {v}" for k, v in result.errors.items()))
    print(f"  lost submissions           {len(result.lost)}   (acknowledged but never seen by the poll: {result.not_seen})")
    if result.poll_errors:
        print(f"  facilitator poll errors    {len(result.poll_errors)}: {result.poll_errors[0]}")
    print(f"  total time                 {result.total_s:.1f} s (first arrival → last submission seen)")
    print(f"  igviz server CPU           {cpu_s:.1f} s = {cpu_s / max(1, n) * 1000:.0f} ms per phone (join + submit,"
          " 4 requests)")
    print(f"  machine busy               {busy:.0%} of all cores during the burst (every tenant)")
    print(f"  load average (1 min)       {load_before:.2f} before, {load_after:.2f} after, on {os.cpu_count()} cores")
    if served is not None:
        print(f"  /lite requests per process {served}")


def run_sqlite(args, dataset) -> None:
    import tempfile

    folder = tempfile.TemporaryDirectory(prefix="igviz-burst-")
    url = f"sqlite:///{folder.name}/burst.sqlite"
    with igviz_alone(url, env=ROOM_SETTINGS) as server:
        store = WorkshopStore(url)
        try:
            measure("SQLite, one igviz process, no proxy", args, dataset, store, server.port, [server.proc.pid], None)
        finally:
            store.dispose()
    folder.cleanup()


def run_postgres(args, dataset) -> None:
    from postgres_support import temporary_postgres

    with ExitStack() as stack:
        url = stack.enter_context(temporary_postgres())
        nginx, servers = stack.enter_context(igviz_behind_nginx(url, args.processes, env=ROOM_SETTINGS))
        store = WorkshopStore(url)
        stack.callback(store.dispose)
        measure(f"PostgreSQL, {args.processes} igviz processes behind nginx", args, dataset, store, nginx.port,
                [s.proc.pid for s in servers], nginx)


def measure(name, args, dataset, store, port, pids, nginx) -> None:
    load_before = os.getloadavg()[0]
    cpu_before = sum(process_cpu_seconds(p) for p in pids)
    busy_before = machine_busy()
    result = run_burst(port, store, dataset, args.participants, args.join_spread, args.submit_spread,
                       title=f"Burst {name}")
    busy_after = machine_busy()
    cpu = sum(process_cpu_seconds(p) for p in pids) - cpu_before
    busy = (busy_after[0] - busy_before[0]) / max(1, busy_after[1] - busy_before[1])
    report(name, result, cpu, busy, load_before, os.getloadavg()[0], nginx.served_by("/lite") if nginx else None)
    if nginx is not None and result.errors:
        print("  nginx's error log (why it answered with an error), by kind:")
        kinds: dict[str, int] = {}
        for line in nginx.error_log(limit=None).splitlines():
            kind = re.sub(r"^\S+ \S+ \[(\w+)\] \d+#\d+: \*\d+ ", r"[\1] ", line).split(", client:")[0]
            kinds[kind] = kinds.get(kind, 0) + 1
        for kind, count in sorted(kinds.items(), key=lambda kv: -kv[1])[:8]:
            print(f"      {kind} × {count}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=1000)
    parser.add_argument("--setups", nargs="+", choices=["sqlite", "postgres"], default=["sqlite", "postgres"])
    parser.add_argument("--processes", type=int, default=2, help="igviz processes behind nginx (postgres set-up)")
    parser.add_argument("--join-spread", type=float, default=5.0, help="seconds over which the phones arrive")
    parser.add_argument("--submit-spread", type=float, default=5.0, help="seconds over which they submit")
    args = parser.parse_args()
    dataset = igviz.load_dataset()
    print(f"bench_burst: {args.participants} phones, joins over {args.join_spread:g} s, then submissions over "
          f"{args.submit_spread:g} s; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores; "
          f"servers with {' '.join(f'{k}={v}' for k, v in ROOM_SETTINGS.items())}")
    started = time.monotonic()
    for setup in args.setups:
        {"sqlite": run_sqlite, "postgres": run_postgres}[setup](args, dataset)
    print(f"\n(whole run {time.monotonic() - started:.0f} s)")


if __name__ == "__main__":
    main()
