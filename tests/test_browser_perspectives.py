"""Score perspectives in the explorer in a real browser (#16): an analyst loads a workshop export,
the ranking changes to the room's scores, the compare view puts the disputed cell first, and the
link restores the perspective in another tab."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from browser_support import CHROMIUM, explorer_server, ranking_order, wait_for_ranking

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import load_perspectives  # noqa: E402
from igviz.workshop import WorkshopStore, export_round, new_workshop  # noqa: E402
from igviz.workshop.ratings import ROOM_NAME  # noqa: E402

TIMEOUT = 40_000
DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
ONLY_ACCOUNTABLE = {c: (10.0 if c == "accountable" else 0.0) for c in CRITERIA}
# Screenshots for a person to look at, when asked for: IGVIZ_SCREENSHOTS=/some/folder.
SHOTS = os.environ.get("IGVIZ_SCREENSHOTS")


@pytest.fixture(scope="module")
def server():
    with explorer_server() as base:
        yield base


def make_export(folder: Path) -> Path:
    """Civil society rates the UN committee's accountability 1 and 2, government 10 and 9."""
    store = WorkshopStore(f"sqlite:///{folder / 'w.sqlite'}", min_seconds_between_submissions=0)
    try:
        created = new_workshop(store, DATASET, "Perspectives")
        code, secret = created.workshop.code, created.secret
        store.set_round_asks(code, secret, "both")
        for group, rating in (("civil_society", 1), ("civil_society", 2), ("government", 10), ("government", 9)):
            store.submit(store.join(code, group, "someone"), ONLY_ACCOUNTABLE,
                         ratings={"un_committee": {"accountable": rating}, "mipc": {"accountable": 6}})
        return export_round(store, code, secret).save(folder / "round1.json")
    finally:
        store.dispose()


def shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


def test_loading_a_workshop_export_changes_the_ranking_and_the_compare_view_shows_the_disputed_cell(
        browser, server, tmp_path):
    path = make_export(tmp_path)
    room = igviz.Assessment(DATASET)
    room.set_weights(ONLY_ACCOUNTABLE)
    bundled_order = room.ranking().order
    room.perspective = load_perspectives(path)[ROOM_NAME]
    room_order = room.ranking().order
    assert room_order != bundled_order  # the room's 5.5 (Best Bits: 4) moves the UN committee

    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    weights = ",".join(f"{c}:{v:g}" for c, v in ONLY_ACCOUNTABLE.items())
    page.goto(f"{server}/explorer?weights={weights}")
    wait_for_ranking(page, order=bundled_order, timeout=TIMEOUT)
    shot(page, "1-explorer-bundled")

    # The analyst loads the export: the room's perspective is offered and chosen, and ranks.
    page.locator("input[type=file]").set_input_files(str(path))
    wait_for_ranking(page, order=room_order, timeout=TIMEOUT)
    assert ranking_order(page) == room_order
    expect(page.locator(".igviz-upload-status")).to_contain_text("Loaded from round1.json", timeout=TIMEOUT)
    expect(page.get_by_role("combobox", name="Perspective")).to_have_value(ROOM_NAME)
    expect(page.locator(".igviz-perspective-now")).to_contain_text("The room, each stakeholder group counting once")

    # The compare view: the disputed cell first (Best Bits 4, the room 5.5, with whose and how sure),
    # and the UN committee moving up.
    first = page.locator("table.igviz-compare-cells tbody tr").first
    expect(first).to_have_attribute("data-proposal", "un_committee", timeout=TIMEOUT)
    expect(first).to_have_attribute("data-criterion", "accountable")
    expect(first).to_contain_text("+1.5")
    expect(first).to_contain_text("4 ratings, 2 groups, ±4.0")  # whose and how sure (in full as its title)
    moved = bundled_order.index("un_committee") - room_order.index("un_committee")
    expect(page.locator("table.igviz-compare-ranking tbody tr[data-proposal='un_committee']")).to_contain_text(
        f"▲ {moved}")
    page.locator(".igviz-compare").scroll_into_view_if_needed()
    shot(page, "2-explorer-compare")

    # The score matrix says whose the scores are.
    expect(page.locator(".igviz-perspective-rated").first).to_contain_text("The room")
    # The page with the room's scores, the rated marks and the comparison passes the accessibility audit.
    from test_accessibility import AXE, audit

    if AXE.exists():
        assert audit(page, AXE) == []

    # The link holds the perspective: another tab opens ranked under the room's scores.
    page.wait_for_function("() => location.search.includes('perspective.cells.un_committee')", timeout=TIMEOUT)
    link = page.url
    other = context.new_page()
    other.goto(link)
    wait_for_ranking(other, order=room_order, timeout=TIMEOUT)
    expect(other.get_by_role("combobox", name="Perspective")).to_have_value(ROOM_NAME)

    # Back to the Best Bits scores: the ranking returns.
    page.get_by_role("combobox", name="Perspective").select_option(label="Best Bits analysis, early 2014")
    wait_for_ranking(page, order=bundled_order, timeout=TIMEOUT)
    assert errors == []
    context.close()
