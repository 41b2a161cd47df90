"""Recording a scan, and lifecycle decisions, as ledger entries: each one transaction, each
chained to the entry before it."""

from __future__ import annotations

import json
from collections.abc import Collection
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import partial
from operator import itemgetter
from typing import TYPE_CHECKING

from sqlalchemy import Connection, Engine, Table, insert, select, update

from fincompliance import __version__
from fincompliance.errors import UsageError
from fincompliance.ledger.facts import FIELDS
from fincompliance.ledger.lifecycle import valid_range
from fincompliance.ledger.schema import (
    lifecycle_events,
    project_versions,
    projects,
    register_facts,
    release_reviews,
    scan_components,
    scan_findings,
    scan_waivers,
    scans,
)
from fincompliance.ledger.store import append, digest, locked_head, write
from fincompliance.model import Graph, PathIndex
from fincompliance.policy.gate import Judgement

if TYPE_CHECKING:
    from fincompliance.analysis.assessment import ComponentAssessment

LIFECYCLE_STATES = ("proposed", "approved", "in-use", "deprecated", "retired", "rejected")


@dataclass(frozen=True)
class ProjectInfo:
    name: str
    repository: str | None = None
    business_system: str | None = None
    owner: str | None = None


@dataclass(frozen=True)
class ScanInfo:
    source: str
    commit: str | None = None
    branch: str | None = None


def now() -> str:
    return datetime.now(tz=UTC).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class Assessed:
    """Every component's assessment, and the model that scored them."""

    model: str
    by_ref: dict[str, ComponentAssessment]


@dataclass(frozen=True)
class ReleaseRecord:
    """What a release review adds to its scan's entry."""

    outbound: str
    distribution: str
    result: str                 # pass | fail
    signed_off_by: str
    facts: dict                 # files, commits, history scanned, what was not checked


def record_scan(engine: Engine, project: ProjectInfo, info: ScanInfo, graph: Graph,
                judgement: Judgement | None = None, assessed: Assessed | None = None,
                checks: dict | None = None, release: ReleaseRecord | None = None) -> int:
    """Store one scan (project, components with licences, facts and grades, findings, the
    waivers judged with, what it was checked against: `AnalysisReport.checks()`, and for a
    release review its result and sign-off) as one transaction and one ledger entry;
    returns the scan id."""
    rows = _component_rows(graph, assessed)
    findings = [] if judgement is None else [
        {"finding_id": f.id, "rule": f.rule, "severity": f.severity, "action": f.action,
         "article": f.article, "component_ref": f.component, "status": judgement.status(f),
         "message": f.message, "remediation": f.remediation or None,
         "texts": _texts(judgement.policy.rules.get(f.rule))}
        for f in judgement.findings]
    waivers = [] if judgement is None else [
        {"component": use.waiver.component, "versions": use.waiver.versions,
         "rule": use.waiver.rule, "reason": use.waiver.reason,
         "approver": use.waiver.approver, "expires": use.waiver.expires.isoformat(),
         "ticket": use.waiver.ticket, "defined_at": use.waiver.defined_at,
         "findings": json.dumps(sorted(use.findings))} for use in judgement.uses]
    policy = judgement.policy if judgement else None

    def work(connection: Connection) -> int:
        with locked_head(connection) as head:
            project_id = _project_id(connection, project, head)
            shared = _same_rows_as(connection, project_id, rows)
            at = now()
            scan_id = connection.execute(insert(scans).values(
                project_id=project_id, recorded_at=at, commit_id=info.commit,
                branch=info.branch, tool_version=__version__,
                policy_name=policy.name if policy else None,
                policy_digest=policy.digest if policy else None, source=info.source,
                entry_seq=head["seq"] + 1, components_from=shared,
                checks=None if checks is None else json.dumps(checks, sort_keys=True))
            ).inserted_primary_key[0]
            if shared is None:
                connection.execute(update(scans).where(scans.c.id == scan_id).values(
                    components_from=scan_id))
                if rows:
                    connection.execute(insert(scan_components),
                                       [{**row, "scan_id": scan_id} for row in rows])
            for table, table_rows in ((scan_findings, findings), (scan_waivers, waivers)):
                if table_rows:
                    connection.execute(insert(table),
                                       [{**row, "scan_id": scan_id} for row in table_rows])
            if release is not None:
                connection.execute(insert(release_reviews).values(
                    scan_id=scan_id, **{**asdict(release), "facts": json.dumps(
                        release.facts, sort_keys=True, ensure_ascii=False)}))
            append(connection, "scan", scan_id, at,
                   digest(scan_content(connection, scan_id)), head)
            return scan_id

    return write(engine, work)


def _same_rows_as(connection: Connection, project_id: int, rows: list[dict]) -> int | None:
    """The scan whose stored component rows are exactly `rows` — those the project's latest
    scan refers to, when nothing in them changed — or None: the rows are stored anew."""
    source = connection.execute(select(scans.c.components_from).where(
        scans.c.project_id == project_id).order_by(scans.c.id.desc()).limit(1)).scalar()
    if source is None or not rows:
        return None
    names = list(rows[0])
    stored = connection.execute(select(*(scan_components.c[name] for name in names)).where(
        scan_components.c.scan_id == source)).all()
    if len(stored) != len(rows):
        return None
    by_ref = itemgetter(names.index("ref"))   # unique in a scan
    recorded = sorted((tuple(row[name] for name in names) for row in rows), key=by_ref)
    return source if sorted(map(tuple, stored), key=by_ref) == recorded else None


def _project_id(connection: Connection, project: ProjectInfo, head: dict) -> int:
    """The project's id, created or its details updated as this recording says; each change
    of its metadata is a version of its own in the chain."""
    found = connection.execute(select(projects).where(
        projects.c.name == project.name)).mappings().first()
    details = {k: v for k, v in (("repository", project.repository),
                                 ("business_system", project.business_system),
                                 ("owner", project.owner)) if v}
    if found is None:
        project_id = connection.execute(insert(projects).values(
            name=project.name, created_at=now(), **details)).inserted_primary_key[0]
    elif any(found[k] != v for k, v in details.items()):
        project_id = found["id"]
        connection.execute(update(projects).where(projects.c.id == project_id).values(**details))
    else:
        return found["id"]
    record_project_version(connection, project_id, head)
    return project_id


PROJECT_FIELDS = ("name", "repository", "business_system", "owner", "created_at")


def record_project_version(connection: Connection, project_id: int, head: dict) -> int:
    """Append the project's metadata as it now stands as a version and a ledger entry."""
    row = connection.execute(select(projects).where(projects.c.id == project_id)
                             ).mappings().one()
    return _append_row(connection, project_versions, "project", head,
                       project_id=project_id, **{k: row[k] for k in PROJECT_FIELDS})


def _append_row(connection: Connection, table: Table, kind: str, head: dict,
                **values: object) -> int:
    """Insert one row of a chained table (with its time and entry number) and append the
    ledger entry covering it."""
    at = now()
    row_id = connection.execute(insert(table).values(
        **values, at=at, entry_seq=head["seq"] + 1)).inserted_primary_key[0]
    append(connection, kind, row_id, at, digest(_row_content(table, connection, row_id)), head)
    return row_id


def _row_content(table: Table, connection: Connection, row_id: int) -> dict:
    """What an entry's digest covers of a row of a chained table: all of it but its id."""
    row = connection.execute(select(table).where(table.c.id == row_id)).mappings().one()
    return {k: v for k, v in row.items() if k != "id"}


project_version_content = partial(_row_content, project_versions)
lifecycle_content = partial(_row_content, lifecycle_events)
facts_content = partial(_row_content, register_facts)


def _component_rows(graph: Graph, assessed: Assessed | None) -> list[dict]:
    index = PathIndex(graph)
    direct = graph.direct_refs()
    names = {**{r: p.name for r, p in graph.projects.items()},
             **{r: f"{c.name}@{c.version or '*'}" for r, c in graph.components.items()}}
    rows = []
    for component in graph.sorted_components():
        paths = index.paths_to(component.ref, limit=1)
        rows.append({
            "ref": component.ref, "purl": component.purl, "package": component.package,
            "ecosystem": component.ecosystem, "name": component.name,
            "version": component.version, "scope": component.scope.value,
            "direct": component.ref in direct,
            "licence": component.concluded.expression if component.concluded else None,
            "declared": component.declared_license,
            "path": " > ".join(names.get(r, r) for r in paths[0]) if paths else None,
            "vulnerabilities": json.dumps([asdict(v) for v in component.vulnerabilities],
                                          sort_keys=True),
            "release": json.dumps(asdict(component.release), sort_keys=True)
            if component.release else None,
            "assessment": _assessment(assessed, component.ref)})
    return rows


def _assessment(assessed: Assessed | None, ref: str) -> str | None:
    found = assessed.by_ref.get(ref) if assessed else None
    if found is None:
        return None
    return json.dumps({"model": assessed.model, "total": found.total, "grade": found.grade,
                       "coverage": found.coverage}, sort_keys=True)


# Columns added after the first entries were written: an entry's digest covers them only
# when they hold something, so entries recorded before them still verify.
_LATER_COLUMNS = frozenset({"assessment", "remediation", "checks", "texts"})


def _texts(rule) -> str | None:
    texts = rule.texts() if rule is not None else None
    return json.dumps(texts, sort_keys=True, ensure_ascii=False) if texts else None


def _stored(result, skip: tuple[str, ...], by: str) -> dict[object, list[dict]]:  # type: ignore[no-untyped-def]
    """Every row of a result as an entry's digest covers it, grouped by the `by` column:
    without the `skip` columns (row and parent ids), and without a later column that holds
    nothing. Rows are read as plain tuples, the kept columns picked once: `ledger verify`
    spends its time here."""
    columns = list(result.keys())
    names = [name for name in columns if name not in skip]
    pick = itemgetter(*(columns.index(name) for name in names))
    key = itemgetter(columns.index(by))
    later = [name for name in names if name in _LATER_COLUMNS]
    grouped: dict[object, list[dict]] = {}
    for row in result.all():
        stored = dict(zip(names, pick(row), strict=True))
        for name in later:
            if stored[name] is None:
                del stored[name]
        grouped.setdefault(key(row), []).append(stored)
    return grouped


def component_sources(connection: Connection, scan_ids: Collection[int]
                      ) -> dict[int, int | None]:
    """For each scan, the scan whose component rows are its own (`components_from`: itself,
    or an earlier scan it repeats)."""
    return dict(connection.execute(select(scans.c.id, scans.c.components_from).where(
        scans.c.id.in_(list(scan_ids)))).all())


def scan_content(connection: Connection, scan_id: int) -> dict:
    """What a scan entry's digest covers, read back from the rows as stored."""
    return scan_contents(connection, [scan_id])[scan_id][1]


def scan_contents(connection: Connection, scan_ids: list[int],
                  hashed: Collection[int] = ()) -> dict[int, tuple[int | None, dict]]:
    """What the digests of these scans' entries cover, with the scan whose component rows
    they are (`components_from`), one query a table for all of them (`ledger verify` reads
    scans in batches); a scan that is not there is left out. Rows come in the order of the
    column that identifies them in a scan, then as inserted. The component rows of the
    scans in `hashed` are not read: the caller has them already, and the content goes
    without "components"."""
    def rows(table: Table, ids: Collection[int], *order) -> dict[object, list[dict]]:  # type: ignore[no-untyped-def]
        if not ids:
            return {}
        return _stored(connection.execute(select(table).where(
            table.c.scan_id.in_(ids)).order_by(table.c.scan_id, *order, table.c.id)),
            ("id", "scan_id"), "scan_id")

    found = _stored(connection.execute(select(scans).where(scans.c.id.in_(scan_ids))),
                    ("id", "project_id", "components_from"), "id")
    names = dict(connection.execute(select(scans.c.id, projects.c.name).join(
        projects, projects.c.id == scans.c.project_id).where(scans.c.id.in_(scan_ids))).all())
    sources = component_sources(connection, scan_ids)
    components = rows(scan_components, set(sources.values()) - set(hashed) - {None},
                      scan_components.c.ref)
    findings = rows(scan_findings, list(found), scan_findings.c.finding_id)
    waivers = rows(scan_waivers, list(found))
    release = rows(release_reviews, list(found))
    contents = {}
    for scan_id, (scan,) in found.items():
        source = sources.get(scan_id)
        content = {"project": names.get(scan_id), "scan": scan,
                   "findings": findings.get(scan_id, [])}
        if source not in hashed:
            content["components"] = components.get(source, [])
        if scan_id in waivers:
            content["waivers"] = waivers[scan_id]
        if scan_id in release:
            content["release"] = release[scan_id][0]
        contents[scan_id] = (source, content)
    return contents


def record_lifecycle(engine: Engine, package: str, state: str, actor: str, reason: str,
                     versions: str = "*", force: bool = False) -> int:
    """Append a lifecycle decision. A decision about a package no recorded scan has seen
    is most often a typo (pkg:pypi/djang), and the chain keeps it for ever: it needs
    `force` (a decision taken before a package is first used)."""
    if state not in LIFECYCLE_STATES:
        raise UsageError(f"lifecycle state {state!r}: one of {', '.join(LIFECYCLE_STATES)}")
    if not package.startswith("pkg:") or "@" in package:
        raise UsageError(f"{package}: give the package as a purl without version "
                         "(pkg:pypi/django) and versions with --versions")
    if not valid_range(versions):
        raise UsageError(f"--versions {versions!r} is not a version range (\"*\", "
                         "\"<2.17.1\", \">=2.0,<3\")")
    if not actor.strip() or not reason.strip():
        raise UsageError("a lifecycle decision needs who (--actor) and why (--reason)")

    def work(connection: Connection) -> int:
        with locked_head(connection) as head:
            if not force:
                _seen(connection, None, package)
            return _append_row(connection, lifecycle_events, "lifecycle", head,
                               package=package, versions=versions, state=state, actor=actor,
                               reason=reason)

    return write(engine, work)


def record_facts(engine: Engine, project: str | None, package: str | None,
                 facts: dict[str, str | None], actor: str, force: bool = False) -> int:
    """Append a statement of register fields about a project, a package, or a package in
    one project (an empty value clears the field); returns the number of the last ledger
    entry it added. A subject no recorded scan has seen is most often a typo and stays in
    the chain for ever: it needs `force`."""
    if project is None and package is None:
        raise UsageError("say what the facts are about: a project (--project) or a package "
                         "(a purl without version), or both")
    if package is not None and (not package.startswith("pkg:") or "@" in package):
        raise UsageError(f"{package}: give the package as a purl without version "
                         "(pkg:maven/org.apache.logging.log4j/log4j-core)")
    unknown = sorted(set(facts) - set(FIELDS))
    if unknown or not facts:
        raise UsageError(f"register fields: {', '.join(FIELDS)}"
                         + (f" (not {', '.join(unknown)})" if unknown else ""))
    if not actor.strip():
        raise UsageError("register facts need who states them (--actor)")
    stated = {field: (value.strip() or None) if value is not None else None
              for field, value in sorted(facts.items())}
    # A project's own business system has one home, its row (as `scan --record
    # --business-system` sets it), versioned in the chain like every change of it.
    own_system = package is None and "business_system" in stated
    system = stated.pop("business_system") if own_system else None

    def work(connection: Connection) -> int:
        with locked_head(connection) as head:
            if not force:
                _seen(connection, project, package)
            if own_system:
                _set_business_system(connection, project, system, head)
            if stated:
                _append_row(connection, register_facts, "facts", head, project=project,
                            package=package, actor=actor,
                            facts=json.dumps(stated, sort_keys=True, ensure_ascii=False))
            return head["seq"]

    return write(engine, work)


def _set_business_system(connection: Connection, name: str, system: str | None,
                         head: dict) -> None:
    found = connection.execute(select(projects).where(projects.c.name == name)
                               ).mappings().first()
    if found is None:
        raise UsageError(f"{name}: a project's business system is kept with the project, "
                         "which its first recorded scan creates (`fincomp scan --record "
                         "--business-system`)")
    if found["business_system"] != system:
        connection.execute(update(projects).where(projects.c.id == found["id"]).values(
            business_system=system))
        record_project_version(connection, found["id"], head)


def _seen(connection: Connection, project: str | None, package: str | None) -> None:
    """Refuse a subject no recorded scan has seen."""
    query = select(scan_components.c.id).join(
        scans, scans.c.components_from == scan_components.c.scan_id)
    if project is not None:
        project_id = connection.execute(select(projects.c.id).where(
            projects.c.name == project)).scalar()
        if project_id is None:
            raise UsageError(f"{project}: no such project in the ledger (see `fincomp ledger "
                             "projects`); facts about a project before its first scan need "
                             "--force")
        query = query.where(scans.c.project_id == project_id)
    if package is not None and connection.execute(query.where(
            scan_components.c.package == package).limit(1)).first() is None:
        where = f" in {project}" if project else ""
        raise UsageError(f"{package}: no recorded scan{where} has seen this package (a typo? "
                         "see `fincomp ledger history NAME`); recording it before its first use "
                         "needs --force")
