"""`uv.lock`: packages with their sources; editable, virtual and workspace sources are the
project's own members, everything else (registry, git, url, path) is third-party."""

from __future__ import annotations

from typing import Any

from fincompliance.model import Graph, Scope, widen_scope
from fincompliance.scanners.base import Kind, Scanner, Source, parse_hash, toml_packages
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    LockedPackage,
    canonical,
    locked_graph,
)
from fincompliance.supply_chain import REGISTRY_PROPERTY

_FIRST_PARTY_SOURCES = ("editable", "virtual", "workspace", "directory")


def parse(source: Source) -> Graph:
    document, entries = toml_packages(source)
    packages, projects = [], []
    for entry, line in entries:
        name, version = str(entry.get("name", "")), str(entry.get("version", ""))
        package_source = entry.get("source") if isinstance(entry.get("source"), dict) else {}
        if any(key in package_source for key in _FIRST_PARTY_SOURCES):
            member = source.project(name, ECOSYSTEM, SCANNER.name, version or None,
                                    member=canonical(name))
            projects.append((member, _member_scopes(entry)))
            continue
        packages.append(LockedPackage(
            name=name, version=version, line=line,
            dependencies=[(str(d.get("name", "")), d.get("version"))
                          for d in _dependencies_with_extras(entry)],
            hashes=_hashes(entry), properties=_source_properties(package_source)))
    if not projects:
        projects.append((source.project(None, ECOSYSTEM, SCANNER.name), None))
    return locked_graph(source.path, packages, projects)


def _dependency_list(value: Any) -> list[dict[str, Any]]:
    return [d for d in value if isinstance(d, dict)] if isinstance(value, list) else []


def _dependencies_with_extras(entry: dict[str, Any]) -> list[dict[str, Any]]:
    """A package's dependencies, and those of its extras: uv locks an extra's packages only
    when some dependant asks for that extra, so they are there because of this package."""
    extras = entry.get("optional-dependencies")
    return _dependency_list(entry.get("dependencies")) + [
        d for group in (extras.values() if isinstance(extras, dict) else ())
        for d in _dependency_list(group)]


def _member_scopes(entry: dict[str, Any]) -> dict[str, Scope]:
    scopes: dict[str, Scope] = {}
    tables = [(Scope.REQUIRED, {"": entry.get("dependencies")}),
              (Scope.OPTIONAL, entry.get("optional-dependencies") or {}),
              (Scope.DEV, entry.get("dev-dependencies") or {})]
    for scope, groups in tables:
        for group in groups.values() if isinstance(groups, dict) else ():
            for dependency in _dependency_list(group):
                name = canonical(str(dependency.get("name", "")))
                widen_scope(scopes, name, scope)
    return scopes


def _hashes(entry: dict[str, Any]) -> tuple:
    artifacts = [entry.get("sdist")] + list(entry.get("wheels") or [])
    return tuple(h for a in artifacts if isinstance(a, dict)
                 for h in [parse_hash(str(a.get("hash", "")))] if h)


def _source_properties(package_source: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    for kind in ("git", "url", "path"):
        if kind in package_source:
            return (("fincomp:source", f"{kind}+{package_source[kind]}"),)
    registry = package_source.get("registry")
    return ((REGISTRY_PROPERTY, str(registry)),) if isinstance(registry, str) else ()


SCANNER = Scanner(name="uv-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("uv.lock",), companions=("pyproject.toml",), covers_subtree=True)
