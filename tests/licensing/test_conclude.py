"""Licence conclusions for the 63 distributions of a real financial back-office environment.

Each row was checked by hand against the distribution's METADATA and licence files. The
non-trivial ones: mysql-connector-python declares "GNU GPLv2 (with FOSS License Exception)"
and its LICENSE.txt carries the Universal FOSS Exception; python-dateutil's "Dual License"
is Apache-2.0 for new and BSD-3-Clause for old code (both apply); jinja2, itsdangerous,
prompt-toolkit and sqlparse give only the bare "BSD License" classifier and their LICENSE
files are BSD-3-Clause; psycopg2-binary's "LGPL with exceptions" is LGPL-3.0-or-later with
the OpenSSL linking exception (plus zlib for bundled code); paramiko declares the deprecated
id "LGPL-2.1" (= LGPL-2.1-only); vine is BSD-3-Clause for code (its LICENSE also puts the
documentation under CC-BY-SA-4.0 and mentions the GPL only to say it is compatible).
"""

from __future__ import annotations

import pytest

from fincompliance.licensing.conclude import conclude_graph
from fincompliance.scan import scan

from conftest import CORPUS

ROOT = CORPUS / "python/site-packages-fin"

EXPECTED = [
    ("amqp", "BSD-3-Clause", "detected"),
    ("annotated-doc", "MIT", "declared-confirmed"),
    ("annotated-types", "MIT", "declared-confirmed"),
    ("anyio", "MIT", "declared-confirmed"),
    ("asgiref", "BSD-3-Clause", "declared-confirmed"),
    ("bcrypt", "Apache-2.0", "declared-confirmed"),
    ("billiard", "BSD-3-Clause", "detected"),
    ("blinker", "MIT", "declared-confirmed"),
    ("celery", "BSD-3-Clause", "declared-confirmed"),
    ("certifi", "MPL-2.0", "declared-confirmed"),
    ("cffi", "MIT-0", "declared-confirmed"),
    ("chardet", "0BSD", "declared-confirmed"),
    ("charset-normalizer", "MIT", "declared-confirmed"),
    ("click-didyoumean", "MIT", "declared-confirmed"),
    ("click-plugins", "BSD-3-Clause", "declared-confirmed"),
    ("click-repl", "MIT", "declared-confirmed"),
    ("click", "BSD-3-Clause", "declared-confirmed"),
    ("cryptography", "Apache-2.0 OR BSD-3-Clause", "declared-confirmed"),
    ("django", "BSD-3-Clause", "declared-confirmed"),
    ("et-xmlfile", "MIT", "declared-confirmed"),
    ("fastapi", "MIT", "declared-confirmed"),
    ("flask", "BSD-3-Clause", "declared-confirmed"),
    ("frozendict", "LGPL-3.0-only", "declared-confirmed"),
    ("h11", "MIT", "declared-confirmed"),
    ("idna", "BSD-3-Clause", "declared-confirmed"),
    ("invoke", "BSD-2-Clause", "declared-confirmed"),
    ("itsdangerous", "BSD-3-Clause", "detected"),
    ("jinja2", "BSD-3-Clause", "detected"),
    ("kafka-python", "Apache-2.0", "declared-confirmed"),
    ("kombu", "BSD-3-Clause", "declared-confirmed"),
    ("lxml", "BSD-3-Clause", "declared-confirmed"),
    ("markupsafe", "BSD-3-Clause", "declared-confirmed"),
    ("mysql-connector-python", "GPL-2.0-only WITH Universal-FOSS-exception-1.0", "declared-confirmed"),
    ("numpy", "BSD-3-Clause AND 0BSD AND MIT AND Zlib AND CC0-1.0", "declared-confirmed"),
    ("openpyxl", "MIT", "declared-confirmed"),
    ("opentelemetry-api", "Apache-2.0", "declared-confirmed"),
    ("pandas", "BSD-3-Clause", "declared-confirmed"),
    ("paramiko", "LGPL-2.1-only", "declared-confirmed"),
    ("prompt-toolkit", "BSD-3-Clause", "detected"),
    ("psycopg2-binary", "LGPL-3.0-or-later WITH LicenseRef-scancode-openssl-exception-lgpl3.0plus AND Zlib", "detected"),
    ("pycparser", "BSD-3-Clause", "declared-confirmed"),
    ("pycryptodome", "BSD-2-Clause AND Unlicense AND MIT", "declared-confirmed"),
    ("pydantic-core", "MIT", "declared-confirmed"),
    ("pydantic", "MIT", "declared-confirmed"),
    ("pymysql", "MIT", "declared-confirmed"),
    ("pynacl", "Apache-2.0", "declared-confirmed"),
    ("python-dateutil", "Apache-2.0 AND BSD-3-Clause", "detected"),
    ("pyyaml", "MIT", "declared-confirmed"),
    ("redis", "MIT", "declared-confirmed"),
    ("requests", "Apache-2.0", "declared-confirmed"),
    ("six", "MIT", "declared-confirmed"),
    ("sqlalchemy", "MIT", "declared-confirmed"),
    ("sqlparse", "BSD-3-Clause", "detected"),
    ("starlette", "BSD-3-Clause", "declared-confirmed"),
    ("text-unidecode", "Artistic-1.0-Perl OR GPL-1.0-or-later", "curated"),
    ("typing-extensions", "PSF-2.0", "declared-confirmed"),
    ("typing-inspection", "MIT", "declared-confirmed"),
    ("tzlocal", "MIT", "declared-confirmed"),
    ("urllib3", "MIT", "declared-confirmed"),
    ("uvicorn", "BSD-3-Clause", "declared-confirmed"),
    ("vine", "BSD-3-Clause", "detected"),
    ("wcwidth", "MIT", "declared-confirmed"),
    ("werkzeug", "BSD-3-Clause", "declared-confirmed"),
]


@pytest.fixture(scope="module")
def concluded():
    graph = scan(ROOT).graph
    conclude_graph(graph, ROOT)
    return {c.name: c.concluded for c in graph.components.values()}


def test_every_distribution_is_in_the_table(concluded):
    assert sorted(concluded) == sorted(name for name, _, _ in EXPECTED)


@pytest.mark.parametrize("name, expression, method", EXPECTED, ids=[e[0] for e in EXPECTED])
def test_concluded_licence(concluded, name, expression, method):
    conclusion = concluded[name]
    assert (conclusion.expression, conclusion.method) == (expression, method)
    assert conclusion.evidence, "every conclusion names its evidence"


def test_detected_conclusions_say_why(concluded):
    for name, conclusion in concluded.items():
        if conclusion.method in ("detected", "curated"):
            assert conclusion.reason, name
    assert "vague" in concluded["jinja2"].reason
    assert "Dual License" in concluded["python-dateutil"].reason


def test_nothing_is_left_unconcluded_here(concluded):
    assert not [n for n, c in concluded.items() if c.method == "unconcluded"]


def test_detections_are_cached_by_content(tmp_path, monkeypatch):
    from fincompliance.licensing.detect import detect_files

    monkeypatch.setenv("FINCOMP_CACHE_DIR", str(tmp_path / "cache"))
    licence = tmp_path / "LICENSE"
    # MPL-2.0 under a paragraph of certifi's own: not a reference text as such, ScanCode's
    licence.write_text((ROOT / "certifi-2026.10.18.dist-info/licenses/LICENSE").read_text())
    first = detect_files([str(licence)])[str(licence)]
    assert (first.expression, first.method) == ("MPL-2.0", "scancode")
    cached = list((tmp_path / "cache").rglob("*.json"))
    assert len(cached) == 1
    cached[0].write_text(cached[0].read_text().replace('"MPL-2.0"', '"ISC"'))
    assert detect_files([str(licence)])[str(licence)].expression == "ISC"  # served from cache
    licence.write_text(licence.read_text() + "\n")  # new content, new key
    assert detect_files([str(licence)])[str(licence)].expression == "MPL-2.0"


def test_many_files_are_read_by_two_workers_with_progress_from_the_start(tmp_path,
                                                                          monkeypatch):
    """From sixteen files for ScanCode on, two forked workers read them, largest first;
    progress counts from 0 of all of them (said before the index loads) to all of them, and
    each file's detection is the one a single process finds."""
    from fincompliance.licensing import detect

    monkeypatch.setenv("FINCOMP_CACHE_DIR", str(tmp_path / "cache"))
    undecided = sorted((p for p in ROOT.glob("*.dist-info/**/*") if p.is_file()
                        and p.name.startswith(("LICEN", "AUTHORS", "NOTICE", "COPYING"))
                        and detect._recognised_file(str(p)) is None),
                       key=lambda p: p.stat().st_size)[:detect._PARALLEL_FROM]
    assert len(undecided) == detect._PARALLEL_FROM
    told = []
    found = detect.detect_files([str(p) for p in undecided],
                                on_progress=lambda done, total: told.append((done, total)))
    total = len(undecided)
    assert told == [(done, total) for done in range(total + 1)]
    assert list(found) == sorted(str(p) for p in undecided)
    for path in (undecided[0], undecided[-1]):
        assert found[str(path)] == detect.detect_file(str(path))


def test_a_reference_text_needs_no_index_and_no_cache(tmp_path, monkeypatch):
    from fincompliance.licensing import detect

    monkeypatch.setenv("FINCOMP_CACHE_DIR", str(tmp_path / "cache"))
    detect._index.cache_clear()
    licence = tmp_path / "LICENSE"
    licence.write_text((ROOT / "six-1.17.0.dist-info/LICENSE").read_text())
    found = detect.detect_files([str(licence)])[str(licence)]
    assert (found.expression, found.score, found.method) == ("MIT", 1.0, "reference-text")
    assert detect._index.cache_info().currsize == 0   # ScanCode's index never loaded
    assert not (tmp_path / "cache").exists()
