"""`fincomp ledger verify`: walk the hash chain and recompute every entry from the rows it
covers, naming the first entry that does not hold.

What it protects against: a row edited, deleted or inserted in place of another (the
entry's digest no longer matches), an entry removed or reordered (the chain breaks), the
newest entries cut off (the head no longer matches). What it does not: someone who can
write the database and rewrites every entry after the one they changed, recomputing the
chain; keep the head hash that `verify` prints (reports carry it) somewhere they cannot
write, and compare. It does not stop anyone reading the ledger."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, func, select

from fincompliance.ledger.record import (
    PROJECT_FIELDS,
    lifecycle_content,
    project_version_content,
    scan_content,
)
from fincompliance.ledger.schema import (
    chain_head,
    ledger_entries,
    lifecycle_events,
    project_versions,
    projects,
    scans,
)
from fincompliance.ledger.store import GENESIS, digest, entry_hash

_CONTENT = {"scan": scan_content, "lifecycle": lifecycle_content,
            "project": project_version_content}
_SUBJECTS = {"scan": scans, "lifecycle": lifecycle_events, "project": project_versions}


@dataclass(frozen=True)
class Verification:
    entries: int
    head: str
    problem: str | None        # None when the whole chain holds

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(engine: Engine) -> Verification:
    with engine.connect() as connection:
        head = connection.execute(select(chain_head).where(chain_head.c.id == 1)
                                  ).mappings().first()
        if head is None:
            return Verification(0, GENESIS, "the chain head row is missing or was edited")
        previous, expected_seq, count = GENESIS, 1, 0
        covered = {kind: set() for kind in _CONTENT}
        for entry in connection.execute(select(ledger_entries).order_by(
                ledger_entries.c.seq)).mappings():
            where = f"entry {entry['seq']} ({entry['kind']} {entry['subject_id']}, {entry['at']})"
            if entry["seq"] != expected_seq:
                return Verification(count, head["hash"],
                                    f"entry {expected_seq} is missing (next is {where})")
            if entry["prev_hash"] != previous:
                return Verification(count, head["hash"],
                                    f"{where}: does not follow the entry before it "
                                    "(removed or reordered entries)")
            if entry_hash(previous, entry["seq"], entry["kind"], entry["subject_id"],
                          entry["at"], entry["digest"]) != entry["hash"]:
                return Verification(count, head["hash"], f"{where}: the entry was edited")
            reader = _CONTENT.get(entry["kind"])
            if reader is None:
                return Verification(count, head["hash"], f"{where}: not a kind of entry "
                                    "fincomp writes")
            try:
                content = reader(connection, entry["subject_id"])
            except Exception:  # noqa: BLE001 - any failure to read it back is a finding
                return Verification(count, head["hash"],
                                    f"{where}: its {entry['kind']} rows are gone")
            if content.get("entry_seq", content.get("scan", {}).get("entry_seq")) \
                    != entry["seq"] or digest(content) != entry["digest"]:
                return Verification(count, head["hash"],
                                    f"{where}: its {entry['kind']} rows were changed since "
                                    "they were recorded")
            covered[entry["kind"]].add(entry["subject_id"])
            previous, expected_seq, count = entry["hash"], expected_seq + 1, count + 1
        problem = _head_problem(head, count, previous)
        if problem is not None:
            return Verification(count, head["hash"], problem)
        for kind, table in _SUBJECTS.items():
            stray = connection.execute(select(table.c.id).where(
                table.c.id.not_in(covered[kind] or {-1}))).scalars().first()
            if stray is not None:
                return Verification(count, head["hash"],
                                    f"{kind} {stray} has no ledger entry (added outside fincomp)")
        problem = _project_differs_from_latest_version(connection)
        if problem is not None:
            return Verification(count, head["hash"], problem)
        return Verification(count, previous, None)


def _head_problem(head, count: int, last_hash: str) -> str | None:
    """What is wrong with the chain head row, told apart: newer entries removed, the head
    moved back, or its hash edited."""
    if head["seq"] > count:
        return f"the chain ends at entry {count} but the head says {head['seq']} (entries cut off)"
    if head["seq"] < count:
        return (f"the chain head says entry {head['seq']} but the chain holds {count} entries "
                "(the head was edited)")
    if head["hash"] != last_hash:
        return f"the chain head's hash differs from entry {count}'s (the head was edited)"
    return None


def _project_differs_from_latest_version(connection: Connection) -> str | None:
    """The first project whose row is not its latest recorded version (edited in place), or
    that has no version at all (added outside fincomp); None when every one matches."""
    latest = select(project_versions.c.project_id,
                    func.max(project_versions.c.id).label("id")).group_by(
        project_versions.c.project_id).subquery()
    versions = {row["project_id"]: row for row in connection.execute(
        select(project_versions).join(latest, project_versions.c.id == latest.c.id)
    ).mappings()}
    for row in connection.execute(select(projects).order_by(projects.c.id)).mappings():
        version = versions.get(row["id"])
        if version is None:
            return f"project {row['id']} ({row['name']}) has no ledger entry (added outside " \
                   "fincomp)"
        edited = [k for k in PROJECT_FIELDS if row[k] != version[k]]
        if edited:
            return (f"project {row['id']} ({version['name']}): {', '.join(edited)} edited "
                    f"since its last recorded version (ledger entry {version['entry_seq']})")
    return None
