"""Moderation: lock joining, cap stakeholder groups, remove participants, hide comments, and a log of it all.

Revision ID: 0002_moderation
Revises: 0001_baseline

Adds columns with defaults that keep every existing row as it was (joining open, no caps, nobody
removed, no comment hidden) and the moderation_log table. Written out by hand, like the baseline, so
that it never changes with the models.
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_moderation"
down_revision = "0001_baseline"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # batch_alter_table: SQLite adds the columns in place (ALTER TABLE ADD COLUMN), PostgreSQL too.
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("joining_open", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("group_caps", sa.JSON, nullable=True))
    with op.batch_alter_table("participant") as batch:
        batch.add_column(sa.Column("removed_at", sa.Float, nullable=True))
    with op.batch_alter_table("submission") as batch:
        batch.add_column(sa.Column("comment_hidden", sa.Boolean, nullable=False, server_default=sa.false()))
    op.create_table(
        "moderation_log",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshop.id"), nullable=False),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id"), nullable=True),
        sa.Column("round_number", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    op.create_index("ix_moderation_log_workshop_id", "moderation_log", ["workshop_id"])


def downgrade() -> None:
    op.drop_index("ix_moderation_log_workshop_id", table_name="moderation_log")
    op.drop_table("moderation_log")
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("comment_hidden")
    with op.batch_alter_table("participant") as batch:
        batch.drop_column("removed_at")
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("group_caps")
        batch.drop_column("joining_open")
