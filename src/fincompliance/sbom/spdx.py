"""SPDX 2.3 (JSON and tag-value) from the graph, and back.

JSON is written directly, as spdx-tools would write it (the tests hold every output to the
library's own serialisation and validation); tag-value and reading go through spdx-tools.

The document DESCRIBES a package for the scanned tree, which CONTAINS each first-party
project. Dependencies are DEPENDS_ON, or DEV_DEPENDENCY_OF / OPTIONAL_DEPENDENCY_OF (from
the dependency to its dependent) when the dependency is needed only in that scope.
Declared licences that are not SPDX yet become LicenseRef-s carrying the text as written.
"""

from __future__ import annotations

import hashlib
import io
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any

from packageurl import PackageURL
from spdx_tools.common.spdx_licensing import spdx_licensing
from spdx_tools.spdx.model import (
    ChecksumAlgorithm,
    Document,
    Package,
    RelationshipType,
    SpdxNoAssertion,
)
from spdx_tools.spdx.parser.error import SPDXParsingError
from spdx_tools.spdx.writer.tagvalue.tagvalue_writer import (
    write_document_to_stream as write_tv_doc,
)

from fincompliance.clock import build_time
from fincompliance.errors import InputError
from fincompliance.json_text import json_text
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.licensing.normalise import UNKNOWN, parse_spdx
from fincompliance.model import (
    Component,
    DeclaredLicense,
    Graph,
    Hash,
    LicenceConclusion,
    Location,
    Project,
    Scope,
    make_purl,
    name_from_purl,
)
from fincompliance.sbom.common import (
    ECOSYSTEM_BY_PURL_TYPE,
    TOOL_NAME,
    TOOL_VERSION,
    document_uuid,
)

NAMESPACE_BASE = "https://sbom.example.internal/fincomp"
_ROOT_ID = "SPDXRef-fincomp-root"
_CHECKSUMS = {"SHA-1": ChecksumAlgorithm.SHA1, "SHA-256": ChecksumAlgorithm.SHA256,
              "SHA-384": ChecksumAlgorithm.SHA384, "SHA-512": ChecksumAlgorithm.SHA512,
              "MD5": ChecksumAlgorithm.MD5, "BLAKE2b-512": ChecksumAlgorithm.BLAKE2B_512}
_CHECKSUMS_BACK = {v: k for k, v in _CHECKSUMS.items()}
_CHECKSUM_NAMES = {"SHA-1": "SHA1", "SHA-256": "SHA256", "SHA-384": "SHA384",
                   "SHA-512": "SHA512", "MD5": "MD5", "BLAKE2b-512": "BLAKE2b-512"}
_SCOPED_EDGES = {Scope.DEV: RelationshipType.DEV_DEPENDENCY_OF,
                 Scope.OPTIONAL: RelationshipType.OPTIONAL_DEPENDENCY_OF}
# Relationships read as "the first needs or ships the second" (suppliers' documents use
# linking and containment where fincomp writes DEPENDS_ON)
_NEEDS = {RelationshipType.DEPENDS_ON, RelationshipType.DYNAMIC_LINK,
          RelationshipType.STATIC_LINK, RelationshipType.CONTAINS}


def spdx_id(ref: str) -> str:
    readable = re.sub(r"[^A-Za-z0-9.-]+", "-", ref.split(":", 1)[-1]).strip("-")[:60]
    return f"SPDXRef-{readable}-{hashlib.sha1(ref.encode()).hexdigest()[:10]}"


def document(graph: Graph, name: str) -> dict[str, Any]:
    """The SPDX 2.3 JSON document, written directly: the keys, order and values spdx-tools
    writes for these fields (its model and deep copies took half a minute and 600 MB at
    50,000 packages)."""
    uid = document_uuid(graph, name)
    ids = _Identifiers()
    extracted: dict[str, dict[str, str]] = {}
    packages = [_package(_ROOT_ID, name, None, "APPLICATION", "scanned tree")]
    packages += [_package(ids[p.ref], p.name, p.version, "APPLICATION",
                          f"project {p.ref} ({p.ecosystem}) from {p.manifest}")
                 for p in (graph.projects[r] for r in sorted(graph.projects))]
    packages += [_component(c, ids[c.ref], extracted) for c in graph.sorted_components()]
    relationships = [_relationship("SPDXRef-DOCUMENT", _ROOT_ID, "DESCRIBES")]
    relationships += [_relationship(_ROOT_ID, ids[ref], "CONTAINS")
                      for ref in sorted(graph.projects)]
    for source in sorted(graph.edges):
        for target in sorted(graph.edges[source]):
            component = graph.components.get(target)
            scoped = _SCOPED_EDGES.get(component.scope) if component else None
            if scoped:
                relationships.append(_relationship(ids[target], ids[source], scoped.name))
            else:
                relationships.append(_relationship(ids[source], ids[target], "DEPENDS_ON"))
    written: dict[str, Any] = {
        "SPDXID": "SPDXRef-DOCUMENT",
        "creationInfo": {"created": build_time().strftime("%Y-%m-%dT%H:%M:%SZ"),
                         "creators": [f"Tool: {TOOL_NAME}-{TOOL_VERSION}"]},
        "dataLicense": "CC0-1.0"}
    if extracted:
        written["hasExtractedLicensingInfos"] = [extracted[k] for k in sorted(extracted)]
    written.update({
        "name": name, "spdxVersion": "SPDX-2.3",
        "documentNamespace": f"{NAMESPACE_BASE}/{re.sub(r'[^A-Za-z0-9._-]', '-', name)}-{uid}",
        "packages": packages, "relationships": relationships})
    return written


def to_document(graph: Graph, name: str) -> Document:
    """The same document in spdx-tools' model, for tag-value and validation."""
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    return JsonLikeDictParser().parse(document(graph, name))


class _Identifiers(dict[str, str]):
    """Each node's SPDX id, made once (an edge names two)."""

    def __missing__(self, ref: str) -> str:
        identifier = self[ref] = spdx_id(ref)
        return identifier


def _relationship(element: str, related: str, kind: str) -> dict[str, str]:
    return {"spdxElementId": element, "relatedSpdxElement": related, "relationshipType": kind}


def _package(identifier: str, name: str, version: str | None, purpose: str,
             comment: str) -> dict[str, Any]:
    package: dict[str, Any] = {
        "SPDXID": identifier, "comment": comment, "copyrightText": "NOASSERTION",
        "downloadLocation": "NOASSERTION", "filesAnalyzed": False,
        "licenseConcluded": "NOASSERTION", "licenseDeclared": "NOASSERTION", "name": name,
        "primaryPackagePurpose": purpose}
    if version is not None:
        package["versionInfo"] = version
    return package


def _component(component: Component, identifier: str, extracted: dict[str, dict[str, str]]
               ) -> dict[str, Any]:
    fields = _package(identifier, component.name, component.version, "LIBRARY",
                      f"fincomp ref: {component.ref}; scope: {component.scope.value}")
    checksums = [{"algorithm": _CHECKSUM_NAMES[h.algorithm], "checksumValue": h.value}
                 for h in dict.fromkeys(component.hashes) if h.algorithm in _CHECKSUM_NAMES]
    fields["externalRefs"] = [{"referenceCategory": "PACKAGE_MANAGER",
                               "referenceLocator": component.purl, "referenceType": "purl"}]
    fields["sourceInfo"] = "declared in " + ", ".join(str(loc) for loc in component.locations)
    text = component.declared_license
    if text:
        fields["licenseDeclared"] = _spdx_licence(text, extracted, "declared by the package")
    if component.concluded is not None and component.concluded.expression != UNKNOWN:
        fields["licenseConcluded"] = _spdx_licence(
            component.concluded.expression, extracted,
            f"concluded by fincomp ({component.concluded.method})")
    if checksums:
        fields["checksums"] = checksums
    return {key: fields[key] for key in _PACKAGE_KEYS if key in fields}


# spdx-tools' order of a package's keys
_PACKAGE_KEYS = ("SPDXID", "checksums", "comment", "copyrightText", "downloadLocation",
                 "externalRefs", "filesAnalyzed", "licenseConcluded", "licenseDeclared",
                 "name", "primaryPackagePurpose", "sourceInfo", "versionInfo")


def _spdx_licence(text: str, extracted: dict[str, dict[str, str]], origin: str) -> str:
    """An SPDX 2.3 expression for `text`; what SPDX 2.3 cannot say (prose, or a LicenseRef
    after WITH) becomes one LicenseRef carrying the text as written."""
    expression = parse_spdx(text)
    if expression is None or re.search(r"WITH\s+LicenseRef-", expression):
        licence_id = "LicenseRef-fincomp-" + hashlib.sha256(text.encode()).hexdigest()[:12]
        extracted[licence_id] = _extracted(
            licence_id, text, text[:200], f"{origin}; not an SPDX 2.3 expression as written")
        expression = licence_id
    for licence_id in re.findall(r"LicenseRef-[A-Za-z0-9.-]+", expression):
        extracted.setdefault(licence_id, _extracted(
            licence_id, _reference_text(licence_id), licence_id, "licence outside the SPDX list"))
    return _spdx_written(expression)


def _extracted(licence_id: str, text: str, name: str, comment: str) -> dict[str, str]:
    return {"comment": comment, "extractedText": text, "licenseId": licence_id, "name": name}


@lru_cache(maxsize=4096)
def _spdx_written(expression: str) -> str:
    """An expression as spdx-tools writes it (its own parser's rendering)."""
    return str(spdx_licensing.parse(expression))


def _reference_text(licence_id: str) -> str:
    licence = load_knowledge().get(licence_id)
    if licence is None:
        return licence_id
    return f"{licence.name}. Source: {'; '.join(licence.source)}"


def write_json(graph: Graph, name: str) -> str:
    return json_text(document(graph, name), indent=4)


def write_tag_value(graph: Graph, name: str) -> str:
    stream = io.StringIO()
    write_tv_doc(to_document(graph, name), stream, validate=False)
    return stream.getvalue()


# -- reading ----------------------------------------------------------------------------

def from_dict(data: Any, path: str) -> Graph:
    """An SPDX JSON or YAML document, already parsed (by fincomp's bounded readers)."""
    from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser

    return _parsed(lambda: JsonLikeDictParser().parse(data), path)


def read_tag_value(text: str, path: str) -> Graph:
    from spdx_tools.spdx.parser.tagvalue.parser import Parser

    return _parsed(lambda: Parser().parse(text), path)


def _parsed(parse: Callable[[], Document], path: str) -> Graph:
    try:
        document = parse()
    except SPDXParsingError as exc:
        messages = "; ".join(exc.get_messages()[:3])
        raise InputError(path, f"invalid SPDX document: {messages}") from None
    except Exception as exc:  # the parsers raise many types on malformed input
        raise InputError(path, f"invalid SPDX document: {exc}") from None
    return from_document(document, path)


def from_document(document: Document, path: str) -> Graph:
    graph = Graph()
    described = [r.related_spdx_element_id for r in document.relationships
                 if r.relationship_type is RelationshipType.DESCRIBES]
    contained = {r.related_spdx_element_id for r in document.relationships
                 if r.relationship_type is RelationshipType.CONTAINS
                 and r.spdx_element_id in described}
    # fincomp's own documents describe a root that contains the projects; a supplier's
    # usually describes its product package directly (and may "contain" files)
    contained &= {package.spdx_id for package in document.packages}
    first_party = contained or set(described)
    refs: dict[str, str] = {}
    extracted = {e.license_id: e.extracted_text for e in document.extracted_licensing_info}
    for package in document.packages:
        purl = next((r.locator for r in package.external_references
                     if r.reference_type == "purl"), None)
        if package.spdx_id in first_party:
            project = graph.add_project(Project(
                ref=_project_ref(package), name=package.name, version=package.version,
                ecosystem="unknown", manifest=Location(path), scanner="spdx"))
            refs[package.spdx_id] = project.ref
            continue
        if package.spdx_id in described:
            continue  # the subject of fincomp's own documents, which contains the projects
        if purl is None:
            # suppliers often give no purl: the package is still in the product
            purl = make_purl("generic", package.name, package.version)
        component = graph.add_component(_component_back(package, purl, path, extracted))
        refs[package.spdx_id] = component.ref
    for relationship in document.relationships:
        kind = relationship.relationship_type
        source, target = refs.get(relationship.spdx_element_id), refs.get(
            str(relationship.related_spdx_element_id))
        if source is None or target is None:
            continue
        if kind in _NEEDS:
            graph.add_edge(source, target)
        elif kind in _SCOPED_EDGES.values() or kind is RelationshipType.DEPENDENCY_OF:
            graph.add_edge(target, source)
    return graph


def _project_ref(package: Package) -> str:
    found = re.search(r"project (project:\S+)", package.comment or "")
    return found.group(1) if found else f"project:{package.spdx_id}"


def _component_back(package: Package, purl: str, path: str,
                    extracted: dict[str, str]) -> Component:
    parsed = PackageURL.from_string(purl)
    scope = Scope.REQUIRED
    found = re.search(r"scope: (\w+)", package.comment or "")
    if found and found.group(1) in {s.value for s in Scope}:
        scope = Scope(found.group(1))
    declared = ()
    if package.license_declared is not None and not isinstance(package.license_declared,
                                                               SpdxNoAssertion):
        text = str(package.license_declared)
        declared = (DeclaredLicense(extracted.get(text, text), "spdx"),)
    concluded = None
    if package.license_concluded is not None and not isinstance(package.license_concluded,
                                                                SpdxNoAssertion):
        text = str(package.license_concluded)
        concluded = LicenceConclusion(expression=extracted.get(text, text), confidence=1.0,
                                      method="spdx", evidence=("read from an SPDX document",))
    locations = re.findall(r"(\S+?)(?::(\d+))?(?:,|$)",
                           (package.source_info or "").removeprefix("declared in "))
    name = name_from_purl(parsed.type, parsed.namespace, parsed.name) if parsed.namespace \
        else package.name
    ref = re.search(r"fincomp ref: (\S+);", package.comment or "")
    return Component(
        ref=ref.group(1) if ref else purl, ecosystem=ECOSYSTEM_BY_PURL_TYPE.get(
            parsed.type, parsed.type), name=name, version=package.version, purl=purl,
        scope=scope, declared_licenses=declared,
        locations=tuple(sorted(Location(p, int(n) if n else None) for p, n in locations if p))
        or (Location(path),),
        hashes=tuple(sorted(Hash(_CHECKSUMS_BACK[c.algorithm], c.value)
                            for c in package.checksums if c.algorithm in _CHECKSUMS_BACK)),
        concluded=concluded)
