"""`poetry.lock`, lock format 1.x (`category`, `[metadata.files]`) and 2.x (`groups`)."""

from __future__ import annotations

from typing import Any

from fincompliance.model import Graph, Scope
from fincompliance.scanners import pyproject
from fincompliance.scanners.base import Kind, Scanner, Source, parse_hash, toml_packages
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    LockedPackage,
    locked_graph,
)
from fincompliance.supply_chain import REGISTRY_PROPERTY


def parse(source: Source) -> Graph:
    document, entries = toml_packages(source)
    metadata_files = document.get("metadata", {}).get("files", {})
    packages = []
    for entry, line in entries:
        name, version = str(entry.get("name", "")), str(entry.get("version", ""))
        files = entry.get("files") or metadata_files.get(name) or []
        packages.append(LockedPackage(
            name=name, version=version, line=line,
            dependencies=[(dep, None) for dep in entry.get("dependencies", {}) or {}],
            scope=_scope(entry),
            hashes=tuple(h for f in files if isinstance(f, dict)
                         for h in [parse_hash(str(f.get("hash", "")))] if h),
            properties=_source_properties(entry.get("source"))))

    name, direct = pyproject.beside(source)
    project = source.project(name, ECOSYSTEM, SCANNER.name)
    return locked_graph(source.path, packages, [(project, direct)])


def _scope(entry: dict[str, Any]) -> Scope:
    groups = entry.get("groups")
    runtime = ("main" in groups) if isinstance(groups, list) else entry.get("category") != "dev"
    if not runtime:
        return Scope.DEV
    return Scope.OPTIONAL if entry.get("optional") is True else Scope.REQUIRED


def _source_properties(package_source: Any) -> tuple[tuple[str, str], ...]:
    if not isinstance(package_source, dict) or package_source.get("type") is None:
        return ()
    if package_source["type"] == "legacy":  # a package index other than the default one
        url = package_source.get("url")
        return ((REGISTRY_PROPERTY, str(url)),) if isinstance(url, str) else ()
    kind = str(package_source["type"])
    where = str(package_source.get("url", ""))
    reference = package_source.get("resolved_reference") or package_source.get("reference")
    return (("fincomp:source", f"{kind}+{where}" + (f"@{reference}" if reference else "")),)


SCANNER = Scanner(name="poetry-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("poetry.lock",), companions=("pyproject.toml",))
