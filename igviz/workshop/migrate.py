"""The workshop database's schema version: Alembic migrations, run when a store opens its database.

The migration scripts ship inside the package (igviz/workshop/migrations/: env.py and versions/), and
Alembic is configured here in code, so an installed wheel needs no alembic.ini and no checkout.

`upgrade` runs in one transaction that first takes a lock (PostgreSQL: a transaction-level advisory
lock; SQLite: the store's BEGIN IMMEDIATE write lock), so several server processes starting at once
on one database migrate it once and the others wait, then find it up to date. Then:

- no igviz tables: they are created at the newest revision;
- igviz's tables but no version (made by igviz 0.1.0, which used create_all): checked against the
  first revision's schema, stamped with it, then upgraded; tables that differ are refused;
- an older revision: upgraded to the newest;
- a revision this igviz does not know (a newer igviz's): refused, naming both versions.

A refusal changes nothing. Nothing is ever downgraded automatically.

For developers: after changing a model in store.py, `python -m igviz.workshop.migrate revision "what
changed"` writes the next revision from the differences (read and edit it before committing), and
`python -m igviz.workshop.migrate check` says whether the newest revision matches the models.
"""

from __future__ import annotations

import hashlib
import logging
import re
import sys
import tempfile
import threading
from contextlib import contextmanager
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from sqlalchemy import MetaData, create_engine, inspect, text
from sqlalchemy.engine import Connection, Engine

from .errors import DatabaseVersionError

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).with_name("migrations")
BASELINE = "0001_baseline"  # the schema igviz 0.1.0 made with create_all, before there were versions
# pg_advisory_xact_lock takes one bigint: a fixed number derived from a name, the same in every igviz.
LOCK_KEY = int.from_bytes(hashlib.sha256(b"igviz workshop schema").digest()[:8], "big", signed=True)
REVISION_ID_MAX = 32  # alembic_version.version_num is a VARCHAR(32)
# Alembic keeps the running migration in module globals (alembic.context, alembic.op): two at once in
# one process would mix up their connections, so within a process they take turns.
_ONE_AT_A_TIME = threading.Lock()

# The refusals are shown on the pages too, so they do not name the database (its address is the
# operator's business): the server's log does.
NEWER = ("The workshop database has schema version {found}, which this igviz ({igviz}, newest "
         "schema version {newest}) does not know: it was probably made by a newer igviz. Run that igviz on it, "
         "or give this one another database (IGVIZ_DATABASE_URL, or igviz serve --db). Nothing in the database "
         "was changed.")
UNRECOGNISED = ("The workshop database has igviz's tables but no schema version, and they are not "
                "the tables igviz 0.1.0 made (schema version {baseline}): {differences}. igviz will not guess "
                "how to upgrade them: restore a backup, or give igviz an empty database (IGVIZ_DATABASE_URL, or "
                "igviz serve --db). Nothing in the database was changed.")


def igviz_version() -> str:
    try:
        return version("igviz")
    except PackageNotFoundError:  # run from a checkout that was never installed
        return "not installed"


def alembic_config(connection: Connection | None = None, script_location: Path | str | None = None):
    """Alembic's configuration, made in code: where the scripts are, and the connection env.py is to use."""
    from alembic.config import Config

    config = Config()
    # Config values go through configparser interpolation: a '%' in the path must be doubled.
    config.set_main_option("script_location", str(script_location or MIGRATIONS).replace("%", "%%"))
    # Revision files are named after their id ("0002_add_rating_rounds.py"), which is what the refusal names.
    config.set_main_option("file_template", "%%(rev)s")
    config.attributes["connection"] = connection
    return config


def scripts(script_location: Path | str | None = None):
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(script_location=script_location))


def newest_revision(script_location: Path | str | None = None) -> str:
    return scripts(script_location).get_current_head()


def current_revisions(connection: Connection) -> tuple[str, ...]:
    """The revisions stored in the database's alembic_version table (none for an unversioned database)."""
    from alembic.runtime.migration import MigrationContext

    return tuple(MigrationContext.configure(connection).get_current_heads())


def differences(connection: Connection, metadata: MetaData) -> list:
    """Alembic's autogenerate comparison of the database's igviz tables with `metadata` ([] when they match).

    Tables of other applications sharing the database are left out of the comparison.
    """
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    ours = set(metadata.tables)
    context = MigrationContext.configure(connection, opts={
        "compare_type": True,
        "include_name": lambda name, kind, _parents: kind != "table" or name in ours})
    return compare_metadata(context, metadata)


def describe(difference) -> str:
    """One of `differences`' entries in words ('add' means the database lacks what the schema has)."""
    if isinstance(difference, list):  # a column's type or nullability: a list of modify_* tuples
        return "; ".join(describe(d) for d in difference)
    kind, *rest = difference
    if kind in ("add_table", "remove_table"):
        return f"table {rest[0].name} " + ("is missing" if kind == "add_table" else "is not expected")
    if kind in ("add_column", "remove_column"):
        _schema, table, column = rest
        return f"column {table}.{column.name} " + ("is missing" if kind == "add_column" else "is not expected")
    if kind.startswith("modify_"):
        _schema, table, column, _info, found, expected = rest
        return f"column {table}.{column} has {kind[7:]} {found}, expected {expected}"
    if kind in ("add_index", "remove_index", "add_constraint", "remove_constraint", "add_fk", "remove_fk"):
        item = rest[0]
        columns = ", ".join(c.name for c in getattr(item, "columns", ()))
        what = f"{kind.split('_', 1)[1]} {item.name or ''} on {item.table.name} ({columns})".replace("  ", " ")
        return what + (" is missing" if kind.startswith("add") else " is not expected")
    return repr(difference)[:200]


def _lock(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Held until this transaction ends: a second server starting now waits here, then sees the result.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    # SQLite: the store's writing transactions start with BEGIN IMMEDIATE, which holds the file's write lock.


@contextmanager
def _foreign_keys_checked_at_the_end(connection: Connection):
    """SQLite alters a table by rebuilding it, and dropping a table that others refer to breaks their
    references even when the new one restores them (deferred checks count the rows as broken for
    good). So, as SQLite's documentation says, references are not enforced during a migration but
    checked once before it commits. The switch is a no-op inside a transaction, hence around it."""
    if connection.dialect.name != "sqlite":
        yield lambda: None
        return
    raw = connection.connection.driver_connection  # not through SQLAlchemy, which would begin a transaction
    enforced = raw.execute("PRAGMA foreign_keys").fetchone()[0]
    raw.execute("PRAGMA foreign_keys = OFF")

    def check():
        broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
        if broken:
            raise RuntimeError(f"a workshop database migration broke references (table, row, parent): {broken[:10]}; "
                               "nothing was changed")
    try:
        yield check
    finally:
        raw.execute(f"PRAGMA foreign_keys = {'ON' if enforced else 'OFF'}")


def upgrade(engine: Engine, script_location: Path | str | None = None) -> str:
    """Bring the database to the newest revision, or refuse it (see the module's docstring); returns the revision.

    On SQLite, `engine` must begin its transactions with BEGIN IMMEDIATE (the store's writing engine
    does) so that two processes cannot migrate at once.
    """
    from alembic import command

    config = alembic_config(script_location=script_location)
    directory = scripts(script_location)
    newest = directory.get_current_head()
    known = {s.revision for s in directory.walk_revisions()}
    database = engine.url.render_as_string(hide_password=True)
    with _ONE_AT_A_TIME, engine.connect() as connection, \
            _foreign_keys_checked_at_the_end(connection) as check_references, connection.begin():
        _lock(connection)
        current = set(current_revisions(connection))
        unknown = sorted(current - known)
        if unknown:
            raise _refused(database, NEWER, found=", ".join(unknown), newest=newest, igviz=igviz_version())
        config.attributes["connection"] = connection
        if not current:
            baseline = directory.get_revision(BASELINE).module.schema()
            if set(inspect(connection).get_table_names()) & set(baseline.tables):
                found = differences(connection, baseline)
                if found:
                    raise _refused(database, UNRECOGNISED, baseline=BASELINE,
                                   differences="; ".join(describe(d) for d in found))
                log.warning("The workshop database %s has no schema version: its tables are those of %s, "
                            "so it is marked as that version", database, BASELINE)
                command.stamp(config, BASELINE)
                current = {BASELINE}
        if not current:
            log.info("Creating the workshop tables in %s at schema version %s", database, newest)
            command.upgrade(config, "head")
        elif current != {newest}:
            log.warning("Upgrading the workshop database %s from schema version %s to %s", database,
                        ", ".join(sorted(current)), newest)
            command.upgrade(config, "head")
            check_references()
    return newest


def _refused(database: str, template: str, **values) -> DatabaseVersionError:
    error = DatabaseVersionError(template, **values)
    log.error("Refusing the workshop database %s: %s", database, error)
    return error


def _slug(message: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", message.lower()).strip("_") or "change"


def new_revision(message: str, script_location: Path | str | None = None) -> Path:
    """Write the next revision from the differences between the newest revision and the models."""
    from alembic import command

    directory = scripts(script_location)
    number = len(list(directory.walk_revisions())) + 1
    rev_id = f"{number:04d}_{_slug(message)}"[:REVISION_ID_MAX].rstrip("_")
    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.sqlite'}")
        try:
            upgrade(engine, script_location)  # a scratch database at the newest revision, to compare with
            with engine.begin() as connection:
                config = alembic_config(connection, script_location)
                script = command.revision(config, message=message, autogenerate=True, rev_id=rev_id)
        finally:
            engine.dispose()
    return Path(script.path)


def check(script_location: Path | str | None = None) -> str:
    """'' when a database at the newest revision matches the models; otherwise Alembic's list of differences."""
    from alembic import command
    from alembic.util import AutogenerateDiffsDetected

    with tempfile.TemporaryDirectory() as folder:
        engine = create_engine(f"sqlite:///{Path(folder) / 'scratch.sqlite'}")
        try:
            upgrade(engine, script_location)
            with engine.begin() as connection:
                command.check(alembic_config(connection, script_location))
        except AutogenerateDiffsDetected as exc:
            return str(exc)
        finally:
            engine.dispose()
    return ""


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="python -m igviz.workshop.migrate",
                                     description="Schema versions of igviz's workshop database (for developers).")
    commands = parser.add_subparsers(dest="command", required=True)
    made = commands.add_parser("revision", help="write the next revision from the models' differences")
    made.add_argument("message", help="what changed, e.g. 'add rating rounds'")
    commands.add_parser("check", help="exit 1 if the newest revision does not match the models")
    commands.add_parser("newest", help="print the newest revision")
    args = parser.parse_args(argv)
    if args.command == "revision":
        print(f"wrote {new_revision(args.message)}: read it and edit it before committing")
    elif args.command == "check":
        found = check()
        print(f"{found}\nWrite a revision: python -m igviz.workshop.migrate revision 'what changed'" if found
              else "The newest revision matches the models.")
        return 1 if found else 0
    else:
        print(newest_revision())
    return 0


if __name__ == "__main__":
    sys.exit(main())
