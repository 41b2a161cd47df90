"""`pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x.

Package keys differ by version (`/name/1.0.0_peer` in 5, `/name@1.0.0(peer)` in 6,
`name@1.0.0(peer)` in 9, where dependencies move to `snapshots`); a component is the key
with its peer (and patch) suffix stripped, so one name@version is one component.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from typing import Any

from fincompliance.errors import InputError
from fincompliance.inputs import expect, load_yaml
from fincompliance.model import Graph, Location, Scope, widen_scope
from fincompliance.scanners.base import (
    Kind,
    Scanner,
    Source,
    line_numbers,
    normalise_path,
    parse_integrity,
)
from fincompliance.scanners.npm_common import (
    ECOSYSTEM,
    MANIFEST_SECTIONS,
    flag_scope,
    npm_component,
    split_descriptor,
)

_PEER_SUFFIX = re.compile(r"[(_].*$")


def package_id(key: str, major: int) -> tuple[str, str]:
    """A packages/snapshots key as (name, version) with peer and patch suffixes removed."""
    key = key.removeprefix("/")
    if major < 6:
        name, _, version = key.rpartition("/")
        return name, _PEER_SUFFIX.sub("", version)
    key = key.split("(", 1)[0]
    return split_descriptor(key)


def parse(source: Source) -> Graph:
    text = source.text()
    document = expect(load_yaml(text, source.path), dict, source.path, "the lockfile")
    if "lockfileVersion" not in document:
        raise InputError(source.path, "not a pnpm lockfile: no lockfileVersion")
    major = int(float(str(document.get("lockfileVersion", "5")).split(".")[0] or 5))
    packages = expect(document.get("packages") or {}, dict, source.path, "packages")
    snapshots = document.get("snapshots") if major >= 9 else None
    lines = line_numbers(text, r"^  '?(/?[^\s'][^']*?)'?:$")

    graph = Graph()
    projects = _add_projects(document, source, graph)
    refs: dict[tuple[str, str], str] = {}
    for key, record in packages.items():
        record = expect(record or {}, dict, source.path, f"package {key!r}", lines.get(key))
        name, version = package_id(str(key), major)
        if not version and not str(key).lstrip("/").startswith(("file:", "link:")):
            raise InputError(source.path, f"package key {str(key)[:60]!r} names no version",
                             lines.get(key))
        name = str(record.get("name") or name)
        version = str(record.get("version") or version)
        resolution = record.get("resolution") if isinstance(record.get("resolution"), dict) \
            else {}
        qualifiers = {}
        if version.startswith(("file:", "link:")) or not version:
            # A local folder has no registry version; its `file` qualifier tells two apart.
            folder = str(resolution.get("directory", version)).split(":", 1)[-1]
            version = None
            if normalise_path(folder) == "" and "." in projects:
                # A `file:` entry for the lockfile's own folder (vue 2's packages depend on
                # the repository root this way) is the root project, not a third-party
                # package. Other members stay components: pnpm installs them as copies.
                refs[package_id(str(key), major)] = projects["."]
                continue
            qualifiers = {"file": folder}
        component = graph.add_component(npm_component(
            name, version, Location(source.path, lines.get(key)), qualifiers=qualifiers,
            scope=flag_scope(record), hashes=parse_integrity(str(resolution.get("integrity", ""))),
            properties=_source_property(resolution)))
        refs[package_id(str(key), major)] = component.ref

    for key, record in (snapshots if isinstance(snapshots, dict) else packages).items():
        source_ref = refs.get(package_id(str(key), major))
        for target in _dependency_refs(record or {}, refs, major):
            graph.add_edge(source_ref, target)

    direct = _importers(document, graph, projects, refs, major)
    if major >= 9:  # 9.x records no dev/optional flags on packages
        graph.propagate_scopes(direct)
    return graph


def _dependency_refs(record: dict[str, Any], refs: dict[tuple[str, str], str],
                     major: int) -> list[str]:
    found = []
    for section in ("dependencies", "optionalDependencies"):
        table = record.get(section)
        for name, reference in table.items() if isinstance(table, dict) else ():
            target = _lookup(refs, str(name), str(reference), major)
            if target is not None:
                found.append(target)
    return found


def _lookup(refs: dict[tuple[str, str], str], name: str, reference: str,
            major: int) -> str | None:
    """The package a dependency's version field points at: `1.2.3(peer)`, an alias key
    (`other@1.2.3`, `/other/1.2.3`), or a `file:` folder (keyed with or without the name)."""
    base = reference.split("(", 1)[0]
    if base.startswith("/") or (major >= 9 and "@" in base.lstrip("@")
                                and ":" not in base.split("@", 1)[0]):
        candidates = [reference]
    elif major < 6:
        candidates = [f"/{name}/{reference}", reference]
    else:
        candidates = [f"{name}@{reference}", f"/{name}@{reference}", reference]
    for candidate in candidates:
        found = refs.get(package_id(candidate, major))
        if found is not None:
            return found
    return None


def _importer_tables(document: dict[str, Any]) -> dict[str, Any]:
    importers = document.get("importers")
    # a single project keeps its tables at the top
    return importers if isinstance(importers, dict) else {".": document}


def _add_projects(document: dict[str, Any], source: Source, graph: Graph) -> dict[str, str]:
    """The lockfile's importers as projects, by their folder relative to the lockfile."""
    projects = {}
    for folder in _importer_tables(document):
        projects[str(folder)] = graph.add_project(source.project(
            None if folder == "." else PurePosixPath(str(folder)).name, ECOSYSTEM, SCANNER.name,
            member=None if folder == "." else str(folder))).ref
    return projects


def _importers(document: dict[str, Any], graph: Graph, projects: dict[str, str],
               refs: dict[tuple[str, str], str], major: int) -> dict[str, Scope]:
    direct: dict[str, Scope] = {}
    for folder, importer in _importer_tables(document).items():
        folder = str(folder)
        for section, scope in MANIFEST_SECTIONS:
            table = importer.get(section) if isinstance(importer, dict) else None
            for name, spec in table.items() if isinstance(table, dict) else ():
                reference = str(spec.get("version", "")) if isinstance(spec, dict) else str(spec)
                if reference.startswith("link:"):
                    linked = PurePosixPath(folder, reference[5:]).as_posix()
                    target = projects.get(normalise_path(linked) or ".")
                else:
                    target = _lookup(refs, str(name), reference, major)
                if target is None:
                    continue
                graph.add_edge(projects[folder], target)
                if target in graph.components:
                    widen_scope(direct, target, scope)
    return direct


def _source_property(resolution: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    for key in ("tarball", "repo", "directory"):
        if isinstance(resolution.get(key), str):
            return (("fincomp:source", str(resolution[key])),)
    return ()


SCANNER = Scanner(name="pnpm-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("pnpm-lock.yaml",), companions=("package.json",),
                  covers_subtree=True)
