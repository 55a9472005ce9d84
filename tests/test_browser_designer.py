"""The explorer's "Design a reform" panel in a real browser: add a design, change one option, see the
ranking and the map overlay follow; the page's link, opened in a fresh browser context, shows the same
design. Expected rankings and overlays come from the model (igviz.Assessment, igviz.design), so the
test checks that the page shows what the data predicts.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import CHROMIUM, ranking_order, wait_for_ranking

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.design import Design  # noqa: E402

TIMEOUT = 30_000
DATA = igviz.load_dataset()
N_PROPOSALS = len(DATA.proposals)
NAME = "Council at the IGF"
DESIGN_ID = "design_council_at_the_igf"
START = {"venue": "single_council", "home": "igf"}
CHANGED = {**START, "venue": "intergovernmental_body"}   # one option changed: the venue

# The map's relation markers (one per relation, with what the proposal does to it), read from the
# page's Bokeh document: the source with the markers' `mx` column and no line `width`.
MAP_ADDED = """() => {
    const out = [];
    for (const doc of window.Bokeh.documents) {
        for (const m of doc.all_models) {
            const d = m.data;
            if (!d || !('mx' in d) || !('change' in d) || ('width' in d)) continue;
            for (let i = 0; i < d.change.length; i++)
                if (d.change[i] === 'added') out.push(d.from[i] + ' -> ' + d.to[i] + ' ' + d.relation[i]);
        }
    }
    return out.sort();
}"""


def option_name(dimension: str, option: str) -> str:
    return DATA.design.dimensions[dimension].option(option).name


def dimension_select(page, dimension: str):
    return page.get_by_role("combobox", name=DATA.design.dimensions[dimension].name, exact=True)


def expected(options) -> tuple[list[str], list[str], float]:
    """The model's ranking order, the map's added relations (as the map names them) and the position."""
    a = igviz.Assessment(DATA)
    design = Design(NAME, options=options)
    a.add_design(design)
    g = design.graph(DATA)
    added = sorted(f"{g.nodes[u]['body'].name} -> {g.nodes[v]['body'].name} {d['rel'].relation.replace('_', ' ')}"
                   for u, v, d in g.edges(data=True) if d["change"] == "added")
    return a.ranking().order, added, a.position(design.id)


def map_added(page) -> list[str]:
    return page.evaluate(MAP_ADDED)


@pytest.fixture
def context(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    yield context
    context.close()


def test_design_changes_ranking_and_map_and_survives_the_link(context, server, browser):
    order0, added0, _pos0 = expected(START)
    order1, added1, pos1 = expected(CHANGED)
    assert order0 != order1 and added0 != added1, "choose an option change that moves the ranking and the map"

    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{server}/explorer")
    wait_for_ranking(page, rows=N_PROPOSALS, timeout=TIMEOUT)

    # Compose the design and add it to the comparison.
    page.get_by_role("textbox", name="Name of the design").fill(NAME)
    page.get_by_role("textbox", name="Name of the design").press("Enter")
    for dim, opt in START.items():
        dimension_select(page, dim).select_option(label=option_name(dim, opt))
    expect(page.locator(".igviz-design-explained").first).to_contain_text(
        DATA.design.dimensions["venue"].option("single_council").explanation[:30])
    page.get_by_role("button", name="Add to the comparison").click()
    wait_for_ranking(page, order=order0, timeout=TIMEOUT)
    page.wait_for_function(f"() => ({MAP_ADDED})().length === {len(added0)}", timeout=TIMEOUT)
    assert map_added(page) == added0

    # Change one option: the ranking and the map overlay follow, live.
    dimension_select(page, "venue").select_option(label=option_name("venue", "intergovernmental_body"))
    wait_for_ranking(page, order=order1, timeout=TIMEOUT)
    page.wait_for_function(f"(want) => JSON.stringify(({MAP_ADDED})()) === JSON.stringify(want)", arg=added1,
                           timeout=TIMEOUT)
    expect(page.locator(".igviz-overlay-note")).to_contain_text(f"Centralisation: {pos1:.2f}")
    expect(page.locator(".igviz-design-rank")).to_contain_text(
        f"Rank {order1.index(DESIGN_ID) + 1} of {N_PROPOSALS + 1}")

    # The link carries the design; a fresh browser context opening it shows the same design.
    expect(page).to_have_url(re.compile(re.escape("venue:intergovernmental_body")), timeout=TIMEOUT)
    link = page.url
    assert f"designs.{DESIGN_ID}.name=" in link
    fresh = browser.new_context(viewport={"width": 1280, "height": 720})
    try:
        other = fresh.new_page()
        other.set_default_timeout(TIMEOUT)
        other.on("pageerror", lambda exc: errors.append(str(exc)))
        other.goto(link)
        wait_for_ranking(other, order=order1, timeout=TIMEOUT)
        assert ranking_order(other) == order1
        expect(other.get_by_role("textbox", name="Name of the design")).to_have_value(NAME)
        shown = "s => s.options[s.selectedIndex].text"
        assert dimension_select(other, "venue").evaluate(shown) == option_name("venue", "intergovernmental_body")
        assert dimension_select(other, "home").evaluate(shown) == option_name("home", "igf")
        expect(other.get_by_role("button", name="Remove from the comparison")).to_be_visible()
        other.wait_for_function(f"(want) => JSON.stringify(({MAP_ADDED})()) === JSON.stringify(want)", arg=added1,
                                timeout=TIMEOUT)
    finally:
        fresh.close()
    assert errors == [], errors
