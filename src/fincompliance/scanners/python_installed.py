"""An installed Python environment: the `*.dist-info` folders of a `site-packages` directory.

Metadata is read as the files are (`METADATA`: `License-Expression`, `License`, licence
classifiers, `Requires-Dist`, `License-File`); nothing is imported or run. pip's `REQUESTED`
marker tells what was installed on purpose (direct) from what came along.
"""

from __future__ import annotations

import os
import re
from email.parser import HeaderParser
from pathlib import PurePosixPath

from packaging.requirements import Requirement

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
    asked = _extras_asked(requires, by_name)
    for ref, dependencies in requires.items():
        for requirement in dependencies:
            name = canonical(requirement.name)
            if name in by_name and _installed_for(requirement, asked.get(ref, frozenset())):
                graph.add_edge(ref, by_name[name])
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
    dependencies = [requirement for raw in headers.get_all("Requires-Dist", [])
                    if (requirement := parse_requirement(raw)) is not None]
    base = PurePosixPath(metadata.path).parent
    component = python_component(
        headers.get("Name", "").strip(), headers.get("Version", "").strip() or None,
        metadata.location(first_line(text, "Name:")), scope=Scope.REQUIRED,
        declared=declared, license_files=[str(base / f) for f in licence_files(folder)])
    return component, dependencies


# `extra == "woff"` in a requirement's marker: it is installed for that extra only
_EXTRA = re.compile(r"""\bextra\s*==\s*["']([^"']+)["']""")


def _installed_for(requirement: Requirement, extras: frozenset[str]) -> bool:
    """Whether a requirement is one of the distribution's dependencies when `extras` were
    asked of it. Other conditions (Python version, platform) are not judged: the tree was
    installed for its own interpreter, and only installed distributions are linked."""
    named = {canonical(extra) for extra in _EXTRA.findall(str(requirement.marker or ""))}
    return not named or not named.isdisjoint(extras)


def _extras_asked(requires: dict[str, list[Requirement]],
                  by_name: dict[str, str]) -> dict[str, frozenset[str]]:
    """The extras the tree's distributions ask of one another (`fonttools[woff]`), through
    extras asked in turn, by distribution; what was asked on the command line is not
    recorded."""
    asked: dict[str, frozenset[str]] = {}
    todo = list(requires)
    while todo:
        ref = todo.pop()
        for requirement in requires[ref]:
            target = by_name.get(canonical(requirement.name))
            wanted = frozenset(canonical(extra) for extra in requirement.extras)
            if target is None or not wanted or not _installed_for(
                    requirement, asked.get(ref, frozenset())):
                continue
            if not wanted <= asked.get(target, frozenset()):
                asked[target] = asked.get(target, frozenset()) | wanted
                todo.append(target)
    return asked


SCANNER = Scanner(name="python-installed", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED,
                  parse=parse, claims_directory=claims_directory)
