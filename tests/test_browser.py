"""The explorer in a real browser: it loads cleanly, sliders re-rank, links restore and survive bad values.

Runs `igviz serve` on a free port and drives the Debian Chromium
(/usr/bin/chromium, installed by scripts/test) with Playwright. Playwright never downloads
a browser here. Expected rankings come from the model itself (igviz.Assessment), so the
tests check that the page shows what the data predicts, not hard-coded orders.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import (CHROMIUM, RANKING_ROWS, SMAA_ROWS, SMAA_TABLE, STABILITY_ROWS, STABILITY_TABLE,
                             is_local, ranking_order, show_table_tab,
                             slider_handle, slider_title, smaa_mode_button, table_column, table_row,
                             wait_for_ranking)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402

TIMEOUT = 20_000  # ms, for every wait on the page
N_PROPOSALS = len(igviz.load_dataset().proposals)
MIN_FIGURES = 5  # ranking, radar, matrix, sensitivity, SMAA (more views may add more)

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
    """The link-problem warnings (one HTML pane; its text lives in the pane's shadow root)."""
    return page.locator(".igviz-link-problem")


# -- a. the page loads cleanly ------------------------------------------------------------------

def test_page_loads_cleanly_and_every_view_renders(page, server):
    watch = open_explorer(page, server)
    # At least five Bokeh figures (ranking chart, radar, score matrix, sensitivity sweep, SMAA bars;
    # other views add their own), every one with a drawn-on canvas.
    figures = page.locator(".bk-Figure")
    expect(figures.nth(MIN_FIGURES - 1)).to_be_attached(timeout=TIMEOUT)
    page.wait_for_function(
        """(minimum) => {
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
            return figs.length >= minimum && figs.every(sized);
        }""", arg=MIN_FIGURES, timeout=TIMEOUT)
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

def test_weight_profile_prompts_then_reweights_as_the_model_predicts(page, server):
    """The profile box says what to do until a profile is chosen; choosing one moves every weight."""
    open_explorer(page, server)
    profile = page.get_by_role("combobox", name="Weight profile")
    shown = "s => s.options[s.selectedIndex] ? s.options[s.selectedIndex].text : ''"
    assert profile.evaluate(shown) == "Choose a profile…"
    def order_with(preset_id):
        a = igviz.Assessment()
        a.apply_preset(preset_id)
        return a.ranking().order
    a = igviz.Assessment()
    # A profile that changes the ranking, so the test sees the page follow it.
    preset = next(p for p in a.dataset.presets_for(a.framework) if order_with(p.id) != model_ranking()[0])
    profile.select_option(label=preset.name)
    wait_for_ranking(page, order=order_with(preset.id), timeout=TIMEOUT)
    assert profile.evaluate(shown) == preset.name
    expect(page.locator(".igviz-weights")).to_contain_text(preset.rationale[:40])


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
    # The link holds what differs from a fresh page (the weighted sum is the default: not written).
    for part in ("accountable:6", "transparent:10", "expertise:0", "selected=un_committee"):
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


@pytest.mark.parametrize("payload", ["<script>alert(1)</script>", "<img src=x onerror=alert(2)>",
                                     "[Click here to log in](https://evil.example/)", "![x](https://evil.example/p.png)"])
def test_markup_in_a_link_is_shown_as_text(page, server, payload):
    from urllib.parse import quote

    watch = open_explorer(page, server, f"?selected={quote(payload)}&weights=transparent:{quote(payload)}")
    shown = warnings(page).filter(has_text=payload)
    expect(shown).to_have_count(2, timeout=TIMEOUT)  # the selection and the weight, each named verbatim
    assert page.locator(".igviz-link-problem script").count() == 0
    assert page.locator(".igviz-link-problem img").count() == 0
    assert page.locator(".igviz-link-problem a").count() == 0  # Markdown is not rendered either
    expect(page.locator(RANKING_ROWS)).to_have_count(N_PROPOSALS)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)  # give an injected handler (img onerror) its chance to fire
    assert watch.dialogs == [], f"link text ran as script: {watch.dialogs}"
    assert watch.errors == [], watch.errors


# -- e. the robustness views: stability intervals and SMAA follow the weights ----------------------

INCLUSIVE = "Inclusive and open"
EFFECTIVE = "Effective"
MEANINGFUL = "Meaningful participation"
HUMAN_RIGHTS = "Human rights"
PUBLIC_INTEREST = "Global public interest"
SMAA_SAMPLES = 10_000  # the view's defaults: 10,000 samples, seed 0, band ± 0.05, score ranges on


def pct0(v: float) -> str:
    return f"{100 * v:.0f} %"


def pct1(v: float) -> str:
    return f"{100 * v:.1f} %"


def model_stability(**weights):
    """The stability table as the view prints it: {criterion name: (weight now, top stays, ranking stays)}."""
    a = igviz.Assessment()
    a.set_weights(weights)
    return {r["name"]: (pct0(r["weight"]), f"{pct0(r['top_from'])} – {pct0(r['top_to'])}",
                        f"{pct0(r['ranking_from'])} – {pct0(r['ranking_to'])}")
            for _, r in a.sensitivity_table().iterrows()}


def model_smaa(mode: str, **weights):
    """(short names in table order, "Ranked first" cells as the view prints them, Robustness)."""
    a = igviz.Assessment()
    a.set_weights(weights)
    r = a.smaa(samples=SMAA_SAMPLES, seed=0, weights=mode, band_width=0.05)
    names = [a.proposal(pid).short_name for pid in r.table.index]
    return names, [pct1(v) for v in r.table["rank 1"]], r


def move(page, name: str, key: str, value: int) -> None:
    slider_handle(page, name).press(key)
    expect(slider_title(page, name)).to_have_text(re.compile(rf"^\s*{re.escape(name)}:\s*{value}\s*$"))


def test_robustness_views_render_and_follow_a_weight_move(page, server):
    watch = open_explorer(page, server)
    before = model_stability()
    after = model_stability(transparent=10)
    assert before[TRANSPARENT][0] == "10 %"
    assert after[TRANSPARENT][0] != before[TRANSPARENT][0], "the move must change the weight shown"

    # The sensitivity view: a criterion to sweep, and its table with one row per criterion.
    sweep_select = page.locator(".bk-input-group").filter(has_text="Criterion to sweep").locator("select")
    expect(sweep_select).to_have_count(1)
    assert sweep_select.evaluate("s => s.options[s.selectedIndex].textContent.trim()") == TRANSPARENT
    show_table_tab(page, STABILITY_TABLE)
    expect(page.locator(STABILITY_TABLE)).to_be_visible()
    expect(page.locator(STABILITY_ROWS)).to_have_count(len(before), timeout=TIMEOUT)
    expect(table_column(page, STABILITY_ROWS, 1)).to_have_text(list(before))
    expect(table_column(page, STABILITY_ROWS, 2)).to_have_text([v[0] for v in before.values()])
    transparent = table_row(page, STABILITY_ROWS, TRANSPARENT)
    expect(transparent).to_have_count(1)
    expect(transparent.locator("td")).to_have_text(list(before[TRANSPARENT]))

    # The SMAA view ("Any weights" by default): one row per proposal, the model's own numbers.
    names, simplex, _ = model_smaa("simplex")
    expect(page.locator(SMAA_ROWS)).to_have_count(N_PROPOSALS)
    expect(table_column(page, SMAA_ROWS, 1)).to_have_text(names)
    expect(table_column(page, SMAA_ROWS, 2)).to_have_text(simplex)

    move(page, TRANSPARENT, "End", 10)
    expect(transparent.locator("td:nth-child(2)")).to_have_text(after[TRANSPARENT][0], timeout=TIMEOUT)
    expect(transparent.locator("td:nth-child(3)")).to_have_text(after[TRANSPARENT][1])
    expect(transparent.locator("td:nth-child(4)")).to_have_text(after[TRANSPARENT][2])
    # Every other criterion's share went down in proportion, and its intervals moved with it.
    expect(table_column(page, STABILITY_ROWS, 2)).to_have_text([v[0] for v in after.values()])
    expect(table_column(page, STABILITY_ROWS, 3)).to_have_text([v[1] for v in after.values()])
    expect(table_column(page, STABILITY_ROWS, 4)).to_have_text([v[2] for v in after.values()])
    wait_for_ranking(page, order=model_ranking(transparent=10)[0], timeout=TIMEOUT)
    # "Any weights" samples the whole simplex: a weight move leaves SMAA as it was (by design).
    expect(table_column(page, SMAA_ROWS, 2)).to_have_text(simplex)
    assert watch.errors == [], watch.errors


def test_smaa_near_my_weights_follows_the_weights(page, server):
    watch = open_explorer(page, server)
    names, simplex, _ = model_smaa("simplex")
    near_names, near, r0 = model_smaa("band")   # each table lists the proposals best first
    moves = ((INCLUSIVE, "End", 10), (EFFECTIVE, "Home", 0), (ADAPTABLE, "Home", 0), (EXPERTISE, "Home", 0),
             (MEANINGFUL, "Home", 0), (HUMAN_RIGHTS, "Home", 0), (PUBLIC_INTEREST, "Home", 0))
    moved = {"inclusive": 10, "effective": 0, "adaptable": 0, "expertise": 0, "meaningful_participation": 0,
             "human_rights": 0, "public_interest": 0}
    moved_names, near_moved, r1 = model_smaa("band", **moved)
    top0, top1 = r0.table["rank 1"].idxmax(), r1.table["rank 1"].idxmax()
    assert near != simplex, "the two weight modes must give different tables"
    assert top1 != top0, "choose slider moves under which another proposal is most often first"
    top0_name = igviz.Assessment().proposal(top0).short_name

    show_table_tab(page, SMAA_TABLE)
    expect(page.locator(SMAA_ROWS)).to_have_count(N_PROPOSALS, timeout=TIMEOUT)
    expect(table_column(page, SMAA_ROWS, 2)).to_have_text(simplex, timeout=TIMEOUT)

    smaa_mode_button(page, "Near my weights").click()
    expect(smaa_mode_button(page, "Near my weights")).to_have_class(re.compile(r"\bbk-active\b"))
    expect(table_column(page, SMAA_ROWS, 2)).to_have_text(near, timeout=TIMEOUT)
    expect(table_column(page, SMAA_ROWS, 1)).to_have_text(near_names)
    expect(page.locator(f"{SMAA_TABLE} caption")).to_contain_text(f"{SMAA_SAMPLES:,} samples, seed 0")
    top_cell = table_row(page, SMAA_ROWS, top0_name).locator("td").first
    first_share = top_cell.inner_text().strip()
    assert first_share == pct1(r0.table.loc[top0, "rank 1"])

    for name, key, value in moves:
        move(page, name, key, value)
    wait_for_ranking(page, order=model_ranking(**moved)[0], timeout=TIMEOUT)
    # Same seed, same samples, same weights: the page shows exactly the model's numbers.
    expect(table_column(page, SMAA_ROWS, 2)).to_have_text(near_moved, timeout=TIMEOUT)
    expect(table_column(page, SMAA_ROWS, 1)).to_have_text(moved_names)
    expect(top_cell).not_to_have_text(first_share)
    shown = dict(zip(table_column(page, SMAA_ROWS, 1).all_inner_texts(),
                     table_column(page, SMAA_ROWS, 2).all_inner_texts()))
    shares = {n: float(v.strip().rstrip(" %")) for n, v in shown.items()}
    assert max(shares, key=shares.get) == igviz.Assessment().proposal(top1).short_name
    assert watch.errors == [], watch.errors


# -- a projector of 1,280 × 720 ----------------------------------------------------------------

def test_explorer_fits_a_projector_and_its_tooltips_hide_what_is_under_them(browser, server):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    open_explorer(page, server)
    show_table_tab(page, SMAA_TABLE)  # the widest table: a column per criterion
    expect(page.locator(SMAA_ROWS).first).to_be_attached()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280
    # A tooltip over the ranking's coloured bars: opaque, so its text reads.
    page.locator(".bk-Canvas").first.scroll_into_view_if_needed()
    bars = page.locator(".bk-Canvas").first.bounding_box()
    page.mouse.move(bars["x"] + bars["width"] * 0.4, bars["y"] + 40)
    tooltip = page.locator(".bk-Tooltip").filter(has_text="Contribution")
    expect(tooltip).to_be_visible()
    assert tooltip.evaluate("el => getComputedStyle(el).opacity") == "1"
    # The score matrix's right-most column: its tooltip (with a long rationale) stays on the screen;
    # unwrapped it ran 700 px past the right edge.
    heading = page.get_by_role("heading", name="Scores", exact=True)
    heading.scroll_into_view_if_needed()
    below = heading.bounding_box()["y"]
    matrix = next(box for box in (c.bounding_box() for c in page.locator(".bk-Canvas").all())
                  if box and box["y"] > below and box["width"] > 300)
    page.mouse.wheel(0, matrix["y"] - 100)
    page.wait_for_timeout(300)
    matrix = next(box for box in (c.bounding_box() for c in page.locator(".bk-Canvas").all())
                  if box and box["y"] > 0 and box["width"] > 300 and box["height"] > 300)
    page.mouse.move(matrix["x"] + matrix["width"] * 0.8, matrix["y"] + matrix["height"] * 0.1)
    tooltip = page.locator(".bk-Tooltip").filter(has_text="Why")
    expect(tooltip).to_be_visible()
    box = tooltip.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 1280, box
    context.close()
