"""The explorer in a real browser: it loads cleanly, sliders re-rank, links restore and survive bad values.

Runs `panel serve dashboards/explorer.py` on a free port and drives the Debian Chromium
(/usr/bin/chromium, installed by scripts/test) with Playwright. Playwright never downloads
a browser here. Expected rankings come from the model itself (igviz.Assessment), so the
tests check that the page shows what the data predicts, not hard-coded orders.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import (CHROMIUM, RANKING_ROWS, explorer_server, is_local, launch_chromium,
                             ranking_order, slider_handle, slider_title, wait_for_ranking)

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")

from playwright.sync_api import expect, sync_playwright  # noqa: E402

import igviz  # noqa: E402

TIMEOUT = 20_000  # ms, for every wait on the page
N_PROPOSALS = 9

TRANSPARENT = "Transparent and comprehensible"
EXPERTISE = "Necessary expertise"
ADAPTABLE = "Adaptable"
ACCOUNTABLE = "Accountable"


def model_ranking(**weights):
    """(order, overall scores as the table prints them) that the model gives for these weight changes."""
    a = igviz.Assessment()
    a.set_weights(weights)
    r = a.ranking()
    return r.order, [f"{v:.2f}" for v in r.table["overall"]]


class PageWatch:
    """Everything a page did that a test may want to forbid: errors, dialogs, outside requests."""

    def __init__(self, page):
        self.page = page
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(f"pageerror: {exc}"))
        page.on("request", lambda req: self.requests.append(req.url))
        page.on("websocket", lambda ws: self.requests.append(ws.url))
        page.on("dialog", self._dialog)

    def _console(self, msg):
        if msg.type == "error" and "favicon" not in msg.text:
            self.errors.append(f"console.error: {msg.text}")

    def _dialog(self, dialog):
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    @property
    def outside_requests(self) -> list[str]:
        return [u for u in self.requests if not is_local(u)]


@pytest.fixture(scope="module")
def server():
    with explorer_server() as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        browser = launch_chromium(p)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    yield page
    context.close()


def open_explorer(page, server, query: str = "") -> PageWatch:
    watch = PageWatch(page)
    page.goto(f"{server}/explorer{query}")
    wait_for_ranking(page, rows=N_PROPOSALS, timeout=TIMEOUT)
    return watch


def show_ranking_table(page):
    """Click the ranking's "Table" tab (the first Table tab on the page) so its rows are on screen."""
    page.locator(".bk-tab", has_text=re.compile(r"^\s*Table\s*$")).first.click()
    expect(page.locator(RANKING_ROWS).first).to_be_visible(timeout=TIMEOUT)


def warnings(page):
    """The link-problem warnings (Panel Alert panes; their text lives in each pane's shadow root)."""
    return page.locator(".alert-warning div")


# -- a. the page loads cleanly ------------------------------------------------------------------

def test_page_loads_cleanly_and_every_view_renders(page, server):
    watch = open_explorer(page, server)
    # Three Bokeh figures (ranking chart, radar, score matrix), each with a drawn-on canvas.
    figures = page.locator(".bk-Figure")
    expect(figures).to_have_count(3, timeout=TIMEOUT)
    page.wait_for_function(
        """() => {
            const figs = [];
            const walk = (root) => {
                root.querySelectorAll('.bk-Figure').forEach(f => figs.push(f));
                root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) walk(el.shadowRoot); });
            };
            walk(document);
            const sized = (f) => {
                const cs = [];
                const inner = (root) => {
                    root.querySelectorAll('canvas').forEach(c => cs.push(c));
                    root.querySelectorAll('*').forEach(el => { if (el.shadowRoot) inner(el.shadowRoot); });
                };
                inner(f.shadowRoot || f);
                return cs.some(c => c.width > 0 && c.height > 0);
            };
            return figs.length === 3 && figs.every(sized);
        }""", timeout=TIMEOUT)
    expect(page.locator(RANKING_ROWS)).to_have_count(N_PROPOSALS)
    assert ranking_order(page) == model_ranking()[0]
    expect(page.locator(".igviz-weight")).to_have_count(len(igviz.Assessment().weights.criteria))
    page.wait_for_load_state("networkidle")
    assert watch.errors == [], watch.errors
    assert watch.outside_requests == [], watch.outside_requests
    assert any(u.startswith("ws://localhost") for u in watch.requests), "no Bokeh websocket was opened"


# -- b. a slider re-ranks as the model predicts ---------------------------------------------------

def test_weight_sliders_rerank_as_the_model_predicts(page, server):
    watch = open_explorer(page, server)
    initial = ranking_order(page)
    assert initial == model_ranking()[0]
    expected, overall = model_ranking(transparent=10, expertise=0, adaptable=0)
    assert expected != initial, "choose slider moves that change the order"
    show_ranking_table(page)

    for name, key, value in ((TRANSPARENT, "End", 10), (EXPERTISE, "Home", 0), (ADAPTABLE, "Home", 0)):
        slider_handle(page, name).press(key)
        expect(slider_title(page, name)).to_have_text(re.compile(rf"^\s*{re.escape(name)}:\s*{value}\s*$"))

    wait_for_ranking(page, order=expected, timeout=TIMEOUT)
    assert ranking_order(page) == expected
    assert ranking_order(page) != initial
    expect(page.locator(f"{RANKING_ROWS} td:nth-child(3)")).to_have_text(overall, timeout=TIMEOUT)
    expect(page.locator(f"{RANKING_ROWS} td:first-child")).to_have_text(
        [str(i) for i in range(1, N_PROPOSALS + 1)])
    assert watch.errors == [], watch.errors


# -- c. a shared link restores the view, and the view writes itself back into the link ------------

def test_shared_link_restores_state_and_url_follows_changes(page, server, browser):
    watch = open_explorer(page, server, "?weights=transparent:10,expertise:0&selected=un_committee&method=weighted_sum")
    expected, _ = model_ranking(transparent=10, expertise=0)
    assert expected != model_ranking()[0]
    wait_for_ranking(page, order=expected, timeout=TIMEOUT)
    expect(page.locator(".igviz-detail h3")).to_contain_text("UN Committee on Internet-related Policies")
    expect(slider_title(page, TRANSPARENT)).to_have_text(re.compile(rf"^\s*{TRANSPARENT}:\s*10\s*$"))
    expect(slider_title(page, EXPERTISE)).to_have_text(re.compile(rf"^\s*{EXPERTISE}:\s*0\s*$"))
    expect(warnings(page)).to_have_count(0)

    # One more move: the address bar now carries the whole state, old values and new.
    slider_handle(page, ACCOUNTABLE).press("ArrowRight")
    expect(slider_title(page, ACCOUNTABLE)).to_have_text(re.compile(rf"^\s*{ACCOUNTABLE}:\s*6\s*$"))
    for part in ("accountable:6", "transparent:10", "expertise:0", "selected=un_committee", "method=weighted_sum"):
        expect(page).to_have_url(re.compile(re.escape(part)), timeout=TIMEOUT)
    moved, _ = model_ranking(transparent=10, expertise=0, accountable=6)
    wait_for_ranking(page, order=moved, timeout=TIMEOUT)
    assert watch.errors == [], watch.errors

    # The written link, opened afresh, shows the same thing.
    other = browser.new_page()
    try:
        other.set_default_timeout(TIMEOUT)
        other_watch = PageWatch(other)
        other.goto(page.url)
        wait_for_ranking(other, order=moved, timeout=TIMEOUT)
        expect(slider_title(other, ACCOUNTABLE)).to_have_text(re.compile(rf"^\s*{ACCOUNTABLE}:\s*6\s*$"))
        expect(other.locator(".igviz-detail h3")).to_contain_text("UN Committee on Internet-related Policies")
        assert other_watch.errors == [], other_watch.errors
    finally:
        other.close()


# -- d. a bad link warns and still works; link text is never run as HTML --------------------------

def test_bad_link_warns_and_still_ranks(page, server):
    watch = open_explorer(page, server, "?weights=transparent:banana&selected=nope&framework=zzz")
    expect(warnings(page).filter(has_text="banana")).to_have_count(1, timeout=TIMEOUT)
    expect(warnings(page).filter(has_text="transparent")).to_have_count(1)
    expect(warnings(page).filter(has_text="nope")).to_have_count(1)
    expect(warnings(page).filter(has_text="zzz")).to_have_count(1)
    expect(page.locator(RANKING_ROWS)).to_have_count(N_PROPOSALS)
    assert ranking_order(page) == model_ranking()[0]  # nothing valid in the link: the defaults
    expect(slider_title(page, TRANSPARENT)).to_have_text(re.compile(rf"^\s*{TRANSPARENT}:\s*5\s*$"))
    page.wait_for_load_state("networkidle")
    assert watch.errors == [], watch.errors
    assert watch.dialogs == [], watch.dialogs


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>"])
def test_markup_in_a_link_is_shown_as_text(page, server, payload):
    from urllib.parse import quote

    watch = open_explorer(page, server, f"?selected={quote(payload)}&weights=transparent:{quote(payload)}")
    shown = warnings(page).filter(has_text=payload)
    expect(shown).to_have_count(2, timeout=TIMEOUT)  # the selection and the weight, each named verbatim
    assert page.locator(".alert-warning script").count() == 0
    assert page.locator(".alert-warning img").count() == 0
    expect(page.locator(RANKING_ROWS)).to_have_count(N_PROPOSALS)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # give an injected handler (img onerror) its chance to fire
    assert watch.dialogs == [], f"link text ran as script: {watch.dialogs}"
    assert watch.errors == [], watch.errors
