"""fincomp's licence data as an institution may keep its own copy of it
(`FINCOMP_LICENSES_DIR`): a copy that does not read is one line naming it, never a
traceback."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from conftest import CORPUS, REPO, run_cli


def _without_never_substituted(copy: Path) -> str:
    listed = copy / "recognised.yaml"
    listed.write_text(re.sub(r"\nnever_substituted:.*?\n(?=licences:)", "\n",
                             listed.read_text(), flags=re.S))
    return (f"{listed}: no never_substituted list: a copy of fincomp's "
            "licenses/recognised.yaml made for another version?")


def _aliases_not_yaml(copy: Path) -> str:
    (copy / "aliases.yaml").write_text("aliases: [\n")
    return f"{copy / 'aliases.yaml'}:2: not valid YAML: did not find expected node content"


def _catalogue_record_without_category(copy: Path) -> str:
    catalogue = json.loads((copy / "catalog.json").read_text())
    del catalogue["licenses"][0]["category"]
    (copy / "catalog.json").write_text(json.dumps(catalogue))
    return f"{copy}: not fincomp's licence data (KeyError: 'category')"


def _part_from_not_in_the_text(copy: Path) -> str:
    listed = copy / "recognised.yaml"
    listed.write_text(listed.read_text().replace(
        'part_from: "Licensed under the Apache License, Version 2.0"',
        'part_from: "Licensed under the Apache Licence, Version 2.0"'))
    return (f"{listed}: part_from 'Licensed under the Apache Licence, Version 2.0' is not "
            "in its licence's reference text")


def _licence_without_id(copy: Path) -> str:
    listed = copy / "recognised.yaml"
    listed.write_text(listed.read_text().replace("  - id: Apache-2.0\n    part_from:",
                                                 "  - part_from:"))
    return (f"{listed}: a licence listed without its id: "
            "{'part_from': 'Licensed under the Apache License, Version 2.0'}")


@pytest.mark.parametrize("damage", [_without_never_substituted, _aliases_not_yaml,
                                    _catalogue_record_without_category,
                                    _part_from_not_in_the_text, _licence_without_id])
def test_an_institutions_copy_of_the_licence_data_that_does_not_read_is_one_line(
        tmp_path, damage):
    """A copy of licenses/ (FINCOMP_LICENSES_DIR) that is malformed, or made before a list
    was added, is named in one line, exit 2, not a traceback."""
    copy = tmp_path / "licenses"
    shutil.copytree(REPO / "licenses", copy)
    expected = damage(copy)
    tree = tmp_path / "site-packages"
    shutil.copytree(CORPUS / "python/site-packages-fin/six-1.17.0.dist-info",
                    tree / "six-1.17.0.dist-info")
    result = run_cli("sbom", str(tree), "-o", str(tmp_path / "sbom.json"),
                     env={"FINCOMP_LICENSES_DIR": str(copy),
                          "FINCOMP_CACHE_DIR": str(tmp_path / "cache")})
    assert (result.returncode, result.stderr.strip().splitlines()) == (
        2, [f"fincomp: error: {expected}"])
