"""What an audit report covers, read from the ledger: the scans in scope (one scan, one
project's, or every project's latest up to the end of the period), what they found, the
waivers they were judged with, lifecycle decisions in the period, what changed since the
state before the period, and the chain head that ties all of it to one ledger state.

Words and layout are the reporter's; this module only decides which rows count."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, case, func, select

from fincompliance.errors import UsageError
from fincompliance.ledger.facts import RegisterFacts
from fincompliance.ledger.queries import (
    Diff,
    compare,
    components_of,
    lifecycle_states,
    register_statements,
    rows_by_scan,
)
from fincompliance.ledger.schema import (
    projects,
    release_reviews,
    scan_findings,
    scan_waivers,
    scans,
)
from fincompliance.ledger.verify import Verification, verify


@dataclass(frozen=True)
class Scope:
    """One scan, one project, or the whole ledger; over a period of whole days."""

    project: str | None = None
    scan: int | None = None
    since: date | None = None
    until: date | None = None

    def __post_init__(self) -> None:
        if self.since and self.until and self.since > self.until:
            raise UsageError(f"--since {self.since} is after --until {self.until}")
        if self.scan is not None and (self.since or self.until):
            raise UsageError("--scan reports one recorded scan: leave out --since/--until")


@dataclass
class ScannedProject:
    name: str
    business_system: str | None
    owner: str | None
    repository: str | None
    scan: dict[str, Any]                 # the scan in scope (the latest up to the period's end)
    previous: dict[str, Any] | None      # the state before the period (or the scan before)
    components: list[dict[str, Any]] = field(default_factory=list)
    findings: list[dict[str, Any]] = field(default_factory=list)
    waivers: list[dict[str, Any]] = field(default_factory=list)
    changes: Diff | None = None


@dataclass
class AuditData:
    scope: Scope
    as_of: date                          # the day waivers and ages are judged on
    projects: list[ScannedProject]
    lifecycle: list[dict[str, Any]]      # decisions taken in the period
    lifecycle_all: list[dict[str, Any]]  # every decision, oldest first (states in force)
    chain: Verification
    # open-source release reviews (art. 13, 20) recorded for the projects in scope, up to the
    # period's end (in the period, when it has a start), oldest first
    releases: list[dict[str, Any]] = field(default_factory=list)
    # the institution's register facts as stated by the period's end
    facts: RegisterFacts = field(default_factory=lambda: RegisterFacts([]))


def collect(engine: Engine, scope: Scope, today: date) -> AuditData:
    as_of = scope.until or today
    with engine.connect() as connection:
        chosen = _scans_in_scope(connection, scope, as_of)
        if not chosen:
            raise UsageError(_nothing_recorded(scope, as_of))
        previous = _previous_scans(connection, scope, chosen)
        scan_rows = _scan_rows(connection, set(chosen.values()) | set(previous.values()))
        rows = components_of(connection, sorted(scan_rows))
        findings = rows_by_scan(connection, scan_findings, list(chosen.values()),
                                scan_findings.c.finding_id)
        waivers = rows_by_scan(connection, scan_waivers, list(chosen.values()),
                               scan_waivers.c.id, ("findings",))
        found = []
        for project_id, scan_id in chosen.items():
            scan = scan_rows[scan_id]
            before = scan_rows.get(previous.get(project_id, -1))
            item = ScannedProject(
                scan["project"], scan["business_system"], scan["owner"], scan["repository"],
                _scan_facts(scan), _scan_facts(before) if before else None,
                rows[scan_id], findings[scan_id], waivers[scan_id])
            if before:
                item.changes = compare(item.name, before["id"], scan_id, rows[before["id"]],
                                       rows[scan_id])
            found.append(item)
        events = lifecycle_states(connection)
        in_period = [e for e in events if _within(e["at"], scope.since, as_of)]
        releases = _release_reviews(connection, scope, as_of, chosen)
        facts = RegisterFacts([s for s in register_statements(connection)
                               if s["at"] < _end(as_of)])
    return AuditData(scope, as_of, sorted(found, key=lambda p: p.name), in_period, events,
                     verify(engine), releases, facts)


def _release_reviews(connection: Connection, scope: Scope, as_of: date,
                     chosen: dict[int, int]) -> list[dict[str, Any]]:
    query = (select(release_reviews, scans.c.recorded_at, scans.c.commit_id,
                    projects.c.name.label("project"))
             .join(scans, scans.c.id == release_reviews.c.scan_id)
             .join(projects, projects.c.id == scans.c.project_id)
             .where(scans.c.project_id.in_(sorted(chosen)))
             .order_by(scans.c.recorded_at, scans.c.id))
    if scope.scan is not None:
        query = query.where(scans.c.id == scope.scan)
    rows = [dict(row) for row in connection.execute(query).mappings()]
    for row in rows:
        row["facts"] = json.loads(row["facts"])
    return [row for row in rows if _within(row["recorded_at"], scope.since, as_of)]


def _end(day: date) -> str:
    # Timestamps are ISO strings in UTC: everything before the next day's midnight.
    return (day + timedelta(days=1)).isoformat()


def _within(at: str, since: date | None, until: date) -> bool:
    return (since is None or at >= since.isoformat()) and at < _end(until)


def _scans_in_scope(connection: Connection, scope: Scope, as_of: date) -> dict[int, int]:
    """Project id -> the scan the report covers."""
    if scope.scan is not None:
        row = connection.execute(select(scans.c.project_id, projects.c.name).join(
            projects, projects.c.id == scans.c.project_id).where(
            scans.c.id == scope.scan)).first()
        if row is None:
            raise UsageError(f"--scan {scope.scan}: no such scan in the ledger")
        if scope.project and row.name != scope.project:
            raise UsageError(f"--scan {scope.scan} is a scan of {row.name}, not {scope.project}")
        return {row.project_id: scope.scan}
    query = select(scans.c.project_id, func.max(scans.c.id)).where(
        scans.c.recorded_at < _end(as_of)).group_by(scans.c.project_id)
    if scope.project:
        project_id = connection.execute(select(projects.c.id).where(
            projects.c.name == scope.project)).scalar()
        if project_id is None:
            raise UsageError(f"no project {scope.project!r} in the ledger "
                             "(see `fincomp ledger projects`)")
        query = query.where(scans.c.project_id == project_id)
    return dict(connection.execute(query).all())


def _previous_scans(connection: Connection, scope: Scope, chosen: dict[int, int]
                    ) -> dict[int, int]:
    """Project id -> the scan to compare with: the latest before the period, or without
    a period the one before the scan in scope."""
    before = (scans.c.recorded_at < scope.since.isoformat() if scope.since is not None
              else scans.c.id < case(chosen, value=scans.c.project_id))
    query = select(scans.c.project_id, func.max(scans.c.id)).where(
        scans.c.project_id.in_(list(chosen)), before).group_by(scans.c.project_id)
    return dict(connection.execute(query).all())


def _scan_rows(connection: Connection, ids: set[int]) -> dict[int, dict[str, Any]]:
    rows = connection.execute(
        select(scans, projects.c.name.label("project"), projects.c.business_system,
               projects.c.owner, projects.c.repository)
        .join(projects, projects.c.id == scans.c.project_id)
        .where(scans.c.id.in_(sorted(ids)))).mappings()
    return {row["id"]: dict(row) for row in rows}


def _scan_facts(row: dict[str, Any]) -> dict[str, Any]:
    facts = {k: row[k] for k in ("id", "recorded_at", "commit_id", "branch", "tool_version",
                                 "policy_name", "policy_digest", "source")}
    # None: recorded before fincomp kept what a scan was checked against
    facts["checks"] = json.loads(row["checks"]) if row["checks"] else None
    return facts


def _nothing_recorded(scope: Scope, as_of: date) -> str:
    what = f"project {scope.project!r}" if scope.project else "the ledger"
    return (f"nothing to report: {what} has no scan recorded by {as_of} "
            "(record scans with `fincomp scan --record`)")

