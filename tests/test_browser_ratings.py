"""A ratings round in real browsers (#16): participants rate on their phones, the facilitator reads the room.

Four participants in two stakeholder groups join on phones (390 × 844, touch) and rate the UN
committee's accountability very differently BY THE PHONE PAGE: one proposal at a time, from the
Best Bits score, by the number box and by the slider. The facilitator sees the disputed cell first,
the gap between the two groups and the ranking under the room's scores moved against the Best Bits
one. Round 2 asks for two named cells; the phones left open learn of it by their poll and load it;
civil society moves towards the government's rating; the comparison shows what moved.
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
from test_phone import PHONE, check_fits_a_phone  # noqa: E402

TIMEOUT = 30_000
DATASET = igviz.load_dataset()
FRAMEWORK = DATASET.default_framework
NAMES = {c.id: c.name for c in FRAMEWORK.criteria}
SHORT = {p.id: p.short_name for p in DATASET.proposals.values()}


def join_on_phone(browser, base: str, code: str, group: str, pseudonym: str):
    page = browser.new_context(**PHONE).new_page()
    page.goto(f"{base}/lite?code={code}")
    page.get_by_label("Your stakeholder group").select_option(label=group)
    page.get_by_label("A pseudonym").fill(pseudonym)
    page.get_by_role("button", name="Join").tap()
    page.locator("article.card").wait_for(timeout=TIMEOUT)
    return page


def card(page):
    return page.locator("article.card")


def open_proposal(page, proposal: str) -> None:
    """Move to a proposal's card through the list of proposals (a form post: works without JavaScript)."""
    if SHORT[proposal] in card(page).locator("h3").inner_text():
        return
    page.locator("details.chooser summary").tap()
    page.locator("details.chooser button", has_text=SHORT[proposal]).tap()
    expect(card(page).locator("h3")).to_contain_text(SHORT[proposal], timeout=TIMEOUT)


def rate(page, criterion: str, value: int) -> None:
    """Rate one criterion on the card in view: 10 by a tap at the slider's right end, else typed in its box."""
    box = card(page).get_by_role("spinbutton", name=NAMES[criterion])
    if value == 10:
        slider = card(page).get_by_role("slider", name=NAMES[criterion])
        slider.scroll_into_view_if_needed()
        at = slider.bounding_box()
        page.touchscreen.tap(at["x"] + at["width"] - 2, at["y"] + at["height"] / 2)
    else:
        box.tap()
        box.fill(str(value))
    assert float(box.input_value()) == value


def done(page) -> None:
    page.get_by_role("button", name="Done: next proposal").tap()
    page.locator("article.card").wait_for(timeout=TIMEOUT)


def submit(page, what: str) -> None:
    page.get_by_role("button", name=f"Submit my {what}").tap()
    expect(page.get_by_text(f"your {what} are in")).to_be_visible(timeout=TIMEOUT)


def test_phones_rate_and_the_facilitator_sees_the_disputed_cell_the_gap_and_the_changed_ranking(browser, tmp_path):
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
        finally:
            store.dispose()

        phones = []
        for group, name, rating in (("Civil society", "Ada", 1), ("Civil society", "Bea", 2),
                                    ("Government", "Gil", 10), ("Government", "Hal", 9)):
            phone = join_on_phone(browser, server.base, code, group, name)
            check_fits_a_phone(phone, "ratings round, first card")
            # Weights: accountability is all that matters to them (typed in the boxes; the sliders follow).
            for c in FRAMEWORK.criterion_ids:
                phone.get_by_role("spinbutton", name=NAMES[c]).first.fill("10" if c == "accountable" else "0")
            # Each chooses what to rate: the MIPC, agreeing with its accountability score of 6 …
            phone.evaluate("window.sameDocument = true")  # moving between cards does not load the page
            open_proposal(phone, "mipc")
            rate(phone, "accountable", 6)
            done(phone)
            # … and the UN committee, where the two groups see its accountability very differently.
            open_proposal(phone, "un_committee")
            why = card(phone).locator(".rate[data-criterion='accountable'] details.why")
            why.locator("summary").tap()  # the starting score's rationale and source, one tap away
            expect(why).to_contain_text("Best Bits analysis, early 2014")
            rate(phone, "accountable", rating)
            card(phone).locator(".rate[data-criterion='human_rights'] label.dk").tap()  # "don't know" on one
            check_fits_a_phone(phone, "ratings card")
            done(phone)
            assert phone.evaluate("window.sameDocument") is True
            submit(phone, "weights and ratings")
            check_fits_a_phone(phone, "submitted")
            phones.append(phone)

        store = WorkshopStore(url, min_seconds_between_submissions=0)
        try:
            info, subs = store.workshop(code), store.submissions(code, key)
        finally:
            store.dispose()
        # What the phones sent: the two proposals rated, every other proposal not reached, "don't know" left out.
        assert sorted(subs["rating.un_committee.accountable"]) == [1, 2, 9, 10]
        assert list(subs["rating.mipc.accountable"]) == [6] * 4
        assert "rating.un_committee.human_rights" not in subs.columns  # "don't know" from everyone
        assert not [c for c in subs.columns if c.startswith("rating.") and c.split(".")[1] not in ("mipc", "un_committee")]
        assert (subs["weight.accountable"] == 10).all() and (subs["weight.effective"] == 0).all()
        expected = round_results(DATASET, info.framework, info.proposals, info.groups, info.rule, subs).rating_ranking
        wait_for_count(page, 4, timeout=TIMEOUT)

        disputed = page.locator("table.igviz-disputed tbody tr")
        # The gap: government 9.5 against civil society 1.5, 8 points; the room, each group once, 5.5.
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
        for name in ("Ada", "Bea", "Gil", "Hal"):
            assert name not in page.content()  # pseudonyms never reach the projector

        # Round 2 asks for ratings only, of two named cells. The phones, left open, learn of it by their poll.
        store = WorkshopStore(url, min_seconds_between_submissions=0)
        try:
            store.close_round(code, key)
            store.open_round(code, key, asks="ratings", rated={"un_committee": ["accountable"], "mipc": ["accountable"]})
        finally:
            store.dispose()
        for phone, rating in zip(phones, (7, 8, 10, 9)):
            expect(phone.get_by_text("Round 2 is open")).to_be_visible(timeout=TIMEOUT)
            expect(card(phone).locator("h3")).to_contain_text("MIPC")  # the first named cell's proposal
            assert card(phone).locator(".rate").count() == 1  # only the cell asked
            assert phone.locator("input[name^='w.']").count() == 0  # no weights asked
            done(phone)  # the MIPC's accountability as it starts: 6
            expect(card(phone).locator("h3")).to_contain_text("UN Committee")
            rate(phone, "accountable", rating)
            submit(phone, "ratings")
        moved = page.locator("table.igviz-history-ratings tbody tr").first
        # Room 5.5 → 8.5 (means 7.5 and 9.5); spread sqrt(((1-5.5)²+(2-5.5)²+(10-5.5)²+(9-5.5)²)/4) = 4.0 → 1.1.
        expect(moved).to_contain_text(re.compile(r"5\.5 → 8\.5.*4\.0 → 1\.1", re.S), timeout=TIMEOUT)
        expect(page.get_by_text("Disagreement about the ratings shrank")).to_be_visible(timeout=TIMEOUT)
        assert errors == []
        # The page with every ratings card shown passes the accessibility audit (axe-core, as the others).
        from test_accessibility import AXE, audit
        if AXE.exists():
            assert audit(page, AXE) == [], "facilitator page with ratings results"
            assert audit(phones[0], AXE) == [], "the phone's ratings card"
