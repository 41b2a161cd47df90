"""Vendored third-party code: components found by folder, licences by their files."""

from __future__ import annotations

import shutil

from fincompliance.licensing.conclude import conclude_graph
from fincompliance.scan import scan

from conftest import CORPUS


def test_vendored_folders_are_components_concluded_from_their_files(tmp_path):
    vendored = tmp_path / "third_party"
    (vendored / "six").mkdir(parents=True)
    shutil.copy(CORPUS / "python/site-packages-fin/six-1.17.0.dist-info/LICENSE",
                vendored / "six" / "LICENSE")
    (vendored / "blessed").mkdir()
    (vendored / "blessed" / "blessed.c").write_text(
        "/*\n** The author disclaims copyright to this source code.  In place of\n"
        "** a legal notice, here is a blessing:\n**\n**    May you do good and not evil.\n"
        "**    May you find forgiveness for yourself and forgive others.\n"
        "**    May you share freely, never taking more than you give.\n*/\nint x;\n")
    (vendored / "nothing").mkdir()
    graph = scan(tmp_path).graph
    conclude_graph(graph, tmp_path)
    by_name = {c.name: c for c in graph.components.values()}
    assert by_name["six"].purl == "pkg:generic/six"
    assert (by_name["six"].concluded.expression, by_name["six"].concluded.method) == (
        "MIT", "detected")
    assert by_name["blessed"].concluded.expression == "blessing"
    assert by_name["nothing"].concluded.method == "unconcluded"
