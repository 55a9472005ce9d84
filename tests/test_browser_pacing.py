"""Facilitator pacing in a real browser: results hidden until revealed, the reveal reaching a phone,
close and next round asking first, and a round window that opens and closes at its times.

One `igviz serve` on its own SQLite file; phones are Chromium with mobile emulation at 390 x 844.
"""

from __future__ import annotations

import re
import time
from datetime import datetime, timezone
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest

from browser_support import (CHROMIUM, EQUAL_FOOTING_ROWS, WORKSHOP_APPS, create_workshop, join_workshop, panel_server,
                             reveal_results, slider_handle, slider_title, submit_weights, wait_for_count)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, round_results  # noqa: E402

TIMEOUT = 20_000
# Playwright's "Pixel 5", at the size the workshop pages are made for.
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2.75, "is_mobile": True, "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 11; Pixel 5) AppleWebKit/537.36 (KHTML, like Gecko) "
                       "Chrome/120.0.0.0 Mobile Safari/537.36"}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('pacing') / 'workshops.sqlite'}"
    with panel_server(WORKSHOP_APPS, url) as server:
        server.database_url = url
        yield server


def key_of(url: str) -> tuple[str, str]:
    query = parse_qs(urlparse(url).query)
    return query["code"][0], query["key"][0]


def expected_ranking(database_url: str, facilitator_url: str) -> list[str]:
    code, key = key_of(facilitator_url)
    store = WorkshopStore(database_url)
    try:
        info, subs = store.workshop(code), store.submissions(code, key)
    finally:
        store.dispose()
    r = round_results(igviz.load_dataset(), info.framework, info.proposals, info.groups, info.rule, subs)
    return list(r.equal_footing_ranking.index)


def short_names(ids) -> list[str]:
    ds = igviz.load_dataset()
    return [ds.proposal(p).short_name for p in ids]


def test_results_hidden_until_revealed_and_the_reveal_reaches_a_phone(browser, served):
    facilitator = browser.new_page(viewport={"width": 1280, "height": 720})
    code, facilitator_url = create_workshop(facilitator, served.base, "Reveal")
    phones = []
    for group, name, criterion in [("Civil society", "Ada", "Human rights"), ("Government", "Grace", "Effective")]:
        context = browser.new_context(**PHONE)
        phone = context.new_page()
        join_workshop(phone, served.base, code, group, name)
        slider_handle(phone, criterion).focus()
        phone.keyboard.press("End")
        expect(slider_title(phone, criterion)).to_contain_text("10", timeout=TIMEOUT)
        submit_weights(phone)
        phones.append(phone)
    wait_for_count(facilitator, 2)
    # Hidden: the counts per stakeholder group, and nothing of the ranking, consensus or dissent.
    expect(facilitator.get_by_text("The results are hidden until you reveal them")).to_be_visible()
    assert facilitator.locator(EQUAL_FOOTING_ROWS).count() == 0
    assert facilitator.locator("table.igviz-consensus, ul.igviz-dissent").count() == 0
    phone = phones[0]
    assert phone.locator(".igviz-group-result").count() == 0 or not phone.locator(".igviz-group-result").is_visible()

    reveal_results(facilitator)
    expected = expected_ranking(served.database_url, facilitator_url)
    expect(facilitator.locator(EQUAL_FOOTING_ROWS)).to_have_count(len(expected), timeout=TIMEOUT)
    assert facilitator.locator(EQUAL_FOOTING_ROWS).evaluate_all("rows => rows.map(r => r.dataset.proposal)") == expected
    # The phone left open gets the group's result by itself (its poll), in the same order.
    result = phone.locator(".igviz-group-result")
    expect(result).to_contain_text("The group’s result, round 1", timeout=TIMEOUT)
    items = result.locator("li").evaluate_all("items => items.map(i => i.innerText)")
    assert [re.sub(r"\s+[\d.]+$", "", i).strip() for i in items] == short_names(expected)
    # The light page shows it too.
    token = parse_qs(urlparse(phone.url).query)["p"][0]
    lite = phones[1].context.new_page()
    lite.goto(f"{served.base}/lite?code={code}&p={token}")
    expect(lite.locator("section.group-result")).to_contain_text("The group’s result, round 1")
    assert [re.sub(r"\s*\([\d.]+\)$", "", i) for i in lite.locator("section.group-result li").all_inner_texts()] \
        == short_names(expected)
    assert lite.evaluate("() => document.documentElement.scrollWidth") <= 390  # no sideways scroll on the phone
    # Hidden again: gone from the projector and, at the next poll, from the phone.
    facilitator.get_by_role("button", name="Hide results").click()
    expect(facilitator.locator(EQUAL_FOOTING_ROWS)).to_have_count(0, timeout=TIMEOUT)
    expect(phone.locator(".igviz-group-result li")).to_have_count(0, timeout=TIMEOUT)


def test_close_and_next_round_ask_first_and_the_next_round_starts_from_stated_weights(browser, served):
    facilitator = browser.new_page(viewport={"width": 1280, "height": 720})
    code, _ = create_workshop(facilitator, served.base, "Confirm")
    phone = browser.new_context(**PHONE).new_page()
    join_workshop(phone, served.base, code, "Government", "Grace")
    slider_handle(phone, "Effective").focus()
    phone.keyboard.press("End")
    submit_weights(phone)

    next_round = facilitator.get_by_role("button", name="Start next round")
    expect(next_round).to_be_disabled()  # offered only once the round is closed, and says so
    expect(facilitator.locator("#igviz-next-reason")).to_contain_text("Close this round first")
    facilitator.get_by_role("button", name="Close round").click()
    expect(facilitator.get_by_text("Close round 1? Participants can no longer submit")).to_be_visible()
    facilitator.get_by_role("button", name="Cancel").click()
    expect(facilitator.get_by_text("Close round 1?")).to_have_count(0)
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 1 is open")  # Cancel changed nothing
    facilitator.get_by_role("button", name="Close round").click()
    facilitator.get_by_role("button", name="Yes, close the round").click()
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 1 is closed", timeout=TIMEOUT)
    expect(next_round).to_be_enabled(timeout=TIMEOUT)
    next_round.click()
    expect(facilitator.get_by_text("Start round 2? Everyone starts from equal weights.")).to_be_visible()
    assert facilitator.locator(".igviz-round").inner_text().count("Round 1 is closed") == 1  # not yet
    facilitator.get_by_role("button", name="Yes, start the next round").click()
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 2 is open", timeout=TIMEOUT)
    # The phone left open since round 1 starts round 2 where a reloaded one does: equal weights, said so.
    expect(phone.get_by_text("Round 2 starts everyone from equal weights.").first).to_be_visible(timeout=TIMEOUT)
    expect(slider_title(phone, "Effective")).to_contain_text("5", timeout=TIMEOUT)
    phone.reload()
    expect(slider_title(phone, "Effective")).to_contain_text("5", timeout=TIMEOUT)


def utc(timestamp: float) -> str:
    return datetime.fromtimestamp(timestamp, timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def test_a_round_window_opens_and_closes_at_its_times(browser, served):
    facilitator = browser.new_page(viewport={"width": 1280, "height": 720})
    code, _ = create_workshop(facilitator, served.base, "Window")
    phone = browser.new_context(**PHONE, timezone_id="Asia/Tokyo").new_page()
    join_workshop(phone, served.base, code, "Civil society", "Remote Ada")
    # The facilitator gives round 1 a window (in UTC, as typed), opening in a few seconds.
    facilitator.get_by_text("Round timing, starting weights, showing results").click()
    opens, closes = time.time() + 15, time.time() + 30
    facilitator.get_by_label("Or a window: opens at").fill(utc(opens))
    facilitator.get_by_label("Closes at").fill(utc(closes))
    facilitator.get_by_label("In the time zone").fill("UTC")
    facilitator.get_by_label("In the time zone").blur()
    facilitator.get_by_role("button", name="Apply to this round").click()
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 1 opens at", timeout=TIMEOUT)
    submit = phone.get_by_role("button", name="Submit my weights")
    expect(submit).to_be_disabled(timeout=TIMEOUT)
    tokyo = datetime.fromtimestamp(closes, timezone.utc).astimezone(__import__("zoneinfo").ZoneInfo("Asia/Tokyo"))
    expect(phone.get_by_text(re.compile(r"This round is open from .* \(your time\)"))).to_contain_text(
        tokyo.strftime("%Y-%m-%d %H:%M"), timeout=TIMEOUT)  # on the phone's own clock
    # The light page: without JavaScript the times name their zone (UTC here); its script shows the phone's own.
    token = parse_qs(urlparse(phone.url).query)["p"][0]
    lite = phone.context.new_page()
    lite.goto(f"{served.base}/lite?code={code}&p={token}")
    expect(lite.locator("p.round-times time").last).to_have_text(f"{tokyo.strftime('%Y-%m-%d %H:%M')} Asia/Tokyo")
    lite.close()
    # It opens by itself at its time...
    expect(submit).to_be_enabled(timeout=max(1000, (opens - time.time()) * 1000 + 10_000))
    assert time.time() >= opens - 1
    submit_weights(phone)
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 1 is open until", timeout=TIMEOUT)
    # ...and closes by itself at its time, on the phone and on the projector.
    expect(submit).to_be_disabled(timeout=max(1000, (closes - time.time()) * 1000 + 10_000))
    assert time.time() >= closes - 1
    expect(facilitator.locator(".igviz-round")).to_contain_text("Round 1 is closed", timeout=TIMEOUT)
    expect(facilitator.get_by_role("button", name="Start next round")).to_be_enabled(timeout=TIMEOUT)
