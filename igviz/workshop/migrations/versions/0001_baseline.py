"""The baseline: the workshop tables as igviz 0.1.0 made them with create_all, before the schema had versions.

Revision ID: 0001_baseline
Revises: (none)

The tables are written out here, frozen, rather than taken from the models: the models move on with
later revisions, this revision must not. `schema()` is also what igviz.workshop.migrate compares an
unversioned database with before it marks that database as this revision.
"""

import sqlalchemy as sa
from alembic import op

revision = "0001_baseline"
down_revision = None
branch_labels = None
depends_on = None


def schema() -> sa.MetaData:
    m = sa.MetaData()
    sa.Table(
        "workshop", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("code", sa.String(16), nullable=False),
        sa.Column("title", sa.String(120), nullable=False),
        sa.Column("framework", sa.String(80), nullable=False),
        sa.Column("criteria", sa.JSON, nullable=False),
        sa.Column("proposals", sa.JSON, nullable=False),
        sa.Column("groups", sa.JSON, nullable=False),
        sa.Column("rule", sa.JSON, nullable=False),
        sa.Column("secret_hash", sa.String(64), nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Index("ix_workshop_code", "code", unique=True),
    )
    sa.Table(
        "workshop_round", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshop.id"), nullable=False),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("is_open", sa.Boolean, nullable=False),
        sa.Column("opened_at", sa.Float, nullable=False),
        sa.Column("closed_at", sa.Float, nullable=True),
        sa.UniqueConstraint("workshop_id", "number"),
        sa.Index("ix_workshop_round_workshop_id", "workshop_id"),
    )
    sa.Table(
        "participant", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("workshop_id", sa.Integer, sa.ForeignKey("workshop.id"), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("group", sa.String(80), nullable=False),
        sa.Column("pseudonym", sa.String(40), nullable=False),
        sa.Column("joined_at", sa.Float, nullable=False),
        sa.Column("last_submitted_at", sa.Float, nullable=False),
        sa.Index("ix_participant_token_hash", "token_hash", unique=True),
        sa.Index("ix_participant_workshop_id", "workshop_id"),
    )
    sa.Table(
        "submission", m,
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("round_id", sa.Integer, sa.ForeignKey("workshop_round.id"), nullable=False),
        sa.Column("participant_id", sa.Integer, sa.ForeignKey("participant.id"), nullable=False),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("comment", sa.Text, nullable=False),
        sa.Column("submitted_at", sa.Float, nullable=False),
        sa.Column("revisions", sa.Integer, nullable=False),
        sa.UniqueConstraint("round_id", "participant_id"),
        sa.Index("ix_submission_round_id", "round_id"),
        sa.Index("ix_submission_participant_id", "participant_id"),
    )
    return m


def upgrade() -> None:
    # checkfirst=False: a table that is already there is an error, never silently kept as it is.
    schema().create_all(op.get_bind(), checkfirst=False)


def downgrade() -> None:
    schema().drop_all(op.get_bind(), checkfirst=False)
