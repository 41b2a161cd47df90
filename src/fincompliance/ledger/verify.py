"""`fincomp ledger verify`: walk the hash chain and recompute every entry from the rows it
covers, naming the first entry that does not hold.

What it protects against: a row edited, deleted or inserted in place of another (the
entry's digest no longer matches), an entry removed or reordered (the chain breaks), the
newest entries cut off (the head no longer matches). What it does not: someone who can
write the database and rewrites every entry after the one they changed, recomputing the
chain; keep the head hash that `verify` prints (reports carry it) somewhere they cannot
write, and compare. It does not stop anyone reading the ledger.

Checkpoints make a repeated verification cheap: a successful one notes the last entry whose
rows it recomputed, and the next recomputes only the rows of newer entries, while still
walking the whole chain (an entry edited, removed or rewritten before the checkpoint still
breaks it, and the checkpoint's own entry must keep the hash it had). What such a
verification does not see is a row of an older scan edited in place since the checkpoint;
`full` recomputes everything, and says so."""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, exists, func, insert, select
from sqlalchemy.exc import SQLAlchemyError

from fincompliance.ledger.known import knowledge_content
from fincompliance.ledger.record import (
    PROJECT_FIELDS,
    facts_content,
    lifecycle_content,
    now,
    project_version_content,
    scan_contents,
)
from fincompliance.ledger.schema import (
    chain_head,
    knowledge_batches,
    ledger_entries,
    lifecycle_events,
    project_versions,
    projects,
    register_facts,
    scans,
    verify_checkpoints,
)
from fincompliance.ledger.store import GENESIS, canonical, digest, entry_hash, write

_BATCH = 200     # scan entries whose rows are read back together
_GONE = (0, "")   # what the rows of an entry that are not there give
# what the digest of every other kind of entry covers (scans are read in batches: _entries)
_CONTENT = {"lifecycle": lifecycle_content,
            "project": project_version_content, "facts": facts_content,
            "knowledge": knowledge_content}
_SUBJECTS = {"scan": scans, "lifecycle": lifecycle_events, "project": project_versions,
             "facts": register_facts, "knowledge": knowledge_batches}


@dataclass(frozen=True)
class Verification:
    entries: int
    head: str
    problem: str | None        # None when the whole chain holds
    recomputed_from: int = 1   # the first entry whose rows were recomputed
    checkpoint_at: str | None = None   # when the rows of the entries before it were

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify(engine: Engine, *, full: bool = True, checkpoint: bool = False) -> Verification:
    """Walk the chain; recompute the rows of every entry (`full`), or only of the entries
    after the last checkpoint. `checkpoint`: when everything holds, note this one."""
    with engine.connect() as connection, _no_cycle_collection():
        last = None if full else connection.execute(select(verify_checkpoints).order_by(
            verify_checkpoints.c.id.desc()).limit(1)).mappings().first()
        result = _walk(connection, last)
    if checkpoint and result.ok and result.entries >= result.recomputed_from:
        _note_checkpoint(engine, result)
    return result


@contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Recomputing rows builds a dictionary for each of millions of rows, and no reference
    cycles; the cycle collector's passes over the batches alive took a fifth of the time
    (refcounting still frees every row)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _note_checkpoint(engine: Engine, result: Verification) -> None:
    def note(connection: Connection) -> None:
        connection.execute(insert(verify_checkpoints).values(
            seq=result.entries, hash=result.head, at=now()))
    try:
        write(engine, note)
    except SQLAlchemyError:
        return   # a ledger opened read-only: the verification stands, the next is full


def _walk(connection: Connection, last) -> Verification:  # type: ignore[no-untyped-def]
    head = connection.execute(select(chain_head).where(chain_head.c.id == 1)
                              ).mappings().first()
    start = last["seq"] + 1 if last else 1
    since = last["at"] if last else None

    def failed(count: int, problem: str) -> Verification:
        return Verification(count, head["hash"] if head else GENESIS, problem, start, since)

    if head is None:
        return failed(0, "the chain head row is missing or was edited")
    previous, expected_seq, count = GENESIS, 1, 0
    for entry, recomputed in _entries(connection, start):
        where = f"entry {entry['seq']} ({entry['kind']} {entry['subject_id']}, {entry['at']})"
        if entry["seq"] != expected_seq:
            return failed(count, f"entry {expected_seq} is missing (next is {where})")
        if entry["prev_hash"] != previous:
            return failed(count, f"{where}: does not follow the entry before it "
                                 "(removed or reordered entries)")
        if entry_hash(previous, entry["seq"], entry["kind"], entry["subject_id"],
                      entry["at"], entry["digest"]) != entry["hash"]:
            return failed(count, f"{where}: the entry was edited")
        if entry["kind"] not in _SUBJECTS:
            return failed(count, f"{where}: not a kind of entry fincomp writes")
        if entry["seq"] < start:
            if entry["seq"] == start - 1 and entry["hash"] != last["hash"]:
                return failed(count, f"{where}: not the entry the verification of "
                                     f"{since} checked (the chain was rewritten since)")
        else:
            problem = _rows_problem(connection, entry, recomputed, where)
            if problem is not None:
                return failed(count, problem)
        previous, expected_seq, count = entry["hash"], expected_seq + 1, count + 1
    if count < start - 1:
        return failed(count, f"the chain ends at entry {count}, before entry {start - 1} that "
                             f"the verification of {since} checked (entries cut off)")
    problem = _head_problem(head, count, previous) or _stray_rows(connection) or \
        _project_differs_from_latest_version(connection)
    if problem is not None:
        return failed(count, problem)
    return Verification(count, previous, None, start, since)


def _entries(connection: Connection, start: int
             ) -> Iterator[tuple[dict, tuple[int, str] | None]]:
    """Every entry in chain order, with — for a scan entry from `start` on — the entry
    number and digest its rows give now (`_GONE` if they are not there), read back for a
    batch of scans at a time (most entries are scans, and reading their rows scan by scan
    costs more than hashing them); None for any other entry."""
    components = ComponentsDigests()
    result = connection.execute(select(ledger_entries).order_by(ledger_entries.c.seq))
    for batch in result.mappings().partitions(_BATCH):
        scan_ids = [entry["subject_id"] for entry in batch
                    if entry["kind"] == "scan" and entry["seq"] >= start]
        contents = scan_contents(connection, scan_ids, hashed=components) if scan_ids else {}
        for entry in batch:
            if entry["kind"] != "scan" or entry["seq"] < start:
                yield entry, None
            elif entry["subject_id"] not in contents:
                yield entry, _GONE
            else:
                source, content = contents[entry["subject_id"]]
                yield entry, (content["scan"].get("entry_seq"),
                              components.digest(source, content))


class ComponentsDigests(dict):
    """A scan entry's digest is taken over its content's canonical JSON, which begins with
    its component rows ("components" is the first key in order). Scans that share their
    rows (`components_from`) share that beginning: it is hashed once, and each scan's
    digest continues from a copy of the hash (the rows of a set shared by a thousand daily
    scans are read and hashed once)."""

    def digest(self, source: int | None, content: dict) -> str:
        if source not in self:
            self[source] = hashlib.sha256(b'{"components":' + canonical(content["components"]))
        rest = {key: value for key, value in content.items() if key != "components"}
        hashed = self[source].copy()
        hashed.update(b"," + canonical(rest)[1:])
        return hashed.hexdigest()


def _rows_problem(connection: Connection, entry, recomputed: tuple[int, str] | None,  # type: ignore[no-untyped-def]
                  where: str) -> str | None:
    """What is wrong with the rows an entry covers (the entry number and digest they give
    now, when already recomputed); None when they match."""
    if recomputed is None:
        try:
            content = _CONTENT[entry["kind"]](connection, entry["subject_id"])
            seq = content.get("entry_seq", (content.get("batch") or {}).get("entry_seq"))
            recomputed = (seq, digest(content))
        except Exception:  # noqa: BLE001 - any failure to read it back is a finding
            recomputed = _GONE
    if recomputed is _GONE:
        return f"{where}: its {entry['kind']} rows are gone"
    if recomputed != (entry["seq"], entry["digest"]):
        return f"{where}: its {entry['kind']} rows were changed since they were recorded"
    return None


def _stray_rows(connection: Connection) -> str | None:
    """The first scan, decision, project version, register statement or knowledge batch no
    entry covers (added outside fincomp)."""
    for kind, table in _SUBJECTS.items():
        covered = exists().where(ledger_entries.c.kind == kind,
                                 ledger_entries.c.subject_id == table.c.id)
        stray = connection.execute(select(table.c.id).where(~covered).order_by(
            table.c.id).limit(1)).scalars().first()
        if stray is not None:
            return f"{kind} {stray} has no ledger entry (added outside fincomp)"
    return None


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
