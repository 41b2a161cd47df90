"""Lifecycle events (proposed, approved, in-use, deprecated, retired, rejected) and the
register fields JR/T 0290-2024 asks of a system: business system and responsible person.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("business_system", sa.Text))
        batch.add_column(sa.Column("owner", sa.Text))
    op.create_table(
        "lifecycle_events",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("package", sa.Text, nullable=False, index=True),
        sa.Column("versions", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("entry_seq", sa.Integer, nullable=False, unique=True))


def downgrade() -> None:
    op.drop_table("lifecycle_events")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("owner")
        batch.drop_column("business_system")
