"""The workshop pages in a real browser: participants join and submit, the facilitator sees it.

Each test serves the explorer, participant and facilitator dashboards with `panel serve`
against its own database (a SQLite file, or the session's PostgreSQL for the two-process
test), and drives Debian's Chromium with Playwright. Expected results are computed with the
same library from what the store holds, so the tests check that the pages show it.
"""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from urllib.parse import parse_qs, urlparse
from zoneinfo import ZoneInfo

import pytest

from browser_support import (CHROMIUM, DISSENT_ITEMS, EQUAL_FOOTING_ROWS, RANKING_ROWS, WORKSHOP_APPS, PanelServer,
                             create_workshop, facilitator_counts, join_workshop, panel_server, reveal_results, slider_handle,
                             slider_title, submit_weights, wait_for_count)

pytestmark = [pytest.mark.browser,
              pytest.mark.skipif(not Path(CHROMIUM).exists(),
                                 reason=f"{CHROMIUM} is missing (scripts/test installs Debian's chromium)")]

from playwright.sync_api import expect  # noqa: E402

import igviz  # noqa: E402
from igviz.workshop import WorkshopStore, round_results  # noqa: E402

TIMEOUT = 20_000
SCRIPT_COMMENT = "We object: <script>window.__pwned = 1</script> keep the IGF open"


def sqlite_url(folder) -> str:
    return f"sqlite:///{folder / 'workshops.sqlite'}"


@pytest.fixture(scope="module")
def shared(tmp_path_factory):
    """One server on one SQLite file for the tests that need no restart; each makes its own workshop."""
    url = sqlite_url(tmp_path_factory.mktemp("workshops"))
    with panel_server(WORKSHOP_APPS, url) as server:
        server.database_url = url
        yield server


def key_of(url: str) -> tuple[str, str]:
    query = parse_qs(urlparse(url).query)
    return query["code"][0], query["key"][0]


def expected_results(database_url: str, facilitator_url: str):
    code, key = key_of(facilitator_url)
    store = WorkshopStore(database_url)
    try:
        info = store.workshop(code)
        subs = store.submissions(code, key)
    finally:
        store.dispose()
    return round_results(igviz.load_dataset(), info.framework, info.proposals, info.groups, info.rule, subs)


def test_three_groups_submit_and_the_facilitator_sees_them_on_an_equal_footing(browser, shared):
    server, url = shared, shared.database_url
    facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
    errors = []
    facilitator.on("pageerror", lambda exc: errors.append(str(exc)))
    code, facilitator_url = create_workshop(facilitator, server.base, "Reform options <b>2026</b>")
    # The title is shown as typed, not as markup.
    expect(facilitator.locator("header.igviz-header h1")).to_have_text("Reform options <b>2026</b>")

    people = [("Civil society", "Ada", "Human rights", SCRIPT_COMMENT),
              ("Government", "Grace", "Effective", ""),
              ("Private sector", "Linus", "Necessary expertise", "")]
    for group, name, criterion, comment in people:
        page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        join_workshop(page, server.base, code, group, name)
        slider_handle(page, criterion).focus()
        page.keyboard.press("End")  # all the weight this person can give to their criterion
        expect(slider_title(page, criterion)).to_contain_text("10", timeout=TIMEOUT)
        submit_weights(page, comment)
        # The participant's own address now carries their private token, so a reload resumes.
        assert "p=" in page.url
        page.close()

    wait_for_count(facilitator, 3)
    reveal_results(facilitator)
    counts = facilitator_counts(facilitator)
    assert counts == {"Civil society": 1, "Government": 1, "Private sector": 1,
                      "Technical and academic community": 0, "All": 3}
    expected = expected_results(url, facilitator_url)
    shown = facilitator.locator(EQUAL_FOOTING_ROWS).evaluate_all("rows => rows.map(r => r.dataset.proposal)")
    assert shown == list(expected.equal_footing_ranking.index)
    # Each person pushed a different criterion to the top, so the weights really arrived.
    assert expected.equal_footing_weights["human_rights"] > expected.equal_footing_weights["transparent"]
    dissent = facilitator.locator(DISSENT_ITEMS)
    expect(dissent).to_have_count(1)
    expect(dissent.first).to_contain_text(SCRIPT_COMMENT)  # as text, markup and all
    expect(dissent.first).to_contain_text("Civil society")
    expect(dissent.first).not_to_contain_text("Ada")  # no names on the projector
    assert facilitator.evaluate("() => window.__pwned") is None
    assert facilitator.locator("ul.igviz-dissent script").count() == 0
    assert errors == []


def test_participant_slider_reranks_and_a_closed_round_refuses_submissions(browser, shared):
    server = shared
    facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
    code, _ = create_workshop(facilitator, server.base, "Rounds")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    join_workshop(page, server.base, code, "Technical and academic community", "Tim")
    a = igviz.Assessment()
    a.set_weights(effective=10)
    expected_top = a.ranking().order[0]
    slider_handle(page, "Effective").focus()
    page.keyboard.press("End")
    expect(page.locator(RANKING_ROWS).first).to_have_attribute("data-proposal", expected_top, timeout=TIMEOUT)

    facilitator.get_by_role("button", name="Close round").click()
    facilitator.get_by_role("button", name="Yes, close the round").click()
    expect(page.get_by_role("button", name="Submit my weights")).to_be_disabled(timeout=TIMEOUT)
    expect(page.get_by_text("is closed")).to_be_visible(timeout=TIMEOUT)
    facilitator.get_by_role("button", name="Reopen round").click()
    expect(page.get_by_role("button", name="Submit my weights")).to_be_enabled(timeout=TIMEOUT)
    submit_weights(page)
    wait_for_count(facilitator, 1)


def test_the_submission_time_is_in_the_participants_time_zone(browser, shared):
    """The server may run on UTC; the room sees its own clock."""
    facilitator = browser.new_page()
    code, _ = create_workshop(facilitator, shared.base, "Time zones")
    context = browser.new_context(timezone_id="Pacific/Chatham")  # UTC+12:45 or +13:45: no server has it
    page = context.new_page()
    join_workshop(page, shared.base, code, "Government", "Kiwi")
    submit_weights(page)
    token = parse_qs(urlparse(page.url).query)["p"][0]
    store = WorkshopStore(shared.database_url)
    try:
        submitted_at = store.participant(token).submitted_at
    finally:
        store.dispose()
    local = datetime.fromtimestamp(submitted_at, ZoneInfo("Pacific/Chatham")).strftime("%H:%M:%S")
    expect(page.get_by_role("status").filter(has_text="Submitted at")).to_contain_text(f"Submitted at {local}.")
    context.close()


def test_bad_join_code_and_bad_facilitator_key_get_messages(browser, shared):
    server = shared
    page = browser.new_page()
    page.goto(f"{server.base}/facilitator")
    page.get_by_role("button", name="Create the workshop").wait_for(timeout=TIMEOUT)
    expect(page.get_by_label("Organiser key")).to_be_hidden()  # this server has no organiser key
    page.goto(f"{server.base}/participant?code=NOPE42")
    expect(page.get_by_role("alert")).to_contain_text("no workshop with the code 'NOPE42'", timeout=TIMEOUT)
    facilitator = browser.new_page()
    code, _ = create_workshop(facilitator, server.base, "Keys")
    page.goto(f"{server.base}/facilitator?code={code}&key=guess")
    expect(page.get_by_role("alert")).to_contain_text("facilitator key is not right", timeout=TIMEOUT)
    expect(page.locator(".igviz-code")).to_have_count(0)


def test_a_server_with_an_organiser_key_asks_for_it_before_creating_a_workshop(browser, tmp_path):
    server = PanelServer(WORKSHOP_APPS, sqlite_url(tmp_path))
    server.env["IGVIZ_ORGANISER_KEY"] = "room-42"
    server.start()
    try:
        page = browser.new_page()
        page.goto(f"{server.base}/facilitator")
        page.get_by_placeholder("e.g. IGF 2026").fill("Guarded")
        key = page.get_by_label("Organiser key")
        key.fill("guess")
        page.get_by_role("button", name="Create the workshop").click()
        expect(page.get_by_role("alert")).to_contain_text("organiser key is not right", timeout=TIMEOUT)
        expect(page.locator(".igviz-code")).to_have_count(0)
        key.fill("room-42")
        page.get_by_role("button", name="Create the workshop").click()
        page.locator(".igviz-code").wait_for(timeout=TIMEOUT)
        page.wait_for_url(re.compile(r"key="), timeout=TIMEOUT)
    finally:
        server.stop()


def test_submissions_survive_a_server_restart(browser, tmp_path):
    url = sqlite_url(tmp_path)
    server = PanelServer(WORKSHOP_APPS, url).start()
    try:
        facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
        code, facilitator_url = create_workshop(facilitator, server.base, "Restart")
        for group, name in [("Civil society", "A"), ("Government", "B"), ("Private sector", "C")]:
            page = browser.new_page()
            join_workshop(page, server.base, code, group, name)
            submit_weights(page, f"note from {name}")
            page.close()
        server.kill()  # no clean shutdown
        server.start()  # same port, same database file
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(facilitator_url)
        wait_for_count(page, 3)
        reveal_results(page)
        expect(page.locator(DISSENT_ITEMS)).to_have_count(3)
    finally:
        server.stop()


def test_two_server_processes_share_one_postgresql(browser, postgres_url):
    with panel_server(WORKSHOP_APPS, postgres_url) as one, panel_server(WORKSHOP_APPS, postgres_url) as two:
        facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
        code, facilitator_url = create_workshop(facilitator, two.base, "Two processes")
        wait_for_count(facilitator, 0)
        page = browser.new_page()
        join_workshop(page, one.base, code, "Government", "G")  # through the other process
        submit_weights(page, "sent through server one")
        wait_for_count(facilitator, 1)
        reveal_results(facilitator)
        expect(facilitator.locator(DISSENT_ITEMS).first).to_contain_text("sent through server one")
        assert re.search(r":\d+/", facilitator_url).group(0) == f":{two.port}/"


def test_language_by_link_and_by_selector(browser, shared):
    facilitator = browser.new_page(viewport={"width": 1400, "height": 1000})
    code, _ = create_workshop(facilitator, shared.base, "Langues")
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{shared.base}/participant?code={code}&lang=fr")
    expect(page.get_by_role("button", name="Rejoindre")).to_be_visible(timeout=TIMEOUT)
    expect(page.get_by_role("combobox", name="Votre groupe de parties prenantes")).to_be_visible()
    page.get_by_role("combobox", name="Langue").select_option(label="Español")
    expect(page.get_by_role("button", name="Unirse")).to_be_visible(timeout=TIMEOUT)
    assert "lang=es" in page.url and f"code={code}" in page.url
    page.get_by_role("combobox", name="Su grupo de partes interesadas").select_option(label="Sociedad civil")
