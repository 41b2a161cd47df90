"""The ledger at portfolio size: record 1,000 projects of 500 components each, then time
`ledger affected` queries, a verification from scratch, and one after a further scan (from
the checkpoint the first noted), on SQLite and (with --postgres URL or
FINCOMP_TEST_POSTGRES) on PostgreSQL.

With --days N, every project is then scanned again each day for N days, as an estate's CI
does (a bank with 5,000 repositories scanned daily has 1.8 million entries a year): one
project in fifty changes a component each day and is recorded by `record_scan`; the others
repeat the day before, and share its rows as `record_scan` would have them share — written
here in bulk, since recording them one by one would take most of an hour. Then a
verification from scratch of every entry.

Run: python benchmarks/bench_ledger.py [--projects 1000] [--components 500] [--days 0]
     [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text

from fincompliance import __version__
from fincompliance.ledger.queries import affected
from fincompliance.ledger.record import (
    ProjectInfo,
    ScanInfo,
    now,
    record_scan,
    scan_contents,
)
from fincompliance.ledger.schema import chain_head, scans
from fincompliance.ledger.schema import projects as ledger_projects
from fincompliance.ledger.store import append, open_ledger
from fincompliance.ledger.verify import ComponentsDigests, verify
from fincompliance.model import Component, Graph, Project, make_purl

# A shared pool of packages, so that projects overlap as they do in an estate.
POOL = [(f"lib-{i}", f"{1 + i % 5}.{i % 17}.{i % 7}") for i in range(5_000)]


def portfolio_graph(project: int, size: int, rng: random.Random) -> Graph:
    graph = Graph()
    root = f"project:{project}/package-lock.json"
    graph.add_project(Project(ref=root, name=f"system-{project}", ecosystem="npm",
                              manifest=None))
    picked = rng.sample(POOL, size)
    refs = []
    for name, version in picked:
        purl = make_purl("npm", name, version)
        graph.add_component(Component(ref=purl, ecosystem="npm", name=name, version=version,
                                      purl=purl))
        refs.append(purl)
    for index, ref in enumerate(refs):
        graph.add_edge(root if index < 30 else refs[rng.randrange(index)], ref)
    return graph


def run(url: str, projects: int, components: int, days: int) -> None:
    engine = open_ledger(url)
    rng = random.Random(11)
    started = time.perf_counter()
    for project in range(projects):
        record_scan(engine, ProjectInfo(f"system-{project}"), ScanInfo("bench"),
                    portfolio_graph(project, components, rng))
    recorded = time.perf_counter() - started
    print(f"  record {projects:,} projects x {components} components: {recorded:.1f} s "
          f"({recorded / projects * 1000:.0f} ms a scan)", flush=True)
    for query in ("lib-42", "pkg:npm/lib-4242", "lib-42 <4"):
        times = []
        for _ in range(5):
            started = time.perf_counter()
            rows = affected(engine, query)
            times.append(time.perf_counter() - started)
        print(f"  ledger affected {query!r}: {statistics.median(times) * 1000:.0f} ms "
              f"(median of 5, {len(rows)} rows)", flush=True)
    started = time.perf_counter()
    result = verify(engine, checkpoint=True)
    elapsed = time.perf_counter() - started
    rows = projects * components
    print(f"  ledger verify --full ({result.entries:,} entries, every row recomputed; a "
          f"checkpoint noted): {elapsed:.1f} s, {rows / elapsed:,.0f} component rows/s",
          flush=True)
    # The goal: 100,000 entries from scratch in under 60 s. At this rate it holds for
    # entries that average this many component rows (half the entries here are scans).
    print(f"  at this rate, 100,000 entries verify in 60 s when they average "
          f"{rows / elapsed * 60 / 100_000:.0f} component rows", flush=True)
    record_scan(engine, ProjectInfo("system-new"), ScanInfo("bench"),
                portfolio_graph(projects, components, rng))
    started = time.perf_counter()
    result = verify(engine, full=False, checkpoint=True)
    assert result.ok and result.recomputed_from == result.entries - 1, result
    print(f"  ledger verify after one more scan ({result.entries:,} entries walked, the new "
          f"scan's rows recomputed): {time.perf_counter() - started:.2f} s")
    if days:
        daily_rescans(engine, projects, components, days, rng)
    engine.dispose()


def daily_rescans(engine, projects: int, components: int, days: int,  # type: ignore[no-untyped-def]
                  rng: random.Random) -> None:
    started = time.perf_counter()
    graphs = {project: portfolio_graph(project, components, random.Random(project))
              for project in range(projects)}
    for project, graph in graphs.items():   # the graphs the daily scans start from
        record_scan(engine, ProjectInfo(f"system-{project}"), ScanInfo("bench"), graph)
    ids, hashes = {}, ComponentsDigests()
    with engine.connect() as connection:
        for name, project_id in connection.execute(select(ledger_projects.c.name,
                                                          ledger_projects.c.id)):
            ids[name] = project_id
    for _ in range(days):
        changed = set(rng.sample(range(projects), max(1, projects // 50)))
        for project in sorted(changed):
            graph = graphs[project] = changed_graph(graphs[project], rng)
            record_scan(engine, ProjectInfo(f"system-{project}"), ScanInfo("bench"), graph)
        repeat_scans(engine, [ids[f"system-{p}"] for p in range(projects) if p not in changed],
                     hashes)
    print(f"  {days} days of daily scans of every project recorded: "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    started = time.perf_counter()
    result = verify(engine)
    assert result.ok, result.problem
    elapsed = time.perf_counter() - started
    print(f"  ledger verify --full ({result.entries:,} entries): {elapsed:.1f} s", flush=True)


def changed_graph(graph: Graph, rng: random.Random) -> Graph:
    """The graph with one component at another version (an upgrade in the lockfile)."""
    changed = Graph()
    for project in graph.projects.values():
        changed.add_project(project)
    bumped = rng.choice(sorted(graph.components))
    refs = {}
    for ref, component in graph.components.items():
        if ref == bumped:
            version = component.version + ".1"
            purl = make_purl("npm", component.name, version)
            component = Component(ref=purl, ecosystem="npm", name=component.name,
                                  version=version, purl=purl)
        refs[ref] = component.ref
        changed.add_component(component)
    for source, targets in graph.edges.items():
        for target in targets:
            changed.add_edge(refs.get(source, source), refs[target])
    return changed


def repeat_scans(engine, project_ids: list[int],  # type: ignore[no-untyped-def]
                 hashes: ComponentsDigests) -> None:
    """Record, for each project, a scan identical to its latest one (what `record_scan`
    stores for a scan whose rows repeat the one before: a scan row naming the rows it
    shares, and its chained entry), in one transaction; each shared set of rows hashed
    once, as `ledger verify` does."""
    with engine.begin() as connection:
        head = dict(connection.execute(select(chain_head)).mappings().one())
        latest = dict(connection.execute(
            select(scans.c.project_id, func.max(scans.c.id)).group_by(scans.c.project_id)
            .where(scans.c.project_id.in_(project_ids))).all())
        sources = dict(connection.execute(select(scans.c.id, scans.c.components_from).where(
            scans.c.id.in_(list(latest.values())))).all())
        at = now()
        new = []
        for offset, project_id in enumerate(project_ids):
            new.append({"project_id": project_id, "recorded_at": at, "tool_version": __version__,
                        "source": "bench", "entry_seq": head["seq"] + 1 + offset,
                        "components_from": sources[latest[project_id]]})
        connection.execute(insert(scans), new)
        scan_ids = list(connection.execute(select(scans.c.id).where(
            scans.c.entry_seq > head["seq"]).order_by(scans.c.entry_seq)).scalars())
        contents = scan_contents(connection, scan_ids, hashed=hashes)
        for scan_id in scan_ids:
            source, content = contents[scan_id]
            append(connection, "scan", scan_id, at, hashes.digest(source, content), head)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--days", type=int, default=0,
                        help="then scan every project daily for this many days")
    parser.add_argument("--postgres", default=os.environ.get("FINCOMP_TEST_POSTGRES"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{Path(folder) / 'ledger.sqlite3'}", args.projects, args.components,
            args.days)
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS fincomp_bench WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE fincomp_bench"))
        print("PostgreSQL")
        run(args.postgres.rsplit("/", 1)[0] + "/fincomp_bench", args.projects, args.components,
            args.days)
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE fincomp_bench WITH (FORCE)"))


if __name__ == "__main__":
    main()
