"""The analyser: importing the whole PyPA advisory folder into a new database (and again,
incrementally), and matching 50,000 components against it.

Run: python benchmarks/bench_analysis.py [--size 50000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import tempfile
import time
from pathlib import Path

import yaml

from fincompliance.analysis.vulndb import VulnerabilityDatabase, update
from fincompliance.analysis.vulnerabilities import match_graph
from fincompliance.model import Component, Graph, make_purl

REPO = Path(__file__).resolve().parent.parent
OSV = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared")) / "osv" / \
    "pypa-advisory-database" / "vulns"


def _components(size: int) -> Graph:
    """Half the components are packages with advisories, at versions their advisories list
    (so that matching does real work); the rest are packages no advisory names."""
    rng = random.Random(7)
    known: dict[str, list[str]] = {}
    for path in sorted(OSV.rglob("*.yaml"))[::5]:
        record = yaml.load(path.read_text(), Loader=yaml.BaseLoader)
        for entry in record.get("affected", []):
            known.setdefault(entry["package"]["name"], []).extend(entry.get("versions", []))
    names = sorted(n for n, versions in known.items() if versions)
    graph = Graph()
    for i in range(size):
        if i % 2:
            name = rng.choice(names)
            version = rng.choice(known[name])
        else:
            name, version = f"internal-package-{i}", "1.0.0"
        purl = make_purl("python", name, version)
        graph.add_component(Component(ref=f"{purl}#{i}", ecosystem="python", name=name,
                                      version=version, purl=purl))
    return graph


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "db.sqlite3"
        started = time.perf_counter()
        report = update(path, str(OSV))
        print(f"import {report.added:,} advisories into a new database: "
              f"{time.perf_counter() - started:.1f} s ({path.stat().st_size / 2**20:.1f} MiB)")
        started = time.perf_counter()
        report = update(path, str(OSV))
        print(f"import again (all {report.unchanged:,} unchanged): "
              f"{time.perf_counter() - started:.1f} s")
        graph = _components(args.size)
        with VulnerabilityDatabase(path) as database:
            covered = frozenset(database.status().ecosystems)
            started = time.perf_counter()
            vulnerable = match_graph(graph, database, covered).vulnerable
            elapsed = time.perf_counter() - started
        findings = sum(len(c.vulnerabilities) for c in graph.components.values())
        distinct = len({(c.name, c.version) for c in graph.components.values()})
        print(f"match {args.size:,} components ({distinct:,} distinct name@version): "
              f"{elapsed:.1f} s ({vulnerable:,} vulnerable, "
              f"{findings:,} vulnerabilities); peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")


if __name__ == "__main__":
    main()
