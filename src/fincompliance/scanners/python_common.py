"""What every Python format shares: names, pins, and turning locked packages into a graph."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from fincompliance.model import (
    Component,
    DeclaredLicense,
    Graph,
    Hash,
    Location,
    Project,
    Scope,
    make_purl,
    widen_scope,
)

ECOSYSTEM = "python"


def canonical(name: str) -> str:
    return canonicalize_name(name)


def pinned_version(requirement: Requirement) -> str | None:
    """The one version a requirement allows (`==1.2`, `===1.2`), else None."""
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in ("==", "===") and "*" not in specs[0].version:
        return specs[0].version
    return None


def parse_requirement(text: str) -> Requirement | None:
    try:
        return Requirement(text)
    except InvalidRequirement:
        return None


def python_component(name: str, version: str | None, location: Location, *,
                     scope: Scope = Scope.REQUIRED, requirement: str | None = None,
                     hashes: Iterable[Hash] = (), declared: Iterable[DeclaredLicense] = (),
                     license_files: Iterable[str] = (),
                     properties: Iterable[tuple[str, str]] = ()) -> Component:
    purl = make_purl(ECOSYSTEM, name, version)
    return Component(
        ref=purl, ecosystem=ECOSYSTEM, name=canonical(name), version=version,
        purl=purl, scope=scope, requirement=requirement, locations=(location,),
        hashes=tuple(sorted(set(hashes))), declared_licenses=tuple(declared),
        license_files=tuple(license_files), properties=tuple(sorted(set(properties))))


@dataclass
class LockedPackage:
    """One package entry of a Python lockfile, before it becomes a graph node."""

    name: str
    version: str
    line: int | None
    dependencies: list[tuple[str, str | None]] = field(default_factory=list)
    scope: Scope | None = None
    hashes: tuple[Hash, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()


def locked_graph(path: str, packages: list[LockedPackage],
                 projects: list[tuple[Project, Mapping[str, Scope] | None]]) -> Graph:
    """Build the graph of a Python lockfile.

    `dependencies` name packages of the same lockfile, by name and, where the lockfile
    disambiguates, version. Each project comes with the canonical names its manifest
    declares and their scopes; a project without a manifest takes the packages nothing
    else depends on as its direct ones. A name that is another project (a workspace
    member) becomes a project-to-project edge.
    """
    graph = Graph()
    project_by_name = {canonical(p.name): p.ref for p, _ in projects}
    refs_by_name: dict[str, list[tuple[str, str]]] = {}
    refs = []
    for package in packages:
        component = graph.add_component(python_component(
            package.name, package.version, Location(path, package.line),
            scope=package.scope or Scope.REQUIRED, hashes=package.hashes,
            properties=package.properties))
        refs_by_name.setdefault(canonical(package.name), []).append(
            (package.version, component.ref))
        refs.append(component.ref)

    depended_on: set[str] = set()
    for package, source in zip(packages, refs, strict=True):
        for name, version in package.dependencies:
            for target in _matching(refs_by_name.get(canonical(name), []), version):
                graph.add_edge(source, target)
                depended_on.add(target)

    roots: dict[str, Scope] = {}
    for project, direct in projects:
        graph.add_project(project)
        if direct is None:
            direct_refs = {ref: Scope.REQUIRED for ref in graph.components
                           if ref not in depended_on}
        else:
            direct_refs = {ref: scope for name, scope in direct.items()
                           for _, ref in refs_by_name.get(canonical(name), [])}
            for name in direct:
                if canonical(name) in project_by_name:
                    graph.add_edge(project.ref, project_by_name[canonical(name)])
        for ref, scope in sorted(direct_refs.items()):
            graph.add_edge(project.ref, ref)
            widen_scope(roots, ref, scope)
    if any(p.scope is None for p in packages):
        graph.propagate_scopes(roots)
    return graph


def _matching(candidates: list[tuple[str, str]], version: str | None) -> list[str]:
    if version is not None:
        exact = [ref for v, ref in candidates if v == version]
        if exact:
            return exact
    return [ref for _, ref in candidates]
