"""Alembic's entry point for the workshop database. igviz.workshop.migrate runs it with a connection
already inside a transaction (holding the migration lock), so Alembic neither opens nor commits one."""

from alembic import context

from igviz.workshop.store import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("igviz runs its migrations itself when a store opens the database; for developers: "
                       "python -m igviz.workshop.migrate --help")

ours = set(metadata.tables)
context.configure(
    connection=connection,
    target_metadata=metadata,
    # SQLite cannot alter a column in place: batch operations rebuild the table there (and are plain
    # ALTER TABLE on PostgreSQL), so one migration script serves both.
    render_as_batch=True,
    compare_type=True,
    # Another application's tables in a shared PostgreSQL database are none of igviz's business.
    include_name=lambda name, kind, _parents: kind != "table" or name in ours,
)
with context.begin_transaction():
    context.run_migrations()
