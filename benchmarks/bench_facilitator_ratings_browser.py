"""The facilitator page's refresh in Chromium with 300 participants who each rated 9 proposals × 10
criteria (issue 16: p95 under 1 s).

Starts `igviz serve` on a free port with a throwaway SQLite database, seeds a workshop of 9 proposals
whose round asks weights and ratings, and 300 participants (four stakeholder groups, two opinion
camps) who each submit weights and all 90 ratings (10 % "don't know"), through the store as the pages
do. Round 2 has the same 300 again, so that the round history is on the page too. Then opens the
facilitator page at 1280 × 720 (results live: every card shown) and, for each measurement, one more
participant submits (through the store, in this process) and the page is timed until its refresh is
complete in the browser:

  submit → first change:  from the submission to the first DOM change (the page polls the database
                          every 500 ms, so up to half a second of this is the poll's wait);
  submit → refresh done:  to the last DOM change of that refresh (the page then sends nothing for
                          1.5 s): every card redrawn, what the projector shows;
  refresh on the server:  FacilitatorBoard.refresh() timed in the same process beside the page
                          (the same store and data, no browser): the computation.

Prints median and p95 and the machine's load; it never fails.

    python benchmarks/bench_facilitator_ratings_browser.py [--participants 300] [--measure 15]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402
from browser_support import SHADOW_HELPERS, WORKSHOP_APPS, launch_chromium, panel_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

TARGET_P95_S = 1.0
GROUPS = ["civil_society", "government", "private_sector", "technical_academic"]

# Records the time of every DOM change in any shadow root (Panel renders each pane in one).
OBSERVE = SHADOW_HELPERS + """
window.__changes = [];
window.__observe = () => {
    if (window.__observer) window.__observer.disconnect();
    const obs = new MutationObserver(() => window.__changes.push(Date.now()));
    for (const root of [document, ...window.__shadowRoots()])
        obs.observe(root, {subtree: true, childList: true, characterData: true});
    window.__observer = obs;
};
"""


def percentile(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, int(round(q * (len(s) - 1))))]


def report(label, values):
    print(f"{label:<28} median {statistics.median(values):6.2f} s   p95 {percentile(values, 0.95):6.2f} s   "
          f"(n={len(values)})")


def one_submission(rng, criteria, cells, camp):
    weights = {c: float(np.clip(rng.normal(5 + (3 if camp and i < 3 else 0), 2), 0, 10)) for i, c in enumerate(criteria)}
    ratings = {}
    for k, (p, c) in enumerate(cells):
        if rng.random() < 0.1:
            continue  # "don't know"
        shift = (2 if camp else -2) if k % 7 == 0 else 0
        ratings.setdefault(p, {})[c] = float(np.clip(round(5 + shift + rng.normal(0, 2)), 0, 10))
    return weights, ratings


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--participants", type=int, default=300)
    parser.add_argument("--measure", type=int, default=15)
    args = parser.parse_args()
    data = igviz.load_dataset()
    criteria = data.default_framework.criterion_ids
    proposals = list(data.proposals)[:9]
    cells = [(p, c) for p in proposals for c in criteria]
    rng = np.random.default_rng(0)
    folder = tempfile.TemporaryDirectory(prefix="igviz-bench-")
    url = f"sqlite:///{folder.name}/workshops.sqlite"
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    created = new_workshop(store, data, "Benchmark: 300 raters", proposals=proposals, groups=GROUPS)
    code, key = created.workshop.code, created.secret
    store.set_results_live(code, key, True)
    store.set_round_asks(code, key, "both")  # each participant chooses: all 90 cells here
    t0 = time.perf_counter()
    tokens = [store.join(code, GROUPS[i % 4], f"p{i}") for i in range(args.participants + args.measure + 2)]
    seeded, extra = tokens[:args.participants], tokens[args.participants:]
    for number in (1, 2):
        if number == 2:
            store.close_round(code, key)
            store.open_round(code, key, asks="both")
        for i, token in enumerate(seeded):
            weights, ratings = one_submission(rng, criteria, cells, i % 2)
            store.submit(token, weights, ratings=ratings)
    print(f"seeded 2 rounds × {args.participants} participants × {len(cells)} ratings in {time.perf_counter() - t0:.0f} s")

    # The server-side refresh alone, in this process (the page's own code, no browser).
    from igviz.pages.facilitator import FacilitatorBoard
    board = FacilitatorBoard(store, data, code, key)
    server_times = []
    for _ in range(5):
        t = time.perf_counter()
        board.refresh()
        server_times.append(time.perf_counter() - t)

    first, done = [], []
    with panel_server(WORKSHOP_APPS, url) as server, sync_playwright() as p:
        browser = launch_chromium(p)
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        page.add_init_script(OBSERVE)
        page.goto(f"{server.base}/facilitator?code={code}&key={key}")
        page.locator("table.igviz-convergence").wait_for(timeout=180_000)
        page.wait_for_timeout(3000)
        for n, token in enumerate(extra):
            page.evaluate("window.__changes = []; window.__observe()")
            before = time.time() * 1000
            weights, ratings = one_submission(rng, criteria, cells, n % 2)
            store.submit(token, weights, ratings=ratings)
            # Wait for the refresh, then for 1.5 s of quiet.
            deadline = time.time() + 30
            while time.time() < deadline:
                page.wait_for_timeout(250)
                changes = page.evaluate("window.__changes")
                if changes and time.time() * 1000 - changes[-1] > 1500:
                    break
            changes = page.evaluate("window.__changes")
            if not changes:
                print("  no change seen within 30 s")
                continue
            if n >= 2:  # the first two are warm-up
                first.append((changes[0] - before) / 1000)
                done.append((changes[-1] - before) / 1000)
        browser.close()
    store.dispose()
    print(f"load average {', '.join(f'{v:.2f}' for v in os.getloadavg())} on {os.cpu_count()} cores")
    print(f"facilitator page, {args.participants} participants × {len(cells)} ratings, 2 rounds, 1280 × 720:")
    report("submit → first change", first)
    report("submit → refresh done", done)
    report("refresh on the server", server_times)
    print(f"target: refresh done p95 under {TARGET_P95_S:.0f} s: "
          f"{'met' if done and percentile(done, 0.95) < TARGET_P95_S else 'NOT met'}")


if __name__ == "__main__":
    main()
