"""`Cargo.lock` (v1 to v4), with the `Cargo.toml` files of the workspace for which
dependencies are direct and which are dev or build dependencies.

Packages without a `source` are the workspace's own crates (projects); every other package
is third-party. A dependency is written `name`, `name version` or `name version (source)`;
the short forms are used when the name (or name and version) is unique in the lockfile."""

from __future__ import annotations

from typing import Any

from fincompliance.inputs import load_toml
from fincompliance.model import (
    Component,
    Graph,
    Hash,
    Scope,
    make_purl,
    widen_scope,
)
from fincompliance.scanners.base import Kind, Scanner, Source, toml_packages

ECOSYSTEM = "cargo"
_MANIFEST_SECTIONS = (("dependencies", Scope.REQUIRED), ("build-dependencies", Scope.REQUIRED),
                      ("dev-dependencies", Scope.DEV))


def parse(source: Source) -> Graph:
    # v1 kept checksums in a [metadata] table; the packages and their dependency lists
    # read the same in every version.
    _, entries = toml_packages(source)
    graph = Graph()
    refs: dict[tuple[str, str], str] = {}
    by_name: dict[str, list[str]] = {}
    members = []
    for entry, line in entries:
        name, version = str(entry.get("name", "")), str(entry.get("version", ""))
        if "source" not in entry:
            project = graph.add_project(source.project(name, ECOSYSTEM, SCANNER.name, version,
                                                       member=name))
            refs[(name, version)] = project.ref
            members.append(project.ref)
        else:
            origin = str(entry["source"])
            qualifiers = {} if origin.startswith("registry+") else {"vcs_url": origin}
            purl = make_purl(ECOSYSTEM, name, version, qualifiers)
            checksum = entry.get("checksum")
            component = graph.add_component(Component(
                ref=purl, ecosystem=ECOSYSTEM, name=name, version=version,
                purl=purl, locations=(source.location(line),),
                hashes=(Hash("SHA-256", checksum),) if isinstance(checksum, str) else (),
                properties=(("fincomp:source", origin),)))
            refs[(name, version)] = component.ref
        by_name.setdefault(name, []).append(refs[(name, version)])
    for entry, _ in entries:
        source_ref = refs[(str(entry.get("name", "")), str(entry.get("version", "")))]
        for dependency in entry.get("dependencies") or []:
            target = _resolve(str(dependency), refs, by_name)
            if target:
                graph.add_edge(source_ref, target)
    _scopes_from_manifests(source, graph, members)
    return graph


def _resolve(text: str, refs: dict[tuple[str, str], str], by_name: dict[str, list[str]]
             ) -> str | None:
    name, _, rest = text.partition(" ")
    version = rest.split(" ", 1)[0]
    if version:
        return refs.get((name, version))
    candidates = by_name.get(name, [])
    return candidates[0] if len(candidates) == 1 else None


def _scopes_from_manifests(source: Source, graph: Graph, members: list[str]) -> None:
    """Dev-only dependencies (and what only they pull in) are dev scope, for members whose
    Cargo.toml is in the tree; the lockfile alone does not say, so a member without one
    counts all its dependencies as required."""
    manifests = _manifests(source)
    if not manifests:
        return
    direct: dict[str, Scope] = {}
    for project_ref in members:
        targets = [t for t in graph.edges.get(project_ref, ()) if t in graph.components]
        manifest = manifests.get(graph.projects[project_ref].name)
        if manifest is None:
            for target in targets:
                widen_scope(direct, target, Scope.REQUIRED)
            continue
        for section, scope in _MANIFEST_SECTIONS:
            for name in _names(manifest.get(section)):
                for target in targets:
                    if graph.components[target].name == name:
                        widen_scope(direct, target, scope)
    graph.propagate_scopes(direct)


def _names(table: Any) -> list[str]:
    if not isinstance(table, dict):
        return []
    return [str(spec.get("package", name)) if isinstance(spec, dict) else name
            for name, spec in table.items()]


def _manifests(source: Source) -> dict[str, dict[str, Any]]:
    """The workspace's Cargo.toml files by crate name: the root's and its listed members'."""
    root = source.sibling("Cargo.toml")
    if root is None:
        return {}
    documents = [load_toml(root.text(), root.path)]
    for folder in (documents[0].get("workspace") or {}).get("members") or []:
        member = source.sibling(f"{folder}/Cargo.toml") if "*" not in str(folder) else None
        if member is not None:
            documents.append(load_toml(member.text(), member.path))
    return {str(d["package"]["name"]): d for d in documents
            if isinstance(d.get("package"), dict) and d["package"].get("name")}


SCANNER = Scanner(name="cargo-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("Cargo.lock",), companions=("Cargo.toml",), covers_subtree=True)
