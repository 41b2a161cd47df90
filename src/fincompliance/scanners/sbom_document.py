"""SBOMs as input: a supplier's CycloneDX (JSON or XML, 1.4 to 1.6) or SPDX (JSON, YAML or
tag-value, 2.2 and 2.3) document, read with the same libraries fincomp writes them with and
merged into the graph. Every component read this way says which document it came from, so
a finding on it points at the supplier's SBOM rather than at a lockfile."""

from __future__ import annotations

from dataclasses import replace

from fincompliance.errors import InputError, reading
from fincompliance.inputs import expect, load_json, load_yaml
from fincompliance.model import Graph, Location, Project, project_ref
from fincompliance.scanners.base import Kind, Scanner, Source

ORIGIN_PROPERTY = "fincomp:origin"


def parse(source: Source) -> Graph:
    return read_document(source.text(), source.path)


def read_document(text: str, path: str) -> Graph:
    """Tell the format from the content (suppliers name their files freely) and read it."""
    with reading(path, "an SBOM"):
        return _read_document(text, path)


def _read_document(text: str, path: str) -> Graph:
    # The SBOM libraries take most of fincomp's start-up time: load them only when needed.
    from fincompliance.sbom import cyclonedx, spdx

    head = text[:4096].lstrip("\ufeff \t\r\n")
    if head.startswith("{"):
        data = expect(load_json(text, path), dict, path, "an SBOM document")
        if "bomFormat" in data:
            graph, kind = cyclonedx.from_json(data, path), "CycloneDX JSON"
        elif "spdxVersion" in data:
            graph, kind = spdx.from_dict(data, path), "SPDX JSON"
        else:
            raise InputError(path, "JSON that is neither CycloneDX (bomFormat) nor SPDX "
                             "(spdxVersion)")
    elif head.startswith("<"):
        if "cyclonedx.org/schema/bom" not in head:
            raise InputError(path, "XML that is not a CycloneDX BOM (SPDX RDF/XML is not "
                             "read; convert it to SPDX JSON)")
        graph, kind = cyclonedx.read_xml(text, path), "CycloneDX XML"
    elif head.startswith("SPDXVersion:") or "\nSPDXVersion:" in head:
        graph, kind = spdx.read_tag_value(text, path), "SPDX tag-value"
    elif head.startswith("spdxVersion:") or "\nspdxVersion:" in head:
        graph, kind = spdx.from_dict(load_yaml(text, path), path), "SPDX YAML"
    else:
        raise InputError(path, "not an SBOM fincomp reads (CycloneDX JSON/XML, SPDX "
                         "JSON/YAML/tag-value)")
    return _marked(graph, path, kind)


def _marked(graph: Graph, path: str, kind: str) -> Graph:
    origin = ((ORIGIN_PROPERTY, f"{path} ({kind})"),)
    if not graph.projects and graph.components:
        # A document that names no subject (cyclonedx-py from a requirements file, for
        # one) is itself the first-party node: what nothing in it depends on hangs from it.
        project = graph.add_project(Project(ref=project_ref(path), name=path,
                                            ecosystem="sbom", manifest=Location(path),
                                            scanner="sbom"))
        graph.hang_unreached(project.ref)
    for ref, component in graph.components.items():
        # Licence files an SBOM names belong to the tree it was made from, not this one.
        graph.components[ref] = replace(
            component, properties=tuple(sorted(set(component.properties) | set(origin))),
            locations=component.locations or (Location(path),), license_files=())
    return graph


SCANNER = Scanner(name="sbom", ecosystem="sbom", kind=Kind.SBOM, parse=parse,
                  filenames=("bom.json", "bom.xml", "*.cdx.json", "*.cdx.xml", "*.spdx.json",
                             "*.spdx", "*.spdx.yaml", "*.spdx.yml"))
