"""Suppliers' SBOMs in older specification versions, made by other tools: CycloneDX 1.4 and
1.5 (cyclonedx-py) and SPDX 2.2 (the SPDX project's examples), JSON, XML and tag-value."""

from __future__ import annotations

import pytest

from fincompliance.scan import scan
from fincompliance.scanners.sbom_document import ORIGIN_PROPERTY, read_document

from conftest import CORPUS, FIXTURES

SUPPLIED = FIXTURES / "supplier-sboms"
CYCLONEDX = ["legacy-app-1.4.cdx.json", "legacy-app-1.4.cdx.xml", "legacy-app-1.5.cdx.json",
             "legacy-app-1.5.cdx.xml"]


@pytest.mark.parametrize("name", CYCLONEDX)
def test_cyclonedx_1_4_and_1_5_read_to_the_pins_of_the_requirements(name):
    graph = read_document((SUPPLIED / name).read_text(), name)
    pinned = {c.purl for c in scan(CORPUS / "python/legacy-app").graph.components.values()}
    assert {c.purl for c in graph.components.values()} == pinned
    (project,) = graph.projects.values()      # the document itself: it names no subject
    assert graph.reachable_from(project.ref) == set(graph.components)
    assert all((ORIGIN_PROPERTY, f"{name} (CycloneDX {'XML' if name.endswith('xml') else 'JSON'})")
               in c.properties for c in graph.components.values())


@pytest.mark.parametrize("name", ["spdx-example-2.2.spdx.json", "spdx-example-2.2.spdx"])
def test_spdx_2_2_examples_read_packages_without_purls_and_their_links(name):
    graph = read_document((SUPPLIED / name).read_text(), name)
    (project,) = graph.projects.values()
    assert project.name == "glibc" and project.version == "2.11.1"
    found = {c.name: c for c in graph.components.values()}
    assert set(found) == {"Saxon", "Apache Commons Lang", "org.apache.jena:apache-jena"}
    assert found["Saxon"].purl == "pkg:generic/Saxon@8.8"
    assert found["org.apache.jena:apache-jena"].version == "3.12.0"
    assert graph.edges[project.ref] == {found["Saxon"].ref}     # DYNAMIC_LINK
    assert found["Saxon"].declared_licenses[0].text == "MPL-1.0"


def test_supplier_sboms_found_in_a_tree_merge_with_the_rest(tmp_path):
    for name in ("legacy-app-1.5.cdx.json", "spdx-example-2.2.spdx.json"):
        (tmp_path / name).write_text((SUPPLIED / name).read_text())
    graph = scan(tmp_path).graph
    assert len(graph.projects) == 2
    assert len(graph.components) == 21 + 3
