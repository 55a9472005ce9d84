"""Bytes a phone transfers to rate on the page a join link opens (/lite), and what pages left open cost.

Serves the pages (as scripts/serve does) on a fresh SQLite file and drives Debian's Chromium at
390 × 844 with touch, JavaScript on, counting every byte with Chrome's own network accounting
(as bench_lite_bytes.py: encoded bytes on the wire, headers included, browser cache off: the
worst case). Issue #17's budget is 150 kB from join to submit. Prints figures; never fails.

    python benchmarks/bench_rating_phone.py [WAITING]   (WAITING pages left open, default 300)

(i)   a round asking for weights and ratings, each participant choosing what to rate (every
      proposal × criterion offered): open the join link, join, move a weight, choose the UN
      committee from the list, rate one criterion, "Done", choose the MIPC, "Done", submit.
(ii)  a round asking for ratings of two named cells only: join, rate, "Done" twice, submit.
(iii) WAITING pages left open on the long poll (lite-poll, answered when the round changes, else
      after 25 s): the server process's CPU (user + system, from /proc) over one full wait,
      as a share of one core, and per poll.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_explorer_browser import Traffic  # noqa: E402
from bench_lite_bytes import PHONE_TARGET_KB, cpu_seconds, kb, settle  # noqa: E402
from browser_support import WORKSHOP_APPS, launch_chromium, panel_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

PHONE = dict(viewport={"width": 390, "height": 844}, device_scale_factor=2.75, is_mobile=True, has_touch=True)


def rate_on_phone(browser, base: str, code: str, choose: bool) -> dict[str, int]:
    context = browser.new_context(**PHONE)
    page = context.new_page()
    traffic = Traffic(context, page)
    steps = {}
    page.goto(f"{base}/lite?code={code}")
    steps["open the join link"] = settle(traffic)
    page.get_by_label("Your stakeholder group").select_option(label="Civil society")
    page.get_by_label("A pseudonym").fill("Phone")
    page.get_by_role("button", name="Join").tap()
    page.locator("article.card").wait_for()
    steps["join (form, redirect, page with the first card)"] = settle(traffic) - sum(steps.values())
    card = page.locator("article.card")
    for proposal in ("UN Committee", "MIPC"):
        if choose:
            page.locator("details.chooser summary").tap()
            page.locator("details.chooser button", has_text=proposal).tap()
            page.locator("article.card").wait_for()
        card.locator(".rate input[type=number]").first.fill("3")
        page.get_by_role("button", name="Done: next proposal").tap()
        page.locator("article.card").wait_for()
    steps["rate two proposals (each card a form post)"] = settle(traffic) - sum(steps.values())
    submit = page.locator("button[value=submit]")
    label = submit.inner_text()
    submit.tap()
    page.get_by_text("are in").wait_for()
    steps[f"submit ({label})"] = settle(traffic) - sum(steps.values())
    context.close()
    return steps


def waiting(base: str, pid: int, code: str, n: int) -> tuple[float, float, float]:
    url = f"{base}/lite-poll?code={code}"
    stamp = urllib.request.urlopen(url, timeout=30).read().decode()
    url += "&since=" + urllib.parse.quote(stamp)
    c0, t0 = cpu_seconds(pid), time.perf_counter()
    threads = [threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=60).read()) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    c1, t1 = cpu_seconds(pid), time.perf_counter()
    return t1 - t0, c1 - c0, (c1 - c0) / n


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    dataset = igviz.load_dataset()
    url = f"sqlite:///{Path(os.environ.get('TMPDIR', '/tmp')) / f'bench-rating-{os.getpid()}.sqlite'}"
    with panel_server(WORKSHOP_APPS, url) as server:
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        chooses = new_workshop(store, dataset, "Bytes: choose what to rate")
        store.set_round_asks(chooses.workshop.code, chooses.secret, asks="both", rated=None)
        named = new_workshop(store, dataset, "Bytes: two named cells")
        store.set_round_asks(named.workshop.code, named.secret, asks="ratings",
                             rated={"un_committee": ["accountable"], "mipc": ["accountable"]})
        print(f"load average {os.getloadavg()[0]:.1f} (2 cores shared)")
        with sync_playwright() as p:
            browser = launch_chromium(p)
            for title, code, choose in (("weights and ratings, each chooses what to rate", chooses.workshop.code, True),
                                        ("ratings of two named cells", named.workshop.code, False)):
                steps = rate_on_phone(browser, server.base, code, choose)
                print(f"\n(i/ii) a phone, {title}:")
                for step, size in steps.items():
                    print(f"  {step:55s} {kb(size):>10s}")
                total = sum(steps.values())
                print(f"  {'join → submit (JavaScript on)':55s} {kb(total):>10s}   target ≤ {PHONE_TARGET_KB} kB: "
                      f"{'MET' if total <= PHONE_TARGET_KB * 1000 else 'NOT MET'}")
            browser.close()
        wall, cpu, per = waiting(server.base, server.proc.pid, chooses.workshop.code, n)
        print(f"\n(iii) {n} pages left open on the long poll for {wall:.1f} s: server CPU {cpu:.2f} s "
              f"= {100 * cpu / wall:.1f}% of one core; {1000 * per:.1f} ms per poll (one poll per page every ~26 s); "
              f"load average {os.getloadavg()[0]:.1f}")
        store.dispose()


if __name__ == "__main__":
    main()
