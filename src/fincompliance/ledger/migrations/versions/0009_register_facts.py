"""Register facts: what the institution records about a project or a package for the
register (using department, business system, acquisition channel, support mode, supplier,
contract reference), each statement a ledger entry.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    op.create_table(
        "register_facts",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project", sa.String(200)),
        sa.Column("package", sa.Text),
        sa.Column("facts", sa.Text, nullable=False),
        sa.Column("actor", sa.Text, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("entry_seq", sa.Integer, nullable=False, unique=True),
    )


def downgrade() -> None:
    op.drop_table("register_facts")
