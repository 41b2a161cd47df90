"""Every SBOM written from the corpus is schema-valid, is what the SBOM libraries would write
for it, reads back to the same graph, and is byte-identical for identical input."""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import pytest
from cyclonedx.model.bom import Bom
from cyclonedx.output.json import JsonV1Dot6
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from cyclonedx.validation.xml import XmlValidator
from hypothesis import example, given, settings
from hypothesis import strategies as st
from spdx_tools.spdx.parser.jsonlikedict.json_like_dict_parser import JsonLikeDictParser
from spdx_tools.spdx.validation.document_validator import validate_full_spdx_document
from spdx_tools.spdx.writer.json.json_writer import write_document_to_stream

from fincompliance.json_text import json_text
from fincompliance.licensing.conclude import conclude_graph
from fincompliance.sbom import cyclonedx, spdx
from fincompliance.scan import scan
from fincompliance.scanners.sbom_document import read_document

from conftest import CORPUS, corpus_entries, run_cli

# every counted row, and the Maven reactor (counted by its modules, not its components)
ENTRIES = sorted({e.path for e in corpus_entries() if e.expected_components}
                 | {"maven/nacos/"})


@pytest.fixture(scope="module", params=ENTRIES)
def scanned(request):
    result = scan(CORPUS / request.param)
    conclude_graph(result.graph, result.root)   # concluded licences are written too
    return request.param, result.graph


@pytest.fixture(autouse=True)
def fixed_time(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")


def _shape(graph):
    return (set(graph.projects), set(graph.components),
            {s: t for s, t in graph.edges.items() if t},
            {r: (c.version, c.purl, c.scope) for r, c in graph.components.items()})


def test_cyclonedx_json_is_what_cyclonedx_python_lib_writes(scanned, monkeypatch):
    """fincomp writes the JSON itself (the library's model took minutes at 50,000
    components): read back into the library's model, the library writes the same bytes."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    name, graph = scanned
    text = cyclonedx.write_json(graph, name)
    assert JsonV1Dot6(Bom.from_json(json.loads(text))).output_as_string(indent=2) + "\n" == text


def test_spdx_json_is_what_spdx_tools_writes(scanned):
    name, graph = scanned
    text = spdx.write_json(graph, name.replace("/", "-"))
    stream = io.StringIO()
    # validate=True: spdx-tools refuses to write a document that does not validate
    write_document_to_stream(JsonLikeDictParser().parse(json.loads(text)), stream,
                             validate=True)
    assert stream.getvalue() + "\n" == text


_WRITERS = {"cyclonedx-json": cyclonedx.write_json, "cyclonedx-xml": cyclonedx.write_xml,
            "spdx-json": spdx.write_json, "spdx-tv": spdx.write_tag_value}
_DIGESTS = Path(__file__).with_name("corpus-sbom-digests.json")


def test_corpus_sboms_keep_their_bytes(scanned, monkeypatch):
    """The SBOM of every corpus row, in every format, is the document fincomp wrote before
    it stopped going through the libraries' models (`corpus-sbom-digests.json`, digests of
    `fincomp sbom` at 1700000000). A change that means to change them updates that file
    and says why in its commit."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    entry, graph = scanned
    target = CORPUS / entry
    name = target.resolve().name if target.is_dir() else target.name   # as `fincomp sbom`
    expected = json.loads(_DIGESTS.read_text())[entry]
    written = {fmt: hashlib.sha256(writer(graph, name).encode()).hexdigest()
               for fmt, writer in _WRITERS.items()}
    assert written == expected


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2**63, 2**63 - 1) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(document=st.dictionaries(st.text(), _JSON, max_size=5), indent=st.sampled_from([2, 4]),
       ascii_only=st.booleans())
# indentation widened in one pass (no value holds two spaces) and level by level (one does)
@example(document={"a": [{"b": {"c": [1, "d e"]}}], "f": {}}, indent=4, ascii_only=True)
@example(document={"a": [{"b  ": {"c": [1, " d  e "]}}], "f": []}, indent=4, ascii_only=True)
def test_json_text_writes_what_the_standard_library_writes(document, indent, ascii_only):
    """Non-ASCII and astral characters, DEL, control characters, any depth; escaped (the
    SBOMs) or as UTF-8 (`scan --format json`)."""
    assert json_text(document, indent, ascii_only) == json.dumps(
        document, indent=indent, ensure_ascii=ascii_only) + "\n"


def test_cyclonedx_json_is_valid_1_6_and_round_trips(scanned):
    name, graph = scanned
    text = cyclonedx.write_json(graph, name)
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    back = read_document(text, "sbom.json")
    assert _shape(back) == _shape(graph)
    assert {r: c.locations for r, c in back.components.items()} == \
        {r: c.locations for r, c in graph.components.items()}


def test_cyclonedx_xml_is_valid_1_6_and_round_trips(scanned):
    name, graph = scanned
    text = cyclonedx.write_xml(graph, name)
    assert XmlValidator(SchemaVersion.V1_6).validate_str(text) is None
    assert _shape(read_document(text, "sbom.xml")) == _shape(graph)


@pytest.mark.parametrize("writer, suffix", [(spdx.write_json, ".spdx.json"),
                                            (spdx.write_tag_value, ".spdx")])
def test_spdx_is_valid_2_3_and_round_trips(scanned, writer, suffix):
    name, graph = scanned
    text = writer(graph, name.replace("/", "-"))
    back_document_errors = validate_full_spdx_document(spdx.to_document(graph, "x"))
    assert back_document_errors == []
    back = read_document(text, f"sbom{suffix}")
    assert _shape(back) == _shape(graph)


def test_spdx_written_file_parses_and_validates_with_spdx_tools(tmp_path):
    from spdx_tools.spdx.parser.parse_anything import parse_file

    graph = scan(CORPUS / "python/site-packages-fin").graph
    path = tmp_path / "sbom.spdx.json"
    path.write_text(spdx.write_json(graph, "site-packages-fin"))
    assert validate_full_spdx_document(parse_file(str(path))) == []


def test_non_spdx_declared_licence_is_carried_as_licenseref_with_its_text():
    graph = scan(CORPUS / "python/site-packages-fin").graph
    document = spdx.to_document(graph, "fin")
    texts = {e.extracted_text for e in document.extracted_licensing_info}
    assert any("BSD License" in t for t in texts)


def test_cyclonedx_declared_licences_are_marked_declared():
    graph = scan(CORPUS / "npm/express-app").graph
    text = cyclonedx.write_json(graph, "express-app")
    assert '"acknowledgement": "declared"' in text


@pytest.mark.parametrize("fmt", ["cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tv"])
def test_same_input_same_bytes_across_processes(fmt, tmp_path):
    digests = set()
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.sbom"
        result = run_cli("sbom", str(CORPUS / "npm/vue2"), "--format", fmt, "-o", str(out),
                         env={"SOURCE_DATE_EPOCH": "1700000000", "PYTHONHASHSEED": seed})
        assert result.returncode == 0, result.stderr
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_source_date_epoch_sets_the_timestamp():
    graph = scan(CORPUS / "npm/express-app").graph
    assert '"timestamp": "2023-11-14T22:13:20+00:00"' in cyclonedx.write_json(graph, "x")
    os.environ.pop("SOURCE_DATE_EPOCH")
    assert "2023-11-14" not in cyclonedx.write_json(graph, "x")


def test_sboms_carry_the_concluded_licence_beside_the_declared(tmp_path):
    import json as json_module

    cdx = tmp_path / "fin.cdx.json"
    assert run_cli("sbom", str(CORPUS / "python/site-packages-fin"), "-o", str(cdx),
                   env={"SOURCE_DATE_EPOCH": "1700000000"}).returncode == 0
    text = cdx.read_text()
    assert JsonStrictValidator(SchemaVersion.V1_6).validate_str(text) is None
    dateutil = next(c for c in json_module.loads(text)["components"]
                    if c["name"] == "python-dateutil")
    assert dateutil["licenses"] == [{"expression": "Apache-2.0 AND BSD-3-Clause",
                                     "acknowledgement": "concluded"}]
    assert {"name": "Dual License", "acknowledgement": "declared"} in [
        entry["license"] for entry in dateutil["evidence"]["licenses"]]
    six = next(c for c in json_module.loads(text)["components"] if c["name"] == "six")
    assert {e["license"]["acknowledgement"] for e in six["licenses"]} == {"declared",
                                                                          "concluded"}
    spdx_file = tmp_path / "fin.spdx.json"
    assert run_cli("sbom", str(CORPUS / "python/site-packages-fin"), "-f", "spdx-json",
                   "-o", str(spdx_file)).returncode == 0
    from spdx_tools.spdx.parser.parse_anything import parse_file

    document = parse_file(str(spdx_file))
    assert validate_full_spdx_document(document) == []
    concluded = {p.name: str(p.license_concluded) for p in document.packages}
    assert concluded["python-dateutil"] == "Apache-2.0 AND BSD-3-Clause"
    assert concluded["certifi"] == "MPL-2.0"
