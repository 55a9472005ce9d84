"""Bytes and server CPU to take part from the page a join link opens (/lite), against the full page.

Serves the dashboards and the light page (as scripts/serve does) on a fresh SQLite file and
drives Debian's Chromium, counting every byte the page transfers with Chrome's own network
accounting (CDP Network.loadingFinished encodedDataLength: as sent on the wire, headers
included; plus websocket payloads for the full page; the browser cache is off, so every page
fetches its stylesheet and script again: the worst case). Targets: issue #8, the light page
without JavaScript under 100 kB; issue #17, a phone with JavaScript from join to submit at
most 150 kB, and at most 20 ms of server CPU per join. Prints figures; never fails.

    python benchmarks/bench_lite_bytes.py [JOINS] [--cpu]   (JOINS for the CPU figures, default 200;
                                                            --cpu: only those, no browser)

(i)  light: with JavaScript switched off, as on an old phone: open /lite?code=…, join (the
     form's POST and its redirect), submit the weights (POST); each step's bytes.
(ii) phone: JavaScript on, 390 × 844 with touch: the join link (/lite?code=…), join, move
     one slider (the ranking and radar follow in the browser), submit; each step's bytes.
(iii) server CPU: JOINS participants, one after another, each fetching the join page, the
     stylesheet and script, joining (POST, redirect, weights page) and submitting (POST), over
     plain HTTP (what a browser sends; its script costs the server nothing). The server
     process's own CPU time (user + system, from /proc, in 10 ms ticks: averaged over many
     joins) for the arrival (join link → weights page: "per join", issue #17's 20 ms, against
     the full page's 0.26 s to open a session) and for the submission, after a warm-up of 20
     joins; with the wall time per participant (p50/p95).
(iv) full: a participant already joined opens /participant?code=…&p=… until their ranking
     shows, then submits; HTTP bytes (mostly Bokeh and Panel JavaScript) and websocket bytes.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from bench_explorer_browser import Traffic  # noqa: E402
from browser_support import RANKING_ROWS, WORKSHOP_APPS, launch_chromium, panel_server  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

TARGET_KB = 100
PHONE_TARGET_KB = 150
CPU_TARGET_MS = 20


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


def phone(browser, base: str, code: str) -> dict[str, int]:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2.75, is_mobile=True,
                                  has_touch=True)
    page = context.new_page()
    traffic = Traffic(context, page)
    steps = {}
    page.goto(f"{base}/lite?code={code}")
    steps["open the join link"] = settle(traffic)
    page.get_by_label("Your stakeholder group").select_option(label="Civil society")
    page.get_by_label("A pseudonym").fill("Phone")
    page.get_by_role("button", name="Join").tap()
    page.locator("#radar svg").wait_for()
    steps["join (form, redirect, weights page)"] = settle(traffic) - sum(steps.values())
    slider = page.get_by_role("slider", name="Human rights")
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    steps["move a slider (ranking in the browser)"] = settle(traffic) - sum(steps.values())
    page.get_by_role("button", name="Submit my weights").tap()
    page.get_by_text("your weights are in").wait_for()
    page.locator("#radar svg").wait_for()
    steps["submit (form and answer)"] = settle(traffic) - sum(steps.values())
    context.close()
    return steps


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (its own, not its children's)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


HIDDEN = re.compile(r"<input type=[\"']hidden[\"'] name=[\"']([^\"']+)[\"'] value=[\"']([^\"']*)[\"']")
ASSET = re.compile(r"(?:href|src)=[\"'](igviz-static/[^\"']+)[\"']")


def one_join(base: str, code: str, n: int, clock=lambda: 0.0) -> tuple[float, float]:
    """What a phone sends from the join link to its submission, over HTTP with its own cookies.

    Returns the server's CPU seconds (read with `clock`) spent on the arrival (join link to the
    weights page) and on the submission."""
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))

    def get(url: str, form: dict | None = None) -> tuple[str, str]:
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        with opener.open(url, data=data, timeout=30) as r:
            return r.read().decode("utf-8"), r.url

    start = clock()
    page, _ = get(f"{base}/lite?code={code}")
    for asset in set(ASSET.findall(page)):
        get(f"{base}/{asset}")
    form = dict(HIDDEN.findall(page))  # the form's own hidden fields, whatever they are (a CSRF token too)
    page, url = get(f"{base}/lite?code={code}", {**form, "group": "civil_society", "pseudonym": f"P{n}"})
    if "w.human_rights" not in page:
        raise RuntimeError(f"join {n} did not reach the weights page: {url}")
    joined = clock()
    fields = dict(HIDDEN.findall(page))
    weights = {name: "5" for name in re.findall(r"name=[\"'](w\.[^\"']+)[\"']", page)}
    page, _ = get(url.split("&joined")[0], {**fields, **weights, "w.human_rights": "10", "comment": "",
                                             "action": "submit"})
    if "your weights are in" not in page:
        raise RuntimeError(f"submission {n} was not taken")
    return joined - start, clock() - joined


def server_cpu(base: str, pid: int, code: str, joins: int) -> dict:
    for n in range(20):
        one_join(base, code, -n - 1)  # warm-up: templates compiled, assessments pooled
    walls, arrive, submit = [], 0.0, 0.0
    for n in range(joins):
        t = time.perf_counter()
        a, b = one_join(base, code, n, lambda: cpu_seconds(pid))
        walls.append(time.perf_counter() - t)
        arrive, submit = arrive + a, submit + b
    walls.sort()
    return {"join_ms": arrive / joins * 1000, "submit_ms": submit / joins * 1000, "joins": joins,
            "p50_ms": statistics.median(walls) * 1000, "p95_ms": walls[int(0.95 * (len(walls) - 1))] * 1000}


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


def main(joins: int = 200, browsers: bool = True) -> None:
    # One machine plays every participant, from one address, far faster than a room: the rate limits
    # (igviz/workshop/limits.py) would refuse most of it, so the server runs with them out of the way.
    for name in ("JOIN_PER_ADDRESS", "JOIN_PER_WORKSHOP", "SUBMIT_PER_ADDRESS", "SUBMIT_PER_PARTICIPANT"):
        os.environ.setdefault(f"IGVIZ_LIMIT_{name}", "1000000/1000000")
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/workshops.sqlite"
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        created = new_workshop(store, igviz.load_dataset(), "Bytes")
        code = created.workshop.code
        token = store.join(code, "government", "Full page")
        with panel_server(WORKSHOP_APPS, url) as server, sync_playwright() as p:
            if not browsers:  # `--cpu`: the server CPU figures only
                cpu = server_cpu(server.base, server.proc.pid, code, joins)
                print_cpu(cpu)
                store.dispose()
                return
            browser = launch_chromium(p)
            full(browser, server.base, code, store.join(code, "government", "warm-up"))  # the app's first session
            lite_steps = light(browser, server.base, code)
            phone_steps = phone(browser, server.base, code)
            full_steps = full(browser, server.base, code, token)
            browser.close()
            cpu = server_cpu(server.base, server.proc.pid, new_workshop(store, igviz.load_dataset(), "CPU").workshop.code,
                             joins)
        store.dispose()
    lite_total, full_total = sum(lite_steps.values()), sum(full_steps.values())
    print("Light page (/lite, no JavaScript):")
    for step, n in lite_steps.items():
        print(f"  {step:40s} {kb(n):>10s}")
    print(f"  {'total':40s} {kb(lite_total):>10s}   target < {TARGET_KB} kB: "
          f"{'met' if lite_total < TARGET_KB * 1000 else 'MISSED'}")
    phone_total = sum(phone_steps.values())
    print("Phone, JavaScript on, 390 × 844 (/lite: the page a join link opens):")
    for step, n in phone_steps.items():
        print(f"  {step:40s} {kb(n):>10s}")
    print(f"  {'total, join → submit':40s} {kb(phone_total):>10s}   target ≤ {PHONE_TARGET_KB} kB: "
          f"{'met' if phone_total <= PHONE_TARGET_KB * 1000 else 'MISSED'}")
    print_cpu(cpu)
    print("Full participant page (/participant):")
    for step, n in full_steps.items():
        print(f"  {step:40s} {kb(n):>10s}")
    print(f"  {'total':40s} {kb(full_total):>10s}   ({full_total / max(lite_total, 1):.0f}× the light page)")


def print_cpu(cpu: dict) -> None:
    print(f"Server CPU ({cpu['joins']} participants one after another over HTTP; SQLite, one process):")
    print(f"  {'per join (join link → weights page)':40s} {cpu['join_ms']:>7.1f} ms   target ≤ {CPU_TARGET_MS} ms: "
          f"{'met' if cpu['join_ms'] <= CPU_TARGET_MS else 'MISSED'}")
    print(f"  {'per submission (form → answer page)':40s} {cpu['submit_ms']:>7.1f} ms")
    print(f"  {'join → submit':40s} {cpu['join_ms'] + cpu['submit_ms']:>7.1f} ms")
    print(f"  {'wall time join → submit p50 / p95':40s} {cpu['p50_ms']:>7.1f} / {cpu['p95_ms']:.1f} ms")


if __name__ == "__main__":
    numbers = [a for a in sys.argv[1:] if a.isdigit()]
    main(int(numbers[0]) if numbers else 200, browsers="--cpu" not in sys.argv)
