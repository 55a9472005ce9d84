"""The facilitator's ratings results in a real browser (#16): the perspective switch re-ranks, rough
consensus and robustness under the room's scores, and the round history against any earlier round.

Submissions go through the store (the phone pages have their own browser test); the projector is
1280 × 720. Everyone weights accountability only, so a proposal's overall score is its
accountability score (Best Bits: 6 for the best, 4 for the UN committee).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from browser_support import CHROMIUM, WORKSHOP_APPS, panel_server

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, new_workshop  # noqa: E402

TIMEOUT = 30_000
DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
ONLY_ACCOUNTABLE = {c: (10.0 if c == "accountable" else 0.0) for c in CRITERIA}


def rate(store, tokens, ratings):
    for token, rating in zip(tokens, ratings):
        store.submit(token, ONLY_ACCOUNTABLE, ratings={"un_committee": {"accountable": rating}})


def test_perspective_switch_consensus_robustness_and_history_on_the_projector(browser, tmp_path):
    url = f"sqlite:///{tmp_path / 'workshops.sqlite'}"
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    with panel_server(WORKSHOP_APPS, url) as server:
        try:
            created = new_workshop(store, DATASET, "Ratings on the projector", groups=["civil_society", "government"])
            code, key = created.workshop.code, created.secret
            store.set_results_live(code, key, True)
            store.set_round_asks(code, key, "both", rated={"un_committee": ["accountable"]})
            tokens = [store.join(code, g, f"someone {i}")
                      for i, g in enumerate(["civil_society", "civil_society", "government", "government"])]
            # Round 1: civil society rates the UN committee's accountability 1 and 2, the government 10 and 9.
            rate(store, tokens, (1, 2, 10, 9))

            page = browser.new_page(viewport={"width": 1280, "height": 720})
            errors = []
            page.on("pageerror", lambda exc: errors.append(str(exc)))
            page.goto(f"{server.base}/facilitator?code={code}&key={key}")
            equal = page.locator("table.igviz-equal-footing tbody tr")
            expect(equal.first).to_be_visible(timeout=TIMEOUT)
            assert equal.first.get_attribute("data-proposal") != "un_committee"  # Best Bits: 4 of 10

            # The perspective switch: the government's ratings (9.5) put the UN committee first,
            # civil society's (1.5) last; the caption says whose scores rank.
            switch = page.get_by_role("combobox", name="Scores the ranking uses")
            switch.select_option(label="Government's ratings")
            expect(equal.first).to_have_attribute("data-proposal", "un_committee", timeout=TIMEOUT)
            expect(page.locator("table.igviz-equal-footing caption")).to_contain_text("Scores: Government's ratings")
            expect(page.locator("table.igviz-headcount tbody tr").first).to_have_attribute("data-proposal", "un_committee")
            switch.select_option(label="Civil society's ratings")
            expect(equal.last).to_have_attribute("data-proposal", "un_committee", timeout=TIMEOUT)
            switch.select_option(label="Best Bits analysis, early 2014")
            expect(page.locator("table.igviz-equal-footing caption")).not_to_contain_text("Scores:", timeout=TIMEOUT)

            # Rough consensus under the room's scores: each as they see it, the government puts the UN
            # committee in its top three and civil society does not.
            row = page.locator("table.igviz-rating-consensus tbody tr[data-proposal='un_committee']")
            expect(row).to_contain_text(re.compile(r"✗ no 0%.*✓ yes 100%.*✗ no", re.S), timeout=TIMEOUT)
            # Robustness under the room's scores: every proposal, shares of 4,000 draws.
            expect(page.locator("table.igviz-rating-robustness tbody tr")).to_have_count(len(DATASET.proposals))
            expect(page.locator("table.igviz-rating-robustness caption")).to_contain_text("4,000 draws")
            expect(page.get_by_role("combobox", name="Compare this round with round")).to_be_hidden()

            # Rounds 2 and 3: civil society moves (7, 8), then everyone agrees on 9.
            for ratings in ((7, 8, 10, 9), (9, 9, 9, 9)):
                store.close_round(code, key)
                store.open_round(code, key, asks="both", rated={"un_committee": ["accountable"]})
                rate(store, tokens, ratings)
            history = page.get_by_role("combobox", name="Compare this round with round")
            expect(history).to_be_visible(timeout=TIMEOUT)
            moved = page.locator("table.igviz-history-ratings tbody tr").first
            # Against round 2 (the default, the last): room 8.5 → 9.0, spread sqrt(1.25) = 1.1 → 0.0.
            expect(moved).to_contain_text(re.compile(r"8\.5 → 9\.0.*1\.1 → 0\.0", re.S), timeout=TIMEOUT)
            # Against round 1: 5.5 → 9.0, spread 4.0 → 0.0.
            history.select_option(label="Round 1")
            expect(moved).to_contain_text(re.compile(r"5\.5 → 9\.0.*4\.0 → 0\.0", re.S), timeout=TIMEOUT)
            expect(page.locator("table.igviz-history-ranking caption")).to_contain_text("round 1")
            # Every round in one table: the spread of the ratings shrinking 4.0, 1.1, 0.0.
            spreads = page.locator("table.igviz-convergence tbody tr td:nth-child(4)")
            expect(spreads).to_have_text(["4.0", "1.1", "0.0"], timeout=TIMEOUT)
            assert "someone" not in page.content()  # pseudonyms never reach the projector
            assert errors == []
            from test_accessibility import AXE, audit
            if AXE.exists():
                assert audit(page, AXE) == [], "facilitator page with the ratings results and round history"

            # Results hidden again (no longer live, not revealed): no ratings result stays on the screen.
            store.set_results_live(code, key, False)
            expect(page.locator("table.igviz-disputed")).to_have_count(0, timeout=TIMEOUT)
            expect(page.locator("table.igviz-convergence")).to_have_count(0)
            expect(switch).to_be_hidden()
        finally:
            store.dispose()
