"""Workshop under load: N participant sessions submit at once; how soon does the facilitator see them?

Serves the participant and facilitator dashboards with `panel serve` on localhost, opens N
participant sessions and one facilitator page in Debian's Chromium (/usr/bin/chromium, driven
by Playwright), for N = 10, 50 and 100. Prints figures beside the targets of issue #6 (p95
under 2 s at 100 sessions; under 15 MB of server memory per session); it never fails on a
missed target, only on a setup that cannot run at all.

    python benchmarks/bench_workshop_load.py [--sessions 10 50 100] [--client protocol|browser]
        [--database-url URL] [--base http://localhost:5006 [--server-pid PID]] [--concurrency 4]
        [--contexts 4] [--spread 0] [--max-seconds 900]

Participants (--client):
- protocol (the default): each session is what a phone's page does to the server and no
  more (`session_client.py`): an HTTP GET of the page, on which the server runs the app and
  builds the session's document, then Bokeh's websocket, over which the client pulls the
  document and, in the burst, sends the Submit button's click event, exactly as BokehJS
  does. The server carries the same load per session as with real pages; the client costs
  next to nothing, as it would in a room where every phone brings its own CPU.
- browser: each participant is a Chromium page on this machine. A hundred renderers on a
  two-core machine take the CPU the server needs, so this measures the harness as much as the
  server; it is kept to show that the real pages work under load, and for bigger machines.
The facilitator page is a real Chromium page either way: it is what the room sees.

Per level N (a new workshop each time, so its counts start from nothing):

(0) set-up, outside the browser: the workshop and N + 1 participants (round-robin over its
    stakeholder groups) are created directly through WorkshopStore on the server's database;
    each participant session is then opened straight at /participant?code=CODE&p=TOKEN, which
    resumes as that participant on the weights page (opened = the document has its Submit
    button; for browser pages, the ranking table has rows), `--concurrency` at a time (browser
    pages spread over several contexts).
(1) warm-up: the facilitator page (/facilitator?code=…&key=…) and one extra participant page
    are opened, the extra participant submits, and the facilitator shows it. The server has
    then run every code path once (dashboard imports, a submission, a facilitator refresh
    with results), as a server that has been up for a while would have.
(2) memory: the server process's RSS (psutil if installed, else VmRSS of /proc/<pid>/status)
    after the warm-up, and again once all N pages are open and rendered; per session =
    (after − before) / N, in MB of 10^6 bytes. The RSS after the burst is shown as well.
(3) submit-to-facilitator latency: all N sessions press "Submit my weights" in one burst, as
    at the end of a round (issued concurrently; --spread S spreads them evenly over S seconds
    instead). Each click's time is recorded as it is sent (protocol) or dispatched in the page
    (browser, a capture-phase listener); the facilitator page records, with a
    MutationObserver on the shadow root that holds the counts table, the Date.now() at which
    each new total first appears in the "All" row. All pages share one machine clock. With
    clicks in click order, the k-th submission's latency is (first time the facilitator
    showed a total ≥ k) − (k-th click). "All shown" is from the first click to the
    facilitator showing all N. The breakdown uses the server's own submitted_at of each
    submission (same clock) to split the latency into click → stored and stored → shown.
(4) CPU, to tell the server's cost from the harness's: CPU seconds of the server process, of
    this script's Chromium and Playwright processes, and the whole machine's busy share (other
    tenants included) while the pages open, for 3 s with them idle, and during the burst. The
    browser runs on the same machine as the server, so on a small machine it competes with it:
    in a room each phone brings its own CPU. The server's CPU per submission times N is the
    least a burst can take while one `panel serve` handles it on one event loop.

Server per level: when the script starts the server itself (the default), each level gets a
fresh `panel serve`. Closed pages leave sessions behind on the server: Bokeh discards an
unused session only after --unused-session-lifetime (15 s) at its next check (every 17 s),
and until then their periodic callbacks keep polling the database; and CPython seldom hands
freed memory back to the system, so RSS after a bigger level would start from the previous
level's high-water mark and the difference would under-count. A fresh server makes every
level start from the same warm state. With --base (a server already running) the pages are
closed between levels and the script waits 35 s for the server to discard their sessions;
memory is read only if --server-pid names that server's process.

The database is a fresh temporary SQLite file unless --database-url gives one (e.g. a
PostgreSQL URL; it must be the one the server uses when --base is given). The server
rate-limits each participant to one submission a second; the burst sends one each.
--max-seconds (default 900) bounds the whole run: when it is reached the script stops what it
is doing (within about half a minute), prints what it has measured and exits.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT))

from browser_support import (CHROMIUM, CHROMIUM_ARGS, COUNTS_TABLE, RANKING_ROWS,  # noqa: E402
                             SHADOW_HELPERS, PanelServer)
from playwright.async_api import async_playwright  # noqa: E402
from session_client import ProtocolSession  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

APPS = ["participant", "facilitator"]
P95_TARGET_S = 2.0
P95_TARGET_AT = 100
MB_TARGET = 15.0
SUBMIT = "Submit my weights"
ACK = "your weights are in"
PHONE = {"width": 390, "height": 844}
PROJECTOR = {"width": 1400, "height": 1000}
SESSION_DISCARD_WAIT_S = 35.0  # Bokeh: unused sessions live 15 s, checked every 17 s

# Participant pages: when was the Submit button clicked (capture phase, before Bokeh sees it);
# is the page rendered; what did it answer. The script reads these at a slow, fixed rate:
# Playwright's own waits (a text locator searched through every shadow root, polled) on a hundred
# pages at once cost the shared CPU more than the pages themselves and slowed the server down.
PARTICIPANT_RECORDER = SHADOW_HELPERS + """
window.__submitClicks = [];
document.addEventListener('click', (e) => {
    const button = e.composedPath().find(el => el.tagName === 'BUTTON');
    if (button && button.textContent.includes('%(submit)s')) window.__submitClicks.push(Date.now());
}, true);
window.__rendered = () => window.__deepAll('%(rows)s').length > 0
    && window.__deepAll('button').some(b => b.textContent.includes('%(submit)s'));
// null until the page answers the submission; then 'ok', or the text of the alert it shows.
window.__answer = () => {
    if (window.__deepAll('[role=status]').some(e => e.textContent.includes('%(ack)s'))) return 'ok';
    const alert = window.__deepAll('[role=alert]')[0];
    return alert ? alert.textContent.trim() : null;
};
""" % {"submit": SUBMIT, "rows": RANKING_ROWS, "ack": ACK}
POLL_MS = 250

# Facilitator page: every new total of the counts table's "All" row, with the time it appeared.
# The HTML pane replaces the table's markup inside its own shadow root, so the observer watches
# that root. A slow fallback check notices if the pane (and root) were ever replaced; what it
# records is flagged, so a missed observation cannot pass unnoticed.
COUNTS_RECORDER = SHADOW_HELPERS + """
window.__totals = [];
window.__armCounts = () => {
    if (window.__countsArmed) return true;
    let root = null, last = -1;
    const opts = {subtree: true, childList: true, characterData: true};
    const allTotal = (table) => {
        for (const row of table.querySelectorAll('tbody tr')) {
            if (row.cells.length > 1 && row.cells[0].textContent.trim() === 'All') {
                const value = parseInt(row.cells[1].textContent.trim(), 10);
                return Number.isNaN(value) ? null : value;
            }
        }
        return null;
    };
    const check = (source) => {
        const now = Date.now();
        let table = root && root.querySelector('%s');
        if (!table) {
            table = window.__deepAll('%s')[0] || null;
            if (table && table.getRootNode() !== root) { root = table.getRootNode(); observer.observe(root, opts); }
        }
        if (!table) return;
        const total = allTotal(table);
        if (total !== null && total > last) { last = total; window.__totals.push([total, now, source]); }
    };
    const observer = new MutationObserver(() => check('observer'));
    check('arm');
    if (root === null) return false;
    setInterval(() => check('fallback'), 500);
    window.__countsArmed = true;
    return true;
};
""" % (COUNTS_TABLE, COUNTS_TABLE)


def code_version() -> str:
    """The commit served (and whether the working tree differs from it): others may be editing it."""
    try:
        out = subprocess.run(["git", "describe", "--always", "--dirty"], cwd=ROOT, capture_output=True, text=True,
                             timeout=10)
        return out.stdout.strip() or "?"
    except (OSError, subprocess.SubprocessError):
        return "?"


def rss_bytes(pid: int) -> int:
    try:
        import psutil  # only if it happens to be installed; not a dependency
        return psutil.Process(pid).memory_info().rss
    except ImportError:
        pass
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024  # reported in kB (KiB)
    raise RuntimeError(f"no VmRSS in /proc/{pid}/status")


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used so far."""
    try:
        import psutil
        t = psutil.Process(pid).cpu_times()
        return t.user + t.system
    except ImportError:
        pass
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def harness_cpu_seconds(exclude: int | None) -> tuple[float, float]:
    """CPU time of this script's descendants, not the server's: (Chromium, Playwright's driver)."""
    tick = os.sysconf("SC_CLK_TCK")
    parent, cpu, name = {}, {}, {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            head, tail = (entry / "stat").read_text().rsplit(")", 1)
        except OSError:
            continue
        fields, pid = tail.split(), int(entry.name)
        parent[pid], name[pid] = int(fields[1]), head.split("(", 1)[1]
        cpu[pid] = (int(fields[11]) + int(fields[12])) / tick
    me, chromium, driver = os.getpid(), 0.0, 0.0
    for pid, seconds in cpu.items():
        p = pid
        while p not in (0, 1, me, exclude) and p in parent:
            p = parent[p]
        if p == me and pid != me:
            if name[pid].startswith("node"):
                driver += seconds
            else:
                chromium += seconds
    return chromium, driver


def machine_busy() -> tuple[float, float]:
    """(busy, total) CPU ticks of the whole machine so far, from /proc/stat: every tenant counts."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    idle = values[3] + values[4]  # idle + iowait
    return sum(values[:8]) - idle, sum(values[:8])


class Meter:
    """CPU used between start() and stop(): by the server, by the browser, and the machine's busy share."""

    def __init__(self, server_pid: int | None):
        self.pid = server_pid

    def start(self) -> "Meter":
        self.t = time.perf_counter()
        self.server = cpu_seconds(self.pid) if self.pid else None
        self.harness = harness_cpu_seconds(self.pid)
        self.machine = machine_busy()
        return self

    def stop(self) -> dict:
        wall = time.perf_counter() - self.t
        busy, total = machine_busy()
        chromium, driver = harness_cpu_seconds(self.pid)
        return {"wall": wall,
                "server": cpu_seconds(self.pid) - self.server if self.pid else None,
                "browser": chromium - self.harness[0], "driver": driver - self.harness[1],
                "machine": (busy - self.machine[0]) / max(1, total - self.machine[1])}


def pct(values, q):
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def mb(n: float) -> float:
    return n / 1e6


@dataclass
class Level:
    n: int
    note: str = ""
    server_start_s: float | None = None
    open_s: list = field(default_factory=list)      # per page: goto -> ranking rows shown
    open_all_s: float | None = None                 # wall time to open all N
    rss_before: int | None = None
    rss_after: int | None = None
    rss_after_burst: int | None = None
    cpu_open: dict | None = None                    # Meter readings while the N pages opened,
    cpu_idle: dict | None = None                    # with the N sessions idle for 3 s,
    cpu_burst: dict | None = None                   # and from the burst to the facilitator showing all
    clicks: list = field(default_factory=list)      # ms since epoch, one per participant
    stored: list = field(default_factory=list)      # server's submitted_at, ms
    totals: list = field(default_factory=list)      # facilitator: [total, ms, source]
    base_total: int = 0                             # the warm-up submission(s) already counted
    acks: int = 0
    refused: list = field(default_factory=list)     # messages shown instead of the acknowledgement
    page_errors: list = field(default_factory=list)

    def shown_at(self, k: int):
        """When the facilitator first showed at least k of this level's submissions (ms), or None."""
        return next((t for total, t, _ in self.totals if total - self.base_total >= k), None)

    def until_shown_s(self, times: list) -> list[float]:
        """Seconds from the k-th of `times` (ms) to the facilitator showing k, for every k it showed."""
        out = []
        for k, t in enumerate(sorted(times), 1):
            shown = self.shown_at(k)
            if shown is None:
                break
            out.append((shown - t) / 1e3)
        return out

    def latencies(self) -> list[float]:
        """Seconds from the k-th click to the facilitator showing k."""
        return self.until_shown_s(self.clicks)

    def to_store_s(self) -> list[float]:
        return [(s - c) / 1e3 for c, s in zip(sorted(self.clicks), sorted(self.stored))]

    def store_to_shown_s(self) -> list[float]:
        return self.until_shown_s(self.stored)

    def all_shown_s(self):
        shown = self.shown_at(self.n)
        return None if shown is None or not self.clicks else (shown - min(self.clicks)) / 1e3

    def mb_per_session(self):
        if self.rss_before is None or self.rss_after is None:
            return None
        return mb(self.rss_after - self.rss_before) / self.n


class Run:
    """The state one level leaves behind, so the caller can clean up even after a time-out."""

    def __init__(self):
        self.server: PanelServer | None = None
        self.contexts: list = []
        self.pages: list = []       # the level's N participants (BrowserParticipant or ProtocolParticipant)
        self.closing: list = []     # others to close at the end (the warm-up participant)
        self.facilitator = None
        self.burst_started = False


class BrowserParticipant:
    """A participant page in Chromium (--client browser)."""

    def __init__(self, page):
        self.page = page

    async def click_submit(self, timeout_ms: float) -> None:
        await self.page.get_by_role("button", name=SUBMIT).click(timeout=timeout_ms)

    async def answer(self) -> str | None:
        return await asyncio.wait_for(self.page.evaluate("window.__answer()"), 10)

    async def clicks(self) -> list:
        return await asyncio.wait_for(self.page.evaluate("window.__submitClicks"), 10)

    async def close(self) -> None:
        pass  # its browser context is closed with the level


class ProtocolParticipant:
    """A participant session opened and driven over Bokeh's protocol (--client protocol)."""

    def __init__(self, session: ProtocolSession):
        self.session = session

    async def click_submit(self, timeout_ms: float) -> None:
        await asyncio.wait_for(self.session.click_submit(), timeout_ms / 1e3)

    async def answer(self) -> str | None:
        return self.session.answer()

    async def clicks(self) -> list:
        return self.session.clicks

    async def close(self) -> None:
        await self.session.close()


async def answers(participants, timeout_s: float) -> list[str | None]:
    """What each participant's page answered its submission: 'ok', an alert's text, or None (no answer in time).

    Asks each page once a second, so a hundred waiting pages cost next to nothing."""
    got: list[str | None] = [None] * len(participants)
    deadline = time.monotonic() + timeout_s

    async def ask(i):
        try:
            got[i] = await participants[i].answer()
        except Exception:  # noqa: BLE001 - a page that cannot answer counts as not answered
            pass
    while True:
        await asyncio.gather(*(ask(i) for i, a in enumerate(got) if a is None))
        if all(a is not None for a in got) or time.monotonic() > deadline:
            return got
        await asyncio.sleep(1.0)


async def open_participant(client: str, context, base: str, code: str, token: str, level: Level, timeout_ms: float):
    url = f"{base}/participant?code={code}&p={token}"
    if client == "protocol":
        session = ProtocolSession(SUBMIT, ACK)
        seconds = await session.open(url, timeout_ms / 1e3)
        return ProtocolParticipant(session), seconds
    page = await context.new_page()
    page.on("pageerror", lambda exc: level.page_errors.append(str(exc)))
    await page.add_init_script(PARTICIPANT_RECORDER)
    t0 = time.perf_counter()
    await page.goto(url, wait_until="domcontentloaded", timeout=timeout_ms)
    await page.wait_for_function("() => window.__rendered()", timeout=timeout_ms, polling=POLL_MS)
    return BrowserParticipant(page), time.perf_counter() - t0


async def collect(level: Level, run: Run, store: WorkshopStore, code: str, secret: str) -> None:
    """Read the click times, the facilitator's totals and the stored submission times."""
    async def clicks(participant):
        try:
            return await participant.clicks()
        except Exception:  # noqa: BLE001
            return []
    got = await asyncio.gather(*(clicks(p) for p in run.pages))
    level.clicks = [c[0] for c in got if c]
    if run.facilitator is not None:
        try:
            level.totals = await asyncio.wait_for(run.facilitator.evaluate("window.__totals"), 10)
        except Exception:  # noqa: BLE001
            pass
    subs = await asyncio.to_thread(store.submissions, code, secret)
    first = min(level.clicks) if level.clicks else math.inf
    level.stored = sorted(ts.timestamp() * 1e3 for ts in subs["submitted_at"]
                          if ts.timestamp() * 1e3 >= first - 1.0) if len(subs) else []


async def run_level(level: Level, run: Run, args, browser, store: WorkshopStore, dataset, deadline: float,
                    url: str, state: dict) -> None:
    def left_ms(cap: float = 120.0) -> float:
        return max(1.0, min(cap, deadline - time.monotonic())) * 1e3

    n = level.n
    if args.base:
        base, pid = args.base.rstrip("/"), args.server_pid
    else:
        t0 = time.perf_counter()
        run.server = PanelServer(APPS, url)
        await asyncio.to_thread(run.server.start)
        level.server_start_s = time.perf_counter() - t0
        base, pid = run.server.base, run.server.proc.pid
    state["base"] = base

    created = await asyncio.to_thread(new_workshop, store, dataset, f"Load test, {n} participants")
    code, secret = created.workshop.code, created.secret
    state["code"], state["secret"] = code, secret
    groups = created.workshop.groups

    def join_all():
        return [store.join(code, groups[i % len(groups)], f"Load {i}") for i in range(n + 1)]
    warm_token, *tokens = await asyncio.to_thread(join_all)

    # (1) warm-up: facilitator page, one participant who submits and is seen.
    fctx = await browser.new_context(viewport=PROJECTOR, locale="en-US")
    run.contexts.append(fctx)
    facilitator = run.facilitator = await fctx.new_page()
    facilitator.on("pageerror", lambda exc: level.page_errors.append(f"facilitator: {exc}"))
    await facilitator.add_init_script(COUNTS_RECORDER)
    await facilitator.goto(f"{base}/facilitator?code={code}&key={secret}", wait_until="domcontentloaded",
                           timeout=left_ms())
    await facilitator.locator(f"{COUNTS_TABLE} tbody tr", has_text="All").wait_for(timeout=left_ms())
    await facilitator.wait_for_function("() => window.__armCounts()", timeout=left_ms(), polling=100)

    contexts = []
    for _ in range(max(1, min(args.contexts, n)) if args.client == "browser" else 1):
        ctx = await browser.new_context(viewport=PHONE, locale="en-US")
        run.contexts.append(ctx)
        contexts.append(ctx)
    warm, _ = await open_participant(args.client, contexts[0], base, code, warm_token, level, left_ms())
    run.closing.append(warm)
    await warm.click_submit(left_ms())
    [answer] = await answers([warm], left_ms(30) / 1e3)
    if answer != "ok":
        raise RuntimeError(f"the warm-up submission was not accepted: {answer or 'no answer'}")
    await facilitator.wait_for_function("() => window.__totals.some(([t]) => t >= 1)", timeout=left_ms(30),
                                        polling=POLL_MS)
    level.base_total = 1
    await asyncio.sleep(1.0)
    if pid:
        level.rss_before = rss_bytes(pid)

    # (2) open N pages, `concurrency` at a time.
    sem = asyncio.Semaphore(args.concurrency)
    pages: list = [None] * n

    async def one(i):
        async with sem:
            if time.monotonic() > deadline:
                return
            page, seconds = await open_participant(args.client, contexts[i % len(contexts)], base, code, tokens[i],
                                                   level, left_ms(180))
            pages[i] = page
            level.open_s.append(seconds)
    t0, meter = time.perf_counter(), Meter(pid).start()
    results = await asyncio.gather(*(one(i) for i in range(n)), return_exceptions=True)
    level.open_all_s = time.perf_counter() - t0
    level.cpu_open = meter.stop()
    run.pages = [p for p in pages if p is not None]
    failed = [r for r in results if isinstance(r, BaseException)]
    if len(run.pages) < n:
        level.note = (f"only {len(run.pages)} of {n} pages opened"
                      + (f" ({type(failed[0]).__name__}: {str(failed[0]).splitlines()[0]})" if failed else
                         " (time limit)"))
        return
    await asyncio.sleep(1.0)  # let the last sessions' first updates settle
    if pid:
        level.rss_after = rss_bytes(pid)
    meter = Meter(pid).start()
    await asyncio.sleep(3.0)  # what N idle sessions cost: the pages' periodic round checks
    level.cpu_idle = meter.stop()

    # (3) the burst: every page presses Submit; wait for the acknowledgements and the facilitator.
    run.burst_started = True
    async def press(i, page):
        if args.spread:
            await asyncio.sleep(i * args.spread / n)
        await page.click_submit(left_ms(60))
    meter = Meter(pid).start()
    await asyncio.gather(*(press(i, p) for i, p in enumerate(run.pages)))
    # First the facilitator (one cheap check of the recorded totals every POLL_MS), then ask the pages.
    try:
        await facilitator.wait_for_function(f"() => window.__totals.some(([t]) => t >= {level.base_total + n})",
                                            timeout=left_ms(120 + args.spread), polling=POLL_MS)
    except Exception:  # noqa: BLE001 - reported below as "shown k of N"
        level.note = "the facilitator did not show all N within 2 minutes"
    level.cpu_burst = meter.stop()
    answered = await answers(run.pages, left_ms(30) / 1e3)
    level.acks = sum(a == "ok" for a in answered)
    level.refused = [a or "no answer" for a in answered if a != "ok"]
    await collect(level, run, store, code, secret)
    if pid:
        level.rss_after_burst = rss_bytes(pid)


async def cleanup(run: Run) -> None:
    for participant in run.pages + run.closing:
        try:
            await participant.close()
        except Exception:  # noqa: BLE001
            pass
    for ctx in run.contexts:
        try:
            await asyncio.wait_for(ctx.close(), 30)
        except Exception:  # noqa: BLE001
            pass
    if run.server is not None:
        await asyncio.to_thread(run.server.stop)


def fmt(value, spec=".2f", missing="—"):
    return missing if value is None else format(value, spec)


def cpu_line(m: dict, count: int = 0, what: str = "") -> str:
    wall = max(m["wall"], 1e-9)
    server = "server ?" if m["server"] is None else (
        f"server {m['server']:.1f} s ({100 * m['server'] / wall:.0f}% of a core"
        + (f", {m['server'] / count * 1e3:.0f} ms per {what}" if count else "") + ")")
    return (f"{server}, Chromium {m['browser']:.1f} s ({100 * m['browser'] / wall:.0f}%), Playwright "
            f"{m['driver']:.1f} s, in {wall:.1f} s wall; "
            f"the machine's {os.cpu_count()} CPUs {100 * m['machine']:.0f}% busy (every tenant)")


def report_level(level: Level) -> None:
    n = level.n
    print(f"\n== N = {n} participant sessions" + (f"  [{level.note}]" if level.note else ""))
    if level.server_start_s is not None:
        print(f"   fresh server up in {level.server_start_s:.1f} s")
    if level.open_s:
        print(f"   sessions opened: {len(level.open_s)} in {fmt(level.open_all_s, '.1f')} s; per session, request -> "
              f"page ready median {statistics.median(level.open_s):.2f} s, max {max(level.open_s):.2f} s")
    if level.cpu_open and level.open_s:
        print(f"   CPU while opening: {cpu_line(level.cpu_open, len(level.open_s), 'session')}")
    if level.cpu_idle:
        print(f"   CPU with {n} sessions idle: {cpu_line(level.cpu_idle)}")
    if level.rss_before is not None:
        print(f"   server RSS: after warm-up {mb(level.rss_before):.0f} MB, with {n} sessions "
              f"{fmt(level.rss_after and mb(level.rss_after), '.0f')} MB, after the burst "
              f"{fmt(level.rss_after_burst and mb(level.rss_after_burst), '.0f')} MB  ->  "
              f"{fmt(level.mb_per_session(), '.1f')} MB per session (target < {MB_TARGET:g})")
    if not level.clicks:
        return
    spread = (max(level.clicks) - min(level.clicks)) / 1e3
    print(f"   submissions: {len(level.clicks)} clicks within {spread:.2f} s; {level.acks} acknowledged on the page"
          + (f"; {len(level.refused)} not: {sorted(set(level.refused))[:3]}" if level.refused else ""))
    lat = level.latencies()
    if lat:
        print(f"   submit -> facilitator: p50 {pct(lat, .5):.2f} s, p95 {pct(lat, .95):.2f} s, max {max(lat):.2f} s "
              f"(shown {len(lat)} of {len(level.clicks)}); all shown {fmt(level.all_shown_s())} s "
              "after the first click")
    if level.cpu_burst:
        print(f"   CPU from the burst until the facilitator showed all: "
              f"{cpu_line(level.cpu_burst, len(level.clicks), 'submission')}")
    to_store, to_shown = level.to_store_s(), level.store_to_shown_s()
    if to_store and to_shown:
        print(f"   breakdown: click -> stored by the server p50 {pct(to_store, .5):.2f} s, "
              f"p95 {pct(to_store, .95):.2f} s; stored -> on the facilitator p50 {pct(to_shown, .5):.2f} s, "
              f"p95 {pct(to_shown, .95):.2f} s")
    steps = [total - level.base_total for total, _, _ in level.totals if total > level.base_total]
    fallback = sum(1 for _, _, source in level.totals if source == "fallback")
    print(f"   the facilitator's total went {' -> '.join(map(str, steps))}"
          + (f" ({fallback} step(s) seen only by the fallback check)" if fallback else ""))
    if level.page_errors:
        print(f"   page errors: {len(level.page_errors)}, e.g. {level.page_errors[0][:200]}")


def summary(levels: list[Level], memory: bool) -> None:
    print("\n   N   p50 (s)   p95 (s)   all shown (s)   MB/session")
    for lv in levels:
        lat = lv.latencies()
        complete = len(lat) == lv.n
        p50 = pct(lat, .5) if complete else None
        p95 = pct(lat, .95) if complete else None
        print(f"{lv.n:4d}   {fmt(p50):>7}   {fmt(p95):>7}   {fmt(lv.all_shown_s()):>13}   "
              f"{fmt(lv.mb_per_session(), '.1f'):>10}" + (f"   ({lv.note})" if lv.note else ""))
    print(f"targets: p95 < {P95_TARGET_S:g} s at N = {P95_TARGET_AT}; < {MB_TARGET:g} MB per session"
          + ("" if memory else " (memory not read: give --server-pid with --base)"))
    for lv in levels:
        lat = lv.latencies()
        if lv.n == P95_TARGET_AT and len(lat) == lv.n:
            p95 = pct(lat, .95)
            print(f"   p95 at N = {lv.n}: {p95:.2f} s -> {'met' if p95 < P95_TARGET_S else 'MISSED'}")
    per = [lv.mb_per_session() for lv in levels if lv.mb_per_session() is not None]
    if per:
        print(f"   memory: {max(per):.1f} MB per session at most -> {'met' if max(per) < MB_TARGET else 'MISSED'}")


async def main_async(args) -> None:
    started = time.monotonic()
    deadline = started + args.max_seconds
    tmp = None
    url = args.database_url
    if not url:
        if args.base:
            raise SystemExit("--base needs --database-url: the workshop is created in the server's database")
        tmp = tempfile.TemporaryDirectory(prefix="igviz-load-")
        url = f"sqlite:///{Path(tmp.name) / 'workshops.sqlite'}"
    store = WorkshopStore(url)
    dataset = igviz.load_dataset()
    levels: list[Level] = []
    try:
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            where = args.base or f"a fresh `panel serve` per level of igviz {code_version()}"
            print(f"igviz workshop load: {where}; database {url.split('://')[0]}; Chromium {browser.version}; "
                  f"{os.cpu_count()} CPUs; participants: "
                  + ("protocol sessions (no browser)" if args.client == "protocol" else
                     f"Chromium pages over {args.contexts} contexts") + f", opened {args.concurrency} at a time")
            for i, n in enumerate(args.sessions):
                if time.monotonic() > deadline:
                    levels.append(Level(n, note="not run: time limit"))
                    continue
                if i and args.base:  # let the server discard the previous level's sessions
                    await asyncio.sleep(max(0.0, min(SESSION_DISCARD_WAIT_S, deadline - time.monotonic())))
                level, run, state = Level(n), Run(), {}
                levels.append(level)
                try:
                    await asyncio.wait_for(run_level(level, run, args, browser, store, dataset, deadline, url, state),
                                           timeout=max(1.0, deadline - time.monotonic()))
                except (asyncio.TimeoutError, TimeoutError):
                    level.note = level.note or "stopped at the time limit"
                    if run.burst_started and "code" in state:
                        try:
                            await asyncio.wait_for(collect(level, run, store, state["code"], state["secret"]), 20)
                        except Exception:  # noqa: BLE001
                            pass
                except Exception as exc:  # noqa: BLE001 - report what broke, keep the figures so far
                    level.note = f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"
                finally:
                    await cleanup(run)
                report_level(level)
            await browser.close()
    finally:
        store.dispose()
        if tmp is not None:
            tmp.cleanup()
    summary(levels, memory=bool(not args.base or args.server_pid))
    print(f"\n(total {time.monotonic() - started:.0f} s)")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sessions", type=int, nargs="+", default=[10, 50, 100], help="participant sessions per level")
    ap.add_argument("--database-url", help="SQLAlchemy URL (default: a fresh temporary SQLite file)")
    ap.add_argument("--base", help="an already running server, e.g. http://localhost:5006 (needs --database-url)")
    ap.add_argument("--server-pid", type=int, help="with --base: the panel serve process, to read its memory")
    ap.add_argument("--client", choices=["protocol", "browser"], default="protocol",
                    help="participants as protocol sessions (default) or as Chromium pages on this machine")
    ap.add_argument("--concurrency", type=int, default=4, help="participant pages being opened at once")
    ap.add_argument("--contexts", type=int, default=4, help="browser contexts the participant pages are spread over")
    ap.add_argument("--spread", type=float, default=0.0,
                    help="seconds over which the N clicks are spread evenly (default 0: all at once)")
    ap.add_argument("--max-seconds", type=float, default=900.0, help="stop and report after this long")
    args = ap.parse_args(argv)
    if args.server_pid and not args.base:
        ap.error("--server-pid only goes with --base")
    if not Path(CHROMIUM).exists():
        raise SystemExit(f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")
    asyncio.run(main_async(args))


if __name__ == "__main__":
    main()
