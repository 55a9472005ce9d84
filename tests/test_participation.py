"""The participation flow (igviz.workshop.participation) without a server: each step and each error.

Both participant pages render this flow, so what is checked here holds for both; the page
tests (test_lite.py, test_browser_workshop.py) check the renderings.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import igviz
from igviz.i18n import Message, translate_message
from igviz.workshop import WorkshopStore, new_workshop
from igviz.workshop.participation import CODE, JOIN, WEIGHTS, Participation, RoundStates
from igviz.workshop.store import COMMENT_MAX, PSEUDONYM_MAX

DATA = igviz.load_dataset()


@pytest.fixture
def store(tmp_path):
    store = WorkshopStore(f"sqlite:///{tmp_path / 'w.sqlite'}", min_seconds_between_submissions=0)
    yield store
    store.dispose()


@pytest.fixture
def workshop(store):
    return new_workshop(store, DATA, "Flow")


def flow_for(store) -> Participation:
    # A round-state cache that never holds: each check reads the database.
    return Participation(store, DATA, round_states=RoundStates(max_age_s=0))


def joined(store, workshop, group="government", pseudonym="Grace") -> Participation:
    flow = flow_for(store)
    assert flow.open(workshop.workshop.code)
    assert flow.join(group, pseudonym), flow.message
    return flow


def template(message) -> str:
    assert isinstance(message, Message), message  # pages translate it
    return message.template


def test_a_fresh_page_asks_for_the_code(store):
    flow = flow_for(store)
    assert flow.open() and flow.step == CODE and flow.message is None


def test_a_wrong_code_is_refused_and_kept(store):
    flow = flow_for(store)
    assert not flow.enter_code("NOPE99")
    assert flow.step == CODE and flow.code == "NOPE99" and flow.message_kind == "error"
    assert template(flow.problem).startswith("There is no workshop with the code '{code}'")
    assert "NOPE99" in flow.message
    assert flow.code == "NOPE99"
    assert not flow.enter_code("X" * 40) and len(flow.code) == flow.code_max  # bounded, as the form is


def test_the_code_as_typed_on_a_phone_finds_the_workshop(store, workshop):
    code = workshop.workshop.code
    flow = flow_for(store)
    assert flow.open(f" {code[:3].lower()}-{code[3:].lower()} ")
    assert flow.step == JOIN and flow.code == code and flow.workshop.title == "Flow"
    assert template(flow.message).startswith("Round {number} is open") and flow.message_kind == "info"
    assert flow.accepting
    assert [g for g, _ in flow.group_choices()] == list(workshop.workshop.groups)
    assert dict(flow.group_choices("fr"))["government"] == "Gouvernements"  # the data's own translation


def test_joining_needs_a_group_and_a_pseudonym_and_keeps_what_was_typed(store, workshop):
    code = workshop.workshop.code
    flow = flow_for(store)
    flow.open(code)
    assert not flow.join("", "Kept name")
    assert template(flow.problem) == "Choose your stakeholder group first."
    assert (flow.step, flow.pseudonym, flow.token) == (JOIN, "Kept name", "")
    assert not flow.join("government", "   ")
    assert template(flow.problem) == "Your pseudonym is empty: please type one" and flow.group == "government"
    assert not flow.join("government", "x" * (PSEUDONYM_MAX + 1))
    assert "{length} characters long" in template(flow.problem) and flow.pseudonym == "x" * (PSEUDONYM_MAX + 1)
    assert not flow.join("intergovernmental", "Observer")  # a group the data has, not this workshop's
    assert "is not a stakeholder group of this workshop" in template(flow.problem)
    assert flow.group == "intergovernmental" and flow.step == JOIN
    assert store.submissions(code, workshop.secret).empty
    assert flow.join("government", "  Grace ")
    assert flow.step == WEIGHTS and flow.token and flow.pseudonym == "Grace" and flow.message_kind == "ok"
    assert template(flow.message).startswith("You have joined.")


def test_joining_with_the_code_in_the_same_step(store, workshop):
    """As the light page does: one form sends the code, the group and the pseudonym."""
    flow = flow_for(store)
    assert flow.join("civil_society", "Ada", code=workshop.workshop.code.lower())
    assert flow.step == WEIGHTS and flow.group_name() == "Civil society"
    other = flow_for(store)
    assert not other.join("civil_society", "Ada", code="NOPE99")
    assert other.step == CODE and other.code == "NOPE99" and "no workshop" in other.message
    assert (other.group, other.pseudonym) == ("civil_society", "Ada")


def test_a_full_workshop_refuses_one_more(tmp_path):
    store = WorkshopStore(f"sqlite:///{tmp_path / 'full.sqlite'}", max_participants=1)
    try:
        created = new_workshop(store, DATA, "Small room")
        joined(store, created)
        late = flow_for(store)
        late.open(created.workshop.code)
        assert not late.join("civil_society", "Late")
        assert template(late.problem) == "This workshop is full ({count} participants)"
        assert (late.step, late.group, late.pseudonym) == (JOIN, "civil_society", "Late")
    finally:
        store.dispose()


def test_after_joining_the_weights_are_equal_and_nothing_is_submitted(store, workshop):
    flow = joined(store, workshop)
    weights = flow.weights()
    assert set(weights) == set(workshop.workshop.criteria) and len(set(weights.values())) == 1
    assert flow.submitted_at is None and template(flow.status()) == "Not submitted yet in this round."
    assert list(flow.ranking().table.index) == list(flow.assessment.ranking().table.index)
    assert set(flow.ranking().table.index) == set(workshop.workshop.proposals)


def test_typed_weights_rerank_and_bad_ones_are_kept_with_the_reason(store, workshop):
    flow = joined(store, workshop)
    assert flow.set_weights({"effective": "10"})
    expected = igviz.Assessment()
    expected.set_weights(effective=10)
    assert flow.ranking().order[0] == expected.ranking().order[0]
    assert flow.typed_weights == {} and flow.weights()["effective"] == 10
    before = flow.assessment.weights.values()
    for typed, reason in [({"effective": "11", "expertise": "3"}, "must be a number from 0 to {maximum}"),
                          ({"effective": "a lot"}, "must be a number from 0 to {maximum}"),
                          ({"effective": "nan"}, "must be a number from 0 to {maximum}"),
                          ({c: "0" for c in workshop.workshop.criteria}, "All weights are zero"),
                          ({"no_such_criterion": "3"}, "must name exactly this workshop's criteria")]:
        assert not flow.set_weights(typed), typed
        assert reason in template(flow.problem)
        assert flow.weights() == {**before, **typed}  # what the form shows again
        assert flow.assessment.weights.values() == before  # the ranking keeps the last good weights
    assert not flow.set_weights({"effective": "11"}) and "got '11'" in flow.message
    assert flow.set_weights({"effective": "7"}) and flow.message is None  # the error goes once fixed


def test_submit_revise_and_resume(store, workshop):
    code = workshop.workshop.code
    flow = joined(store, workshop)
    flow.set_weights({"effective": 10})
    assert flow.submit(comment="first <b>note</b>")
    assert template(flow.message) == "Thank you: your weights are in." and flow.message_kind == "ok"
    subs = store.submissions(code, workshop.secret)
    assert len(subs) == 1 and subs.iloc[0]["weight.effective"] == 10 and subs.iloc[0]["comment"] == "first <b>note</b>"
    assert flow.submitted_at is not None
    status = flow.status("Pacific/Chatham")
    assert template(status).startswith("Submitted at {time}.") and status.values["time"].count(":") == 2

    assert flow.submit({"effective": "2", "expertise": "9"}, "second thoughts")  # typed, as a form sends them
    subs = store.submissions(code, workshop.secret)
    assert len(subs) == 1 and subs.iloc[0]["revisions"] == 2 and subs.iloc[0]["weight.expertise"] == 9
    assert subs.iloc[0]["comment"] == "second thoughts"

    later = flow_for(store)  # the same participant, back with their link
    assert later.open(code, flow.token) and later.step == WEIGHTS and later.message is None
    assert later.weights()["expertise"] == 9 and later.weights()["effective"] == 2
    assert later.comment == "second thoughts" and later.submitted_at == flow.submitted_at
    assert (later.group, later.pseudonym) == ("government", "Grace")


def test_a_bad_submission_stores_nothing_and_keeps_everything(store, workshop):
    code = workshop.workshop.code
    flow = joined(store, workshop)
    long_comment = "x" * (COMMENT_MAX + 1)
    assert not flow.submit({"effective": "4"}, long_comment)
    assert "{length} characters long" in template(flow.problem)
    assert flow.comment == long_comment and flow.weights()["effective"] == 4
    assert not flow.submit({"effective": "11"}, "my careful note")
    assert flow.comment == "my careful note" and flow.weights()["effective"] == "11"
    assert store.submissions(code, workshop.secret).empty and flow.submitted_at is None


def test_one_submission_a_second(tmp_path):
    store = WorkshopStore(f"sqlite:///{tmp_path / 'slow.sqlite'}", min_seconds_between_submissions=60)
    try:
        created = new_workshop(store, DATA, "Patience")
        flow = joined(store, created)
        assert flow.submit(comment="once")
        assert not flow.submit({"effective": "3"}, "twice")
        assert template(flow.problem).startswith("Submitted a moment ago")
        assert flow.comment == "twice" and flow.weights()["effective"] == 3
        assert store.submissions(created.workshop.code, created.secret).iloc[0]["comment"] == "once"
    finally:
        store.dispose()


def test_a_forged_or_stale_link_goes_back_to_the_code(store, workshop):
    flow = flow_for(store)
    assert not flow.open(workshop.workshop.code, token="forged")
    assert flow.step == CODE and "not valid" in flow.problem and flow.token == ""
    assert flow.code == workshop.workshop.code  # the link's code is offered again
    assert not flow.submit({"effective": "3"})
    assert "not valid" in flow.problem


def test_the_round_closes_reopens_and_moves_on(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    flow = joined(store, workshop)
    assert not flow.check_round()  # nothing changed
    store.close_round(code, secret)
    assert not flow.submit(comment="too late")
    assert template(flow.problem).startswith("The round is closed") and not flow.accepting
    assert flow.comment == "too late"

    flow = joined(store, workshop, "civil_society", "Ada")
    store.reopen_round(code, secret)
    assert flow.submit()
    store.close_round(code, secret)
    assert flow.check_round() and not flow.accepting
    assert template(flow.message).startswith("Round {number} is closed") and flow.message_kind == "warning"
    assert flow.submitted_at is not None  # still this round's submission
    assert not flow.check_round()
    store.open_round(code, secret)
    assert flow.check_round() and flow.accepting and flow.message_kind == "info"
    assert flow.workshop.round.number == 2 and flow.submitted_at is None
    assert template(flow.status()) == "Not submitted yet in this round."


def test_round_states_are_read_at_most_once_per_max_age(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    cache = RoundStates(max_age_s=3600)
    flow = Participation(store, DATA, round_states=cache)
    flow.open(code)
    assert flow.join("government", "G")
    cache.get(store, code)
    store.close_round(code, secret)
    assert not flow.check_round()  # within the cache's age: the old state
    cache.max_age_s = 0
    assert flow.check_round() and not flow.accepting


def test_every_message_translates(store, workshop):
    flow = flow_for(store)
    flow.enter_code("NOPE99")
    assert translate_message(flow.message, "fr") != str(flow.message)
    flow.open(workshop.workshop.code)
    flow.join("", "x")
    assert translate_message(flow.message, "es") != str(flow.message)
    flow.join("government", "x")
    for message in (flow.message, flow.status(), flow.round_status()):
        assert translate_message(message, "fr") != str(message), message


def test_the_flow_needs_no_web_framework():
    code = ("import sys, igviz.workshop.participation; "
            "print(sorted(m for m in ('panel', 'tornado', 'bokeh') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_the_panel_page_renders_the_flow(store, workshop):
    """The Panel page without a server: its widgets drive the flow, and it shows the flow's state."""
    pn = pytest.importorskip("panel")
    from igviz.pages.participant import ParticipantPage

    page = ParticipantPage(store=store, dataset=DATA)
    pn.panel(page)
    code, go = page._body[1], page._body[2]
    code.value = "nope42"
    go.clicks += 1
    assert "no workshop with the code" in page._messages.object and code.value == "nope42"  # kept
    code.value = workshop.workshop.code.lower()
    go.clicks += 1
    assert page.flow.step == JOIN and "Round 1 is open" in page._messages.object
    group, name, where, join = page._body[1], page._body[2], page._body[3], page._body[4]
    where.value = "remote"  # optional; said here, counted for the facilitator
    name.value = "Ann"
    join.clicks += 1
    assert "Choose your stakeholder group first" in page._messages.object and name.value == "Ann"
    group.value = "government"
    join.clicks += 1
    assert page.flow.step == WEIGHTS and "You have joined" in page._messages.object
    assert page.flow.attending == "remote"
    page.flow.assessment.weights.effective = 10  # as the slider does
    page._comment.value_input = "<b>typed</b>"
    page._submit.clicks += 1
    assert "your weights are in" in page._messages.object and "Submitted at" in page._status.object
    subs = store.submissions(workshop.workshop.code, workshop.secret)
    assert subs.iloc[0]["weight.effective"] == 10 and subs.iloc[0]["comment"] == "<b>typed</b>"
    store.close_round(workshop.workshop.code, workshop.secret)
    page.flow.round_states = RoundStates(max_age_s=0)
    assert page.flow.check_round()
    assert page._submit.disabled and "is closed" in page._messages.object
