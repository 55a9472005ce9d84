"""Start the pages with `igviz serve` (or `panel serve`) and drive them with the system Chromium.

Shared by tests/test_browser.py and benchmarks/bench_explorer_browser.py. Playwright never
downloads a browser here: it always launches the Debian Chromium at CHROMIUM.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
LOCAL_PREFIXES = ("http://localhost", "http://127.0.0.1", "ws://localhost", "ws://127.0.0.1", "data:", "blob:")

# Page-side helpers for `page.add_init_script`: find elements through every open shadow root
# (Panel renders each pane inside one) with window.__deepAll(selector) and window.__shadowRoots().
SHADOW_HELPERS = """
window.__deepAll = (selector) => {
    const out = [];
    const walk = (root) => {
        root.querySelectorAll(selector).forEach(e => out.push(e));
        root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) walk(el.shadowRoot); });
    };
    walk(document);
    return out;
};
window.__shadowRoots = () => {
    const out = [document];
    const walk = (root) => root.querySelectorAll('*').forEach(el => {
        if (el.shadowRoot) { out.push(el.shadowRoot); walk(el.shadowRoot); }
    });
    walk(document);
    return out;
};
"""

# Selectors (Playwright's CSS engine pierces Panel's open shadow roots).
RANKING_ROWS = "table.igviz-ranking-table tbody tr"
BOKEH_CANVAS = "canvas"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_up(url: str, proc: subprocess.Popen, log: Path, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            # Wait for the answer as long as the deadline allows: the first page builds the app
            # (seconds on a loaded machine), and a request given up on leaves that work running
            # while the retry starts another, which can keep a busy server from ever answering.
            wait = max(5.0, deadline - time.monotonic())
            with urllib.request.urlopen(url, timeout=wait) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s:\n{log.read_text(errors='replace')}")


@contextmanager
def explorer_server(timeout: float = 120.0):
    """`igviz serve` on a free port, polled at /explorer; yields the base URL (http://localhost:PORT)."""
    with panel_server(["explorer"], timeout=timeout) as server:
        yield server.base


WORKSHOP_APPS = ["participant", "facilitator", "explorer"]  # the first is the one polled until up: the lightest
# The light participant page is a Tornado handler served beside the apps (igviz/pages/lite.py).
PLUGINS = ["igviz.pages.lite"]


class PanelServer:
    """The pages in a subprocess, which a test may kill and start again: `igviz serve` (every page;
    `apps[0]` is the one polled until up), or with command="panel" `panel serve dashboards/<app>.py
    --plugins igviz.pages.lite`, the way `panel serve` users run them. `data`: data folders to serve."""

    def __init__(self, apps: list[str], database_url: str | None = None, port: int | None = None,
                 timeout: float = 120.0, data: list | None = None, command: str = "igviz"):
        self.apps, self.timeout, self.data, self.command = apps, timeout, [str(d) for d in data or []], command
        self.port = port or free_port()
        self.base = f"http://localhost:{self.port}"
        self.env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        # igviz serve opens its database at start: never the checkout's igviz-workshops.sqlite.
        self._db_folder = None if database_url else tempfile.TemporaryDirectory(prefix="igviz-db-")
        self.env["IGVIZ_DATABASE_URL"] = database_url or f"sqlite:///{self._db_folder.name}/workshops.sqlite"
        self.proc = None

    def arguments(self) -> list[str]:
        where = ["--port", str(self.port), "--address", "localhost", "--allow-websocket-origin", f"localhost:{self.port}"]
        if self.command == "igviz":
            return [sys.executable, "-m", "igviz", "serve", *(["--data", *self.data] if self.data else []), *where]
        if self.data:
            self.env["IGVIZ_DATA"] = os.pathsep.join(self.data)
        return [sys.executable, "-m", "panel", "serve", *[f"dashboards/{a}.py" for a in self.apps],
                *[arg for plugin in PLUGINS for arg in ("--plugins", plugin)], *where]

    def start(self) -> "PanelServer":
        self._close_log()
        self._log_file = tempfile.NamedTemporaryFile(prefix="igviz-panel-", suffix=".log", delete=False)
        self.log = Path(self._log_file.name)
        self.proc = subprocess.Popen(self.arguments(), cwd=REPO, stdout=self._log_file, stderr=subprocess.STDOUT,
                                     env=self.env)
        _wait_until_up(f"{self.base}/{self.apps[0]}", self.proc, self.log, self.timeout)
        return self

    def kill(self) -> None:
        """Gone at once, as in a crash or a power cut: nothing gets to clean up."""
        self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self._close_log()

    def _close_log(self) -> None:
        if self.proc is not None:
            self._log_file.close()
            self.log.unlink(missing_ok=True)


@contextmanager
def panel_server(apps: list[str], database_url: str | None = None, timeout: float = 120.0, **options):
    server = PanelServer(apps, database_url, timeout=timeout, **options)
    try:
        yield server.start()
    finally:
        server.stop()


def launch_chromium(playwright):
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def is_local(url: str) -> bool:
    return url.startswith(LOCAL_PREFIXES)


# -- reading and driving the page ---------------------------------------------------------------

def ranking_order(page) -> list[str]:
    """Proposal ids in the ranking table, rank 1 first (works while the Table tab is hidden)."""
    return page.locator(RANKING_ROWS).evaluate_all("rows => rows.map(r => r.dataset.proposal)")


def wait_for_ranking(page, order: list[str] | None = None, rows: int | None = None, timeout: float = 20_000) -> None:
    """Wait until the ranking table has `rows` rows and/or shows exactly `order`."""
    page.wait_for_function(
        """([order, rows]) => {
            // Search through open shadow roots: Panel renders every pane inside one.
            const found = [];
            const walk = (root) => {
                root.querySelectorAll('table.igviz-ranking-table tbody tr').forEach(r => found.push(r));
                root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) walk(el.shadowRoot); });
            };
            walk(document);
            const ids = found.map(r => r.dataset.proposal);
            if (rows !== null && ids.length !== rows) return false;
            if (order !== null && JSON.stringify(ids) !== JSON.stringify(order)) return false;
            return ids.length > 0;
        }""",
        arg=[order, rows], timeout=timeout)


def _title_pattern(criterion_name: str) -> re.Pattern:
    # Anchored: "Minimum Transparent and comprehensible: 0" (a threshold slider) must not match.
    return re.compile(rf"^\s*{re.escape(criterion_name)}:")


def weight_slider(page, criterion_name: str):
    """The weight slider (class igviz-weight) whose label reads "<criterion_name>: <value>"."""
    return page.locator(".igviz-weight .bk-input-group").filter(
        has=page.locator(".bk-slider-title", has_text=_title_pattern(criterion_name)))


def slider_handle(page, criterion_name: str):
    """The noUiSlider handle of the weight slider labelled `criterion_name`."""
    return weight_slider(page, criterion_name).locator(".noUi-handle")


def slider_title(page, criterion_name: str):
    return weight_slider(page, criterion_name).locator(".bk-slider-title")


# -- the robustness views ------------------------------------------------------------------------

STABILITY_TABLE = "table.igviz-stability-table"
SMAA_TABLE = "table.igviz-smaa-table"
STABILITY_ROWS = f"{STABILITY_TABLE} tbody tr"
SMAA_ROWS = f"{SMAA_TABLE} tbody tr"


def tabs_holding(page, selector: str):
    """The Panel Tabs widget whose panes contain `selector` (e.g. one view's Chart/Table tabs)."""
    return page.locator(".bk-panel-models-tabs-Tabs").filter(has=page.locator(selector))


def show_table_tab(page, table_selector: str, timeout: float = 20_000) -> None:
    """Click the "Table" tab of the view that holds `table_selector`, so that table is on screen."""
    tabs = tabs_holding(page, table_selector)
    tabs.locator(".bk-tab", has_text=re.compile(r"^\s*Table\s*$")).click(timeout=timeout)
    page.locator(table_selector).scroll_into_view_if_needed(timeout=timeout)


def table_row(page, rows_selector: str, row_header: str):
    """The row of a table whose header cell (th) reads exactly `row_header`."""
    return page.locator(rows_selector).filter(
        has=page.locator("th", has_text=re.compile(rf"^\s*{re.escape(row_header)}\s*$")))


def table_column(page, rows_selector: str, child: int):
    """The `child`-th cell (1-based, the row header th counting as 1) of every row."""
    return page.locator(f"{rows_selector} > :nth-child({child})")


def smaa_mode_button(page, label: str):
    """A button of the SMAA view's weights mode ("Any weights" / "Near my weights")."""
    return page.locator(".bk-btn", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$"))


# -- the workshop pages --------------------------------------------------------------------------

COUNTS_TABLE = "table.igviz-counts"
EQUAL_FOOTING_ROWS = "table.igviz-equal-footing tbody tr"
DISSENT_ITEMS = "ul.igviz-dissent li"


def create_workshop(page, base: str, title: str, timeout: float = 20_000) -> tuple[str, str]:
    """Fill in the facilitator's set-up form; returns (join code, facilitator URL with its key)."""
    page.goto(f"{base}/facilitator")
    page.get_by_placeholder("e.g. IGF 2026").fill(title)
    page.get_by_role("button", name="Create the workshop").click()
    page.locator(".igviz-code").wait_for(timeout=timeout)
    page.wait_for_url(re.compile(r"key="), timeout=timeout)
    return page.locator(".igviz-code").inner_text().strip(), page.url


def join_workshop(page, base: str, code: str, group: str, pseudonym: str, timeout: float = 20_000) -> None:
    """Join from the participant page: `group` is the stakeholder group's name as listed."""
    page.goto(f"{base}/participant?code={code}")
    page.get_by_role("combobox", name="Your stakeholder group").select_option(label=group, timeout=timeout)
    page.get_by_placeholder("e.g. Blue heron").fill(pseudonym)
    page.get_by_role("button", name="Join").click()
    page.locator(RANKING_ROWS).first.wait_for(timeout=timeout)


def submit_weights(page, comment: str = "", timeout: float = 20_000) -> None:
    if comment:
        page.get_by_placeholder("Shown to the room").fill(comment)
        page.get_by_placeholder("Shown to the room").blur()  # the text reaches the server on change
    page.get_by_role("button", name="Submit my weights").click()
    page.get_by_text("your weights are in").wait_for(timeout=timeout)


def reveal_results(page, timeout: float = 20_000) -> None:
    """Press the facilitator's "Reveal results" (results are hidden until then) and wait for the ranking."""
    page.get_by_role("button", name="Reveal results").click()
    page.get_by_role("button", name="Hide results").wait_for(timeout=timeout)


def facilitator_counts(page) -> dict[str, int]:
    """Submissions per stakeholder group name, as the facilitator page shows them."""
    rows = page.locator(f"{COUNTS_TABLE} tbody tr").evaluate_all(
        "rows => rows.map(r => [r.cells[0].innerText.trim(), r.cells[1].innerText.trim()])")
    return {name: int(n) for name, n in rows}


def wait_for_count(page, total: int, timeout: float = 20_000) -> None:
    """Wait until the facilitator page's "All" row reads `total`."""
    page.locator(f"{COUNTS_TABLE} tbody tr", has_text="All").locator("td").nth(1).filter(
        has_text=re.compile(rf"^\s*{total}\s*$")).wait_for(timeout=timeout)
