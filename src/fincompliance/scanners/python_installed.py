"""An installed Python environment: the `*.dist-info` folders of a `site-packages` directory.

Metadata is read as the files are (`METADATA`: `License-Expression`, `License`, licence
classifiers, `Requires-Dist`, `License-File`); nothing is imported or run. pip's `REQUESTED`
marker tells what was installed on purpose (direct) from what came along.
"""

from __future__ import annotations

import os
from email.parser import HeaderParser
from pathlib import PurePosixPath

from fincompliance.model import DeclaredLicense, Graph, Scope
from fincompliance.scanners.base import Kind, Scanner, Source, first_line, licence_files
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    canonical,
    parse_requirement,
    python_component,
)

_METADATA_FILES = {".dist-info": "METADATA", ".egg-info": "PKG-INFO"}


def claims_directory(name: str, children: frozenset[str]) -> bool:
    return any(child.endswith(".dist-info") for child in children) or (
        name in ("site-packages", "dist-packages")
        and any(child.endswith(".egg-info") for child in children))


def parse(source: Source) -> Graph:
    graph = Graph()
    project = graph.add_project(source.project(
        PurePosixPath(source.path).name or None, ECOSYSTEM, SCANNER.name))
    folder = source.resolve_inside(source.path) if source.path else source.root
    requested, requires = set(), {}
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        suffix = next((s for s in _METADATA_FILES if entry.name.endswith(s)), None)
        if suffix is None or not entry.is_dir(follow_symlinks=False):
            continue
        metadata_source = source.child(f"{entry.name}/{_METADATA_FILES[suffix]}")
        if not metadata_source.absolute.is_file():
            continue
        component, dependencies = _distribution(metadata_source, entry.path)
        component = graph.add_component(component)
        requires[component.ref] = dependencies
        if os.path.exists(os.path.join(entry.path, "REQUESTED")):
            requested.add(component.ref)

    by_name = {canonical(c.name): ref for ref, c in graph.components.items()}
    for ref, dependencies in requires.items():
        for name in dependencies:
            if canonical(name) in by_name:
                graph.add_edge(ref, by_name[canonical(name)])
    depended_on = {t for targets in graph.edges.values() for t in targets}
    direct = requested or {ref for ref in graph.components if ref not in depended_on}
    for ref in sorted(direct):
        graph.add_edge(project.ref, ref)
    return graph


def _distribution(metadata: Source, folder: str):
    text = metadata.text()
    headers = HeaderParser().parsestr(text)
    declared = [DeclaredLicense(value.strip(), "License-Expression")
                for value in headers.get_all("License-Expression", [])]
    license_field = (headers.get("License") or "").strip()
    if license_field and license_field.upper() != "UNKNOWN":
        declared.append(DeclaredLicense(license_field, "License"))
    declared += [DeclaredLicense(value.strip(), "Classifier")
                 for value in headers.get_all("Classifier", [])
                 if value.strip().startswith("License ::")]
    dependencies = []
    for raw in headers.get_all("Requires-Dist", []):
        requirement = parse_requirement(raw)
        # Dependencies of an extra are installed only when that extra was asked for.
        if requirement is not None and "extra" not in str(requirement.marker or ""):
            dependencies.append(requirement.name)
    base = PurePosixPath(metadata.path).parent
    component = python_component(
        headers.get("Name", "").strip(), headers.get("Version", "").strip() or None,
        metadata.location(first_line(text, "Name:")), scope=Scope.REQUIRED,
        declared=declared, license_files=[str(base / f) for f in licence_files(folder)])
    return component, dependencies


SCANNER = Scanner(name="python-installed", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED,
                  parse=parse, claims_directory=claims_directory)
