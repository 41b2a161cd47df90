"""`package.json` alone (no lockfile beside it): the declared direct dependencies, with
ranges reported as unpinned."""

from __future__ import annotations

from fincompliance.inputs import expect, load_json
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source, declared_graph, line_numbers
from fincompliance.scanners.npm_common import (
    ECOSYSTEM,
    MANIFEST_SECTIONS,
    exact_version,
    npm_component,
)


def parse(source: Source) -> Graph:
    text = source.text()
    manifest = expect(load_json(text, source.path), dict, source.path, "package.json")
    lines = line_numbers(text, r'^\s+"([^"]+)":\s*"')
    project = source.project(
        str(manifest.get("name") or "") or None, ECOSYSTEM, SCANNER.name,
        version=manifest.get("version") if isinstance(manifest.get("version"), str) else None)
    components = []
    for section, scope in MANIFEST_SECTIONS:
        table = manifest.get(section)
        for name, wanted in table.items() if isinstance(table, dict) else ():
            pinned = exact_version(str(wanted))
            components.append(npm_component(
                name, pinned, source.location(lines.get(name)), scope=scope,
                requirement=None if pinned else str(wanted)))
    return declared_graph(project, components)

SCANNER = Scanner(name="package-json", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("package.json",))
