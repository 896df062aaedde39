"""Listings of two kinds (facility, prescriber), every name a source gave, the newest listing date

Revision ID: d7e2b4c91a05
Revises: c3f1a9d27b54
Create Date: 2026-12-02 12:00:00

"""

import sqlalchemy as sa
from alembic import op

revision = "d7e2b4c91a05"
down_revision = "c3f1a9d27b54"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("provider") as batch:
        batch.add_column(
            sa.Column("kind", sa.String(12), nullable=False, server_default="facility")
        )
        batch.add_column(sa.Column("aliases", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("last_listed", sa.String(20), nullable=False, server_default=""))


def downgrade():
    with op.batch_alter_table("provider") as batch:
        batch.drop_column("last_listed")
        batch.drop_column("aliases")
        batch.drop_column("kind")
