"""`composer.lock` (PHP): `packages` (required) and `packages-dev` (dev), each with its
licence list and its `require` map; `composer.json` beside it says which are direct.
Platform requirements (`php`, `ext-*`, `lib-*`) are not packages. A name another package
`replace`s or `provide`s resolves to that package."""

from __future__ import annotations

from typing import Any

from fincompliance.inputs import expect, load_json
from fincompliance.model import (
    Component,
    DeclaredLicense,
    Graph,
    Hash,
    Scope,
    make_purl,
)
from fincompliance.scanners.base import Kind, Scanner, Source, line_numbers

ECOSYSTEM = "composer"


def parse(source: Source) -> Graph:
    text = source.text()
    lock = expect(load_json(text, source.path), dict, source.path, "composer.lock")
    lines = line_numbers(text, r'^\s+"name": "([^"]+)"')
    graph = Graph()
    refs: dict[str, str] = {}
    provided: dict[str, str] = {}
    requires: list[tuple[str, dict[str, Any]]] = []
    for section, scope in (("packages", Scope.REQUIRED), ("packages-dev", Scope.DEV)):
        for entry in expect(lock.get(section) or [], list, source.path, section):
            entry = expect(entry, dict, source.path, f"an entry of {section}")
            name, version = str(entry.get("name", "")).lower(), str(entry.get("version", ""))
            if "/" not in name:
                continue
            component = graph.add_component(_component(entry, name, version, scope,
                                                       source.location(lines.get(name))))
            refs[name] = component.ref
            for alias_map in ("replace", "provide"):
                for alias in (entry.get(alias_map) or {}):
                    provided.setdefault(str(alias).lower(), component.ref)
            requires.append((component.ref, entry.get("require") or {}))
    for ref, required in requires:
        for name in required:
            target = refs.get(str(name).lower()) or provided.get(str(name).lower())
            if target:
                graph.add_edge(ref, target)
    manifest = source.sibling("composer.json")
    root = load_json(manifest.text(), manifest.path) if manifest else {}
    project = graph.add_project(source.project(
        str(root.get("name") or "") or None, ECOSYSTEM, SCANNER.name,
        manifest=manifest.path if manifest else None))
    declared = [str(n).lower() for key in ("require", "require-dev")
                for n in (root.get(key) or {}) if "/" in str(n)]
    for name in declared or _roots(graph, refs):
        target = refs.get(name) or provided.get(name)
        if target:
            graph.add_edge(project.ref, target)
    return graph


def _component(entry: dict[str, Any], name: str, version: str, scope: Scope, location
               ) -> Component:
    purl = make_purl(ECOSYSTEM, name, version)
    licences = [str(item) for item in entry.get("license") or [] if item]
    # Composer lists alternatives: "(A or B)" is written ["A", "B"].
    declared = (DeclaredLicense(" OR ".join(licences) if len(licences) > 1 else licences[0],
                                "composer"),) if licences else ()
    dist = entry.get("dist") or {}
    shasum = dist.get("shasum") if isinstance(dist, dict) else None
    source = entry.get("source") or {}
    return Component(
        ref=purl, ecosystem=ECOSYSTEM, name=name, version=version, purl=purl,
        scope=scope, declared_licenses=declared, locations=(location,),
        hashes=(Hash("SHA-1", shasum),) if shasum else (),
        properties=(("fincomp:source", f"{source.get('type')}+{source.get('url')}"),)
        if isinstance(source, dict) and source.get("url") else ())


def _roots(graph: Graph, refs: dict[str, str]) -> list[str]:
    """Without composer.json: the packages nothing else requires."""
    required = {t for targets in graph.edges.values() for t in targets}
    return [name for name, ref in refs.items() if ref not in required]


SCANNER = Scanner(name="composer-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("composer.lock",), companions=("composer.json",))
