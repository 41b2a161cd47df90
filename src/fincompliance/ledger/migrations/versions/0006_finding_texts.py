"""A finding's message and remediation in every language its rule has them in, so that an
audit report in Chinese quotes the rule in Chinese (the shipped policies carry zh-CN texts).

Findings recorded before this revision have English only, and reports show that. The entry
digests skip the empty column, so those entries still verify.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    with op.batch_alter_table("scan_findings") as batch:
        batch.add_column(sa.Column("texts", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("scan_findings") as batch:
        batch.drop_column("texts")
