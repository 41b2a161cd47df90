"""Open-source release reviews (art. 13, 20): for a scan made by `fincomp release-check`,
the licence the release goes out under, how it is distributed, the result, and who signed
it off. One row per such scan, written in the scan's transaction and covered by its entry
digest; scans without one verify as before.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "release_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False,
                  unique=True),
        sa.Column("outbound", sa.Text, nullable=False),
        sa.Column("distribution", sa.String(32), nullable=False),
        sa.Column("result", sa.String(8), nullable=False),
        sa.Column("signed_off_by", sa.Text, nullable=False),
        sa.Column("facts", sa.Text, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("release_reviews")
