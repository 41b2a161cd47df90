"""The first ledger schema: projects, scans with their components and findings, and the
hash-chained entries.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("name", sa.String(200), nullable=False, unique=True),
        sa.Column("repository", sa.Text),
        sa.Column("created_at", sa.String(32), nullable=False))
    op.create_table(
        "scans",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("project_id", sa.Integer, sa.ForeignKey("projects.id"), nullable=False,
                  index=True),
        sa.Column("recorded_at", sa.String(32), nullable=False),
        sa.Column("commit_id", sa.String(64)),
        sa.Column("branch", sa.Text),
        sa.Column("tool_version", sa.String(40), nullable=False),
        sa.Column("policy_name", sa.Text),
        sa.Column("policy_digest", sa.String(64)),
        sa.Column("source", sa.Text, nullable=False),
        sa.Column("entry_seq", sa.Integer, nullable=False, unique=True))
    op.create_table(
        "scan_components",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False,
                  index=True),
        sa.Column("ref", sa.Text, nullable=False),
        sa.Column("purl", sa.Text, nullable=False),
        sa.Column("package", sa.Text, nullable=False),
        sa.Column("ecosystem", sa.String(40), nullable=False),
        sa.Column("name", sa.Text, nullable=False),
        sa.Column("version", sa.Text),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("direct", sa.Boolean, nullable=False),
        sa.Column("licence", sa.Text),
        sa.Column("declared", sa.Text),
        sa.Column("path", sa.Text),
        sa.Column("vulnerabilities", sa.Text, nullable=False),
        sa.Column("release", sa.Text))
    op.create_index("scan_components_package", "scan_components", ["package"])
    op.create_index("scan_components_name", "scan_components", ["name"])
    op.create_table(
        "scan_findings",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("scan_id", sa.Integer, sa.ForeignKey("scans.id"), nullable=False,
                  index=True),
        sa.Column("finding_id", sa.String(32), nullable=False),
        sa.Column("rule", sa.Text, nullable=False),
        sa.Column("severity", sa.String(16), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("article", sa.Text, nullable=False),
        sa.Column("component_ref", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text, nullable=False))
    op.create_table(
        "ledger_entries",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("subject_id", sa.Integer, nullable=False),
        sa.Column("at", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False))
    op.create_table(
        "chain_head",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("hash", sa.String(64), nullable=False))
    op.execute("INSERT INTO chain_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')")


def downgrade() -> None:
    for table in ("chain_head", "ledger_entries", "scan_findings", "scan_components", "scans",
                  "projects"):
        op.drop_table(table)
