"""Pacing: results hidden until revealed, round timers and windows, stated starting weights, room or remote.

Revision ID: 0003_pacing
Revises: 0002_moderation

Adds columns whose defaults keep every existing row meaning what it meant: rounds with no timer or
window, starting from equal weights, participants who did not say where they take part from. Results
were live on the projector before this version, so existing workshops keep them live
(results_live = true for the rows already there; a new workshop hides them until revealed). Written
out by hand, like the earlier revisions, so that it never changes with the models.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_pacing"
down_revision = "0002_moderation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("results_live", sa.Boolean, nullable=False, server_default=sa.false()))
    op.execute(sa.text("UPDATE workshop SET results_live = :live").bindparams(live=True))
    with op.batch_alter_table("workshop_round") as batch:
        batch.add_column(sa.Column("opens_at", sa.Float, nullable=True))
        batch.add_column(sa.Column("closes_at", sa.Float, nullable=True))
        batch.add_column(sa.Column("zone", sa.String(64), nullable=True))
        batch.add_column(sa.Column("revealed_at", sa.Float, nullable=True))
        batch.add_column(sa.Column("start_basis", sa.String(20), nullable=False, server_default="equal"))
        batch.add_column(sa.Column("start_weights", sa.JSON, nullable=True))
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("attending", sa.String(10), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("attending")
    with op.batch_alter_table("workshop_round") as batch:
        for column in ("start_weights", "start_basis", "revealed_at", "zone", "closes_at", "opens_at"):
            batch.drop_column(column)
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("results_live")
