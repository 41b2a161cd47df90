"""A scan whose components are exactly those of the project's scan before it refers to that
scan's rows instead of storing them again (`scans.components_from`): a bank's daily scans
mostly repeat the day before, and each set of rows is then stored, and recomputed by
`ledger verify`, once. Every scan recorded before this revision has its own rows.

What an entry's digest covers is unchanged (the scan's components, wherever they are
stored), so every entry still verifies. The entries get an index by what they cover:
`ledger verify` asks it of every scan, and without it read the whole chain for each one
(hours at 100,000 entries).

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    with op.batch_alter_table("scans") as batch:
        batch.add_column(sa.Column("components_from", sa.Integer))
        batch.create_index("ix_scans_components_from", ["components_from"])
    op.execute("UPDATE scans SET components_from = id")
    op.create_index("ledger_entries_subject", "ledger_entries", ["kind", "subject_id"])


_COLUMNS = ("ref", "purl", "package", "ecosystem", "name", "version", "scope", "direct",
            "licence", "declared", "path", "vulnerabilities", "release", "assessment")


def downgrade() -> None:
    op.drop_index("ledger_entries_subject", table_name="ledger_entries")
    # every scan gets its own copy of the rows it shares, as before this revision
    op.execute(f"INSERT INTO scan_components (scan_id, {', '.join(_COLUMNS)}) "
               f"SELECT scans.id, {', '.join('scan_components.' + c for c in _COLUMNS)} "
               "FROM scans JOIN scan_components "
               "ON scan_components.scan_id = scans.components_from "
               "WHERE scans.components_from <> scans.id ORDER BY scans.id, scan_components.id")
    op.drop_index("ix_scans_components_from", table_name="scans")
    # in place on both databases: SQLite's batch mode would copy the table, which the
    # foreign keys fincomp turns on forbid
    op.execute("ALTER TABLE scans DROP COLUMN components_from")
