"""A hostile link and a locked database: does the rest of the server keep answering?

Starts `igviz serve` on a free port (SQLite in a temporary folder) and measures, over HTTP:

(1) a small request (GET /lite, the light page's code form) on its own: the baseline;
(2) the same request while a 48 kB hostile link (/explorer?compare=p0000,…,p7999) is being
    served: each round sends the hostile GET, waits --lag seconds, then the small one; and, for
    comparison, the same with a plain /explorer (Panel builds every explorer session on the event
    loop, about a second of CPU: what any page load costs the others, link or not);
(3) the same request while a /lite submission waits for SQLite's write lock, held by another
    connection (as a backup tool or a stuck process might): the submission waits up to the
    busy timeout and is then told the database is busy (503); the small request should not wait.

Prints median and p95 (ms) of the small request in each case, the hostile link's own time and
the submission's answer, and the machine's load average (the machine is shared: read the
figures beside it). It never fails on a slow figure, only on a setup that cannot run.

    python benchmarks/bench_hostile_link.py [--rounds 15] [--lag 0.2]

Before #18's fixes: a 48 kB link took 26 s and the small request waited up to 28 s; with the
lock held, every request waited up to 30 s (the busy timeout, on the event loop).
"""

from __future__ import annotations

import argparse
import os
import re
import sqlite3
import statistics
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from browser_support import WORKSHOP_APPS, panel_server  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

HOSTILE = "explorer?compare=" + ",".join(f"p{i:04d}" for i in range(8000))


def timed_get(base: str, path: str, timeout: float = 120) -> tuple[float, int]:
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(f"{base}/{path}", timeout=timeout) as r:
            r.read()
            status = r.status
    except urllib.error.HTTPError as e:
        status = e.code
    return time.perf_counter() - start, status


def summary(seconds: list[float]) -> str:
    ms = sorted(s * 1000 for s in seconds)
    p95 = ms[min(len(ms) - 1, int(round(0.95 * (len(ms) - 1))))]
    return f"median {statistics.median(ms):7.1f} ms   p95 {p95:7.1f} ms   max {ms[-1]:7.1f} ms   (n={len(ms)})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--lag", type=float, default=0.2, help="seconds between the hostile request and the small one")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="igviz-bench-link-"))
    path = folder / "workshops.sqlite"
    url = f"sqlite:///{path}"
    print(f"hostile link: {len(HOSTILE) + 1:,} characters; load average before: {os.getloadavg()}")
    with panel_server(WORKSHOP_APPS, url) as server:
        base = server.base
        for _ in range(3):  # warm-up: every page once
            timed_get(base, "lite"), timed_get(base, "explorer")
        alone = [timed_get(base, "lite")[0] for _ in range(args.rounds)]
        print(f"(1) GET /lite alone:                         {summary(alone)}")

        for label, link in (("a 48 kB link", HOSTILE), ("a plain /explorer", "explorer")):
            during, served = [], []
            for _ in range(args.rounds):
                result = {}
                t = threading.Thread(target=lambda: result.update(h=timed_get(base, link)))
                t.start()
                time.sleep(args.lag)
                during.append(timed_get(base, "lite")[0])
                t.join()
                served.append(result["h"][0])
            print(f"(2) GET /lite while {label} is served: {summary(during)}")
            print(f"    {label} itself:                 {summary(served)}  status {result['h'][1]}")

        store = WorkshopStore(url, min_seconds_between_submissions=0)
        created = new_workshop(store, igviz.load_dataset(), "Bench")
        code = created.workshop.code
        token = store.join(code, "civil_society", "Bench")
        criteria = igviz.load_dataset().default_framework.criterion_ids
        jar = CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        where = f"{base}/lite?code={code}&p={token}"
        page = opener.open(where, timeout=60).read().decode()
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page).group(1)
        form = urllib.parse.urlencode({**{f"w.{c}": "5" for c in criteria}, "p": token, "action": "submit",
                                       "comment": "bench", "_xsrf": xsrf}).encode()
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        answer = {}

        def submit():
            start = time.perf_counter()
            try:
                with opener.open(where, data=form, timeout=120) as r:
                    answer.update(status=r.status)
            except urllib.error.HTTPError as e:
                answer.update(status=e.code)
            answer["seconds"] = time.perf_counter() - start
        t = threading.Thread(target=submit)
        t.start()
        time.sleep(args.lag)
        locked = []
        while t.is_alive() and len(locked) < args.rounds:
            locked.append(timed_get(base, "lite")[0])
        t.join()
        other.execute("ROLLBACK")
        other.close()
        store.dispose()
        print(f"(3) GET /lite while a submission waits for a locked database: {summary(locked)}")
        print(f"    the submission: status {answer.get('status')} after {answer.get('seconds', 0):.1f} s")
    print(f"load average after: {os.getloadavg()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
