"""`*.csproj`, `*.fsproj` and `*.vbproj` (MSBuild project files), read as XML data, never
built: `PackageReference` items (version as an attribute or child element, or from a
`Directory.Packages.props` in this folder or above when central package management sets
it), `PrivateAssets="all"` references (analysers and build tools, not shipped) as dev, and
`ProjectReference` items as edges to the referenced projects. A version range or a missing
version is not a pin; `packages.lock.json` covers the project when present."""

from __future__ import annotations

import re
from pathlib import PurePosixPath

from fincompliance.errors import InputError
from fincompliance.inputs import load_xml, xml_text
from fincompliance.model import Graph, Scope, make_purl, project_ref
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.nuget_common import ECOSYSTEM, package_component

_PLAIN_VERSION = re.compile(r"^\d+(\.\d+)*([-+][0-9A-Za-z.-]+)?$")
_MAX_FOLDERS_UP = 32


def parse(source: Source) -> Graph:
    root = load_xml(source.text(), source.path, strip_namespaces=True)
    stem = PurePosixPath(source.path).stem
    package_id = xml_text(root, "PropertyGroup/PackageId")
    graph = Graph()
    project = graph.add_project(source.project(
        stem, ECOSYSTEM, SCANNER.name, package=make_purl(ECOSYSTEM, package_id or stem, None)))
    central = _central_versions(source)
    text = source.text()
    for item in root.iter("PackageReference"):
        name = item.get("Include")
        if not name:
            continue  # `Update` items change a reference made elsewhere
        version = item.get("Version") or xml_text(item, "Version") or central.get(
            name.lower())
        pinned = version if version and _PLAIN_VERSION.match(version) else None
        properties = [("fincomp:nuget:requested", version)] if version and not pinned else []
        component = graph.add_component(package_component(
            name, pinned, source.location(_line_of(text, name)), (), tuple(properties)))
        if (item.get("PrivateAssets") or xml_text(item, "PrivateAssets") or "").lower() \
                == "all":
            component.scope = Scope.DEV
        graph.add_edge(project.ref, component.ref)
    for item in root.iter("ProjectReference"):
        referenced = source.sibling((item.get("Include") or "").replace("\\", "/"))
        if referenced is not None:
            graph.add_edge(project.ref, project_ref(referenced.path))
    return graph


def _central_versions(source: Source) -> dict[str, str]:
    """`PackageVersion` items of the nearest Directory.Packages.props."""
    relative = "Directory.Packages.props"
    for _ in range(_MAX_FOLDERS_UP):
        try:
            props = source.sibling(relative)
        except InputError:  # climbed above the scanned tree
            return {}
        if props is not None:
            root = load_xml(props.text(), props.path, strip_namespaces=True)
            return {item.get("Include", "").lower(): item.get("Version", "")
                    for item in root.iter("PackageVersion") if item.get("Include")}
        relative = f"../{relative}"
    return {}


def _line_of(text: str, name: str) -> int | None:
    at = re.search(r'Include\s*=\s*"' + re.escape(name) + '"', text)
    return text.count("\n", 0, at.start()) + 1 if at else None


SCANNER = Scanner(name="msbuild-project", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("*.csproj", "*.fsproj", "*.vbproj"))
