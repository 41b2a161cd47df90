"""The ledger at portfolio size: record 1,000 projects of 500 components each, then time
`ledger affected` queries, a verification from scratch, and one after a further scan (from
the checkpoint the first noted), on SQLite and (with --postgres URL or
FINCOMP_TEST_POSTGRES) on PostgreSQL.

Run: python benchmarks/bench_ledger.py [--projects 1000] [--components 500] [--postgres URL]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from fincompliance.ledger.queries import affected
from fincompliance.ledger.record import ProjectInfo, ScanInfo, record_scan
from fincompliance.ledger.store import open_ledger
from fincompliance.ledger.verify import verify
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


def run(url: str, projects: int, components: int) -> None:
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
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--postgres", default=os.environ.get("FINCOMP_TEST_POSTGRES"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        print("SQLite")
        run(f"sqlite:///{Path(folder) / 'ledger.sqlite3'}", args.projects, args.components)
    if args.postgres:
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE IF EXISTS fincomp_bench WITH (FORCE)"))
            connection.execute(text("CREATE DATABASE fincomp_bench"))
        print("PostgreSQL")
        run(args.postgres.rsplit("/", 1)[0] + "/fincomp_bench", args.projects, args.components)
        with admin.connect() as connection:
            connection.execute(text("DROP DATABASE fincomp_bench WITH (FORCE)"))


if __name__ == "__main__":
    main()
