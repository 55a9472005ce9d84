"""Faults injected into a running workshop: the database locked, stopped or full, the server killed
mid-burst, forged and oversized posts, hostile links. Each must end in a message that says what
happened, with what the person typed kept, and in recovery once the fault is gone; nothing
acknowledged may be lost.

The flow- and page-level tests drive the code in this process; the rest drive `igviz serve` over HTTP.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import sqlite3
import subprocess
import threading
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import event

import igviz
from browser_support import WORKSHOP_APPS, panel_server
from igviz.workshop import DatabaseUnavailable, Participation, WorkshopStore, new_workshop
from igviz.workshop import store as store_module
from igviz.workshop.errors import DATABASE_DOWN, DATABASE_FULL, DATABASE_LOCKED

DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
WEIGHTS = {c: 5 for c in CRITERIA}


@pytest.fixture
def quick_busy_timeout(monkeypatch):
    """The store waits this long for SQLite's lock (5 s in service), so that a lock test takes a moment."""
    monkeypatch.setattr(store_module, "SQLITE_BUSY_TIMEOUT_S", 0.2, raising=False)


@pytest.fixture
def sqlite_store(tmp_path, quick_busy_timeout):
    path = tmp_path / "workshops.sqlite"
    store = WorkshopStore(f"sqlite:///{path}", min_seconds_between_submissions=0)
    store.path = path
    yield store
    store.dispose()


@contextmanager
def write_lock(path: Path):
    """Another program holding SQLite's write lock (as a backup tool or a stuck process might)."""
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        other.execute("ROLLBACK")
        other.close()


@contextmanager
def failing_writes(store: WorkshopStore, message: str, statements=("INSERT", "UPDATE", "DELETE")):
    """The driver failing every write (or every one of `statements`) with `message` (SQLite's own words
    for a full disk, say)."""
    def fail(_conn, _cursor, statement, *_args):
        if statement.lstrip().upper().startswith(statements):
            raise sqlite3.OperationalError(message)
    event.listen(store.engine, "before_cursor_execute", fail)
    try:
        yield
    finally:
        event.remove(store.engine, "before_cursor_execute", fail)


def joined_flow(store) -> tuple[Participation, object]:
    created = new_workshop(store, DATASET, "Faults")
    flow = Participation(store, DATASET)
    assert flow.enter_code(created.workshop.code) and flow.join("civil_society", "Heron")
    return flow, created


# -- the participation flow (both participant pages render it) ----------------------------------

def test_a_locked_database_is_said_keeps_what_was_typed_and_recovers(sqlite_store):
    store = sqlite_store
    created = new_workshop(store, DATASET, "Locked")
    flow = Participation(store, DATASET)
    assert flow.enter_code(created.workshop.code)
    with write_lock(store.path):
        assert not flow.join("civil_society", "Heron")
        assert flow.message.template == DATABASE_LOCKED and flow.unavailable
        assert (flow.group, flow.pseudonym) == ("civil_society", "Heron")
    assert flow.join("civil_society", "Heron") and not flow.unavailable  # the lock is gone: it goes through

    with write_lock(store.path):
        assert not flow.submit({**WEIGHTS, CRITERIA[0]: 9}, "my careful note")
        # It used to say "the server is too busy", which was not what happened.
        assert flow.message.template == DATABASE_LOCKED
        assert flow.comment == "my careful note" and flow.weights()[CRITERIA[0]] == 9
    assert flow.submit(comment=flow.comment)
    subs = store.submissions(created.workshop.code, created.secret)
    assert subs.iloc[0]["comment"] == "my careful note" and subs.iloc[0][f"weight.{CRITERIA[0]}"] == 9


def test_a_full_disk_is_said_and_recovers(tmp_path, quick_busy_timeout):
    """A real small filesystem where the machine allows (root may mount a tmpfs), else the driver's error."""
    mount = tmp_path / "small"
    mount.mkdir()
    mounted = os.geteuid() == 0 and subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], capture_output=True).returncode == 0
    try:
        store = WorkshopStore(f"sqlite:///{mount / 'workshops.sqlite'}", min_seconds_between_submissions=0)
        flow, created = joined_flow(store)
        filler = mount / "filler"
        comment = "x" * 900
        if mounted:
            fd = os.open(filler, os.O_WRONLY | os.O_CREAT)  # fill the disk to the last byte
            try:
                while os.write(fd, b"\0" * 4096):
                    pass
            except OSError:
                pass
            finally:
                os.close(fd)
            full = contextmanager(lambda: (yield))()
        else:
            full = failing_writes(store, "database or disk is full")
        with full:
            # Several, so that one needs a page the disk does not have.
            failed = [p for p in range(20) if not Participation(store, DATASET).join("civil_society", f"Bird {p}",
                                                                                   code=created.workshop.code)]
            assert not flow.submit(WEIGHTS, comment)
            assert flow.message.template == DATABASE_FULL and flow.comment == comment
            assert failed
        filler.unlink(missing_ok=True)
        assert flow.submit(comment=comment)  # space again: it goes through, nothing restarted
        store.dispose()
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def restartable():
    """(cluster, URL) of a PostgreSQL of the test's own, which it may stop and start again."""
    pytest.importorskip("psycopg")
    from postgres_support import NOT_INSTALLED, restartable_postgres
    try:
        context = restartable_postgres()
        cluster, url = context.__enter__()
    except RuntimeError as exc:
        if NOT_INSTALLED in str(exc):
            pytest.skip(NOT_INSTALLED)
        raise
    try:
        yield cluster, url
    finally:
        context.__exit__(None, None, None)


def test_postgresql_stopped_and_restarted(restartable):
    cluster, url = restartable
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    flow, created = joined_flow(store)
    cluster.halt()
    assert not flow.submit(WEIGHTS, "kept while it was down")
    assert flow.message.template == DATABASE_DOWN and flow.comment == "kept while it was down"
    with pytest.raises(DatabaseUnavailable):  # a facilitator action says the same (pages show it)
        store.close_round(created.workshop.code, created.secret)
    cluster.start(port=cluster.port)
    assert flow.submit(comment=flow.comment), flow.message  # back, without restarting igviz
    assert store.submissions(created.workshop.code, created.secret).iloc[0]["comment"] == "kept while it was down"
    store.dispose()


# -- the Panel pages: every facilitator action and the participant page say what happened ------------

def test_facilitator_create_close_reopen_say_the_database_failed(sqlite_store):
    from igviz.pages.facilitator import FacilitatorBoard, WorkshopSetup

    store = sqlite_store
    made = []
    setup = WorkshopSetup(store, DATASET, made.append)
    setup._title.value = "Typed title"
    with write_lock(store.path):
        setup._create.clicks += 1
        assert not made and "database is busy" in str(setup._message[0].object)
        assert setup._title.value == "Typed title"
    setup._create.clicks += 1
    assert made and made[0].workshop.title == "Typed title"

    board = FacilitatorBoard(store, DATASET, made[0].workshop.code, made[0].secret)
    for button in (board._close, board._next, board._reopen):
        with write_lock(store.path):
            button.clicks += 1
            if board._confirm.objects:  # closing and moving on ask first: this is the "Yes"
                board._confirm[1][0].clicks += 1
            assert "database is busy" in str(board._message[0].object)
    board._close.clicks += 1
    board._confirm[1][0].clicks += 1
    assert not board._message.objects and not store.workshop(made[0].workshop.code).accepting
    with failing_writes(store, "disk I/O error", statements=("SELECT",)), pytest.raises(DatabaseUnavailable):
        board._export("results.csv")  # a download that cannot be made says why on the page
    assert "cannot be reached" in str(board._message[0].object)


def test_the_participant_page_says_the_database_failed_not_too_busy(sqlite_store):
    from igviz.pages.participant import ParticipantPage

    store = sqlite_store
    created = new_workshop(store, DATASET, "Page")
    page = ParticipantPage(store, DATASET)
    page.flow.enter_code(created.workshop.code)
    with write_lock(store.path):
        page.flow.join("government", "Kite")
        assert "database is busy" in page._messages.object
    page.flow.join("government", "Kite")
    page._comment.value_input = "typed before the lock"
    with write_lock(store.path):
        page._submit.clicks += 1
        assert "database is busy" in page._messages.object and "too busy" not in page._messages.object
        assert page._comment.value_input == "typed before the lock"


# -- over HTTP: igviz serve -----------------------------------------------------------------------

class Client:
    """A browser's view of the light page: cookies kept, the forms' anti-forgery token posted back."""

    def __init__(self, base: str):
        self.base = base
        self.jar = http.cookiejar.CookieJar()

    def open(self, query: str, form: dict | None = None, token: bool = True, timeout: float = 60):
        if form is not None and token:
            form = {**form, "_xsrf": self.token(query)}
        data = urllib.parse.urlencode(form).encode() if form is not None else None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))
        try:
            with opener.open(f"{self.base}/{query}", data=data, timeout=timeout) as r:
                return r.status, r.read().decode("utf-8"), dict(r.headers)
        except urllib.error.HTTPError as e:
            return e.code, e.read().decode("utf-8"), dict(e.headers)

    def token(self, query: str) -> str:
        _status, page, _headers = self.open(query)
        found = re.search(r'name="_xsrf" value="([^"]+)"', page)
        return found.group(1) if found else ""  # (a test that needs one says so: test_a_forged_post_is_refused)


def submit_form(token: str, comment: str = "", action: str = "submit") -> dict:
    return {**{f"w.{c}": "5" for c in CRITERIA}, f"w.{CRITERIA[0]}": "9", "p": token, "action": action,
            "comment": comment}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    path = tmp_path_factory.mktemp("faults") / "workshops.sqlite"
    with panel_server(WORKSHOP_APPS, f"sqlite:///{path}") as server:
        store = WorkshopStore(f"sqlite:///{path}", min_seconds_between_submissions=0)
        server.store, server.path = store, path
        yield server
        store.dispose()


def test_a_locked_database_gives_a_503_that_keeps_everything_and_other_pages_go_on(served):
    created = new_workshop(served.store, DATASET, "Locked over HTTP")
    code, token = created.workshop.code, served.store.join(created.workshop.code, "civil_society", "Heron")
    client = Client(served.base)
    where = f"lite?code={code}&p={token}"
    form = {**submit_form(token, "typed while locked"), "_xsrf": client.token(where)}
    answer, other = {}, {}
    with write_lock(served.path):
        post = threading.Thread(target=lambda: answer.update(zip("sbh", client.open(where, form, token=False))))
        post.start()
        # While that submission waits for the lock, the server answers others: the wait is not on its event loop.
        other["status"], _page, _headers = Client(served.base).open("lite")
        still_waiting = post.is_alive()
        post.join(60)
    assert other["status"] == 200 and still_waiting
    assert answer["s"] == 503 and answer["h"].get("Retry-After")
    assert "database is busy" in answer["b"] and "typed while locked" in answer["b"] and 'value="9"' in answer["b"]
    assert served.store.submissions(code, created.secret).empty
    status, page, _ = client.open(where, submit_form(token, "typed while locked"))
    assert status == 200 and "your weights are in" in page


def test_a_forged_post_is_refused(served):
    created = new_workshop(served.store, DATASET, "Forged")
    code, token = created.workshop.code, served.store.join(created.workshop.code, "government", "Owl")
    stranger = Client(served.base)  # another site's form: no token, no cookie
    status, page, _ = stranger.open(f"lite?code={code}&p={token}", submit_form(token, "forged"), token=False)
    assert status == 403 and "did not come from this page" in page
    status, _page, _ = stranger.open(f"lite?code={code}", {"action": "join", "code": code, "group": "government",
                                                          "pseudonym": "Bot"}, token=False)
    assert status == 403
    assert served.store.submissions(code, created.secret).empty
    # A token from one browser does not work with another browser's cookie.
    other = Client(served.base)
    stolen = Client(served.base).token(f"lite?code={code}&p={token}")
    assert stolen, "the light page's forms carry no anti-forgery token"
    form = {**submit_form(token, "forged"), "_xsrf": stolen}
    other.token(f"lite?code={code}")  # its own cookie
    assert other.open(f"lite?code={code}&p={token}", form, token=False)[0] == 403


def test_no_page_can_be_framed_by_another_site(served):
    client = Client(served.base)
    for path in ("explorer", "participant", "facilitator", "lite", "lite?code=NOPE99", "static/extensions/panel/css/loading.css"):
        _status, _page, headers = client.open(path)
        assert headers.get("X-Frame-Options") == "SAMEORIGIN", path
        assert "frame-ancestors 'self'" in headers.get("Content-Security-Policy", ""), path


def test_an_oversized_post_is_refused_with_a_message_not_echoed(served):
    created = new_workshop(served.store, DATASET, "Big")
    code, token = created.workshop.code, served.store.join(created.workshop.code, "government", "Wren")
    client = Client(served.base)
    where = f"lite?code={code}&p={token}"
    status, page, _ = client.open(where, submit_form(token, "y" * 200_000))
    assert status == 413 and "more than this page accepts" in page and len(page) < 10_000
    try:  # 20 MB: not read at all (the server's own limit); never echoed as a 20 MB page
        status, page, _ = client.open(where, submit_form(token, "z" * 20_000_000))
        assert len(page) < 10_000
    except (urllib.error.URLError, ConnectionError):
        pass
    status, page, _ = client.open(where, submit_form(token, "c" * 1500))  # the comment's own limit, in words
    assert status == 400 and "1500 characters long; at most 1000" in page
    assert served.store.submissions(code, created.secret).empty


def test_the_light_page_with_postgresql_stopped_answers_503_and_keeps_the_post(restartable):
    cluster, url = restartable
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    created = new_workshop(store, DATASET, "Stopped")
    code = created.workshop.code
    token = store.join(code, "civil_society", "Heron")
    with panel_server(WORKSHOP_APPS, url) as server:
        client = Client(server.base)
        where = f"lite?code={code}&p={token}"
        form = {**submit_form(token, "typed while it was down"), "_xsrf": client.token(where)}
        cluster.halt()
        status, page, headers = client.open(where, form, token=False)
        assert status == 503 and headers.get("Retry-After") and "cannot be reached" in page
        # Everything posted comes back in the page, to send again with one button.
        assert "value='typed while it was down'" in page and "value='9'" in page and "value='submit'" in page
        status, page, _ = client.open(f"lite?code={code}&p={token}")  # the private link, while it is down
        assert status == 503 and "cannot be reached" in page and "Try again" in page
        cluster.start(port=cluster.port)
        status, page, _ = client.open(where, form, token=False)  # the same post again: the button's
        assert status == 200 and "your weights are in" in page, page[-600:]
    assert store.submissions(code, created.secret).iloc[0]["comment"] == "typed while it was down"
    store.dispose()


def test_acknowledged_submissions_survive_a_kill_during_a_burst(tmp_path):
    url = f"sqlite:///{tmp_path / 'workshops.sqlite'}"
    store = WorkshopStore(url, min_seconds_between_submissions=0)
    created = new_workshop(store, DATASET, "Burst")
    code = created.workshop.code
    tokens = [store.join(code, "civil_society", f"P{i}") for i in range(60)]  # P001 … P060, in this order
    acknowledged, lock = [], threading.Lock()
    with panel_server(WORKSHOP_APPS, url) as server:
        def send(i):
            client = Client(server.base)
            try:
                status, page, _ = client.open(f"lite?code={code}&p={tokens[i]}", submit_form(tokens[i], f"note {i}"),
                                              timeout=20)
            except (urllib.error.URLError, ConnectionError, TimeoutError, OSError, AssertionError):
                return
            if status == 200 and "your weights are in" in page:
                with lock:
                    acknowledged.append(i)
        threads = [threading.Thread(target=send, args=(i,)) for i in range(len(tokens))]
        for t in threads:
            t.start()
        while True:  # kill once some are acknowledged and others still on their way
            with lock:
                if len(acknowledged) >= 10 or not any(t.is_alive() for t in threads):
                    break
            threading.Event().wait(0.01)
        server.kill()
        for t in threads:
            t.join(30)
    assert acknowledged, "no submission was acknowledged before the kill"
    stored = store.submissions(code, created.secret)
    kept = dict(zip(stored["participant"], stored["comment"]))
    for i in acknowledged:
        assert kept.get(f"P{i + 1:03d}") == f"note {i}"
    store.dispose()


# -- hostile links ---------------------------------------------------------------------------------

def test_a_48_kB_link_is_refused_in_one_message_without_reading_its_values():
    from igviz import scenario as spec
    from igviz.scenario import Scenario

    LINK_MAX = getattr(spec, "LINK_MAX", 16_384)

    ids = ",".join(f"p{i:04d}" for i in range(8000))
    scenario, problems = Scenario.from_query({"compare": ids}, DATASET)
    assert len(problems) == 1 and "characters long" in str(problems[0]) and "p0000" not in str(problems[0])
    assert "compared" not in scenario.spec
    # Just under the limit: read value by value, as before.
    fits = ",".join(["mipc"] + [f"x{i}" for i in range((LINK_MAX - 50) // 6)])
    scenario, problems = Scenario.from_query({"compare": fits}, DATASET)
    assert scenario.spec.get("compared") == ["mipc"] and len(problems) > 1000
