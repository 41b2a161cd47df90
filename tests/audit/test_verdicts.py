"""The audit report's verdict follows from what the recorded scans were checked against:
failed on what was found, "insufficient evidence" where a policy, the advisory database or
licences were missing, passed only when every scan was checked. Each verdict in both
languages, from real lockfiles, real PyPA advisories and registry answers recorded from the
real index."""

from __future__ import annotations

import html
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.policy.loader import load_policy
from fincompliance.report.audit.locale import LANGUAGES, Locale, catalogue, chinese_number

from conftest import CORPUS, run_cli, start_mirror

LANGS = list(LANGUAGES)


def _words(page: str) -> str:
    """The page's text as a reader sees it: no tags, entities decoded, spaces collapsed."""
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def _message(lang: str, key: str, **values) -> str:
    return catalogue(lang)[key].format(**values)


def _env(tmp_path: Path, database: Path | None) -> dict[str, str]:
    return {"FINCOMP_DB": str(database or tmp_path / "no-database.sqlite3"),
            "FINCOMP_TODAY": datetime.now(UTC).date().isoformat()}


# The day scans are judged on (release ages from recorded registry answers: six 1.17.0's
# last release, 2024-12-04, is two years old from 2026-12-04 on); the reports are judged
# today, since the scans are recorded at the real time.
JUDGED_ON = "2026-11-23"


def _record(ledger: str, project: Path, name: str, env: dict[str, str], *extra: str) -> dict:
    result = run_cli("scan", str(project), "--record", "--ledger", ledger, "--project", name,
                     "--format", "json", *extra, env={**env, "FINCOMP_TODAY": JUDGED_ON})
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _report(ledger: str, lang: str, env: dict[str, str]) -> str:
    result = run_cli("report", "--ledger", ledger, "--lang", lang, env=env)
    assert result.returncode == 0, result.stderr
    return _words(result.stdout)


def _article_row(text: str, lang: str, number: int) -> str:
    cited = _message(lang, "article.cited",
                     number=chinese_number(number) if lang == "zh-CN" else number)
    words = catalogue(lang)[f"article.{number}"]
    start = text.index(f"{cited} {words}")
    return text[start:start + len(cited) + len(words) + 400]


@pytest.fixture(scope="module")
def unchecked(tmp_path_factory):
    """One scan of pipenv's Pipfile.lock with no policy and no advisory database."""
    base = tmp_path_factory.mktemp("unchecked")
    project = base / "pipenv"
    project.mkdir()
    shutil.copy(CORPUS / "python/pipenv/Pipfile.lock", project)
    ledger = f"sqlite:///{base / 'ledger.sqlite3'}"
    env = _env(base, None)
    scanned = _record(ledger, project, "pipenv", env)
    return ledger, env, scanned


@pytest.mark.parametrize("lang", LANGS)
def test_no_policy_no_database_unknown_licences_is_insufficient_evidence(unchecked, lang):
    ledger, env, scanned = unchecked
    components = len(scanned["components"])
    unknown = sum(1 for c in scanned["components"]
                  if c["concluded_license"]["expression"] == UNKNOWN)
    assert components == 101 and unknown == components   # a lockfile names no licences
    text = _report(ledger, lang, env)
    messages = catalogue(lang)
    assert f"{messages['meta.verdict']}: {messages['verdict.insufficient']}" in text
    assert messages["verdict.pass"] not in text and messages["verdict.fail"] not in text
    locale = Locale(lang)
    for reason in (_message(lang, "reason.no-policy", count=1, projects="pipenv"),
                   _message(lang, "reason.no-database", count=1, projects="pipenv"),
                   _message(lang, "reason.unknown-licences", count=unknown, total=components,
                            share=locale.value(_share(1.0)),
                            tolerated=locale.value(_share(0.05)))):
        assert reason in text
    # no "none found" where nothing was looked for
    assert messages["empty.findings-unjudged"] in text
    assert messages["empty.vulnerabilities-unchecked"] in text
    assert messages["empty.findings"] not in text
    # the article table: licence review and emergency handling not evidenced, and why
    not_covered = messages["coverage.not-covered"]
    assert f"{not_covered} {_message(lang, 'evidence.10.none', projects=1)}" \
        in _article_row(text, lang, 10)
    assert f"{not_covered} {messages['evidence.11.none']}" in _article_row(text, lang, 11)
    for number in (4, 6, 12):
        assert f"{not_covered} {messages[f'not-evidenced.{number}']}" \
            in _article_row(text, lang, number)
    for number in (13, 20):   # no release review recorded
        assert f"{not_covered} {messages[f'evidence.{number}.none']}" \
            in _article_row(text, lang, number)
    # a licence score alone (a fifth of the model) earns no grade
    assert f"{messages['grade.withheld']} {components}" in text


@pytest.mark.parametrize("lang", LANGS)
def test_a_repeated_scan_says_nothing_changed_on_the_page_and_in_the_workbook(
        unchecked, tmp_path, lang):
    """A daily scan that finds what the day before found: the changes section says so in
    both formats, not an empty table."""
    from openpyxl import load_workbook

    ledger, env, _ = unchecked
    copy = tmp_path / "ledger.sqlite3"
    shutil.copy(ledger.removeprefix("sqlite:///"), copy)
    ledger = f"sqlite:///{copy}"
    project = tmp_path / "pipenv"
    project.mkdir()
    shutil.copy(CORPUS / "python/pipenv/Pipfile.lock", project)
    _record(ledger, project, "pipenv", env)
    unchanged = catalogue(lang)["empty.changes"]
    assert unchanged in _report(ledger, lang, env)
    workbook = tmp_path / "report.xlsx"
    result = run_cli("report", "--ledger", ledger, "--lang", lang, "--format", "xlsx",
                     "-o", str(workbook), env=env)
    assert result.returncode == 0, result.stderr
    book = load_workbook(workbook)
    changes = book[next(name for name in book.sheetnames
                        if name.endswith(catalogue(lang)["section.changes"][:26]))]
    cells = [cell.value for row in changes.iter_rows() for cell in row if cell.value]
    assert unchanged in cells


def test_supply_chain_article_from_stated_suppliers_and_contracts(unchecked, tmp_path):
    """Art. 12 is evidenced, partly, once suppliers and contracts are stated in the register:
    counted per component use, with what the ledger still does not hold."""
    ledger, env, _ = unchecked
    copy = tmp_path / "ledger.sqlite3"
    shutil.copy(ledger.removeprefix("sqlite:///"), copy)
    ledger = f"sqlite:///{copy}"
    for package, facts in (("pkg:pypi/packaging", ("--supplier", "某某科技有限公司",
                                                   "--contract", "HT-2026-031")),
                           ("pkg:pypi/pluggy", ("--supplier", "某某科技有限公司"))):
        result = run_cli("ledger", "set", package, *facts, "--actor", "王芳", "--ledger", ledger,
                         env=env)
        assert result.returncode == 0, result.stderr
    for lang in LANGS:
        row = _article_row(_report(ledger, lang, env), lang, 12)
        messages = catalogue(lang)
        assert f"{messages['coverage.partial']} " + _message(
            lang, "evidence.12", uses=101, supplied=2, contracted=1) in row


def _share(value: float):
    from fincompliance.report.audit.locale import Share

    return Share(value)


@pytest.fixture(scope="module")
def checked(tmp_path_factory, pypa_db):
    """A project whose every component was checked: pinned PyPI packages, the PyPA
    advisories imported, a policy, licences from the registry (recorded answers)."""
    base = tmp_path_factory.mktemp("checked")
    project = base / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("six==1.17.0\npytz==2026.6\n")
    server, mirror = start_mirror(base / "cache")
    env = {**_env(base, pypa_db), **mirror}
    ledger = f"sqlite:///{base / 'ledger.sqlite3'}"
    scanned = _record(ledger, project, "app", env, "--policy", "financial-default",
                      "--online")
    server.shutdown()
    return ledger, env, scanned


@pytest.mark.parametrize("lang", LANGS)
def test_every_component_checked_passes(checked, lang):
    ledger, env, scanned = checked
    assert {c["concluded_license"]["expression"] for c in scanned["components"]} == {"MIT"}
    assert scanned["analysis"]["vulnerability_check"] == {
        "vulnerable": 0, "checked": 2, "not_covered": {}, "unversioned": 0}
    text = _report(ledger, lang, env)
    messages = catalogue(lang)
    assert f"{messages['meta.verdict']}: {messages['verdict.pass']}" in text
    # what it passed on, per project: the policy, the advisories and when they were imported
    source = scanned["analysis"]["vulnerability_database"]["sources"][0]
    assert re.search(rf"app financial-default {re.escape(source['name'])} "
                     rf"\({source['imported_at'][:10]}\) 0 100\s?% "
                     + re.escape(_message(lang, "value.registry-facts", asked=2, enriched=2)),
                     text)
    assert _message(lang, "empty.vulnerabilities", checked=2, unchecked=0) in text
    assert _message(lang, "reason.open-warnings", count=2) in text   # not yet approved
    # even then art. 10 is only partly covered: copyright and patent notices go unread
    row = _article_row(text, lang, 10)
    assert messages["coverage.partial"] in row and _message(
        lang, "evidence.10", judged=1, projects=1, concluded=2, components=2, paths=2) in row


@pytest.fixture(scope="module")
def npm_only(tmp_path_factory, pypa_db):
    """express-app's package-lock judged with PyPI advisories only: as it is, and with
    lodash relicensed under the GPL (an error under financial-default)."""
    base = tmp_path_factory.mktemp("npm-only")
    env = _env(base, pypa_db)
    recorded = {}
    for name, licence in (("as-is", None), ("gpl", "GPL-3.0-only")):
        project = base / name
        project.mkdir()
        lock = json.loads((CORPUS / "npm/express-app/package-lock.json").read_text())
        if licence:
            lock["packages"]["node_modules/lodash"]["license"] = licence
        (project / "package-lock.json").write_text(json.dumps(lock))
        ledger = f"sqlite:///{base / f'{name}.sqlite3'}"
        recorded[name] = ledger, _record(ledger, project, "express-app", env,
                                         "--policy", "financial-default")
    return env, recorded


@pytest.mark.parametrize("lang", LANGS)
def test_an_ecosystem_the_database_lacks_is_insufficient_evidence(npm_only, lang):
    env, recorded = npm_only
    ledger, scanned = recorded["as-is"]
    check = scanned["analysis"]["vulnerability_check"]
    assert check["not_covered"] == {"npm": len(scanned["components"])} \
        and len(scanned["components"]) == 82 and check["checked"] == 0
    assert scanned["failed"] == []
    text = _report(ledger, lang, env)
    messages = catalogue(lang)
    assert f"{messages['meta.verdict']}: {messages['verdict.insufficient']}" in text
    reason = _message(lang, "reason.ecosystems-not-covered", count=82, ecosystems="npm 82")
    assert reason in text
    assert messages["empty.vulnerabilities-unchecked"] in text
    # a count of vulnerabilities never stands for components no advisory was looked up for
    with_unmatched = _message(lang, "value.count-with-unmatched", count=0, unmatched=82)
    assert f"{messages['count.vulnerabilities']} {with_unmatched}" in text


@pytest.mark.parametrize("lang", LANGS)
def test_an_open_error_fails_and_the_gaps_are_still_listed(npm_only, lang):
    env, recorded = npm_only
    ledger, scanned = recorded["gpl"]
    errors = [f for f in scanned["findings"] if f["severity"] == "error"]
    assert errors and scanned["failed"]
    text = _report(ledger, lang, env)
    messages = catalogue(lang)
    assert f"{messages['meta.verdict']}: {messages['verdict.fail']}" in text
    assert _message(lang, "reason.open-errors", count=len(errors)) in text
    assert _message(lang, "reason.ecosystems-not-covered", count=82, ecosystems="npm 82") \
        in text


def test_the_terminal_names_what_was_not_checked(pypa_db, tmp_path):
    result = run_cli("scan", str(CORPUS / "npm/express-app"), env=_env(tmp_path, pypa_db))
    assert result.returncode == 0, result.stderr
    assert ("not checked for vulnerabilities: 82 npm components (no advisories of their "
            "ecosystem in the database)") in re.sub(r"\s+", " ", result.stdout)


@pytest.mark.parametrize("lang", LANGS)
def test_a_component_without_a_version_is_not_called_clean(tmp_path, pypa_db, lang):
    project = tmp_path / "app"
    project.mkdir()
    (project / "requirements.txt").write_text("six==1.17.0\nurllib3\n")
    ledger = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    env = _env(tmp_path, pypa_db)
    scanned = _record(ledger, project, "app", env, "--policy", "financial-default")
    assert scanned["analysis"]["vulnerability_check"] == {
        "vulnerable": 0, "checked": 1, "not_covered": {}, "unversioned": 1}
    text = _report(ledger, lang, env)
    messages = catalogue(lang)
    assert f"{messages['meta.verdict']}: {messages['verdict.insufficient']}" in text
    assert _message(lang, "reason.unversioned", count=1) in text
    assert "app financial-default" in text and _message(lang, "value.unversioned", count=1) \
        in text
    assert _message(lang, "empty.vulnerabilities", checked=1, unchecked=1) in text


@pytest.mark.parametrize("lang", LANGS)
def test_findings_quote_the_rule_in_the_reports_language(npm_only, lang):
    """The shipped policies carry their messages in Chinese too: a zh-CN report quotes
    them in Chinese (recorded with the scan), an English one in English."""
    env, recorded = npm_only
    ledger, scanned = recorded["gpl"]
    rules = load_policy("financial-default").rules
    judged = {f["rule"] for f in scanned["findings"]}
    assert "FIN-LIC-INCOMPATIBLE" in judged
    page = run_cli("report", "--ledger", ledger, "--lang", lang, env=env).stdout
    text = _words(page)

    def shown(words: str) -> str:  # a quoted command is set as code, not in backticks
        return " ".join(words.replace("`", " ").split())

    for rule_id in judged:
        rule = rules[rule_id]
        wanted = rule.texts()[lang]
        other = rule.texts()["en" if lang == "zh-CN" else "zh-CN"]
        for field in ("message", "remediation"):
            assert shown(wanted[field]) in text, (rule_id, field)
            assert shown(other[field]) not in text, (rule_id, field)
    assert "FIN-LIFE-UNAPPROVED" in judged and "`" not in page
    assert "<code>fincomp ledger approve PURL --actor ... --reason ...</code>" in page


def test_every_shipped_rule_has_chinese_texts():
    """Chinese throughout, but for names (licences, files, commands, Python)."""
    for name in ("financial-default", "strict", "internal-tools"):
        for rule in load_policy(name).rules.values():
            texts = rule.texts()
            assert texts and texts["zh-CN"]["message"] != rule.message, (name, rule.id)
            assert not re.search(r"[A-Za-z]{4,}", re.sub(
                r"`[^`]*`|\b(?:SSPL|BUSL|Elastic|Commons Clause|LGPL|MPL|Copyleft|Python|CVSS|"
                r"poetry\.lock|uv\.lock|package-lock\.json)\b", "", texts["zh-CN"]["message"]
                + (texts["zh-CN"]["remediation"] or ""))), (name, rule.id)
