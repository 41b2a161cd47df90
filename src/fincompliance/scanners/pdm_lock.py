"""`pdm.lock`: packages with their groups and PEP 508 dependency strings."""

from __future__ import annotations

from fincompliance.model import Graph, Scope
from fincompliance.scanners import pyproject
from fincompliance.scanners.base import Kind, Scanner, Source, parse_hash, toml_packages
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    LockedPackage,
    locked_graph,
    parse_requirement,
)


def parse(source: Source) -> Graph:
    document, entries = toml_packages(source)
    packages = []
    for entry, line in entries:
        name, version = str(entry.get("name", "")), str(entry.get("version", ""))
        requirements = [parse_requirement(d) for d in entry.get("dependencies", [])
                        if isinstance(d, str)]
        groups = entry.get("groups") if isinstance(entry.get("groups"), list) else []
        packages.append(LockedPackage(
            name=name, version=version, line=line,
            dependencies=[(r.name, None) for r in requirements if r is not None],
            # Non-default groups may be optional extras or dev groups; the manifest decides.
            scope=Scope.REQUIRED if "default" in groups else None,
            hashes=tuple(h for f in entry.get("files", []) if isinstance(f, dict)
                         for h in [parse_hash(str(f.get("hash", "")))] if h)))
    name, direct = pyproject.beside(source)
    project = source.project(name, ECOSYSTEM, SCANNER.name)
    return locked_graph(source.path, packages, [(project, direct)])


SCANNER = Scanner(name="pdm-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("pdm.lock",), companions=("pyproject.toml",))
