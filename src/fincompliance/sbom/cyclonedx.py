"""CycloneDX 1.6 (JSON and XML) from the graph, and back, with cyclonedx-python-lib.

Layout: `metadata.component` is the scanned tree; first-party projects are its nested
components; third-party components are top-level with bom-ref = their graph ref.
What CycloneDX has no field for (source line, direct, exact scope, requirement) travels as
`fincomp:` properties, so a written SBOM reads back into the same graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cyclonedx.contrib.license.factories import LicenseFactory
from cyclonedx.model import HashAlgorithm, HashType, Property
from cyclonedx.model.bom import Bom, BomMetaData
from cyclonedx.model.bom_ref import BomRef
from cyclonedx.model.component import Component as CdxComponent
from cyclonedx.model.component import ComponentScope, ComponentType
from cyclonedx.model.component_evidence import ComponentEvidence
from cyclonedx.model.dependency import Dependency
from cyclonedx.model.license import LicenseAcknowledgement, LicenseExpression
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.output.xml import XmlV1Dot6
from packageurl import PackageURL

from fincompliance.clock import build_time
from fincompliance.errors import InputError
from fincompliance.inputs import load_xml
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
)
from fincompliance.sbom.common import (
    ECOSYSTEM_BY_PURL_TYPE,
    PROPERTY_PREFIX,
    TOOL_NAME,
    TOOL_VERSION,
    document_uuid,
)

ROOT_REF = "fincomp:root"
_FACTORY = LicenseFactory()
_SCOPES = {Scope.REQUIRED: ComponentScope.REQUIRED, Scope.OPTIONAL: ComponentScope.OPTIONAL,
           Scope.DEV: ComponentScope.EXCLUDED}
_SCOPES_BACK = {v: k for k, v in _SCOPES.items()}


def to_bom(graph: Graph, name: str) -> Bom:
    direct = graph.direct_refs()
    root = CdxComponent(type=ComponentType.APPLICATION, name=name, bom_ref=ROOT_REF,
                        components=[_project(p) for p in _sorted(graph.projects)])
    metadata = BomMetaData(timestamp=build_time(), component=root)
    metadata.tools.components.add(CdxComponent(type=ComponentType.APPLICATION,
                                               name=TOOL_NAME, version=TOOL_VERSION))
    bom = Bom(serial_number=document_uuid(graph, name), metadata=metadata,
              components=[_component(c, c.ref in direct) for c in graph.sorted_components()])
    nodes = [ROOT_REF, *sorted(graph.projects), *sorted(graph.components)]
    edges = {ROOT_REF: set(graph.projects), **graph.edges}
    bom.dependencies.update(
        Dependency(ref=BomRef(node), dependencies=[Dependency(ref=BomRef(t))
                                                   for t in sorted(edges.get(node, ()))])
        for node in nodes)
    _skip_redundant_registration(bom, set(nodes))
    return bom


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


def write_json(graph: Graph, name: str) -> str:
    return JsonV1Dot6(to_bom(graph, name)).output_as_string(indent=2) + "\n"


def write_xml(graph: Graph, name: str) -> str:
    return XmlV1Dot6(to_bom(graph, name)).output_as_string(indent=2) + "\n"


def _sorted(projects: dict[str, Project]) -> list[Project]:
    return [projects[ref] for ref in sorted(projects)]


def _properties(pairs: list[tuple[str, str]]) -> list[Property]:
    return [Property(name=n, value=v) for n, v in pairs]


def _project(project: Project) -> CdxComponent:
    return CdxComponent(
        type=ComponentType.APPLICATION, name=project.name, version=project.version,
        bom_ref=project.ref, properties=_properties([
            (PROPERTY_PREFIX + "project", "true"),
            (PROPERTY_PREFIX + "ecosystem", project.ecosystem),
            (PROPERTY_PREFIX + "location", str(project.manifest)),
            (PROPERTY_PREFIX + "scanner", project.scanner)]))


def _written_name(component: Component, purl: PackageURL) -> tuple[str | None, str]:
    """(group, name) as the package spells itself: the purl spec lower-cases npm names, but
    `JSONStream` and `jsonstream` are different packages on the registry. The purl's split
    decides where the group ends; the component's own name gives the letters, when it names
    the same package."""
    cut = len(purl.namespace) if purl.namespace else 0
    own_group, own_name = (component.name[:cut], component.name[cut + 1:]) if cut \
        else (None, component.name)
    same = _folded(own_name) == _folded(purl.name) and (
        not cut or own_group.lower() == purl.namespace.lower())
    return (own_group, own_name) if same else (purl.namespace, purl.name)


def _folded(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _component(component: Component, direct: bool) -> CdxComponent:
    purl = PackageURL.from_string(component.purl)
    group, name = _written_name(component, purl)
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
    licences, evidence = _licence_fields(component)
    pairs += list(component.properties)
    return CdxComponent(
        type=ComponentType.LIBRARY, name=name, group=group,
        version=component.version, bom_ref=component.ref, purl=purl,
        scope=_SCOPES[component.scope],
        hashes=[HashType(alg=HashAlgorithm(h.algorithm), content=h.value)
                for h in component.hashes],
        licenses=licences, evidence=ComponentEvidence(licenses=evidence) if evidence else None,
        properties=_properties(pairs))


def _licence(text: str, acknowledgement: LicenseAcknowledgement):
    """An SPDX id, an expression, or a name, as the library's own factory decides."""
    return _FACTORY.make_from_string(text, license_acknowledgement=acknowledgement)


def _licence_fields(component: Component) -> tuple[list, list]:
    """(licenses, evidence licences). CycloneDX allows an expression only on its own, so when
    the concluded or a declared licence is an expression, the concluded one stands in
    `licenses` and the declared ones move to the evidence."""
    declared = [_licence(t, LicenseAcknowledgement.DECLARED)
                for t in dict.fromkeys(d.text for d in component.declared_licenses)]
    conclusion = component.concluded
    if conclusion is None or conclusion.expression == UNKNOWN:
        if any(isinstance(d, LicenseExpression) for d in declared) and len(declared) > 1:
            return [], declared
        return declared, []
    concluded = _licence(conclusion.expression, LicenseAcknowledgement.CONCLUDED)
    together = [*declared, concluded]
    if not any(isinstance(item, LicenseExpression) for item in together):
        return together, []
    return [concluded], declared


# -- reading ----------------------------------------------------------------------------

def from_json(data: Any, path: str) -> Graph:
    """A CycloneDX JSON document, already parsed (by fincomp's bounded reader)."""
    if not isinstance(data, dict) or data.get("bomFormat") != "CycloneDX":
        raise InputError(path, "not a CycloneDX JSON document (no \"bomFormat\": \"CycloneDX\")")
    return _from_library(lambda: Bom.from_json(data), path, "JSON")  # type: ignore[attr-defined]


def read_xml(text: str, path: str) -> Graph:
    element = load_xml(text, path)
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
    props = _props(node)
    purl = node.purl.to_string() if node.purl else PackageURL(
        type="generic", namespace=node.group, name=node.name, version=node.version).to_string()
    purl_type = node.purl.type if node.purl else "generic"
    scope_value = props.get(PROPERTY_PREFIX + "scope", [None])[0]
    scope = Scope(scope_value) if scope_value in {s.value for s in Scope} else \
        _SCOPES_BACK.get(node.scope, Scope.REQUIRED)
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
