"""Verification checkpoints: after `fincomp ledger verify` has recomputed the rows of every
entry up to one, that entry's number and hash and when, so that the next verification
recomputes only the rows of newer entries (the chain itself is still walked whole).
Not ledger facts, so not chained.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    op.create_table(
        "verify_checkpoints",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("verify_checkpoints")
