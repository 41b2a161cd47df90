"""The ledger's tables (the current schema; migrations/ builds it step by step)."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

projects = Table(
    "projects", metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("repository", Text),
    Column("business_system", Text),
    Column("owner", Text),
    Column("created_at", String(32), nullable=False),
)

# Every state a project's metadata has had, each one a ledger entry: the `projects` row must
# equal its latest version, so an owner or business system edited in place is caught.
project_versions = Table(
    "project_versions", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("repository", Text),
    Column("business_system", Text),
    Column("owner", Text),
    Column("created_at", String(32), nullable=False),
    Column("at", String(32), nullable=False),
    Column("entry_seq", Integer, nullable=False, unique=True),
)

scans = Table(
    "scans", metadata,
    Column("id", Integer, primary_key=True),
    Column("project_id", Integer, ForeignKey("projects.id"), nullable=False, index=True),
    Column("recorded_at", String(32), nullable=False),
    Column("commit_id", String(64)),
    Column("branch", Text),
    Column("tool_version", String(40), nullable=False),
    Column("policy_name", Text),
    Column("policy_digest", String(64)),
    Column("source", Text, nullable=False),
    Column("entry_seq", Integer, nullable=False, unique=True),
    Column("checks", Text),                            # JSON: what the scan was checked against
    # The scan whose component rows are this scan's: its own id, or that of an earlier scan
    # of the project with the very same rows (daily scans mostly repeat the day before;
    # each set of rows is stored, and recomputed by `ledger verify`, once).
    Column("components_from", Integer, index=True),
)

scan_components = Table(
    "scan_components", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False, index=True),
    Column("ref", Text, nullable=False),
    Column("purl", Text, nullable=False),
    Column("package", Text, nullable=False),
    Column("ecosystem", String(40), nullable=False),
    Column("name", Text, nullable=False),
    Column("version", Text),
    Column("scope", String(16), nullable=False),
    Column("direct", Boolean, nullable=False),
    Column("licence", Text),
    Column("declared", Text),
    Column("path", Text),
    Column("vulnerabilities", Text, nullable=False),   # JSON
    Column("release", Text),                           # JSON
    Column("assessment", Text),                        # JSON: total, grade, coverage, model
    Index("scan_components_package", "package"),
    Index("scan_components_name", "name"),
)

scan_findings = Table(
    "scan_findings", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False, index=True),
    Column("finding_id", String(32), nullable=False),
    Column("rule", Text, nullable=False),
    Column("severity", String(16), nullable=False),
    Column("action", String(16), nullable=False),
    Column("article", Text, nullable=False),
    Column("component_ref", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False),
    Column("remediation", Text),
    # {language: {message, remediation}} as JSON, for reports in other languages than English
    Column("texts", Text),
)

# The waivers in force when a scan was judged, as the waivers file said then.
scan_waivers = Table(
    "scan_waivers", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False, index=True),
    Column("component", Text, nullable=False),
    Column("versions", Text),
    Column("rule", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("approver", Text, nullable=False),
    Column("expires", String(10), nullable=False),
    Column("ticket", Text),
    Column("defined_at", Text, nullable=False),
    Column("findings", Text, nullable=False),          # JSON: ids of the findings it covers
)

lifecycle_events = Table(
    "lifecycle_events", metadata,
    Column("id", Integer, primary_key=True),
    Column("package", Text, nullable=False, index=True),
    Column("versions", Text, nullable=False),          # a version range, or "*"
    Column("state", String(16), nullable=False),
    Column("actor", Text, nullable=False),
    Column("reason", Text, nullable=False),
    Column("at", String(32), nullable=False),
    Column("entry_seq", Integer, nullable=False, unique=True),
)

# What the institution records about a project, a package, or a package in one project,
# for the register (JR/T 0290-2024 practice; art. 12 for supplier and contract): each row one
# statement of some fields (JSON {field: value}, null clearing one), one ledger entry. The
# newest statement of a field wins, the most specific subject first (ledger/facts.py).
register_facts = Table(
    "register_facts", metadata,
    Column("id", Integer, primary_key=True),
    Column("project", String(200)),                    # None: the package in every project
    Column("package", Text),                           # a purl without version; None: the project
    Column("facts", Text, nullable=False),
    Column("actor", Text, nullable=False),
    Column("at", String(32), nullable=False),
    Column("entry_seq", Integer, nullable=False, unique=True),
)

# The licence knowledge store (issue: every component's licence without installing it):
# each batch one ledger entry covering its conclusions, written by a scan that concluded
# licences from evidence it may not have next time (a registry, an archive, installed
# files), by `knowledge import`, or an institution curation (`knowledge curate`, with who
# and why). Append-only: a newer conclusion about the same package version is a new row.
knowledge_batches = Table(
    "knowledge_batches", metadata,
    Column("id", Integer, primary_key=True),
    Column("origin", Text, nullable=False),   # scan of PROJECT, import of FILE, curation
    Column("actor", Text),                    # who, for a curation or an import
    Column("at", String(32), nullable=False),
    Column("entry_seq", Integer, nullable=False, unique=True),
)

known_licences = Table(
    "known_licences", metadata,
    Column("id", Integer, primary_key=True),
    Column("batch_id", Integer, ForeignKey("knowledge_batches.id"), nullable=False,
           index=True),
    Column("purl", Text, nullable=False, index=True),  # a version's purl; without: every version
    Column("artifact", String(200), nullable=False),   # "sha256:…", "h1:…"; "" not known
    Column("expression", Text, nullable=False),
    Column("method", String(40), nullable=False),      # declared, detected, curated, ...
    Column("confidence", String(8), nullable=False),   # as text: the same on every database
    Column("source", String(40), nullable=False),      # registry, archive, installed, ...
    Column("evidence", Text, nullable=False),          # JSON list of lines
    Column("reason", Text),
    Column("concluded_at", String(32), nullable=False),
)

# A scan made by `fincomp release-check` (art. 13, 20): what the release goes out under,
# the result and who signed it off. Covered by its scan's entry digest.
release_reviews = Table(
    "release_reviews", metadata,
    Column("id", Integer, primary_key=True),
    Column("scan_id", Integer, ForeignKey("scans.id"), nullable=False, unique=True),
    Column("outbound", Text, nullable=False),
    Column("distribution", String(32), nullable=False),
    Column("result", String(8), nullable=False),            # pass | fail
    Column("signed_off_by", Text, nullable=False),
    # JSON: files read, commits, whether the history was scanned, what was not checked
    Column("facts", Text, nullable=False),
)

ledger_entries = Table(
    "ledger_entries", metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # scan, lifecycle, project, facts, knowledge
    Column("subject_id", Integer, nullable=False),
    Column("at", String(32), nullable=False),
    Column("digest", String(64), nullable=False),      # of the entry's content
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    # `ledger verify` asks, of every scan, decision and statement, for the entry covering it
    Index("ledger_entries_subject", "kind", "subject_id"),
)

# Verifications that recomputed the rows of every entry up to `seq` (whose hash was `hash`)
# and found them whole, `at` then; the next verification recomputes only newer entries'
# rows. Not chained: a checkpoint is a note about the chain, not a fact in it.
verify_checkpoints = Table(
    "verify_checkpoints", metadata,
    Column("id", Integer, primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("at", String(32), nullable=False),
)

# One row: the newest entry. Recorders lock it, so entries are appended one at a time.
chain_head = Table(
    "chain_head", metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
