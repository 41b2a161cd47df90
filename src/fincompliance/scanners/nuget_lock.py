"""`packages.lock.json` (NuGet lock files, .NET): per target framework, every package with
its type (`Direct`, `Transitive`, `CentralTransitive`, or `Project` for a project
reference), resolved version, content hash (SHA-512 of the .nupkg) and dependencies. The
same package in several frameworks is one component. The project's `*.csproj` beside it
is read by its own scanner only when there is no lock file."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from fincompliance.inputs import expect, load_json
from fincompliance.model import Graph, Hash
from fincompliance.scanners.base import Kind, Scanner, Source, line_numbers
from fincompliance.scanners.nuget_common import ECOSYSTEM, package_component


def parse(source: Source) -> Graph:
    text = source.text()
    document = expect(load_json(text, source.path), dict, source.path, "packages.lock.json")
    frameworks = expect(document.get("dependencies") or {}, dict, source.path, '"dependencies"')
    lines = line_numbers(text, r'^ {6}"([^"]+)": \{')
    graph = Graph()
    project = graph.add_project(source.project(None, ECOSYSTEM, SCANNER.name))
    for framework, packages in sorted(frameworks.items()):
        packages = expect(packages, dict, source.path, f"framework {framework!r}")
        refs = {}
        for name, entry in packages.items():
            entry = expect(entry, dict, source.path, f"package {name!r}", lines.get(name))
            if entry.get("type") == "Project":
                refs[name.lower()] = graph.add_project(source.project(
                    name, ECOSYSTEM, SCANNER.name, member=name)).ref
                continue
            component = graph.add_component(package_component(
                name, str(entry.get("resolved") or "") or None,
                source.location(lines.get(name)), _hashes(entry),
                (("fincomp:nuget:framework", framework),)))
            refs[name.lower()] = component.ref
            if entry.get("type") == "Direct":
                graph.add_edge(project.ref, component.ref)
        for name, entry in packages.items():
            if entry.get("type") == "Project":
                graph.add_edge(project.ref, refs[name.lower()])
            for dependency in (entry.get("dependencies") or {}):
                if str(dependency).lower() in refs:
                    graph.add_edge(refs[name.lower()], refs[str(dependency).lower()])
    return graph


def _hashes(entry: dict[str, Any]) -> tuple[Hash, ...]:
    try:
        return (Hash("SHA-512", base64.b64decode(str(entry["contentHash"]),
                                                 validate=True).hex()),)
    except (KeyError, binascii.Error, ValueError):
        return ()


SCANNER = Scanner(name="nuget-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("packages.lock.json",),
                  companions=("*.csproj", "*.fsproj", "*.vbproj"))
