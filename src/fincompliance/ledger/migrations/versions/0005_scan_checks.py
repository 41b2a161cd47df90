"""What each scan was checked against, so a report claims only that: the advisory database
(sources, when imported, ecosystems, newest advisory), how many components matching could
vouch for and which it could not, and whether registry facts were gathered.

Scans recorded before this revision have no record of it: reports say so rather than
assume. The entry digests skip the empty column, so those entries still verify.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("checks", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.drop_column("checks")
