"""Rating on the participant pages (#16), through the one participation flow.

The flow without a server: one proposal at a time, "don't know", skipping, a proposal never reached
sending nothing, a bad value named as the page names it, resuming, a new round. Then the light page
over plain HTTP, as a phone without JavaScript uses it: the card of one proposal, moving on by form
posts, everything typed kept, and the light poll a page left open asks (#17).
"""

from __future__ import annotations

import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import param
import pytest

import igviz
from igviz.workshop import new_workshop
from igviz.workshop.participation import DONT_KNOW, RATED, SKIPPED, WEIGHTS
from test_lite import fetch, lite  # noqa: F401 - the light page's server, and how a plain browser posts to it
from test_participation import DATA, flow_for, joined, store, template, workshop  # noqa: F401

NAMED = {"un_committee": ["accountable", "inclusive"], "mipc": ["accountable"]}


def ratings_round(store, workshop, asks="both", rated=NAMED):
    store.set_round_asks(workshop.workshop.code, workshop.secret, asks=asks, rated=rated)


def test_one_proposal_at_a_time_from_the_bundled_score(store, workshop):
    ratings_round(store, workshop)
    flow = joined(store, workshop)
    assert (flow.asks_weights, flow.asks_ratings, flow.chooses) == (True, True, False)
    # The workshop's order, only the cells the round names.
    assert flow.rating_cells() == {"mipc": ["accountable"], "un_committee": ["accountable", "inclusive"]}
    assert flow.rating_proposal() == "mipc"
    bundled = DATA.proposal("un_committee").scores["accountable"]
    start = flow.rating_start("un_committee", "accountable")
    assert (start.score, start.rationale) == (bundled.score, bundled.rationale)  # with its rationale and sources
    assert flow.rating_value("un_committee", "accountable") == f"{bundled.score:g}"
    assert flow.ratings_to_send() == {}  # nothing reached: nothing sent, not the bundled scores by default

    assert flow.rate({"mipc": {"accountable": "3"}}, at="mipc", action="next")
    assert flow.rating_states == {"mipc": RATED} and flow.rating_at == "un_committee"
    assert flow.rate({"un_committee": {"accountable": "9", "inclusive": DONT_KNOW}}, at="un_committee", action="prev")
    # Changed from where it started: rated, though the participant went back rather than on.
    assert flow.rating_states == {"mipc": RATED, "un_committee": RATED} and flow.rating_at == "mipc"
    assert flow.ratings_to_send() == {"mipc": {"accountable": 3.0}, "un_committee": {"accountable": 9.0}}
    assert flow.rate(None, at="mipc", action="skip")
    assert flow.ratings_to_send() == {"un_committee": {"accountable": 9.0}}
    assert flow.submit()
    assert template(flow.message) == "Thank you: your weights and ratings are in."
    subs = store.submissions(workshop.workshop.code, workshop.secret)
    assert subs.iloc[0]["rating.un_committee.accountable"] == 9 and "rating.mipc.accountable" not in subs
    assert subs.iloc[0]["weight.accountable"] == 5  # the weights went in beside

    again = flow_for(store)  # the link opened again: what was submitted, "don't know" as such
    assert again.open(workshop.workshop.code, flow.token) and again.step == WEIGHTS
    assert again.rating_states == {"un_committee": RATED}
    assert (again.rating_value("un_committee", "accountable"), again.rating_value("un_committee", "inclusive")) == \
        ("9", DONT_KNOW)


def test_a_bad_rating_is_named_as_the_page_names_it_and_kept(store, workshop):
    ratings_round(store, workshop)
    flow = joined(store, workshop)
    flow.language = "fr"
    assert not flow.rate({"un_committee": {"accountable": "11", "inclusive": "abc"}}, at="un_committee", action="next")
    assert template(flow.message).startswith("The rating of {proposal} on {criterion} must be a number")
    assert flow.message.values["proposal"] == flow._proposal_name("un_committee") != "un_committee"
    assert flow.message.values["value"] == "11"
    assert flow.rating_at == "un_committee" and "un_committee" not in flow.rating_states  # stays in view
    assert flow.rating_value("un_committee", "inclusive") == "abc"  # kept as typed
    assert not flow.submit() and store.submissions(workshop.workshop.code, workshop.secret).empty
    assert flow.rate({"un_committee": {"accountable": "7,5", "inclusive": "2"}}, at="un_committee", action="next")
    assert flow.ratings_to_send() == {"un_committee": {"accountable": 7.5, "inclusive": 2.0}}  # a decimal comma


def test_a_ratings_only_round_takes_no_weights_and_needs_a_rating(store, workshop):
    ratings_round(store, workshop, asks="ratings", rated=None)
    flow = joined(store, workshop)
    assert (flow.asks_weights, flow.chooses) == (False, True)
    assert len(flow.rating_cells()) == len(workshop.workshop.proposals)  # each participant chooses among all
    assert template(flow.round_status()).startswith("Round {number} is open: rate the proposals")
    assert not flow.submit()
    assert template(flow.message).startswith("Nothing rated yet")
    # The participant chooses: straight to the UN committee, "don't know" on all but one criterion.
    assert flow.rate(None, at=flow.rating_proposal(), action="show:un_committee")
    assert flow.rating_at == "un_committee" and flow.rating_states == {}
    criteria = flow.rating_cells()["un_committee"]
    typed = {c: DONT_KNOW for c in criteria} | {"accountable": "1"}
    assert flow.take_form(None, {"un_committee": typed}, at="un_committee", action="submit")
    assert flow.submit(), flow.message
    assert template(flow.message) == "Thank you: your ratings are in."
    subs = store.submissions(workshop.workshop.code, workshop.secret)
    assert [c for c in subs.columns if c.startswith("rating.")] == ["rating.un_committee.accountable"]
    assert not [c for c in subs.columns if c.startswith("weight.")] or subs.filter(like="weight.").isna().all().all()


def test_a_new_round_starts_the_ratings_afresh(store, workshop):
    ratings_round(store, workshop)
    flow = joined(store, workshop)
    assert flow.rate({"mipc": {"accountable": "3"}}, at="mipc", action="next") and flow.submit()
    code, secret = workshop.workshop.code, workshop.secret
    store.close_round(code, secret)
    store.open_round(code, secret, asks="ratings", rated={"mipc": ["accountable"]})
    assert flow.check_round()
    assert (flow.rating_states, flow.typed_ratings, flow.asks_weights) == ({}, {}, False)
    assert flow.rating_value("mipc", "accountable") == f"{DATA.proposal('mipc').scores['accountable'].score:g}"


# -- the light page, without JavaScript ------------------------------------------------------------

def join_lite(lite, code: str) -> str:
    status, _, headers = fetch(lite, f"code={code}", {"action": "join", "code": code, "group": "government",
                                                    "pseudonym": "Old phone"}, follow=False)
    assert status == 303
    return urllib.parse.parse_qs(urllib.parse.urlparse(headers["Location"]).query)["p"][0]


def inputs(page: str) -> dict:
    """The form's fields as the page has them: name -> value (checkboxes only when ticked)."""
    out = {}
    for tag in re.findall(r"<input\b[^>]*>", page):
        name = re.search(r"name=\"([^\"]+)\"", tag)
        if not name or name.group(1) == "_xsrf":
            continue
        if "type=\"checkbox\"" in tag and " checked" not in tag:
            continue
        value = re.search(r"value=\"([^\"]*)\"", tag)
        out[name.group(1)] = value.group(1) if value else ""
    return out


def test_the_light_page_rates_one_card_at_a_time_by_form_posts(lite):  # noqa: F811
    created = new_workshop(lite.store, igviz.load_dataset(), "Cards <b>bold</b>")
    code, secret = created.workshop.code, created.secret
    lite.store.set_round_asks(code, secret, asks="ratings", rated=NAMED)
    token = join_lite(lite, code)
    query = f"code={code}&p={token}"
    status, page, _ = fetch(lite, query)
    assert status == 200 and "<article class=\"card\" data-proposal=\"mipc\"" in page
    assert "Submit my ratings" in page and "name=\"w." not in page  # a ratings-only round asks no weights
    assert "Why, and the source" in page and "<details class=\"why\">" in page  # the rationale a tap away
    fields = inputs(page)
    assert fields["at"] == "mipc" and fields["r.mipc.accountable"] == "6" and "r.un_committee.accountable" not in fields

    # "Done: next proposal": the MIPC rated 3, on to the UN committee's card; the 3 rides along, hidden.
    status, page, _ = fetch(lite, query, {**fields, "r.mipc.accountable": "3", "action": "next"})
    assert status == 200 and "data-proposal=\"un_committee\"" in page
    fields = inputs(page)
    assert (fields["s.mipc"], fields["r.mipc.accountable"], fields["at"]) == (RATED, "3", "un_committee")
    # A bad value: 400, named, and everything typed comes back.
    status, page, _ = fetch(lite, query, {**fields, "r.un_committee.accountable": "eleven",
                                          "dk.un_committee.inclusive": "1", "action": "next"})
    assert status == 400 and "UN Committee (CIRP)" in page and "eleven" in page
    fields = inputs(page)
    assert fields["dk.un_committee.inclusive"] == "1" and fields["r.mipc.accountable"] == "3"
    status, page, _ = fetch(lite, query, {**fields, "r.un_committee.accountable": "8", "action": "submit"})
    assert status == 200 and "your ratings are in" in page
    subs = lite.store.submissions(code, secret)
    assert subs.iloc[0][["rating.mipc.accountable", "rating.un_committee.accountable"]].tolist() == [3, 8]
    assert "rating.un_committee.inclusive" not in subs  # don't know

    # Skipping the MIPC withdraws its rating at the next submission.
    status, page, _ = fetch(lite, query)
    fields = inputs(page)
    assert fields["s.mipc"] == RATED and fields["at"] == "mipc"
    status, page, _ = fetch(lite, query, {**fields, "action": "skip"})
    assert status == 200 and "MIPC (Malcolm) · skipped" in page
    time.sleep(1.1)  # one submission a second per participant (the rate limits)
    status, page, _ = fetch(lite, query, {**inputs(page), "action": "submit"})
    assert status == 200 and "your ratings are in" in page
    subs = lite.store.submissions(code, secret)
    assert "rating.mipc.accountable" not in subs and subs.iloc[0]["rating.un_committee.accountable"] == 8


def test_with_javascript_a_card_comes_alone(lite):  # noqa: F811
    """phone.js moves between cards in the background (part=card): only the ratings part comes back."""
    created = new_workshop(lite.store, igviz.load_dataset(), "Cards alone")
    code, secret = created.workshop.code, created.secret
    lite.store.set_round_asks(code, secret, asks="both", rated=None)
    token = join_lite(lite, code)
    query = f"code={code}&p={token}"
    status, page, _ = fetch(lite, query)
    fields = inputs(page)
    status, part, _ = fetch(lite, query, {**fields, "action": "show:un_committee", "part": "card"})
    assert status == 200 and part.lstrip().startswith("<section class=\"rating\" id=\"rating\"")
    assert "data-proposal=\"un_committee\"" in part and "<html" not in part and "w.accountable" not in part
    assert len(part) < 0.6 * len(page)  # the card and its rationales: most of what is left
    # A bad value is no card: the whole page with the reason (phone.js then posts the plain form).
    status, whole, _ = fetch(lite, query, {**inputs(part), "p": token, "r.un_committee.accountable": "x",
                                           "action": "next", "part": "card"})
    assert status == 400 and "<html" in whole and "must be a number" in whole


def poll(lite, query: str) -> tuple[int, str, float]:  # noqa: F811
    began = time.monotonic()
    try:
        with urllib.request.urlopen(f"{lite.base}/lite-poll?{query}", timeout=60) as r:
            return r.status, r.read().decode("utf-8"), time.monotonic() - began
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8"), time.monotonic() - began


def test_a_page_left_open_waits_on_a_long_poll_and_hears_of_the_reveal(lite):  # noqa: F811
    created = new_workshop(lite.store, igviz.load_dataset(), "Poll")
    code, secret = created.workshop.code, created.secret
    token = join_lite(lite, code)
    status, text, _ = poll(lite, f"code={code}")
    assert status == 200 and len(text) < 100
    stamp = json.loads(text)
    assert (stamp["round"], stamp["revealed"]) == (1, False)
    _, weights_page, _ = fetch(lite, f"code={code}&p={token}")
    assert "class=\"refresh\"" in weights_page  # without JavaScript: a refresh link
    assert f"data-poll=\"lite-poll?code={code}\"" in weights_page
    lite.store.submit(token, {c: 5 for c in igviz.load_dataset().default_framework.criterion_ids})
    # Nothing new: the server holds the question (a submission is no news while the results are hidden) …
    threading.Timer(2.0, lambda: lite.store.reveal_results(code, secret)).start()
    status, text, waited = poll(lite, f"code={code}&since={urllib.parse.quote(json.dumps(stamp, separators=(',', ':')))}")
    # … and answers once the facilitator reveals (the round-state cache holds a second at most).
    assert status == 200 and 1.5 < waited < 10
    stamp = json.loads(text)
    assert stamp["revealed"] and stamp["revision"] > 0
    status, part, _ = fetch(lite, f"code={code}&p={token}&part=pacing")
    assert status == 200 and "The group’s result, round 1" in part and len(part) < 4000
    assert poll(lite, "code=NOPE99")[0] == 404
    assert fetch(lite, f"code={code}&p=forged&part=pacing")[0] == 404


def test_the_panel_page_rates_through_the_same_flow(store, workshop):  # noqa: F811
    """The Panel participant page without a server: its ratings card drives the flow's ratings."""
    pn = pytest.importorskip("panel")
    from igviz.pages.participant import ParticipantPage, RatingsCard
    from igviz.workshop.participation import RoundStates

    ratings_round(store, workshop, asks="both")
    token = store.join(workshop.workshop.code, "civil_society", "Cleo")
    page = ParticipantPage(store=store, dataset=DATA)
    page.flow.open(workshop.workshop.code, token)
    page._show_weights()
    pn.panel(page)
    card = page._ratings
    assert isinstance(card, RatingsCard)
    assert page._submit.label == "Submit my weights and ratings"
    assert "MIPC" in card._title.object and len(card._cells) == 1
    slider, dk, why = card._cells[0].objects
    assert slider.value == 6 and not dk.value and "Why, and the source" in why.object and "&lt;" not in slider.label
    with param.edit_constant(slider):
        slider.value_throttled = 2.5  # a finger lets go of the slider at 2.5 (the browser sets this one)
    assert page.flow.rating_states == {"mipc": RATED}
    card._buttons[0].clicks += 1  # Done: next proposal
    assert "UN Committee" in card._title.object and card._pick.value == "un_committee"
    _slider, dk, _why = card._cells[1].objects
    dk.value = True  # inclusive: don't know
    assert _slider.disabled
    page._submit.clicks += 1
    assert "your weights and ratings are in" in page._messages.object
    subs = store.submissions(workshop.workshop.code, workshop.secret)
    assert subs.iloc[0]["rating.mipc.accountable"] == 2.5 and "rating.un_committee.inclusive" not in subs
    # A new round asking for ratings only: the page rebuilds its form (no weights) at the next poll.
    store.close_round(workshop.workshop.code, workshop.secret)
    store.open_round(workshop.workshop.code, workshop.secret, asks="ratings", rated={"mipc": ["accountable"]})
    page.flow.round_states = RoundStates(max_age_s=0)
    assert page.flow.check_round()
    assert page._submit.label == "Submit my ratings"


def test_a_design_in_the_workshop_is_rated_as_a_proposal(store):  # noqa: F811
    """A design the facilitator added (#14) is one more proposal to rate, named by its design name."""
    from igviz.design import Design
    from igviz.workshop import add_designs

    created = new_workshop(store, DATA, "Designs rated")
    code, secret = created.workshop.code, created.secret
    add_designs(store, DATA, code, secret, [Design(name="Binding council",
                                                   options={"venue": "single_council", "binding": "binding"})])
    design = store.workshop(code).proposals[-1]
    store.set_round_asks(code, secret, asks="ratings", rated={design: ["accountable"]})
    flow = joined(store, created)
    assert flow.rating_cells() == {design: ["accountable"]}
    assert flow.rating_start(design, "accountable").score >= 0
    assert not flow.rate({design: {"accountable": "zero"}}, at=design, action="next")
    assert "Binding council" in flow.message.values["proposal"]
    assert flow.rate({design: {"accountable": "7"}}, at=design, action="next") and flow.submit(), flow.message
    assert store.submissions(code, secret).iloc[0][f"rating.{design}.accountable"] == 7
