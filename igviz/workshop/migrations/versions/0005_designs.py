"""Designs in workshops: the reforms a facilitator added from the explorer's Design a reform panel.

Revision ID: 0005_designs
Revises: 0004_ratings

One column on the workshop: a list of {"id", "spec", "round"} ("spec" as a link or scenario file
saves a design: name, base, short_name, options; "round": the first round it is in). NULL for every
existing workshop (no designs), so every row stays as it was. Written out by hand, like the others,
so that it never changes with the models.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005_designs"
down_revision = "0004_ratings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.add_column(sa.Column("designs", sa.JSON, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workshop") as batch:
        batch.drop_column("designs")
