"""Facilitator pacing and asynchronous rounds, in the store (SQLite and PostgreSQL) and the participation flow.

Results hidden until revealed; a round timer and a round window decided by the store's clock (a fake
one here, so that every test says exactly when); every participant starting a round from the same
stated weights, whether their page was reloaded or left open; the room and remote counts.
"""

import pytest

import igviz
from igviz.workshop import WorkshopError, WorkshopStore, migrate, new_workshop
from igviz.workshop.participation import Participation, RoundStates
from igviz.workshop.store import local_time

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
T0 = 1_800_000_000.0  # 2027-01-15 08:00 UTC


class Clock:
    def __init__(self, now=T0):
        self.now = now

    def __call__(self):
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def store(store_url, clock):
    s = WorkshopStore(store_url, min_seconds_between_submissions=0, clock=clock)
    yield s
    s.dispose()


@pytest.fixture
def workshop(store):
    return new_workshop(store, DATASET, "Pacing test")


def weights(**changes):
    return {**{c: 5.0 for c in CRITERIA}, **changes}


def flow_for(store, token):
    flow = Participation(store, DATASET, round_states=RoundStates(max_age_s=0))
    assert flow.resume(token)
    return flow


def test_results_are_hidden_until_revealed(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "Ada")
    store.submit(token, weights(human_rights=10))
    assert not store.workshop(code).round.revealed and not store.workshop(code).results_live
    assert store.revealed_submissions(token) is None  # participants cannot read the group's weights yet
    store.reveal_results(code, secret)
    assert store.workshop(code).round.revealed
    number, subs = store.revealed_submissions(token)
    assert number == 1 and len(subs) == 1 and subs.iloc[0]["weight.human_rights"] == 10
    assert "Ada" not in subs.to_string() and (subs["comment"] == "").all()
    store.reveal_results(code, secret, revealed=False)
    assert store.revealed_submissions(token) is None
    store.set_results_live(code, secret, True)  # the workshop setting: live from the first submission
    assert store.workshop(code).round.revealed and store.revealed_submissions(token) is not None


def test_a_revealed_result_reaches_the_participant_flow(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    tokens = [store.join(code, g, f"P{i}") for i, g in enumerate(["civil_society", "government", "technical_academic"])]
    for t in tokens:
        store.submit(t, weights(human_rights=10))
    flow = flow_for(store, tokens[0])
    assert flow.group_result is None
    store.reveal_results(code, secret)
    flow.check_round()
    result = flow.group_result
    assert result is not None and result.round == 1 and result.submissions == 3
    assert [pid for pid, _ in result.ranking] and set(result.consensus) <= set(workshop.workshop.proposals)


def test_the_timer_closes_the_round_by_the_clock(store, workshop, clock):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "Ada")
    store.set_round_times(code, secret, minutes=10)
    info = store.workshop(code)
    assert info.accepting and info.round.closes_at == T0 + 600
    clock.now = T0 + 599
    store.submit(token, weights())
    clock.now = T0 + 600
    assert not store.workshop(code).accepting and store.workshop(code).round.state == "closed"
    with pytest.raises(WorkshopError, match="round is closed"):
        store.submit(token, weights(effective=9))
    # Another process, with the same clock, agrees: the state is in the database, not in a process.
    other = WorkshopStore(store.url, clock=clock)
    try:
        assert not other.workshop(code).accepting
    finally:
        other.dispose()
    store.reopen_round(code, secret)  # reopening is open now, with no timer
    assert store.workshop(code).accepting and store.workshop(code).round.closes_at is None


def test_a_window_opens_and_closes_at_its_times(store, workshop, clock):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "government", "Gov", attending="remote")
    store.close_round(code, secret)
    opens, closes = local_time("2027-01-15 10:00", "Europe/Paris"), local_time("2027-01-16 10:00", "Europe/Paris")
    assert opens == T0 + 3600  # 10:00 in Paris is 09:00 UTC, an hour after T0
    assert store.open_round(code, secret, opens_at=opens, closes_at=closes, zone="Europe/Paris") == 2
    r = store.workshop(code).round
    assert (r.state, r.zone, r.opens_at, r.closes_at) == ("scheduled", "Europe/Paris", opens, closes)
    with pytest.raises(WorkshopError, match="not opened yet"):
        store.submit(token, weights())
    clock.now = opens
    assert store.workshop(code).accepting
    store.submit(token, weights())
    clock.now = closes
    assert store.workshop(code).round.state == "closed"
    with pytest.raises(WorkshopError, match="round is closed"):
        store.submit(token, weights())
    assert store.attendance(code, secret) == {"room": 0, "remote": 1, "unsaid": 0}
    assert store.open_round(code, secret) == 3  # run out: the next round may start


def test_bad_times_are_refused_with_reasons(store, workshop, clock):
    code, secret = workshop.workshop.code, workshop.secret
    with pytest.raises(WorkshopError, match="minutes from 1"):
        store.set_round_times(code, secret, minutes=-5)
    with pytest.raises(WorkshopError, match="close before it opens"):
        store.set_round_times(code, secret, opens_at=T0 + 100, closes_at=T0 + 50)
    with pytest.raises(WorkshopError, match="already passed"):
        store.set_round_times(code, secret, closes_at=T0 - 1)
    with pytest.raises(WorkshopError, match="not a time zone"):
        local_time("2027-01-15 10:00", "Mars/Olympus")
    with pytest.raises(WorkshopError, match="not a date and time"):
        local_time("tomorrow-ish", "UTC")


def test_the_next_round_needs_the_current_one_closed(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    with pytest.raises(WorkshopError, match="still open"):
        store.open_round(code, secret)
    store.close_round(code, secret)
    assert store.open_round(code, secret) == 2


def test_a_new_round_starts_everyone_from_the_same_stated_weights(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "Ada")
    left_open = flow_for(store, token)
    assert left_open.submit(weights(human_rights=10, effective=0))
    store.close_round(code, secret)
    store.open_round(code, secret)  # equal weights
    assert left_open.check_round()
    reloaded = flow_for(store, token)
    equal = {c: 5.0 for c in CRITERIA}
    assert left_open.assessment.weights.values() == equal == reloaded.assessment.weights.values()
    assert left_open.start_message().template.startswith("Round {number} starts everyone from equal weights")

    store.close_round(code, secret)
    chosen = weights(human_rights=8, effective=3)
    store.open_round(code, secret, start="previous", start_weights=chosen)
    assert left_open.check_round()
    reloaded = flow_for(store, token)
    assert left_open.assessment.weights.values() == chosen == reloaded.assessment.weights.values()
    assert "equal-footing weights of round {previous}" in reloaded.start_message().template


def test_participants_say_whether_they_are_in_the_room(store, workshop):
    code, secret = workshop.workshop.code, workshop.secret
    for i, where in enumerate(["room", "room", "remote", None]):
        store.submit(store.join(code, "civil_society", f"P{i}", attending=where), weights())
    store.join(code, "civil_society", "joined, never submitted", attending="room")
    assert store.attendance(code, secret) == {"room": 2, "remote": 1, "unsaid": 1}
    with pytest.raises(WorkshopError, match="in the room or remotely"):
        store.join(code, "civil_society", "X", attending="moon")


def test_times_show_on_the_readers_clock(store, workshop, clock):
    code, secret = workshop.workshop.code, workshop.secret
    token = store.join(code, "civil_society", "Ada")
    store.set_round_times(code, secret, minutes=30)
    flow = flow_for(store, token)
    tokyo = flow.round_times("Asia/Tokyo")
    assert tokyo.values["closes"] == "2027-01-15 17:30" and "(your time)" in tokyo.template
    assert flow.round_times(None).values["closes"] == "2027-01-15 08:30 UTC"  # no browser zone: the zone is named


def test_the_migration_keeps_existing_workshops_live(tmp_path):
    """A workshop made before 0003 showed its results live: after the upgrade it still does; a new one hides them."""
    from alembic import command
    from sqlalchemy import create_engine, text
    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        command.upgrade(migrate.alembic_config(connection), "0002_moderation")
        connection.execute(text(
            "INSERT INTO workshop (id, code, title, framework, criteria, proposals, groups, rule, secret_hash, "
            "created_at, revision, joining_open) VALUES (1, 'K7P2QX', 'Old', 'default', '[]', '[]', '[]', '{}', 'x', "
            "1700000000.0, 1, 1)"))
        connection.execute(text("INSERT INTO workshop_round (id, workshop_id, number, is_open, opened_at) "
                                "VALUES (1, 1, 1, 1, 1700000000.0)"))
    engine.dispose()
    store = WorkshopStore(url)
    try:
        assert store.schema_version == migrate.newest_revision()  # upgraded past 0003_pacing to the newest
        old = store.workshop("K7P2QX")
        assert old.results_live and old.round.revealed and old.round.start_basis == "equal"
        assert old.round.closes_at is None and old.accepting
        assert not new_workshop(store, DATASET, "New").workshop.results_live
    finally:
        store.dispose()
