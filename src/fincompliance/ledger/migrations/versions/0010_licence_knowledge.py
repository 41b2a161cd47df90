"""The licence knowledge store: licence conclusions with their evidence, method, source and
date, keyed by purl and artifact digest, in batches that are each a ledger entry.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "knowledge_batches",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("origin", sa.Text, nullable=False),
        sa.Column("actor", sa.Text),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("entry_seq", sa.Integer, nullable=False, unique=True),
    )
    op.create_table(
        "known_licences",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("batch_id", sa.Integer, sa.ForeignKey("knowledge_batches.id"),
                  nullable=False, index=True),
        sa.Column("purl", sa.Text, nullable=False, index=True),
        sa.Column("artifact", sa.String(200), nullable=False),
        sa.Column("expression", sa.Text, nullable=False),
        sa.Column("method", sa.String(40), nullable=False),
        sa.Column("confidence", sa.String(8), nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("evidence", sa.Text, nullable=False),
        sa.Column("reason", sa.Text),
        sa.Column("concluded_at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("known_licences")
    op.drop_table("knowledge_batches")
