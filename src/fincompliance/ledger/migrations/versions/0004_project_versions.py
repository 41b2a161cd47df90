"""Project metadata as evidence: every state of a project's name, repository, business
system and owner is a row of `project_versions` with a ledger entry of its own, so `ledger
verify` catches an edit of the `projects` row (which the register and reports show) and a
project added outside fincomp. Projects recorded before this revision get their first
version, and its entry, here.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    op.create_table(
        "project_versions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False,
                  index=True),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("repository", sa.Text),
        sa.Column("business_system", sa.Text),
        sa.Column("owner", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("entry_seq", sa.Integer, nullable=False, unique=True))
    # Entries are appended by the same code every recording uses, so they verify alike.
    from fincompliance.ledger.record import record_project_version
    from fincompliance.ledger.store import locked_head

    connection = op.get_bind()
    existing = connection.execute(sa.text("SELECT id FROM projects ORDER BY id")).scalars()
    with locked_head(connection) as head:
        for project_id in list(existing):
            record_project_version(connection, project_id, head)


def downgrade() -> None:
    op.execute("DELETE FROM ledger_entries WHERE kind = 'project'")
    op.drop_table("project_versions")
