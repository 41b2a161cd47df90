"""Normalising declared licences: every declared string in the corpus, and common prose."""

from __future__ import annotations

import json
import re

import pytest

from fincompliance.licensing.expressions import allowed, terms
from fincompliance.licensing.normalise import UNKNOWN, normalise
from fincompliance.scan import ScanOptions, scan

from conftest import CORPUS, FIXTURES

V = UNKNOWN  # vague or unidentified: never guessed

CORPUS_STRINGS = {
    "License :: OSI Approved :: Apache Software License": V,
    "License :: OSI Approved :: Artistic License": V,
    "License :: OSI Approved :: BSD License": V,
    "License :: OSI Approved :: GNU General Public License (GPL)": V,
    "License :: OSI Approved :: GNU General Public License v2 or later (GPLv2+)":
        "GPL-2.0-or-later",
    "License :: OSI Approved :: GNU Library or Lesser General Public License (LGPL)": V,
    "License :: OSI Approved :: MIT License": "MIT",
    "License :: OSI Approved :: Mozilla Public License 2.0 (MPL 2.0)": "MPL-2.0",
    "Apache-2.0": "Apache-2.0",
    "Artistic License": V,
    "BSD": V,
    "BSD-3-Clause": "BSD-3-Clause",
    "Dual License": V,
    "GNU GPLv2 (with FOSS License Exception)": "GPL-2.0-only WITH Universal-FOSS-exception-1.0",
    "LGPL with exceptions": V,
    "MIT": "MIT",
    "MPL-2.0": "MPL-2.0",
    "New BSD": "BSD-3-Clause",
    "0BSD": "0BSD",
    "Apache-2.0 OR BSD-3-Clause": "Apache-2.0 OR BSD-3-Clause",
    "BSD-2-Clause": "BSD-2-Clause",
    "BSD-2-Clause AND Unlicense AND MIT": "BSD-2-Clause AND Unlicense AND MIT",
    "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0":
        "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0",
    "LGPL-2.1": "LGPL-2.1-only",
    "LGPL-3.0-only": "LGPL-3.0-only",
    "MIT-0": "MIT-0",
    "PSF-2.0": "PSF-2.0",
    "GPL-2.0-only": "GPL-2.0-only",
    "GPL-2.0-or-later": "GPL-2.0-or-later",
    "GPL-3.0-only": "GPL-3.0-only",
    "LGPL-2.1-or-later": "LGPL-2.1-or-later",
    "LGPL-3.0-or-later": "LGPL-3.0-or-later",
    "ISC": "ISC",
    "AFLv2.1": "AFL-2.1",
    "Apache License, Version 2.0": "Apache-2.0",
}


def _corpus_declared():
    """(field, text) for every component of the corpus that declares a licence."""
    found = []
    for folder in ["npm/express-app", "python/site-packages-fin"]:
        for component in scan(CORPUS / folder).graph.components.values():
            found += [(d.field, d.text) for d in component.declared_licenses]
    installed = scan(FIXTURES / "node-modules-app", ScanOptions(include_installed=True)).graph
    found += [(d.field, d.text) for c in installed.components.values()
              for d in c.declared_licenses]
    lock = json.loads((CORPUS / "php/bookstack/composer.lock").read_text())
    found += [("composer", text) for p in lock["packages"] + lock["packages-dev"]
              for text in p.get("license", [])]
    for pom in sorted(CORPUS.glob("maven/**/pom.xml")):
        found += [("maven", name.strip()) for name in
                  re.findall(r"<license>\s*<name>([^<]+)</name>", pom.read_text())]
    return found


def test_every_declared_string_in_the_corpus_normalises_as_pinned():
    declared = _corpus_declared()
    assert len(declared) >= 200
    for field, text in declared:
        assert normalise(text, field).expression == CORPUS_STRINGS[text], (field, text)


@pytest.mark.parametrize("text, expected, method", [
    ("mit", "MIT", "spdx"),
    ("apache-2.0", "Apache-2.0", "spdx"),
    ("GPL-2.0+", "GPL-2.0-or-later", "spdx-deprecated"),
    ("GPL-3.0", "GPL-3.0-only", "spdx-deprecated"),
    ("Apache 2.0", "Apache-2.0", "alias"),
    ("Apache License, Version 2.0", "Apache-2.0", "alias"),
    ("MIT License", "MIT", "alias"),
    ("GPLv3+", "GPL-3.0-or-later", "alias"),
    ("Simplified BSD", "BSD-2-Clause", "alias"),
    ("Apache 2.0 or MIT", "Apache-2.0 OR MIT", "alias"),
    ("MIT/Apache-2.0", "MIT OR Apache-2.0", "spdx"),
    ("https://www.apache.org/licenses/LICENSE-2.0", "Apache-2.0", "url"),
    ("http://opensource.org/licenses/MIT", "MIT", "url"),
    ("Mulan PSL v2", "MulanPSL-2.0", "alias"),
    ("木兰宽松许可证, 第2版", "MulanPSL-2.0", "alias"),
    ("Mulan PubL v2", "LicenseRef-scancode-mulanpubl-2.0", "alias"),
    ("MulanPSL-2.0", "MulanPSL-2.0", "spdx"),
    ("UNLICENSED", "LicenseRef-fincomp-unlicensed", "npm"),
    ("License :: Other/Proprietary License", "LicenseRef-fincomp-proprietary", "classifier"),
    ("GPL", V, "vague"),
    ("LGPL", V, "vague"),
    ("BSD", V, "vague"),
    ("Proprietary to ACME Bank, do not copy", V, "unknown"),
])
def test_normalise(text, expected, method):
    result = normalise(text, "License")
    assert (result.expression, result.method) == (expected, method)
    assert result.raw == text


def test_see_license_in_points_at_the_file():
    result = normalise("SEE LICENSE IN LICENSE.md", "license")
    assert result.expression == UNKNOWN and result.file_hint == "LICENSE.md"


def test_licence_prose_is_read_by_scancode():
    prose = (FIXTURES / "licence-texts" / "MIT.txt").read_text()
    result = normalise(prose, "License")
    assert (result.expression, result.method) == ("MIT", "scancode-text")
    assert 0 < result.confidence < 1


@pytest.mark.parametrize("expression, allow, expected", [
    ("MIT-0", ["MIT"], False),
    ("MITNFA", ["MIT"], False),
    ("MIT", ["MIT"], True),
    ("MIT OR GPL-3.0-only", ["MIT"], True),
    ("MIT AND GPL-3.0-only", ["MIT"], False),
    ("MIT AND BSD-3-Clause", ["MIT", "BSD-3-Clause"], True),
    ("GPL-2.0-only WITH Classpath-exception-2.0", ["GPL-2.0-only WITH Classpath-exception-2.0"],
     True),
    ("GPL-2.0-only WITH Classpath-exception-2.0", ["MIT"], False),
    ("Apache-2.0 WITH LLVM-exception", ["Apache-2.0"], True),
])
def test_allow_list_semantics(expression, allow, expected):
    verdict, _ = allowed(expression, allow)
    assert verdict is expected


def test_with_exception_is_resolved_not_unknown():
    result = normalise("GPL-2.0-only WITH Classpath-exception-2.0", "license")
    assert result.method == "spdx"
    (term,) = terms(result.expression)
    assert (term.licence, term.exception) == ("GPL-2.0-only", "Classpath-exception-2.0")
