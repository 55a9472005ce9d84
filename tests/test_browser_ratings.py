"""A ratings round on the facilitator's page in a real browser (#16).

Participants in two stakeholder groups rate one proposal very differently (submitted through the
store: the phone's rating page is being rebuilt); the facilitator sees the disputed cell first, the
gap between the two groups, and the ranking under the room's scores moved against the Best Bits one.
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import CHROMIUM, WORKSHOP_APPS, create_workshop, panel_server, wait_for_count

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, round_results  # noqa: E402

TIMEOUT = 30_000
DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids


def test_the_facilitator_sees_the_disputed_cell_the_gap_and_the_changed_ranking(browser, tmp_path):
    url = f"sqlite:///{tmp_path / 'workshops.sqlite'}"
    with panel_server(WORKSHOP_APPS, url) as server:
        page = browser.new_page(viewport={"width": 1280, "height": 720})
        errors = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        code, facilitator_url = create_workshop(page, server.base, "Ratings in the room")
        key = parse_qs(urlparse(facilitator_url).query)["key"][0]
        # The facilitator makes round 1 ask for weights and ratings (each participant chooses what to rate).
        page.get_by_text("What the round asks: weights, ratings").click()
        page.get_by_role("combobox", name="This round asks for").select_option(label="weights and ratings")
        page.get_by_role("button", name="Apply to this round").click()
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        try:
            # Results shown as they come (they are hidden until revealed by default): this test reads them.
            store.set_results_live(code, key, True)
            for _attempt in range(100):
                if store.workshop(code).round.asks == "both":
                    break
                page.wait_for_timeout(100)
            assert (store.workshop(code).round.asks, store.workshop(code).round.rated) == ("both", None)
            only_accountable = {c: (10.0 if c == "accountable" else 0.0) for c in CRITERIA}
            tokens = []
            for group, rating in (("civil_society", 1), ("civil_society", 2), ("government", 10), ("government", 9)):
                tokens.append(store.join(code, group, "someone"))
                store.submit(tokens[-1], only_accountable, ratings={"un_committee": {"accountable": rating},
                                                                    "mipc": {"accountable": 6}})
            info, subs = store.workshop(code), store.submissions(code, key)
        finally:
            store.dispose()
        expected = round_results(DATASET, info.framework, info.proposals, info.groups, info.rule, subs).rating_ranking
        wait_for_count(page, 4, timeout=TIMEOUT)

        disputed = page.locator("table.igviz-disputed tbody tr")
        # The gap: government 9.5 against civil society 1.5, 8 points; the room, each group once, 5.5
        # (waited for: the panes of one refresh reach the browser one after another).
        expect(disputed.first).to_contain_text(re.compile(r"8\.0\s+Government 9\.5 · Civil society 1\.5"),
                                               timeout=TIMEOUT)
        first = disputed.first.inner_text()
        assert "UN Committee" in first and "Accountable" in first and "5.5" in first
        # The ranking under the room's scores beside the Best Bits one: with accountability the only
        # weight, the room's 5.5 moves the UN committee (Best Bits: 4 when written) past others.
        change = int(expected.loc["un_committee", "rank change"])
        assert change != 0
        row = page.locator("table.igviz-rating-ranking tbody tr[data-proposal='un_committee']")
        expect(row).to_contain_text(f"▲ {change}" if change > 0 else f"▼ {-change}", timeout=TIMEOUT)
        rows = page.locator("table.igviz-rating-ranking tbody tr").evaluate_all("rs => rs.map(r => r.dataset.proposal)")
        assert rows == list(expected.index)
        assert "not rated" in page.locator("table.igviz-rating-ranking tbody tr[data-proposal='status_quo']").inner_text()
        assert "someone" not in page.content()  # pseudonyms never reach the projector

        # Round 2: civil society moves towards the government's rating; the comparison shows what moved.
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        try:
            store.close_round(code, key)
            store.open_round(code, key, asks="both", rated={"un_committee": ["accountable"], "mipc": ["accountable"]})
            for token, rating in zip(tokens, (7, 8, 10, 9)):
                store.submit(token, only_accountable, ratings={"un_committee": {"accountable": rating},
                                                               "mipc": {"accountable": 6}})
        finally:
            store.dispose()
        moved = page.locator("table.igviz-history-ratings tbody tr").first
        # Room 5.5 → 8.5 (means 7.5 and 9.5); spread sqrt(((1-5.5)²+(2-5.5)²+(10-5.5)²+(9-5.5)²)/4) = 4.0 → 1.1.
        expect(moved).to_contain_text(re.compile(r"5\.5 → 8\.5.*4\.0 → 1\.1", re.S), timeout=TIMEOUT)
        expect(page.get_by_text("Disagreement about the ratings shrank")).to_be_visible(timeout=TIMEOUT)
        assert errors == []
        # The page with every ratings card shown passes the accessibility audit (axe-core, as the others).
        from test_accessibility import AXE, audit
        if AXE.exists():
            assert audit(page, AXE) == [], "facilitator page with ratings results"
