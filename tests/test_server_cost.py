"""Server cost per request (#17, #18): the store pool serves by priority, and a participant's page
reads the store in few queries. Timings are in benchmarks/ (bench_submit_flood.py, bench_lite_bytes.py);
these tests check the behaviour that keeps them low."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import event

import igviz
from igviz.pages.offload import NORMAL, PriorityPool
from igviz.workshop import WorkshopStore, new_workshop
from igviz.workshop.limits import Limits, LimitSettings, Rate

DATASET = igviz.load_dataset()


def test_the_pool_takes_the_lowest_priority_number_first_and_equals_in_order_of_arrival():
    pool = PriorityPool(1, name="test-pool")
    started, release = threading.Event(), threading.Event()
    ran: list[str] = []
    blocker = pool.submit(lambda: (started.set(), release.wait(10)))
    assert started.wait(10)  # the one thread is busy: what follows waits in the queue
    futures = [pool.submit(ran.append, name, priority=priority)
               for name, priority in (("flood 3rd", 2.0), ("real", NORMAL), ("flood 2nd", 1.0), ("page", NORMAL))]
    assert pool.waiting() == 4
    release.set()
    for f in [blocker, *futures]:
        f.result(10)
    assert ran == ["real", "page", "flood 2nd", "flood 3rd"]


def test_a_flood_takes_at_most_two_threads_and_everyone_else_starts_at_once():
    pool = PriorityPool(4, name="test-pool", low_threads=2)
    release = threading.Event()
    running: list[str] = []
    lock = threading.Lock()

    def hold(name):
        with lock:
            running.append(name)
        release.wait(10)

    flood = [pool.submit(hold, f"bot {i}", priority=1.0) for i in range(4)]
    real = pool.submit(hold, "real")
    deadline = threading.Event()
    for _ in range(100):
        with lock:
            if "real" in running and len(running) == 3:
                break
        deadline.wait(0.05)
    with lock:
        assert sorted(running) == ["bot 0", "bot 1", "real"], running  # two bots at a time, the real one at once
    release.set()
    for f in [*flood, real]:
        f.result(10)
    assert len(running) == 5


def test_the_pool_hands_back_results_and_errors():
    pool = PriorityPool(2, name="test-pool")
    assert pool.submit(lambda a, b=0: a + b, 2, b=3).result(10) == 5
    with pytest.raises(ZeroDivisionError):
        pool.submit(lambda: 1 / 0).result(10)


def test_a_participant_who_has_just_submitted_waits_behind_one_who_has_not():
    now = [1000.0]
    limits = Limits(LimitSettings(submit_per_participant=Rate(3, 6)), clock=lambda: now[0])
    assert limits.submit_priority("fresh") == 0
    for _ in range(2):
        assert limits.check_submit("10.0.0.1", "bot") is None
    assert limits.submit_priority("bot") == pytest.approx(2)
    assert limits.submit_priority("fresh") == 0  # asking takes nothing
    now[0] += 20  # 6 a minute: two back after 20 s
    assert limits.submit_priority("bot") == pytest.approx(0)
    assert Limits(LimitSettings.off()).submit_priority("bot") == 0


@pytest.fixture
def store(tmp_path):
    s = WorkshopStore(f"sqlite:///{tmp_path / 'cost.sqlite'}", min_seconds_between_submissions=0)
    yield s
    s.dispose()


def statements(store: WorkshopStore, call) -> list[str]:
    seen: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        call()
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    return seen


def test_a_participant_is_read_in_two_queries_and_a_submission_in_two(store):
    # Every light page a participant opens reads them (twice from join link to submission), and every
    # submission reads them again: they were five queries each.
    created = new_workshop(store, DATASET, "Cost")
    code, criteria = created.workshop.code, created.workshop.criteria
    token = store.join(code, "government", "Ada")
    assert len(statements(store, lambda: store.participant(token))) == 2
    assert len(statements(store, lambda: store.submit(token, {c: 4 for c in criteria}, "first"))) == 2
    me = store.participant(token)
    assert me.weights == {c: 4 for c in criteria} and me.comment == "first" and me.workshop.round.number == 1
    # A revision finds the submission it replaces; the revision counter moves on.
    before = me.workshop.revision
    again = store.submit(token, {c: 6 for c in criteria}, "second")
    assert again.workshop.revision == before + 1
    assert store.submissions(code, created.secret)["revisions"].tolist() == [2]


def test_submissions_still_waiting_count_against_their_participant(monkeypatch):
    # In a flood's first seconds a bot's second and third submissions arrive before its first was answered
    # (so before its allowance was touched): they must not go in as NORMAL beside a real participant's.
    from igviz.pages import offload

    monkeypatch.setattr(offload, "_submitting", {offload._hashed("bot"): 2})
    monkeypatch.setattr("igviz.workshop.limits.shared_limits", lambda: Limits(LimitSettings()))
    assert offload.request_priority(None, "bot") == 2
    assert offload.request_priority(None, "someone") == NORMAL
    assert "bot" not in offload._submitting  # tokens are secrets: only a hash is kept
