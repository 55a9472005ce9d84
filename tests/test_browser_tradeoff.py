"""Browser tests for the dispersed-vs-centralised panel and the institution map (issue 4).

The stance slider is moved from one end to the other and the top-ranked proposal changes as the
model predicts; choosing a proposal draws its overlay on the map.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import CHROMIUM, wait_for_ranking

pytestmark = pytest.mark.browser

if not Path(CHROMIUM).exists():
    pytest.skip(f"{CHROMIUM} is missing: scripts/test installs Debian's chromium", allow_module_level=True)

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402

TIMEOUT = 20_000
STANCE = "Stance: prefer dispersed"


@pytest.fixture
def page(browser):
    page = browser.new_page(viewport={"width": 1600, "height": 1000})
    page.set_default_timeout(TIMEOUT)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" and "favicon" not in m.text else None)
    yield page
    assert errors == [], errors
    page.close()


def stance_handle(page):
    return page.locator(".bk-input-group").filter(
        has=page.locator(".bk-slider-title", has_text=re.compile(rf"^\s*{re.escape(STANCE)}"))).locator(".noUi-handle")


def model_at(stance: float, preset: str):
    a = igviz.Assessment()
    a.apply_preset(preset)
    a.stance = stance
    return a.ranking()


def test_stance_slider_end_to_end_changes_the_top_as_the_data_predicts(page, server):
    a = igviz.Assessment()
    a.apply_preset("navigability_first")
    weights = ",".join(f"{k}:{v:g}" for k, v in a.weights.values().items())
    dispersed, centralised = model_at(-1, "navigability_first"), model_at(1, "navigability_first")
    assert dispersed.top != centralised.top  # the data predicts a change along the axis
    page.goto(f"{server}/explorer?weights={weights}")
    wait_for_ranking(page, rows=len(a.proposals), timeout=TIMEOUT)

    stance_handle(page).press("Home")
    wait_for_ranking(page, order=dispersed.order, timeout=TIMEOUT)
    expect(page.locator(".igviz-stance-top")).to_contain_text(f"Top-ranked now: {dispersed.table.iloc[0]['short_name']}", timeout=TIMEOUT)

    stance_handle(page).press("End")
    wait_for_ranking(page, order=centralised.order, timeout=TIMEOUT)
    expect(page.locator(".igviz-stance-top")).to_contain_text(f"Top-ranked now: {centralised.table.iloc[0]['short_name']}", timeout=TIMEOUT)
    expect(page).to_have_url(re.compile(r"stance=1(&|$)"), timeout=TIMEOUT)


def map_sources(page) -> list[dict]:
    """The data of every Bokeh data source that carries a 'change' column (the map's nodes and edges)."""
    return page.evaluate("""() => {
        const out = [];
        for (const doc of window.Bokeh.documents) {
            for (const m of doc.all_models) {
                if (m.data && m.data.change !== undefined) {
                    const d = {};
                    for (const k of ['id', 'change', 'relation']) if (m.data[k] !== undefined) d[k] = Array.from(m.data[k]);
                    out.push(d);
                }
            }
        }
        return out;
    }""")


def test_choosing_a_proposal_draws_its_overlay_on_the_map(page, server):
    page.goto(f"{server}/explorer?selected=status_quo")
    wait_for_ranking(page, rows=len(igviz.load_dataset().proposals), timeout=TIMEOUT)
    expect(page.locator(".igviz-overlay-note")).to_contain_text("Centralisation: 0.00", timeout=TIMEOUT)

    page.locator("select").filter(has_text="UN Committee (CIRP)").first.select_option(label="UN Committee (CIRP)")
    expect(page.locator(".igviz-overlay-note")).to_contain_text("Centralisation: 0.23", timeout=TIMEOUT)
    page.wait_for_function("""() => {
        for (const doc of window.Bokeh.documents) for (const m of doc.all_models)
            if (m.data && m.data.id !== undefined && Array.from(m.data.id).includes('un_cirp')) return true;
        return false;
    }""", timeout=TIMEOUT)
    nodes = [s for s in map_sources(page) if "id" in s and "un_cirp" in s["id"]]
    assert nodes, "the UN Committee's new body is on the map"
    node = nodes[-1]
    assert node["change"][node["id"].index("un_cirp")] == "added"
    page.wait_for_function("""() => {
        for (const doc of window.Bokeh.documents) for (const m of doc.all_models)
            if (m.data && m.data.relation !== undefined && Array.from(m.data.change).includes('added')
                && Array.from(m.data.relation).includes('oversees')) return true;
        return false;
    }""", timeout=TIMEOUT)
    added_edges = [s for s in map_sources(page) if "relation" in s and "added" in s["change"]]
    assert any("oversees" in s["relation"] for s in added_edges)
