"""CycloneDX 1.6 (JSON and XML) from the graph, and back.

JSON is written directly, as cyclonedx-python-lib would write it (the tests hold every
output to the library's own serialisation and schema); XML and reading go through the
library.

Layout: `metadata.component` is the scanned tree; first-party projects are its nested
components; third-party components are top-level with bom-ref = their graph ref.
What CycloneDX has no field for (source line, direct, exact scope, requirement) travels as
`fincomp:` properties, so a written SBOM reads back into the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from cyclonedx.spdx import fixup_id, is_expression
from packageurl import PackageURL

from fincompliance.clock import build_time
from fincompliance.errors import InputError
from fincompliance.inputs import load_xml
from fincompliance.json_text import json_text
from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.model import (
    Component,
    DeclaredLicense,
    Graph,
    Hash,
    LicenceConclusion,
    Location,
    Project,
    Scope,
    name_from_purl,
    purl_parts,
)
from fincompliance.sbom.common import (
    ECOSYSTEM_BY_PURL_TYPE,
    PROPERTY_PREFIX,
    TOOL_NAME,
    TOOL_VERSION,
    document_uuid,
)

if TYPE_CHECKING:
    # the library's model only to write XML and to read: JSON is written without it
    from cyclonedx.model.bom import Bom
    from cyclonedx.model.component import Component as CdxComponent

ROOT_REF = "fincomp:root"
_SCOPES = {Scope.REQUIRED: "required", Scope.OPTIONAL: "optional", Scope.DEV: "excluded"}
_SCOPES_BACK = {v: k for k, v in _SCOPES.items()}


def document(graph: Graph, name: str) -> dict[str, Any]:
    """The CycloneDX 1.6 JSON document, written directly: the same keys, order and values
    cyclonedx-python-lib writes for these fields (its object model took minutes and
    gigabytes at 50,000 components). Lists are in the library's order: its sorted sets
    compare field by field with a missing value last, and keys are alphabetical."""
    direct = graph.direct_refs()
    components = sorted((_component(c, c.ref in direct) for c in graph.components.values()),
                        key=_component_order)
    projects = sorted((_project(p) for p in graph.projects.values()), key=_component_order)
    edges = {ROOT_REF: set(graph.projects), **graph.edges}
    dependencies = []
    for node in sorted([ROOT_REF, *graph.projects, *graph.components]):
        targets = edges.get(node)
        dependencies.append({"dependsOn": sorted(targets), "ref": node} if targets
                            else {"ref": node})
    root: dict[str, Any] = {"bom-ref": ROOT_REF}
    if projects:
        root["components"] = projects
    root.update({"name": name, "type": "application"})
    return {
        "components": components,
        "dependencies": dependencies,
        "metadata": {"component": root, "timestamp": build_time().isoformat(),
                     "tools": {"components": [{"name": TOOL_NAME, "type": "application",
                                               "version": TOOL_VERSION}]}},
        "serialNumber": f"urn:uuid:{document_uuid(graph, name)}",
        "version": 1,
        "$schema": "http://cyclonedx.org/schema/bom-1.6.schema.json",
        "bomFormat": "CycloneDX",
        "specVersion": "1.6"}


def write_json(graph: Graph, name: str) -> str:
    return json_text(document(graph, name), indent=2)


def write_xml(graph: Graph, name: str) -> str:
    """XML through the library's model, read from the JSON document: one description of
    what fincomp writes, two encodings."""
    from cyclonedx.model.bom import Bom
    from cyclonedx.output.xml import XmlV1Dot6

    written = document(graph, name)
    bom = Bom.from_json(written)  # type: ignore[attr-defined]
    _skip_redundant_registration(bom, {d["ref"] for d in written["dependencies"]})
    return XmlV1Dot6(bom).output_as_string(indent=2) + "\n"


def _skip_redundant_registration(bom: Bom, registered: set[str]) -> None:
    """Keep serialisation linear in the number of components.

    The outputters call `Bom.validate()`, which calls `register_dependency` for every
    component, and that finds the existing entry by a linear scan: quadratic time, minutes
    for tens of thousands of components (cyclonedx-python-lib issue #1006). Every node
    already has its entry here, and registering a known node with nothing new is a no-op
    in the library, so such calls return at once; anything else goes to the library.
    """
    library_register = bom.register_dependency

    def register(target, depends_on=None):  # type: ignore[no-untyped-def]
        if depends_on or target.bom_ref.value not in registered:
            library_register(target, depends_on)

    bom.register_dependency = register  # type: ignore[method-assign]


def _missing_last(value: str | None) -> tuple[bool, str]:
    return value is None, value or ""


def _component_order(entry: dict[str, Any]) -> tuple:
    """The library's component order: type, group, name, version, then bom-ref (unique)."""
    return (entry["type"], _missing_last(entry.get("group")), entry["name"],
            _missing_last(entry.get("version")), entry["bom-ref"])


def _properties(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [_property(n, v) for n, v in sorted(set(pairs))]


@lru_cache(maxsize=4096)
def _property(name: str, value: str) -> dict[str, str]:
    """One object for the properties most components share (scope, direct, method): a
    document of 50,000 components is held whole while it is encoded."""
    return {"name": name, "value": value}


def _project(project: Project) -> dict[str, Any]:
    entry: dict[str, Any] = {"bom-ref": project.ref, "name": project.name,
                             "properties": _properties([
                                 (PROPERTY_PREFIX + "project", "true"),
                                 (PROPERTY_PREFIX + "ecosystem", project.ecosystem),
                                 (PROPERTY_PREFIX + "location", str(project.manifest)),
                                 (PROPERTY_PREFIX + "scanner", project.scanner)]),
                             "type": "application"}
    if project.version is not None:
        entry["version"] = project.version
    return entry


def _written_name(component: Component) -> tuple[str | None, str]:
    """(group, name) as the package spells itself: the purl spec lower-cases npm names, but
    `JSONStream` and `jsonstream` are different packages on the registry. The purl's split
    decides where the group ends; the component's own name gives the letters, when it names
    the same package."""
    _, namespace, purl_name = purl_parts(component.purl)
    cut = len(namespace) if namespace else 0
    own_group, own_name = (component.name[:cut], component.name[cut + 1:]) if cut \
        else (None, component.name)
    same = _folded(own_name) == _folded(purl_name) and (
        not cut or own_group.lower() == namespace.lower())
    return (own_group, own_name) if same else (namespace, purl_name)


def _folded(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _component(component: Component, direct: bool) -> dict[str, Any]:
    group, name = _written_name(component)
    pairs = [(PROPERTY_PREFIX + "scope", component.scope.value),
             (PROPERTY_PREFIX + "direct", "true" if direct else "false")]
    pairs += [(PROPERTY_PREFIX + "location", str(loc)) for loc in component.locations]
    pairs += [(PROPERTY_PREFIX + "license-file", f) for f in component.license_files]
    pairs += [(PROPERTY_PREFIX + "declared-field",
               f"{d.field}={d.text}") for d in component.declared_licenses]
    if component.requirement:
        pairs.append((PROPERTY_PREFIX + "requirement", component.requirement))
    if component.concluded is not None:
        pairs += [(PROPERTY_PREFIX + "concluded", component.concluded.expression),
                  (PROPERTY_PREFIX + "concluded-method", component.concluded.method),
                  (PROPERTY_PREFIX + "concluded-confidence",
                   f"{component.concluded.confidence:.2f}")]
        if component.concluded.mismatch:
            pairs.append((PROPERTY_PREFIX + "licence-mismatch", component.concluded.reason or ""))
    pairs += list(component.properties)
    licences, evidence = _licence_fields(component)
    entry: dict[str, Any] = {"bom-ref": component.ref}
    if evidence:
        entry["evidence"] = {"licenses": _licence_list(tuple(evidence))}
    if group is not None:
        entry["group"] = group
    if component.hashes:
        entry["hashes"] = [{"alg": alg, "content": value}
                           for alg, value in sorted({(h.algorithm, h.value)
                                                     for h in component.hashes})]
    if licences:
        entry["licenses"] = _licence_list(tuple(licences))
    entry.update({"name": name, "properties": _properties(pairs), "purl": component.purl,
                  "scope": _SCOPES[component.scope], "type": "library"})
    if component.version is not None:
        entry["version"] = component.version
    return entry


# A licence as CycloneDX holds it: (kind, acknowledgement, value), kind "id", "name" or
# "expression", decided by the library's own licence factory.
_Licence = tuple[str, str, str]


@lru_cache(maxsize=4096)
def _licence(text: str, acknowledgement: str) -> _Licence:
    """An SPDX id, an expression, or a name, decided as the library's own licence factory
    decides (`LicenseFactory.make_from_string`), with its SPDX data."""
    licence_id = fixup_id(text)
    if licence_id is not None:
        return "id", acknowledgement, licence_id
    if is_expression(text):
        return "expression", acknowledgement, text
    return "name", acknowledgement, text


@lru_cache(maxsize=4096)   # shared, as `_property`
def _licence_list(licences: tuple[_Licence, ...]) -> list[dict[str, Any]]:
    """A licence list as the library writes it: an expression alone (the first in its
    order), else each licence once, ids before names."""
    expressions = sorted((ack, value) for kind, ack, value in licences if kind == "expression")
    if expressions:
        ack, value = expressions[0]
        return [{"acknowledgement": ack, "expression": value}]
    return [{"license": {"acknowledgement": ack, kind: value}}
            for ack, is_name, value, kind in sorted({(ack, kind == "name", value, kind)
                                                      for kind, ack, value in licences})]


def _licence_fields(component: Component) -> tuple[list[_Licence], list[_Licence]]:
    """(licenses, evidence licences). CycloneDX allows an expression only on its own, so when
    the concluded or a declared licence is an expression, the concluded one stands in
    `licenses` and the declared ones move to the evidence."""
    declared = [_licence(t, "declared")
                for t in dict.fromkeys(d.text for d in component.declared_licenses)]
    conclusion = component.concluded
    if conclusion is None or conclusion.expression == UNKNOWN:
        if any(kind == "expression" for kind, _, _ in declared) and len(declared) > 1:
            return [], declared
        return declared, []
    concluded = _licence(conclusion.expression, "concluded")
    together = [*declared, concluded]
    if not any(kind == "expression" for kind, _, _ in together):
        return together, []
    return [concluded], declared


# -- reading ----------------------------------------------------------------------------

def from_json(data: Any, path: str) -> Graph:
    """A CycloneDX JSON document, already parsed (by fincomp's bounded reader)."""
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise InputError(path, "not a CycloneDX JSON document (no \"bomFormat\": \"CycloneDX\")")
    from cyclonedx.model.bom import Bom

    return _from_library(lambda: Bom.from_json(data), path, "JSON")  # type: ignore[attr-defined]


def read_xml(text: str, path: str) -> Graph:
    element = load_xml(text, path)
    from cyclonedx.model.bom import Bom

    return _from_library(lambda: Bom.from_xml(element), path, "XML")  # type: ignore[attr-defined]


def _from_library(build: Callable[[], Bom], path: str, kind: str) -> Graph:
    try:
        bom = build()
    except Exception as exc:  # the library raises many types for schema violations
        raise InputError(path, f"invalid CycloneDX {kind}: {exc}") from None
    return from_bom(bom, path)


def from_bom(bom: Bom, path: str) -> Graph:
    graph = Graph()
    root = bom.metadata.component
    first_party = list(root.components) if root is not None else []
    if root is not None and not first_party:
        first_party = [root]
    for node in first_party:
        graph.add_project(_project_back(node, path))
    for node in _walk(bom.components):
        if node.bom_ref.value in graph.projects:
            continue
        graph.add_component(_component_back(node, path))
    known = set(graph.projects) | set(graph.components)
    for dependency in bom.dependencies:
        for target in dependency.dependencies:
            if dependency.ref.value in known and target.ref.value in known:
                graph.add_edge(dependency.ref.value, target.ref.value)
    return graph


def _walk(components: Any):
    for component in components:
        yield component
        yield from _walk(component.components)


def _props(node: CdxComponent) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for prop in node.properties:
        found.setdefault(prop.name, []).append(prop.value or "")
    return found


def _location(text: str) -> Location:
    path, _, line = text.rpartition(":")
    return Location(path, int(line)) if path and line.isdigit() else Location(text)


def _project_back(node: CdxComponent, path: str) -> Project:
    props = _props(node)
    ref = node.bom_ref.value or f"project:{path}#{node.name}"
    return Project(ref=ref, name=node.name, version=node.version,
                   ecosystem=props.get(PROPERTY_PREFIX + "ecosystem", ["unknown"])[0],
                   manifest=_location(props.get(PROPERTY_PREFIX + "location", [path])[0]),
                   scanner=props.get(PROPERTY_PREFIX + "scanner", ["cyclonedx"])[0])


def _component_back(node: CdxComponent, path: str) -> Component:
    from cyclonedx.model.license import LicenseAcknowledgement, LicenseExpression

    props = _props(node)
    purl = node.purl.to_string() if node.purl else PackageURL(
        type="generic", namespace=node.group, name=node.name, version=node.version).to_string()
    purl_type = node.purl.type if node.purl else "generic"
    scope_value = props.get(PROPERTY_PREFIX + "scope", [None])[0]
    scope = Scope(scope_value) if scope_value in {s.value for s in Scope} else \
        _SCOPES_BACK.get(node.scope.value if node.scope else "", Scope.REQUIRED)
    fields = {text: field for field, _, text in (
        v.partition("=") for v in props.get(PROPERTY_PREFIX + "declared-field", []))}
    declared = []
    evidence = list(node.evidence.licenses) if node.evidence else []
    for licence in [*node.licenses, *evidence]:
        if licence.acknowledgement is LicenseAcknowledgement.CONCLUDED:
            continue
        text = licence.value if isinstance(licence, LicenseExpression) else (
            licence.id or licence.name or "")
        if text:
            declared.append(DeclaredLicense(text, fields.get(text, "cyclonedx")))
    concluded = None
    if PROPERTY_PREFIX + "concluded" in props:
        concluded = LicenceConclusion(
            expression=props[PROPERTY_PREFIX + "concluded"][0],
            confidence=float(props.get(PROPERTY_PREFIX + "concluded-confidence", ["0"])[0]),
            method=props.get(PROPERTY_PREFIX + "concluded-method", ["cyclonedx"])[0],
            evidence=("read from a CycloneDX SBOM",),
            mismatch=PROPERTY_PREFIX + "licence-mismatch" in props,
            reason=props.get(PROPERTY_PREFIX + "licence-mismatch", [None])[0])
    consumed = {PROPERTY_PREFIX + k for k in (
        "scope", "direct", "location", "license-file", "declared-field", "requirement",
        "concluded", "concluded-method", "concluded-confidence", "licence-mismatch")}
    locations = props.get(PROPERTY_PREFIX + "location") or [path]
    return Component(
        ref=node.bom_ref.value or purl, ecosystem=ECOSYSTEM_BY_PURL_TYPE.get(purl_type, purl_type),
        name=name_from_purl(purl_type, node.group, node.name), version=node.version,
        purl=purl, scope=scope, declared_licenses=tuple(declared),
        locations=tuple(sorted(_location(v) for v in locations)),
        hashes=tuple(sorted(Hash(h.alg.value, h.content) for h in node.hashes)),
        requirement=props.get(PROPERTY_PREFIX + "requirement", [None])[0],
        license_files=tuple(props.get(PROPERTY_PREFIX + "license-file", [])),
        properties=tuple(sorted((k, v) for k, values in props.items() if k not in consumed
                                for v in values)),
        concluded=concluded)
