"""One vocabulary across commands: --format everywhere (--json still read, with a note), one
spelling of --lang, `licences` as well as `licenses`, "no database" as an answer, and
read-only ledger commands that never create a ledger."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, run_cli

EXAMPLE = CORPUS / "python/legacy-app"


def test_ledger_lists_take_format_and_still_read_json(tmp_path):
    ledger = str(tmp_path / "ledger.sqlite3")
    assert run_cli("scan", str(EXAMPLE), "--record", "--ledger", ledger).returncode == 0
    new = run_cli("ledger", "projects", "--ledger", ledger, "--format", "json")
    old = run_cli("ledger", "projects", "--ledger", ledger, "--json")
    assert new.returncode == old.returncode == 0 and new.stdout == old.stdout
    assert [p["name"] for p in json.loads(new.stdout)] == ["legacy-app"]
    assert new.stderr == "" and "--json is deprecated; use --format json" in old.stderr


@pytest.mark.parametrize("spelling", ["zh", "zh-CN", "zh-cn"])
def test_one_language_option_spelling(spelling):
    result = run_cli("licenses", "explain", "LGPL-2.1-only", "--lang", spelling)
    assert result.returncode == 0 and "随产品提供许可证全文" in result.stdout


def test_an_unknown_language_is_refused():
    result = run_cli("assess", str(EXAMPLE), "--lang", "fr")
    assert result.returncode == 2 and "choose one of zh-CN, en" in result.stderr


def test_licences_is_an_alias_of_licenses():
    british = run_cli("licences", "explain", "MIT", "--lang", "en")
    american = run_cli("licenses", "explain", "MIT", "--lang", "en")
    assert british.returncode == 0 and british.stdout == american.stdout


def test_no_vulnerability_database_is_an_answer_not_an_error(tmp_path):
    missing = tmp_path / "vulndb.sqlite3"
    result = run_cli("db", "status", "--db", str(missing))
    assert result.returncode == 0
    assert "no vulnerability database at" in result.stdout and "fincomp db update" in \
        result.stdout
    assert not missing.exists()


@pytest.mark.parametrize("command", [
    ("ledger", "projects"), ("ledger", "show", "legacy-app"), ("ledger", "verify"),
    ("ledger", "export"), ("ledger", "affected", "pkg:pypi/requests"),
    ("report", "--format", "html"), ("scan", str(EXAMPLE)),
], ids=lambda c: " ".join(c[:2]))
def test_reading_a_missing_ledger_creates_nothing(tmp_path, command):
    missing = tmp_path / "typo" / "ledger.sqlite3"
    result = run_cli(*command, "--ledger", str(missing))
    assert result.returncode == 2
    assert result.stderr == f"fincomp: error: ledger {missing}: no such ledger (record a " \
        "scan into it with `fincomp scan --record`, or name another with --ledger or " \
        "FINCOMP_LEDGER)\n"
    assert not missing.exists() and not missing.parent.exists()


def test_a_database_without_a_ledger_is_not_read_as_an_empty_one(tmp_path):
    other = tmp_path / "other.sqlite3"
    import sqlite3

    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text TEXT)")
    result = run_cli("ledger", "projects", "--ledger", str(other))
    assert result.returncode == 2 and "holds no fincomp ledger" in result.stderr
