"""Start the explorer with `panel serve` and drive it with the system Chromium.

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
            raise RuntimeError(f"panel serve exited with {proc.returncode}:\n{log.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            pass
        time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:g} s:\n{log.read_text(errors='replace')}")


@contextmanager
def explorer_server(timeout: float = 60.0):
    """`panel serve dashboards/explorer.py` on a free port; yields the base URL (http://localhost:PORT)."""
    port = free_port()
    log_file = tempfile.NamedTemporaryFile(prefix="igviz-panel-", suffix=".log", delete=False)
    log = Path(log_file.name)
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "panel", "serve", "dashboards/explorer.py", "--port", str(port),
         "--address", "localhost", "--allow-websocket-origin", f"localhost:{port}"],
        cwd=REPO, stdout=log_file, stderr=subprocess.STDOUT, env=env)
    base = f"http://localhost:{port}"
    try:
        _wait_until_up(f"{base}/explorer", proc, log, timeout)
        yield base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log_file.close()
        log.unlink(missing_ok=True)


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
