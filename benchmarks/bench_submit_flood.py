"""A submission flood: how long a real participant's Submit takes while 100 bots each submit once a second.

Issue #18: 100 bots re-submitting once a second kept the server at 100 % of a core and a real
participant's Submit went from 0.05 s to 3.1 s (median). Target: a real Submit answered within 1 s.

Starts `igviz serve` on 127.0.0.1 with its own SQLite file, makes a workshop with the bots and the
real participants already joined (straight through the store: the join flood is another test), then
for --seconds:
- each bot POSTs the light page's Submit (/lite, the cheapest page to flood) once a second, on its own
  schedule, from its own loopback address (127.0.0.2, 127.0.0.3, ...), so the server sees 100
  different clients, as from a botnet: the per-address limits do not help, only the per-participant
  ones and the cost of each request;
- --real participants (from 127.0.1.x) each press Submit every --real-every seconds (staggered),
  with weights of their own, and their round-trip time is recorded.
Before the flood the same real participants submit once each with no bots, for the baseline.

Prints the real participants' Submit latency (p50, p95, max) without and with the flood, what the
bots were answered (200 stored, 429 refused by the rate limits, other), the server's CPU use and the
machine's load average (the machine is shared: the load says how busy it was). Never fails on a
missed target.

    python benchmarks/bench_submit_flood.py [--bots 100] [--seconds 30] [--real 10] [--real-every 10]
        [--limits default|off] [--port 5190]

--limits off serves with every rate limit off (IGVIZ_LIMIT_*=off), which is what the server did
before #18: each bot submission is then stored and answered with a full page.
"""

from __future__ import annotations

import argparse
import http.client
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from pathlib import Path


def percentile(values, q):
    values = sorted(values)
    if not values:
        return float("nan")
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


XSRF = {"cookie": "", "token": ""}  # the page's form token and its cookie, as a browser holds them


def fetch_xsrf(port: int, code: str, token: str) -> None:
    """Open the light page once, as every phone does before its first Submit, and keep the form's
    token and cookie: the server refuses (403) a post without them. A token stays valid for any
    number of posts, so one pair serves every client here; the server's work per post is the same."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request("GET", f"/lite?{urllib.parse.urlencode({'code': code, 'p': token})}")
        response = connection.getresponse()
        page = response.read().decode("utf-8")
        cookies = [c.split(";")[0] for c in response.headers.get_all("Set-Cookie") or []]
    finally:
        connection.close()
    XSRF["cookie"] = next(c for c in cookies if c.startswith("_xsrf="))
    XSRF["token"] = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)


def submit(port: int, source: str, code: str, token: str, weights: dict, comment: str = "") -> tuple[int, float]:
    form = {**{f"w.{c}": str(v) for c, v in weights.items()}, "p": token, "action": "submit", "comment": comment,
            "_xsrf": XSRF["token"]}
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60, source_address=(source, 0))
    try:
        connection.request("POST", f"/lite?{urllib.parse.urlencode({'code': code, 'p': token})}",
                           body=urllib.parse.urlencode(form),
                           headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": XSRF["cookie"]})
        response = connection.getresponse()
        response.read()
        return response.status, time.perf_counter() - started
    except OSError:
        return -1, time.perf_counter() - started
    finally:
        connection.close()


def wait_until_up(port: int, process: subprocess.Popen, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("igviz serve ended early (see its log)")
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/lite")
            if connection.getresponse().status == 200:
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("igviz serve did not answer within the time allowed")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--bots", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--real", type=int, default=10, help="real participants")
    parser.add_argument("--real-every", type=float, default=10, help="seconds between one real participant's Submits")
    parser.add_argument("--limits", choices=["default", "off"], default="default")
    parser.add_argument("--port", type=int, default=5190)
    parser.add_argument("--bot-addresses", choices=["many", "one"], default="many",
                        help="each bot from its own address (a botnet; the default), or all from one (one script)")
    args = parser.parse_args(argv)

    import igviz
    from igviz.workshop import WorkshopStore, new_workshop

    folder = Path(tempfile.mkdtemp(prefix="igviz-flood-"))
    url = f"sqlite:///{folder / 'flood.sqlite'}"
    dataset = igviz.load_dataset()
    store = WorkshopStore(url)
    created = new_workshop(store, dataset, "Flood")
    code = created.workshop.code
    groups = created.workshop.groups
    bots = [store.join(code, groups[i % len(groups)], f"Bot {i}") for i in range(args.bots)]
    reals = [store.join(code, groups[i % len(groups)], f"Real {i}") for i in range(args.real)]
    store.dispose()
    criteria = dataset.default_framework.criterion_ids

    env = {k: v for k, v in os.environ.items() if not k.startswith("IGVIZ_LIMIT_")}
    env["IGVIZ_DATABASE_URL"] = url
    if args.limits == "off":
        env.update({f"IGVIZ_LIMIT_{name}": "off" for name in ("JOIN_PER_ADDRESS", "JOIN_PER_WORKSHOP",
                                                              "SUBMIT_PER_PARTICIPANT", "SUBMIT_PER_ADDRESS")})
    # The server's output goes to a file: an unread pipe fills up and then blocks the server's logging.
    log = open(folder / "serve.log", "w")
    server = subprocess.Popen([sys.executable, "-m", "igviz", "serve", "--address", "127.0.0.1", "--port",
                               str(args.port), "--db", url], env=env, stdout=log, stderr=subprocess.STDOUT, text=True)
    try:
        wait_until_up(args.port, server)
        fetch_xsrf(args.port, code, reals[0])
        # Warm-up: one submission runs every code path once.
        submit(args.port, "127.0.1.250", code, reals[0], {c: 5 for c in criteria})
        time.sleep(1.5)

        def real_weights(i, k):
            return {c: (i + k + j) % 11 for j, c in enumerate(criteria)} | {criteria[0]: 10}

        baseline = []
        for i, token in enumerate(reals):
            status, seconds = submit(args.port, f"127.0.1.{i + 1}", code, token, real_weights(i, 0))
            baseline.append(seconds)
        # The server's CPU per request, one at a time (CPU time hardly depends on how busy the machine
        # is, unlike wall time): a stored submission (each bot once), and a refused one (one bot
        # beyond its burst; with --limits off these are stored too).
        costs = {}
        burst = 3  # LimitSettings.submit_per_participant
        for kind, tokens in (("stored", bots[:40]), ("refused", [bots[-1]] * (40 + burst))):
            before = cpu_seconds(server.pid)
            answered = [submit(args.port, "127.0.3.1" if kind == "refused" else f"127.0.2.{k + 1}", code, t,
                               {c: 6 for c in criteria}, "cost")[0] for k, t in enumerate(tokens)]
            counted = answered[burst:] if kind == "refused" else answered  # the burst is stored
            costs[kind] = ((cpu_seconds(server.pid) - before) / len(tokens), sorted(set(counted)))
        time.sleep(args.real_every)  # the real participants' own limits start afresh

        stop = threading.Event()
        bot_status: dict[int, int] = {}
        lock = threading.Lock()

        def bot(i: int, token: str):
            source = f"127.0.{2 + i // 250}.{2 + i % 250}" if args.bot_addresses == "many" else "127.0.9.9"
            next_at = time.monotonic() + (i / max(1, args.bots))  # spread over the first second
            while not stop.is_set():
                delay = next_at - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
                status, _seconds = submit(args.port, source, code, token, {c: 7 for c in criteria}, "bot")
                with lock:
                    bot_status[status] = bot_status.get(status, 0) + 1
                next_at += 1.0

        flood, flood_status, flood_when = [], {}, []

        def real(i: int, token: str):
            next_at = time.monotonic() + 2 + i * args.real_every / max(1, args.real)
            k = 1
            while not stop.is_set():
                delay = next_at - time.monotonic()
                if delay > 0 and stop.wait(delay):
                    return
                sent_at = time.monotonic() - started
                status, seconds = submit(args.port, f"127.0.1.{i + 1}", code, token, real_weights(i, k))
                with lock:
                    flood.append(seconds)
                    flood_when.append((sent_at, seconds))
                    flood_status[status] = flood_status.get(status, 0) + 1
                k += 1
                next_at += args.real_every

        threads = [threading.Thread(target=bot, args=(i, t), daemon=True) for i, t in enumerate(bots)]
        threads += [threading.Thread(target=real, args=(i, t), daemon=True) for i, t in enumerate(reals)]
        cpu_before, started = cpu_seconds(server.pid), time.monotonic()
        for t in threads:
            t.start()
        time.sleep(args.seconds)
        stop.set()
        for t in threads:
            t.join(60)
        elapsed = time.monotonic() - started
        cpu = cpu_seconds(server.pid) - cpu_before
        load = os.getloadavg()
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()

    def line(name, values):
        return (f"{name:<34} n={len(values):<4} p50 {percentile(values, .5) * 1000:7.0f} ms   p95 "
                f"{percentile(values, .95) * 1000:7.0f} ms   max {max(values, default=float('nan')) * 1000:7.0f} ms")

    print(f"Submission flood: {args.bots} bots each submitting once a second through /lite from "
          f"{'their own addresses' if args.bot_addresses == 'many' else 'one address'}, for {args.seconds:.0f} s; "
          f"limits {args.limits}; {os.cpu_count()} cores")
    print(line("real Submit, no flood", baseline))
    print(line("real Submit, during the flood", flood))
    print(f"  real participants answered: {dict(sorted(flood_status.items()))} (200 = stored)")
    early = [s for at, s in flood_when if at < 10]
    late = [s for at, s in flood_when if at >= 10]
    print("  " + line("in the flood's first 10 s", early).strip())
    print("  " + line("after its first 10 s", late).strip())
    sent = sum(bot_status.values())
    print(f"  bots sent {sent} ({sent / elapsed:.0f}/s), answered: {dict(sorted(bot_status.items()))} "
          "(200 stored, 400 store's 1 s minimum, 429 rate limit)")
    print(f"  server CPU: {cpu:.1f} s in {elapsed:.0f} s = {cpu / elapsed:.0%} of a core; "
          f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} (machine shared)")
    stored, refused = costs["stored"][0], costs["refused"][0]
    print(f"  server CPU per request, one at a time: stored submission {stored * 1000:.1f} ms; a bot past its "
          f"burst {refused * 1000:.1f} ms (answered {costs['refused'][1]}; 429 = refused)")
    if args.limits == "default":
        # Steady state with the limits, bots on many addresses: each bot stores one submission every
        # 10 s, the rest are refused.
        per_second = args.bots * (0.1 * stored + 0.9 * refused)
        print(f"  so {args.bots} bots at one a second cost about {per_second:.0%} of a core with the limits "
              f"(without them {args.bots * stored:.0%}), leaving the rest for real participants")
    if args.limits == "default" and sent / elapsed < args.bots * 0.5:
        print(f"  note: the bots wait for each answer, so a slow server slows them down: they sent "
              f"{sent / elapsed:.0f}/s rather than {args.bots}/s, below the per-participant limit, so nothing was "
              "refused and every request was a stored submission. The per-request CPU figures above are what "
              "to compare across machines.")
    if set(flood_status) != {200}:
        # A refused Submit is answered fast: its latency says nothing about a stored one's.
        print("  INVALID: not every real Submit was stored, so these latencies are not a real participant's")
    print(f"  target: real Submit p50 within 1 s -> {'met' if percentile(flood, .5) <= 1 else 'NOT met'}; "
          f"p95 {'within' if percentile(flood, .95) <= 1 else 'over'} 1 s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
