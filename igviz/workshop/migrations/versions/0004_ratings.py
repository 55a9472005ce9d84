"""Rating rounds: what a round asks (weights, ratings or both), which proposals × criteria it asks to rate,
and each submission's ratings.

Revision ID: 0004_ratings
Revises: 0003_pacing

Adds columns whose defaults keep every existing row as it was: every round so far asked for weights
only, and no submission has ratings. Written out by hand, like the baseline, so that it never changes
with the models.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_ratings"
down_revision = "0003_pacing"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop_round") as batch:
        batch.add_column(sa.Column("asks", sa.String(16), nullable=False, server_default="weights"))
        # {proposal id: [criterion ids]} the round asks to rate; NULL: each participant chooses.
        batch.add_column(sa.Column("rated", sa.JSON, nullable=True))
    with op.batch_alter_table("submission") as batch:
        # {proposal id: {criterion id: 0..10}}; a cell left out is "don't know".
        batch.add_column(sa.Column("ratings", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("submission") as batch:
        batch.drop_column("ratings")
    with op.batch_alter_table("workshop_round") as batch:
        batch.drop_column("rated")
        batch.drop_column("asks")
