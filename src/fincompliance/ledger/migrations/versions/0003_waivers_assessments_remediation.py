"""What an audit report needs of each scan beyond its findings: the waivers in force when it
was judged (approver, reason, expiry), each component's assessment grade, and each
finding's remediation.

Rows recorded before this revision leave the new columns empty; the entry digests skip
empty later columns, so those entries still verify.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("scan_findings") as batch:
        batch.add_column(sa.Column("remediation", sa.Text))
    with op.batch_alter_table("scan_components") as batch:
        batch.add_column(sa.Column("assessment", sa.Text))
    op.create_table(
        "scan_waivers",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False,
                  index=True),
        sa.Column("component", sa.Text, nullable=False),
        sa.Column("versions", sa.Text),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("approver", sa.Text, nullable=False),
        sa.Column("expires", sa.String(10), nullable=False),
        sa.Column("ticket", sa.Text),
        sa.Column("defined_at", sa.Text, nullable=False),
        sa.Column("findings", sa.Text, nullable=False))


def downgrade() -> None:
    op.drop_table("scan_waivers")
    with op.batch_alter_table("scan_components") as batch:
        batch.drop_column("assessment")
    with op.batch_alter_table("scan_findings") as batch:
        batch.drop_column("remediation")
