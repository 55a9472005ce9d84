"""Bytes to take part from the light page (/lite) against the full participant page.

Serves the dashboards and the light page (as scripts/serve does) on a fresh SQLite file and
drives Debian's Chromium, counting every byte the page transfers with Chrome's own network
accounting (CDP Network.loadingFinished encodedDataLength: as sent on the wire, headers
included; plus websocket payloads for the full page). Target (issue #8): loading the light
page and submitting from it under 100 kB in total. Prints figures; never fails.

    python benchmarks/bench_lite_bytes.py

(i)  light: with JavaScript switched off, as on an old phone: open /lite?code=…, join (the
     form's POST and its redirect), submit the weights (POST); each step's bytes.
(ii) full: a participant already joined opens /participant?code=…&p=… until their ranking
     shows, then submits; HTTP bytes (mostly Bokeh and Panel JavaScript) and websocket bytes.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_explorer_browser import Traffic  # noqa: E402
from browser_support import RANKING_ROWS, WORKSHOP_APPS, launch_chromium, panel_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

TARGET_KB = 100


def kb(n: int) -> str:
    return f"{n / 1000:.1f} kB"


def settle(traffic: Traffic, quiet_s: float = 0.5) -> int:
    """Total bytes once nothing more has arrived for a moment."""
    last, since = -1, time.monotonic()
    while time.monotonic() - since < quiet_s:
        total = traffic.http + traffic.ws_in + traffic.ws_out
        if total != last:
            last, since = total, time.monotonic()
        time.sleep(0.05)
    return last


def light(browser, base: str, code: str) -> dict[str, int]:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 320, "height": 568})
    page = context.new_page()
    traffic = Traffic(context, page)
    steps = {}
    page.goto(f"{base}/lite?code={code}")
    steps["open the join page"] = settle(traffic)
    page.get_by_label("Your stakeholder group").select_option(label="Civil society")
    page.get_by_label("A pseudonym").fill("Old phone")
    page.get_by_role("button", name="Join").click()
    page.get_by_label("Human rights").wait_for()
    steps["join (form, redirect, weights page)"] = settle(traffic) - sum(steps.values())
    page.get_by_label("Human rights").fill("10")
    page.get_by_role("button", name="Submit my weights").click()
    page.get_by_text("your weights are in").wait_for()
    steps["submit (form and answer)"] = settle(traffic) - sum(steps.values())
    context.close()
    return steps


def full(browser, base: str, code: str, token: str) -> dict[str, int]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    traffic = Traffic(context, page)
    page.goto(f"{base}/participant?code={code}&p={token}")
    page.locator(RANKING_ROWS).first.wait_for(timeout=60_000)
    page.locator("canvas").first.wait_for(timeout=60_000)
    loaded = settle(traffic, 1.0)
    page.get_by_role("button", name="Submit my weights").click()
    page.get_by_text("your weights are in").wait_for()
    total = settle(traffic, 1.0)
    context.close()
    return {"load (HTTP + websocket)": loaded, "submit (websocket)": total - loaded}


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/workshops.sqlite"
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        created = new_workshop(store, igviz.load_dataset(), "Bytes")
        code = created.workshop.code
        token = store.join(code, "government", "Full page")
        with panel_server(WORKSHOP_APPS, url) as server, sync_playwright() as p:
            browser = launch_chromium(p)
            full(browser, server.base, code, store.join(code, "government", "warm-up"))  # the app's first session
            lite_steps = light(browser, server.base, code)
            full_steps = full(browser, server.base, code, token)
            browser.close()
        store.dispose()
    lite_total, full_total = sum(lite_steps.values()), sum(full_steps.values())
    print("Light page (/lite, no JavaScript):")
    for step, n in lite_steps.items():
        print(f"  {step:40s} {kb(n):>10s}")
    print(f"  {'total':40s} {kb(lite_total):>10s}   target < {TARGET_KB} kB: "
          f"{'met' if lite_total < TARGET_KB * 1000 else 'MISSED'}")
    print("Full participant page (/participant):")
    for step, n in full_steps.items():
        print(f"  {step:40s} {kb(n):>10s}")
    print(f"  {'total':40s} {kb(full_total):>10s}   ({full_total / max(lite_total, 1):.0f}× the light page)")


if __name__ == "__main__":
    main()
