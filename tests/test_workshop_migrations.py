"""The workshop database's schema versions (Alembic), on SQLite and PostgreSQL.

What a store does when it opens a database: a new one is made at the newest revision, one made by
igviz 0.1.0 (tables, no version) is recognised and kept, an older revision is upgraded with its data,
one this igviz does not know is refused naming both versions, and several servers starting at once
migrate once. And the newest revision builds exactly the tables the models describe.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, inspect, text
from sqlalchemy.engine import make_url

import igviz
from igviz.workshop import DatabaseVersionError, WorkshopStore, migrate, new_workshop
from igviz.workshop.store import metadata

DATA = Path(__file__).parent / "data"
DATASET = igviz.load_dataset()
CRITERIA = DATASET.default_framework.criterion_ids
NEWEST = migrate.newest_revision()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_url(request, tmp_path):
    """The URL of an empty database of its own for each test (a new PostgreSQL database, or a new file)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workshops.sqlite'}"
        return
    server = make_url(request.getfixturevalue("postgres_url"))
    name = f"igviz_migrations_{uuid.uuid4().hex[:10]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as c:
            c.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def open_store(url: str) -> WorkshopStore:
    return WorkshopStore(url, min_seconds_between_submissions=0)


def run_sql(url: str, *statements: str, **params) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as c:
            for statement in statements:
                c.execute(text(statement), params)
    finally:
        engine.dispose()


def query(url: str, statement: str):
    engine = create_engine(url)
    try:
        with engine.connect() as c:
            return c.execute(text(statement)).all()
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def make_0_1_0_database(url: str, drop_column: str = "") -> None:
    """The tables exactly as igviz 0.1.0 made them (its create_all, saved as SQL), no version table."""
    kind = make_url(url).get_backend_name()
    sql = "\n".join(line for line in (DATA / f"workshop-schema-0.1.0.{kind}.sql").read_text().splitlines()
                    if not line.startswith("--"))
    statements = [s.strip() for s in sql.split(";") if s.strip()]
    if drop_column:
        statements = [s.replace(f"\t{drop_column},", "") for s in statements]
    run_sql(url, *statements)


TOKEN, SECRET = "a-participant-token", "a-facilitator-key"


def fill_0_1_0_database(url: str) -> None:
    """One workshop with an open round, a participant and their submission, written as 0.1.0 wrote rows."""
    criteria = ", ".join(f'"{c}"' for c in CRITERIA)
    weights = ", ".join(f'"{c}": 5.0' for c in CRITERIA)
    run_sql(url,
            "INSERT INTO workshop (id, code, title, framework, criteria, proposals, groups, rule, secret_hash, "
            "created_at, revision) VALUES (1, 'K7P2QX', 'Made by igviz 0.1.0', 'default', :criteria, "
            "'[\"mipc\", \"status_quo\"]', '[\"civil_society\", \"government\"]', "
            "'{\"top_n\": 1, \"group_share\": 0.5, \"min_group_size\": 1}', :secret, 1700000000.0, 3)",
            "INSERT INTO workshop_round (id, workshop_id, number, is_open, opened_at, closed_at) "
            "VALUES (1, 1, 1, TRUE, 1700000000.0, NULL)",
            'INSERT INTO participant (id, workshop_id, token_hash, "group", pseudonym, joined_at, last_submitted_at) '
            "VALUES (1, 1, :token, 'civil_society', 'Ada', 1700000001.0, 1700000002.0)",
            "INSERT INTO submission (id, round_id, participant_id, weights, comment, submitted_at, revisions) "
            "VALUES (1, 1, 1, :weights, 'kept across the upgrade', 1700000002.0, 1)",
            criteria=f"[{criteria}]", weights=f"{{{weights}}}",
            secret=hashlib.sha256(SECRET.encode()).hexdigest(), token=hashlib.sha256(TOKEN.encode()).hexdigest())
    if make_url(url).get_backend_name() == "postgresql":  # explicit ids leave PostgreSQL's sequences behind
        run_sql(url, *(f"SELECT setval('{t}_id_seq', 1)" for t in ("workshop", "workshop_round", "participant",
                                                                    "submission")))


def weights(**changes) -> dict:
    return {**{c: 5.0 for c in CRITERIA}, **changes}


# -- a new database ------------------------------------------------------------------------------

def test_a_new_database_is_made_at_the_newest_revision(empty_url):
    store = open_store(empty_url)
    try:
        assert store.schema_version == NEWEST
        assert query(empty_url, "SELECT version_num FROM alembic_version") == [(NEWEST,)]
        created = new_workshop(store, DATASET, "A new database")
        token = store.join(created.workshop.code, "civil_society", "Ada")
        store.submit(token, weights(effective=9))
    finally:
        store.dispose()
    again = open_store(empty_url)  # opening it again changes nothing
    try:
        assert again.submissions(created.workshop.code, created.secret).iloc[0]["weight.effective"] == 9
        assert query(empty_url, "SELECT version_num FROM alembic_version") == [(NEWEST,)]
    finally:
        again.dispose()


def test_the_newest_revision_matches_the_models(empty_url):
    # A model changed without a migration fails here: write one with
    # python -m igviz.workshop.migrate revision "what changed".
    open_store(empty_url).dispose()
    engine = create_engine(empty_url)
    try:
        with engine.connect() as c:
            found = migrate.differences(c, metadata)
    finally:
        engine.dispose()
    assert [migrate.describe(d) for d in found] == []


def test_the_comparison_sees_a_model_change(empty_url):
    # The check above must be able to fail: a database missing a column and an index is reported.
    open_store(empty_url).dispose()
    run_sql(empty_url, "DROP INDEX ix_submission_round_id")
    engine = create_engine(empty_url)
    try:
        with engine.connect() as c:
            found = [migrate.describe(d) for d in migrate.differences(c, metadata)]
    finally:
        engine.dispose()
    assert found == ["index ix_submission_round_id on submission (round_id) is missing"]


# -- a database made by igviz 0.1.0 (no version) -----------------------------------------------------

def test_a_database_made_by_igviz_0_1_0_is_recognised_and_kept(empty_url):
    make_0_1_0_database(empty_url)
    fill_0_1_0_database(empty_url)
    assert "alembic_version" not in tables(empty_url)
    store = open_store(empty_url)
    try:
        assert query(empty_url, "SELECT version_num FROM alembic_version") == [(NEWEST,)]
        info = store.workshop("K7P2QX")
        assert info.title == "Made by igviz 0.1.0" and info.accepting and info.revision == 3
        me = store.participant(TOKEN)
        assert (me.pseudonym, me.comment, me.weights) == ("Ada", "kept across the upgrade", weights())
        store.submit(TOKEN, weights(effective=9), "revised after the upgrade")
        subs = store.submissions("K7P2QX", SECRET)
        assert subs.iloc[0]["weight.effective"] == 9 and subs.iloc[0]["revisions"] == 2
        second = store.join("K7P2QX", "government", "Gov 1")  # new rows get new ids
        store.submit(second, weights())
        assert len(store.submissions("K7P2QX", SECRET)) == 2
    finally:
        store.dispose()


def test_unversioned_tables_that_are_not_0_1_0_s_are_refused(empty_url):
    make_0_1_0_database(empty_url, drop_column="pseudonym VARCHAR(40) NOT NULL")
    with pytest.raises(DatabaseVersionError) as caught:
        open_store(empty_url)
    message = str(caught.value)
    assert "no schema version" in message and migrate.BASELINE in message
    assert "column participant.pseudonym is missing" in message
    assert "alembic_version" not in tables(empty_url)  # nothing was changed


def test_a_database_with_only_some_of_igvizs_tables_is_refused(empty_url):
    run_sql(empty_url, "CREATE TABLE workshop (id INTEGER PRIMARY KEY)")
    with pytest.raises(DatabaseVersionError, match="table submission is missing"):
        open_store(empty_url)
    assert tables(empty_url) == {"workshop"}


def test_another_applications_tables_are_left_alone(empty_url):
    # A shared PostgreSQL database may hold other tables: igviz creates its own beside them.
    run_sql(empty_url, "CREATE TABLE someone_elses (id INTEGER PRIMARY KEY)")
    open_store(empty_url).dispose()
    assert {"someone_elses", "workshop", "alembic_version"} <= tables(empty_url)


# -- an older revision, and a newer one ------------------------------------------------------------

TEST_ONLY_REVISION = '''"""Test only, never shipped: a second revision, to show that an older database is upgraded with its data.

It changes a column's type in the workshop table, which the other tables refer to: SQLite does that
by rebuilding the table, PostgreSQL with ALTER TABLE.
"""
import sqlalchemy as sa
from alembic import op

revision = "0999_test_only"
down_revision = {head!r}
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("note", sa.Text, nullable=False, server_default="none yet"))
        batch.alter_column("title", type_=sa.String(200), existing_type=sa.String(120), existing_nullable=False)


def downgrade():
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("note")
        batch.alter_column("title", type_=sa.String(120), existing_type=sa.String(200), existing_nullable=False)
'''


@pytest.fixture
def scripts_with_a_second_revision(tmp_path):
    """A copy of the shipped migrations with one more (test-only) revision after the newest."""
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "versions" / "0999_test_only.py").write_text(TEST_ONLY_REVISION.format(head=NEWEST))
    return folder


def test_an_older_revision_is_upgraded_with_its_data(empty_url, scripts_with_a_second_revision):
    # A database at this igviz's newest revision is "older" for scripts with one more revision: the
    # upgrade that a store runs on opening brings it forward and keeps every row.
    store = open_store(empty_url)
    try:
        created = new_workshop(store, DATASET, "Before the upgrade")
        code, secret = created.workshop.code, created.secret
        token = store.join(code, "civil_society", "Ada")
        store.submit(token, weights(effective=9), "before")
        writing = store.engine.execution_options(write=True)
        assert migrate.upgrade(writing, scripts_with_a_second_revision) == "0999_test_only"
        assert query(empty_url, "SELECT version_num FROM alembic_version") == [("0999_test_only",)]
        assert query(empty_url, "SELECT note FROM workshop") == [("none yet",)]
        assert [c["type"].length for c in inspect(store.engine).get_columns("workshop") if c["name"] == "title"] == [200]
        if empty_url.startswith("sqlite"):
            assert query(empty_url, "PRAGMA foreign_key_check") == []
        # The rows, and the references between them, survive the rebuilt table.
        assert store.participant(token).weights == weights(effective=9)
        store.submit(token, weights(effective=2), "after")
        assert store.submissions(code, secret).iloc[0]["comment"] == "after"
        # Opening it again at the new revision changes nothing.
        assert migrate.upgrade(writing, scripts_with_a_second_revision) == "0999_test_only"
    finally:
        store.dispose()
    # To this igviz, which knows no 0999_test_only, the upgraded database is a newer one: refused.
    with pytest.raises(DatabaseVersionError, match="0999_test_only"):
        open_store(empty_url)


def test_a_0_1_0_database_is_upgraded_through_every_revision(empty_url, scripts_with_a_second_revision):
    make_0_1_0_database(empty_url)
    fill_0_1_0_database(empty_url)
    engine = create_engine(empty_url)
    try:
        assert migrate.upgrade(engine.execution_options(write=True), scripts_with_a_second_revision) == "0999_test_only"
    finally:
        engine.dispose()
    assert query(empty_url, "SELECT code, note FROM workshop") == [("K7P2QX", "none yet")]
    assert query(empty_url, "SELECT comment FROM submission") == [("kept across the upgrade",)]


def test_a_newer_database_is_refused_naming_both_versions(empty_url):
    open_store(empty_url).dispose()
    run_sql(empty_url, "UPDATE alembic_version SET version_num = '0042_from_the_future'")
    with pytest.raises(DatabaseVersionError) as caught:
        open_store(empty_url)
    message = str(caught.value)
    assert "0042_from_the_future" in message and f"newest schema version {NEWEST}" in message
    assert "newer igviz" in message and migrate.igviz_version() in message
    assert "workshops.sqlite" not in message and "127.0.0.1" not in message  # pages show it: no address
    assert query(empty_url, "SELECT version_num FROM alembic_version") == [("0042_from_the_future",)]


# -- several servers starting at once ----------------------------------------------------------------

STARTER = """
import sys, time
from pathlib import Path
from igviz.workshop import WorkshopStore
url, folder, me = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
(folder / f"ready-{me}").touch()
while not (folder / "go").exists():
    time.sleep(0.005)
WorkshopStore(url).dispose()
"""


def test_servers_starting_at_once_migrate_once(empty_url, tmp_path):
    # Separate processes, as separate servers are (within one process migrations take turns anyway),
    # released together once each has imported igviz.
    count = 4
    folder = tmp_path / "starters"
    folder.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "IGVIZ_DATABASE_URL"}
    starters = [subprocess.Popen([sys.executable, "-c", STARTER, empty_url, str(folder), str(i)], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for i in range(count)]
    try:
        deadline = time.monotonic() + 180
        while len(list(folder.glob("ready-*"))) < count and time.monotonic() < deadline:
            assert all(p.poll() is None for p in starters), [p.communicate()[0] for p in starters]
            time.sleep(0.05)
        (folder / "go").touch()
        outputs = [p.communicate(timeout=180)[0] for p in starters]
    finally:
        for p in starters:
            if p.poll() is None:
                p.kill()
    assert [p.returncode for p in starters] == [0] * count, outputs
    assert query(empty_url, "SELECT version_num FROM alembic_version") == [(NEWEST,)]
    store = open_store(empty_url)
    try:
        created = new_workshop(store, DATASET, "After a crowded start")
        assert store.workshop(created.workshop.code).title == "After a crowded start"
    finally:
        store.dispose()


def test_a_starting_server_waits_for_the_migration_lock_on_postgresql(empty_url):
    if not empty_url.startswith("postgresql"):
        pytest.skip("the advisory lock is PostgreSQL's; SQLite's BEGIN IMMEDIATE is covered above")
    holder = create_engine(empty_url)
    started: list = []
    with holder.connect() as c:
        with c.begin():
            c.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": migrate.LOCK_KEY})
            thread = threading.Thread(target=lambda: started.append(open_store(empty_url)))
            thread.start()
            # The store must be queued on the lock, not past it: wait until PostgreSQL shows it waiting.
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline:
                waiting = c.execute(text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' "
                                         "AND NOT granted")).scalar()
                if waiting:
                    break
                time.sleep(0.05)
            assert waiting == 1
            assert not started and "workshop" not in set(inspect(c).get_table_names())
        thread.join(timeout=60)  # the lock went with the transaction: the store goes on
    holder.dispose()
    assert len(started) == 1 and started[0].schema_version == NEWEST
    started[0].dispose()


# -- the pages ---------------------------------------------------------------------------------------------

def test_the_light_page_says_the_database_is_refused(empty_url, monkeypatch):
    import asyncio

    import tornado.httpclient
    import tornado.web

    from igviz.pages.lite import LitePage
    from igviz.workshop import store as store_module

    open_store(empty_url).dispose()
    run_sql(empty_url, "UPDATE alembic_version SET version_num = '0042_from_the_future'")
    monkeypatch.setattr(store_module, "_shared", {})
    monkeypatch.setenv(store_module.DATABASE_URL_VARIABLE, empty_url)

    async def fetch():
        app = tornado.web.Application([(r"/lite", LitePage)])
        server = app.listen(0, address="127.0.0.1")
        port = next(iter(server._sockets.values())).getsockname()[1]
        try:
            response = await tornado.httpclient.AsyncHTTPClient().fetch(
                f"http://127.0.0.1:{port}/lite?code=K7P2QX", raise_error=False)
            return response.code, response.body.decode()
        finally:
            server.stop()

    status, page = asyncio.run(fetch())
    assert status == 503
    assert "0042_from_the_future" in page and NEWEST in page and "role='alert'" in page


def test_the_panel_pages_say_the_database_is_refused(empty_url, monkeypatch):
    from igviz.pages.facilitator import FacilitatorPage
    from igviz.pages.participant import ParticipantPage
    from igviz.workshop import store as store_module

    open_store(empty_url).dispose()
    run_sql(empty_url, "UPDATE alembic_version SET version_num = '0042_from_the_future'")
    monkeypatch.setattr(store_module, "_shared", {})
    monkeypatch.setenv(store_module.DATABASE_URL_VARIABLE, empty_url)
    participant = ParticipantPage(dataset=DATASET)
    assert "0042_from_the_future" in participant._messages.object
    facilitator = FacilitatorPage(dataset=DATASET)
    assert "0042_from_the_future" in facilitator._body[0].object


# -- for developers: a model change gets its revision ------------------------------------------------

def test_a_new_revision_is_written_from_the_models_differences(tmp_path):
    # Pretend the models gained an index the scripts lack (by removing it from a copy of the baseline):
    # `python -m igviz.workshop.migrate revision` writes the revision that adds it, and then they match.
    folder = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, folder, ignore=shutil.ignore_patterns("__pycache__"))
    baseline = folder / "versions" / f"{migrate.BASELINE}.py"
    line = '        sa.Index("ix_submission_round_id", "round_id"),\n'
    assert line in baseline.read_text()
    baseline.write_text(baseline.read_text().replace(line, ""))
    assert "ix_submission_round_id" in migrate.check(folder)
    number = len(list(migrate.scripts(folder).walk_revisions())) + 1  # the next after the shipped ones
    written = migrate.new_revision("Index submissions by round", folder)
    assert written.name == f"{number:04d}_index_submissions_by_round.py"
    assert "create_index" in written.read_text() and "ix_submission_round_id" in written.read_text()
    assert migrate.check(folder) == ""
