"""The licence knowledge store: what one scan concluded from a registry and archives (the
real PyPI answers and archives served on loopback, tests/fixtures/registry) reaches a later
scan with no network and a fresh cache through the ledger, moves between ledgers as one
checksummed file, and an institution curation in it wins over everything."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/payments-service/backend"


def _licences(target, env, *extra):
    result = run_cli("scan", str(target), "--format", "json", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    document = json.loads(result.stdout)
    return document, {c["name"]: c["concluded_license"]["expression"]
                      for c in document["components"]}


def _ok(*args, env=None):
    result = run_cli(*args, env=env)
    assert result.returncode == 0, result.stderr
    return result


def test_a_later_scan_offline_reaches_the_same_licences_through_the_ledger(
        mirror, ledger_url, tmp_path):
    _, env = mirror
    source = f"sqlite:///{tmp_path / 'source.sqlite3'}"
    online, expected = _licences(EXAMPLE, env, "--online",
                                 "--ledger", source, "--record")
    assert "LicenseRef-fincomp-unknown" not in expected.values() and len(expected) == 13
    assert online["analysis"]["knowledge_store"]["remembered"] == 13

    # no mirror, a fresh cache, no --online: without the ledger nothing is known ...
    offline = {"FINCOMP_CACHE_DIR": str(tmp_path / "fresh-cache"), "FINCOMP_PYPI_URL": "",
               "FINCOMP_NPM_URL": "", "FINCOMP_LEDGER": str(tmp_path / "none.sqlite3")}
    _, alone = _licences(EXAMPLE, offline)
    assert set(alone.values()) == {"LicenseRef-fincomp-unknown"}
    # ... with it, the same licences, each saying where it came from
    document, known = _licences(EXAMPLE, offline, "--ledger", source)
    assert known == expected
    assert document["analysis"]["knowledge_store"]["applied"] == 13
    dateutil = next(c for c in document["components"] if c["name"] == "python-dateutil")
    assert dateutil["concluded_license"]["evidence"][0].startswith(
        "licence knowledge store: archive, concluded ")

    # the store moves as one file to another ledger (SQLite or PostgreSQL) and back intact
    exported = tmp_path / "knowledge.json"
    _ok("knowledge", "export", str(exported), "--ledger", source)
    result = _ok("knowledge", "import", str(exported), "--actor", "Li Si", "--ledger",
                 ledger_url)
    assert "13 of 13 licence conclusions added" in result.stderr
    again = _ok("knowledge", "import", str(exported), "--actor", "Li Si", "--ledger",
                ledger_url)
    assert "0 of 13 licence conclusions added" in again.stderr
    _ok("knowledge", "export", str(tmp_path / "round-trip.json"), "--ledger", ledger_url)
    assert (tmp_path / "round-trip.json").read_bytes() == exported.read_bytes()
    _, moved = _licences(EXAMPLE, offline, "--ledger", ledger_url)
    assert moved == expected
    assert _ok("ledger", "verify", "--ledger", ledger_url).stdout.startswith(
        "ledger verified: 1 entries")


def test_an_export_changed_after_it_was_written_is_refused_whole(mirror, tmp_path):
    _, env = mirror
    ledger = str(tmp_path / "ledger.sqlite3")
    _licences(EXAMPLE, env, "--online", "--ledger", ledger, "--record")
    exported = tmp_path / "knowledge.json"
    _ok("knowledge", "export", str(exported), "--ledger", ledger)
    document = json.loads(exported.read_text())
    document["entries"][0]["expression"] = "MIT"
    exported.write_text(json.dumps(document))
    target = str(tmp_path / "target.sqlite3")
    result = run_cli("knowledge", "import", str(exported), "--actor", "Li Si", "--ledger",
                     target)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"fincomp: error: {exported}: the checksum does not match the entries (changed or cut "
        "short since it was exported); nothing imported"]


def test_an_institution_curation_in_the_store_wins_with_who_and_why(mirror, tmp_path):
    _, env = mirror
    ledger = str(tmp_path / "ledger.sqlite3")
    _, before = _licences(EXAMPLE, env, "--online", "--ledger", ledger,
                          "--record")
    assert before["psycopg2-binary"].startswith("LGPL-3.0-or-later")
    _ok("knowledge", "curate", "pkg:pypi/psycopg2-binary", "--licence", "LGPL-3.0-or-later",
        "--reason", "legal reviewed the OpenSSL exception: not relevant to us", "--actor",
        "Wang Fang", "--ledger", ledger)
    document, after = _licences(EXAMPLE, env, "--ledger", ledger)
    assert after["psycopg2-binary"] == "LGPL-3.0-or-later"
    psycopg = next(c for c in document["components"] if c["name"] == "psycopg2-binary")
    assert psycopg["concluded_license"]["method"] == "curated"
    assert "Wang Fang" in psycopg["concluded_license"]["evidence"][0]
    assert psycopg["concluded_license"]["reason"] == \
        "legal reviewed the OpenSSL exception: not relevant to us"
    listed = json.loads(_ok("knowledge", "list", "pkg:pypi/psycopg2-binary", "--format",
                            "json", "--ledger", ledger).stdout)
    assert [(e["purl"], e["source"], e["origin"], e["actor"]) for e in listed] == [
        ("pkg:pypi/psycopg2-binary@2.9.9", "archive", "scan of backend", None),
        ("pkg:pypi/psycopg2-binary", "curation", "curation", "Wang Fang")]
    bad = run_cli("knowledge", "curate", "pkg:pypi/x", "--licence", "not a licence",
                  "--reason", "r", "--actor", "a", "--ledger", ledger)
    assert bad.returncode == 2 and "not a licence fincomp knows" in bad.stderr
