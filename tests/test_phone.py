"""The page a join link opens, on a phone: /lite at 390 × 844 with touch, JavaScript on.

The browser ranks the proposals itself while the sliders move (igviz/pages/static/phone.js),
from the linear values the page embeds; these tests hold it to the Python model, for both
methods a workshop may rank with and for many weight vectors, and walk the page the way a
participant does: join, move a slider, submit, all by touch, with no sideways scroll, text
of at least 16 px and touch targets of at least 44 px.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from browser_support import CHROMIUM, WORKSHOP_APPS, panel_server

import igviz
from igviz.pages.lite import STATIC, live_ranking_data, script_json
from igviz.workshop import WorkshopStore, new_workshop, workshop_assessment

pytestmark = [pytest.mark.browser, pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing")]

PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2.75, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0 Mobile Safari/537.36"}

# Everything on the page measured at once: what scrolls sideways, text under 16 px, and
# controls a finger cannot hit (under 44 px high, or narrow ones under 44 px wide).
MEASURE = """() => {
  const visible = e => { const r = e.getBoundingClientRect(); const s = getComputedStyle(e);
                         return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && s.display !== 'none'; };
  const small = [], targets = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, e = node.parentElement;
    if (!node.textContent.trim() || !e || !visible(e) || e.closest('script')) continue;
    const size = parseFloat(getComputedStyle(e).fontSize);
    if (size < 16) small.push(`${e.tagName} ${size}px: ${node.textContent.trim().slice(0, 30)}`);
  }
  document.querySelectorAll('a, button, input:not([type=hidden]), select, textarea').forEach(e => {
    if (!visible(e)) return;
    const r = e.getBoundingClientRect();
    if (r.height < 44 || r.width < 44) targets.push(`${e.tagName} ${e.id || e.textContent.trim().slice(0, 20)} ${r.width.toFixed(0)}×${r.height.toFixed(0)}`);
  });
  return {scrollWidth: document.documentElement.scrollWidth, width: window.innerWidth, small, targets};
}"""


def python_ranking(a, weights: dict) -> tuple[list[str], list[float]]:
    a.set_weights(weights)
    r = a.ranking()
    return r.order, [float(v) for v in r.overall]


def shown_ranking(a, weights: dict) -> tuple[list[str], list[str]]:
    """Proposal ids best first and their overall values as the page shows them."""
    a.set_weights(weights)
    table = a.ranking().table
    return list(table.index), [f"{v:.2f}" for v in table["overall"]]


def weight_vectors(criteria: list[str], n: int = 12, seed: int = 3) -> list[dict]:
    rng = np.random.default_rng(seed)
    vectors = [{c: 5 for c in criteria},                                   # all equal
               {c: (10 if i == 0 else 0) for i, c in enumerate(criteria)},  # one criterion only
               {c: (i % 3) for i, c in enumerate(criteria)},                # many zeros, small integers
               {c: 10 - i % 11 for i, c in enumerate(criteria)}]
    vectors += [{c: int(v) for c, v in zip(criteria, rng.integers(0, 11, len(criteria)))} for _ in range(n)]
    vectors += [{c: round(float(v), 3) for c, v in zip(criteria, rng.uniform(0, 10, len(criteria)))} for _ in range(4)]
    return [v for v in vectors if sum(v.values()) > 0]


@pytest.mark.parametrize("method", ["weighted_sum", "promethee_ii"])
@pytest.mark.parametrize("framework", ["best_bits", "atlas_ii"])
def test_the_browser_ranks_as_the_model_does(browser, method, framework):
    """phone.js's ranking equals the model's, order and values, bit for bit, for both methods."""
    dataset = igviz.load_dataset()
    a = workshop_assessment(dataset, framework, list(dataset.proposals))
    a.method = method
    data = live_ranking_data(a, "en", {})
    page = browser.new_page()
    page.set_content(f"<script type='application/json' id='igviz-data'>{script_json(data)}</script>")
    page.add_script_tag(path=str(STATIC / "phone.js"))
    for weights in weight_vectors(data["criteria"]):
        order, overall = python_ranking(a, weights)
        got = page.evaluate("""([data, w]) => { const r = window.igvizPhone.rank(data, w);
                                 return {order: r.order.map(i => data.ids[i]), overall: r.overall,
                                         shown: r.overall.map(window.igvizPhone.fixed2)}; }""",
                            [data, [weights[c] for c in data["criteria"]]])
        assert got["order"] == order, weights
        assert got["overall"] == overall, weights  # the same sums in the same order: equal, not close
        assert got["shown"] == [f"{v:.2f}" for v in overall]
    page.close()


def test_numbers_show_as_python_shows_them(browser):
    page = browser.new_page()
    page.set_content("<p>no data</p>")
    page.add_script_tag(path=str(STATIC / "phone.js"))
    values = [6.625, 6.125, 0.375, 0.875, -0.125, -0.375, 1.005, 2.675, 0.0, -0.001, 9.999, 3.14159]
    shown = page.evaluate("v => v.map(window.igvizPhone.fixed2)", values)
    assert shown == [f"{v:.2f}" for v in values]  # exact halves go to even, as in Python
    page.close()


def test_a_tie_falls_as_in_the_model(browser):
    dataset = igviz.load_dataset()
    a = workshop_assessment(dataset, "best_bits", list(dataset.proposals))
    data = live_ranking_data(a, "en", {})
    data["values"] = [[5.0] * len(data["criteria"]) for _ in data["ids"]]  # every proposal equal
    page = browser.new_page()
    page.set_content("<p>no data</p>")
    page.add_script_tag(path=str(STATIC / "phone.js"))
    order = page.evaluate("d => window.igvizPhone.rank(d, d.criteria.map(() => 1)).order.map(i => d.ids[i])", data)
    by_name = sorted(a.proposals, key=lambda p: p.short_name)
    assert order == [p.id for p in by_name]
    page.close()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('phone') / 'workshops.sqlite'}"
    with panel_server(WORKSHOP_APPS, url) as server:
        server.store = WorkshopStore(url, min_seconds_between_submissions=0)
        yield server
        server.store.dispose()


def check_fits_a_phone(page, step: str) -> None:
    m = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= m["width"], f"{step}: scrolls sideways ({m['scrollWidth']} > {m['width']})"
    assert m["small"] == [], f"{step}: text under 16 px"
    assert m["targets"] == [], f"{step}: touch targets under 44 px"


def table_ranking(page) -> tuple[list[str], list[str]]:
    rows = page.locator("#ranking tbody tr")
    return (rows.evaluate_all("rs => rs.map(r => r.dataset.proposal)"),
            rows.evaluate_all("rs => rs.map(r => r.cells[2].textContent)"))


def test_join_move_a_slider_and_submit_by_touch(browser, site):
    dataset = igviz.load_dataset()
    created = new_workshop(site.store, dataset, "Phones <b>only</b>")
    code = created.workshop.code
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(f"{site.base}/lite")
    check_fits_a_phone(page, "code")
    page.get_by_label("Join code").fill(code.lower())
    page.get_by_role("button", name="Continue").tap()
    page.get_by_role("button", name="Join").wait_for()
    assert page.locator("h1").inner_text() == "Phones <b>only</b>"  # the title as text
    check_fits_a_phone(page, "join")
    page.get_by_label("Your stakeholder group").select_option(label="Technical and academic community")
    page.get_by_label("A pseudonym").tap()
    page.keyboard.type("Thumbs")
    page.get_by_role("button", name="Join").tap()
    live = page.locator("#live")
    live.wait_for()
    page.locator("#radar svg").wait_for()
    check_fits_a_phone(page, "weights")

    a = workshop_assessment(dataset, "best_bits", created.workshop.proposals)
    criteria = a.weights.criteria
    names = {c.id: c.name for c in a.active_framework.criteria}
    before = table_ranking(page)
    assert before == shown_ranking(a, {c: 5 for c in criteria})  # the server's table is the model's

    # A tap at the slider's right end: that weight goes to 10; the ranking follows at once, no request.
    requests = []
    page.on("request", lambda r: requests.append(r.url))
    slider = page.get_by_role("slider", name=names["human_rights"])
    slider.scroll_into_view_if_needed()
    box = slider.bounding_box()
    page.touchscreen.tap(box["x"] + box["width"] - 2, box["y"] + box["height"] / 2)
    assert page.get_by_role("spinbutton", name=names["human_rights"]).input_value() == "10"
    expected = shown_ranking(a, {**{c: 5 for c in criteria}, "human_rights": 10})
    page.wait_for_function("o => JSON.stringify([...document.querySelectorAll('#ranking tbody tr')]"
                           ".map(r => r.dataset.proposal)) === JSON.stringify(o)", arg=expected[0])
    assert table_ranking(page) == expected
    assert table_ranking(page) != before
    top3 = [dataset.proposal(p).short_name for p in expected[0][:3]]
    assert live.inner_text() == f"Your top three now: {', '.join(top3)}"
    assert dataset.proposal(expected[0][0]).short_name in page.locator("#radar figcaption").inner_text()

    # Typing in a box moves its slider and the ranking too.
    box_input = page.get_by_role("spinbutton", name=names["effective"])
    box_input.fill("0")
    expected = shown_ranking(a, {**{c: 5 for c in criteria}, "human_rights": 10, "effective": 0})
    assert page.get_by_role("slider", name=names["effective"]).input_value() == "0"
    assert table_ranking(page) == expected
    assert requests == []  # all of it in the browser
    check_fits_a_phone(page, "weights after a move")

    page.get_by_label("Comment (optional)").fill("From a phone")
    page.get_by_role("button", name="Submit my weights").tap()
    page.get_by_text("your weights are in").wait_for()
    check_fits_a_phone(page, "submitted")
    subs = site.store.submissions(code, created.secret)
    assert len(subs) == 1
    assert subs.iloc[0]["weight.human_rights"] == 10 and subs.iloc[0]["weight.effective"] == 0
    assert subs.iloc[0]["comment"] == "From a phone"
    # Back from the server: the same weights, the same ranking.
    assert table_ranking(page) == expected
    assert page.get_by_role("slider", name=names["human_rights"]).input_value() == "10"
    context.close()


def test_a_wrong_weight_says_so_and_keeps_the_ranking(browser, site):
    created = new_workshop(site.store, igviz.load_dataset(), "Typing")
    token = site.store.join(created.workshop.code, "government", "Typist")
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{site.base}/lite?code={created.workshop.code}&p={token}")
    page.locator("#radar svg").wait_for()
    before = table_ranking(page)
    box = page.get_by_role("spinbutton", name="Effective")
    box.fill("11")
    assert box.get_attribute("aria-invalid") == "true"
    assert page.locator("#live").inner_text() == "Each weight is a number from 0 to 10."
    assert table_ranking(page) == before
    for c in page.locator("input[type=number]").all():
        c.fill("0")
    assert "All weights are zero" in page.locator("#live").inner_text()
    page.context.close()


def test_the_laptop_view_does_not_scroll_sideways(browser, site):
    created = new_workshop(site.store, igviz.load_dataset(), "Laptop")
    token = site.store.join(created.workshop.code, "government", "Wide")
    page = browser.new_page(viewport={"width": 1280, "height": 720})
    page.goto(f"{site.base}/lite?code={created.workshop.code}&p={token}")
    page.locator("#radar svg").wait_for()
    m = page.evaluate(MEASURE)
    assert m["scrollWidth"] <= m["width"] and m["small"] == []
    page.close()


def test_the_weights_step_passes_the_audit(browser, site):
    from test_accessibility import AXE, audit
    if not AXE.exists():
        pytest.skip("axe-core is not installed (scripts/test installs it)")
    created = new_workshop(site.store, igviz.load_dataset(), "Audit on a phone")
    token = site.store.join(created.workshop.code, "civil_society", "Screen reader")
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{site.base}/lite?code={created.workshop.code}&p={token}")
    page.locator("#radar svg").wait_for()
    assert audit(page, AXE) == []
    page.get_by_role("slider", name="Human rights").fill("9")
    assert audit(page, AXE) == []
    page.goto(f"{site.base}/lite?code={created.workshop.code}")
    assert audit(page, AXE) == []
    page.context.close()


def test_the_page_embeds_its_data_safely():
    dataset = igviz.load_dataset()
    a = workshop_assessment(dataset, "best_bits", list(dataset.proposals))
    data = live_ranking_data(a, "en", {"x": "</script><script>alert(1)</script>"})
    text = script_json(data)
    assert "<" not in text and json.loads(text)["text"]["x"] == "</script><script>alert(1)</script>"


def test_the_join_link_on_the_projector_opens_the_phone_page(browser, site):
    from browser_support import create_workshop

    facilitator = browser.new_page(viewport={"width": 1280, "height": 720})
    code, _ = create_workshop(facilitator, site.base, "Linked")
    link = facilitator.locator(".igviz-link b").inner_text()
    assert link.endswith(f"/lite?code={code}")
    page = browser.new_context(**PHONE).new_page()
    page.goto(link)
    page.get_by_label("Your stakeholder group").wait_for()
    assert page.locator("h1").inner_text() == "Linked"
    check_fits_a_phone(page, "join from the projector's link")
    page.context.close()
    facilitator.close()
