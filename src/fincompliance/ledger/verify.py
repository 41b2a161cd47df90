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

from sqlalchemy import Engine, select

from fincompliance.ledger.record import lifecycle_content, scan_content
from fincompliance.ledger.schema import chain_head, ledger_entries, lifecycle_events, scans
from fincompliance.ledger.store import GENESIS, digest, entry_hash


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
        head = connection.execute(select(chain_head)).mappings().one()
        previous, expected_seq, count = GENESIS, 1, 0
        covered = {"scan": set(), "lifecycle": set()}
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
            reader = scan_content if entry["kind"] == "scan" else lifecycle_content
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
        if (head["seq"], head["hash"]) != (count, previous):
            return Verification(count, head["hash"], f"the chain ends at entry {count} but the "
                                f"head says {head['seq']} (entries cut off)")
        for table, kind in ((scans, "scan"), (lifecycle_events, "lifecycle")):
            stray = connection.execute(select(table.c.id).where(
                table.c.id.not_in(covered[kind] or {-1}))).scalars().first()
            if stray is not None:
                return Verification(count, head["hash"],
                                    f"{kind} {stray} has no ledger entry (added outside fincomp)")
        return Verification(count, previous, None)
