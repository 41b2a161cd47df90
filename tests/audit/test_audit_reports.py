"""Audit reports from a ledger holding the corpus projects: the HTML page in Debian's
headless Chromium, the PDF read back with poppler and pypdf, the workbook with openpyxl,
both languages, and the message catalogues complete."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from babel.dates import format_date
from openpyxl import load_workbook
from typer.testing import CliRunner

from fincompliance.cli import app
from fincompliance.report.audit.locale import LANGUAGES, catalogue

from conftest import CORPUS, REPO, corpus_entries, missing_glyphs, run_cli, start_mirror

# The ledger stamps scans with the real clock (it lets no scan be backdated), so every date
# here is relative to the day the tests run: the waivers' expiry, the report's day and its
# generated-at. Pinned dates would stop matching the recorded scans the next day.
START = datetime.now(UTC).date()
IN_FORCE, EXPIRING, EXPIRED = (START + timedelta(days=215), START + timedelta(days=17),
                               START - timedelta(days=53))
SECTION_IDS = ["summary", "licences", "findings", "waivers", "vulnerabilities", "lifecycle",
               "changes", "maturity", "coverage"]
ARTIFACTS = Path(os.environ.get("FINCOMP_TEST_ARTIFACTS", REPO / "build" / "test-artifacts"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _projects() -> dict[str, Path]:
    """Every counted corpus row, as a project named after its folder."""
    found = {}
    for entry in corpus_entries():
        if entry.expected_components is not None:
            parts = entry.path.strip("/").split("/")
            found["-".join(parts[:-1] if "." in parts[-1] else parts)] = entry.location
    return found


def _invoke(*args: str, env: dict[str, str]) -> None:
    result = CliRunner().invoke(app, list(args), env=env, catch_exceptions=False)
    assert result.exit_code in (0, 1), result.output


@pytest.fixture(scope="module")
def estate(tmp_path_factory, pypa_db):
    """A ledger of every counted corpus project (PyPA advisories matched), one project
    recorded twice with an edited lockfile, registry facts from the loopback mirror,
    waivers in three states and lifecycle decisions."""
    base = tmp_path_factory.mktemp("estate")
    ledger = f"sqlite:///{base / 'ledger.sqlite3'}"
    server, mirror = start_mirror(base / "cache")
    env = {"FINCOMP_TODAY": START.isoformat(), "FINCOMP_DB": str(pypa_db), **mirror}
    owners = ["张伟", "Li Na", "王芳", "Zhao Lei"]
    for number, (name, path) in enumerate(sorted(_projects().items())):
        online = ["--online"] if name in ("npm-express-app", "python-legacy-app") else []
        _invoke("scan", str(path), "--record", "--ledger", ledger, "--project", name,
                "--policy", "financial-default", "--owner", owners[number % 4],
                "--business-system", "支付系统" if number % 2 else "核心账务系统",
                "--format", "json", *online, env=env)
    web = base / "payments-web"
    (web / ".fincomp").mkdir(parents=True)
    lock = json.loads((CORPUS / "npm/express-app/package-lock.json").read_text())
    (web / "package-lock.json").write_text(json.dumps(lock))
    _invoke("scan", str(web), "--record", "--ledger", ledger, "--project", "payments-web",
            "--policy", "financial-default", "--format", "json", env=env)
    lock["packages"]["node_modules/debug"]["version"] = "4.4.9"
    lock["packages"]["node_modules/lodash"]["license"] = "BUSL-1.1"
    lock["packages"][""]["dependencies"]["left-pad"] = "^1.3.0"
    lock["packages"]["node_modules/left-pad"] = {"version": "1.3.0", "license": "WTFPL"}
    (web / "package-lock.json").write_text(json.dumps(lock))
    (web / ".fincomp" / "waivers.yaml").write_text(yaml.safe_dump({"waivers": [
        {"component": "pkg:npm/lodash", "rule": "*", "reason": "商业授权已采购",
         "approver": "王芳", "expires": IN_FORCE.isoformat(), "ticket": "GRC-101"},
        {"component": "pkg:npm/left-pad", "rule": "*", "reason": "being replaced",
         "approver": "Li Na", "expires": EXPIRING.isoformat(), "ticket": "GRC-102"},
        {"component": "pkg:npm/axios", "rule": "*", "reason": "vendor patch",
         "approver": "张伟", "expires": EXPIRED.isoformat()}]}, allow_unicode=True))
    _invoke("scan", str(web), "--record", "--ledger", ledger, "--project", "payments-web",
            "--policy", "financial-default", "--format", "json", "--online", env=env)
    for verb, package, extra in (("approve", "pkg:npm/express", []),
                                 ("propose", "pkg:pypi/django", []),
                                 # no project uses it: decided ahead of any use
                                 ("deprecate", "pkg:npm/request", ["--force"]),
                                 ("retire", "pkg:npm/debug", ["--versions", "<4.4.9"])):
        _invoke("ledger", verb, package, "--actor", "李四", "--reason", "架构评审会决定",
                "--ledger", ledger, *extra, env=env)
    server.shutdown()
    # Reports are judged as of the day the last scan was recorded (the same day unless the
    # fixture ran over midnight) and carry that moment as their generated-at.
    now = datetime.now(UTC)
    env |= {"FINCOMP_TODAY": now.date().isoformat(), "SOURCE_DATE_EPOCH": str(int(now.timestamp()))}
    return ledger, env


def _report(estate, *args: str, lang: str = "zh-CN") -> subprocess.CompletedProcess:
    ledger, env = estate
    result = run_cli("report", "--ledger", ledger, "--lang", lang, "--institution",
                     "示例银行股份有限公司", *args, env=env)
    assert result.returncode == 0, result.stderr
    return result


def _chain_head(estate) -> str:
    ledger, env = estate
    verified = run_cli("ledger", "verify", "--ledger", ledger, env=env)
    return verified.stdout.split("chain head ")[1].strip()


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_html_report_in_headless_chromium(estate, tmp_path, lang):
    playwright = pytest.importorskip("playwright.sync_api")
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: .ci/tools installs it")
        pytest.skip("no chromium here (.ci/tools installs Debian's)")
    page_file = tmp_path / f"report-{lang}.html"
    _report(estate, "-o", str(page_file), lang=lang)
    messages = catalogue(lang)
    console, requests, failures = [], [], []
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        page = browser.new_page(viewport={"width": 1240, "height": 1754})
        page.on("console", lambda message: console.append((message.type, message.text)))
        page.on("pageerror", lambda error: failures.append(str(error)))
        page.on("request", lambda request: requests.append(request.url))
        page.goto(page_file.as_uri(), wait_until="load")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / f"audit-report-{lang}-first-page.png"
        page.screenshot(path=str(shot))
        headings = page.locator("main > section > h2").all_inner_texts()
        ids = page.locator("main > section").evaluate_all("nodes => nodes.map(n => n.id)")
        toc = page.locator("nav.toc a").evaluate_all(
            "links => links.map(a => a.getAttribute('href'))")
        charts = page.locator("svg.chart").count()
        body = page.locator("body").inner_text()
        browser.close()
    assert [m for m in console if m[0] in ("error", "warning")] == [] and failures == []
    assert requests == [page_file.as_uri()]          # the page itself, nothing else
    assert ids == SECTION_IDS and toc == [f"#{i}" for i in SECTION_IDS]
    assert headings == [f"{n}. {messages[f'section.{i}']}"
                        for n, i in enumerate(SECTION_IDS, start=1)]
    assert charts == 7          # every section but the summary and the coverage table
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:4] == b"\x89PNG"
    assert _chain_head(estate) in body and "示例银行股份有限公司" in body
    for name in _projects():
        assert name in body


def test_report_contents_follow_the_ledger(estate, tmp_path):
    page = _report(estate, lang="en").stdout
    text = re.sub(r"<[^>]+>", " ", page)
    messages = catalogue("en")
    # the verdict and its reasons, counted again from the ledger's rows
    ledger, _ = estate
    errors, warnings, retired = _open_findings(ledger, "error"), \
        _open_findings(ledger, "warning"), _retired_debug_versions(ledger)
    assert errors and warnings and retired
    assert messages["verdict.fail"] in text
    assert f"Open findings of severity error: {errors:,}" in text
    assert f"Open findings of severity warning: {warnings:,}" in text
    assert "Waivers expiring within 30 days: 1" in text
    assert "Expired waivers still in the scans: 1" in text
    assert f"Components in use though retired or rejected: {retired}" in text
    # waivers with approver, reason and expiry, flagged by state
    for approver, state in (("王芳", "waiver.active"), ("Li Na", "waiver.expiring"),
                            ("张伟", "waiver.expired")):
        row = re.search(rf"<tr><td[^>]*>{messages[state]}</td>.*?{approver}.*?</tr>", page,
                        re.S)
        assert row, (approver, state)
    assert "商业授权已采购" in page and format_date(IN_FORCE, "long", locale="en") in page
    # changes in payments-web since its first scan, and the relicensing signal
    assert re.search(r"payments-web.*?Licence changed.*?lodash@4\.18\.1.*?MIT.*?BUSL-1\.1",
                     page, re.S)
    assert re.search(r"payments-web.*?Added.*?left-pad.*?1\.3\.0", page, re.S)
    assert re.search(r"Deprecated by its maintainers.*?left-pad@1\.3\.0.*?padStart", page, re.S)
    # PyPA advisories matched at scan time, with the version that fixes them
    assert re.search(r"PYSEC-\d{4}-\d+", page)
    # lifecycle decisions with who and when
    assert page.count("架构评审会决定") == 4 and "李四" in page
    # grades recorded with each scan
    assert "fincomp-gbt-42927" in page


def test_a_period_and_a_scope(estate):
    ledger, env = estate
    gone = run_cli("report", "--ledger", ledger, "--until", "2020-01-01", env=env)
    assert gone.returncode == 2 and "nothing to report" in gone.stderr
    assert gone.stderr.count("\n") == 1
    one = _report(estate, "--project", "payments-web", lang="en").stdout
    assert "Project payments-web (its latest scan in the period)" in one
    assert "npm-express-app" not in one
    # with the period starting today, both scans of payments-web are in it: nothing before
    since = _report(estate, "--project", "payments-web", "--since", env["FINCOMP_TODAY"],
                    lang="en").stdout
    assert "0 of 1 projects had an earlier scan to compare with." in since
    first = _report(estate, "--scan", "1", lang="en").stdout
    assert "Scan 1 of project" in first
    bad = run_cli("report", "--ledger", ledger, "--since", "2026-13-01", env=env)
    assert bad.returncode == 2 and "--since '2026-13-01' is not a date" in bad.stderr
    no_file = run_cli("report", "--ledger", ledger, "--format", "pdf", env=env)
    assert no_file.returncode == 2 and "-o FILE.pdf" in no_file.stderr


def test_pdf_sections_chinese_text_and_glyphs(estate, tmp_path):
    from pypdf import PdfReader

    # One project keeps the page count (and the glyph walk) small; the HTML test and the
    # benchmark cover the whole estate.
    pdf = tmp_path / "report.pdf"
    _report(estate, "--format", "pdf", "-o", str(pdf), "--project", "payments-web")
    reader = PdfReader(pdf)
    messages = catalogue("zh-CN")
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert outline == [f"{n}. {messages[f'section.{i}']}"
                       for n, i in enumerate(SECTION_IDS, start=1)] + [messages["signoff.title"]]
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    # payments-web: its error is waived, its warnings are open, but its npm components
    # were matched against PyPI advisories only: not enough to pass
    for key in ("report.title", "section.licences", "section.waivers",
                "verdict.insufficient"):
        assert messages[key] in text
    assert "示例银行股份有限公司" in text and "商业授权已采购" in text
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts and all(" yes yes yes " in line for line in fonts)   # embedded, with text
    assert missing_glyphs(pdf) == []
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copy(pdf, ARTIFACTS / "audit-report-zh-CN.pdf")


def test_the_glyph_check_sees_a_missing_glyph(tmp_path):
    # The check above must fail on a character no installed font has (an Egyptian
    # hieroglyph), or it proves nothing.
    from weasyprint import HTML

    pdf = tmp_path / "box.pdf"
    HTML(string="<p>Abc \U00013000 x</p>").write_pdf(pdf)
    assert missing_glyphs(pdf)


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_xlsx_sheets_headers_and_rows(estate, tmp_path, lang):
    book_file = tmp_path / "report.xlsx"
    _report(estate, "--format", "xlsx", "-o", str(book_file), lang=lang)
    messages = catalogue(lang)
    book = load_workbook(book_file)
    assert book.sheetnames == [f"{n}. {messages[f'section.{i}']}"[:31]
                               for n, i in enumerate(SECTION_IDS, start=1)]
    findings = book[book.sheetnames[2]]
    header = [c.value for c in findings[1]]
    assert header == [messages[f"column.{c}"] for c in (
        "severity", "rule", "status", "component", "projects", "path", "message",
        "remediation", "article")]
    assert findings.auto_filter.ref.startswith("A1:") and findings.freeze_panes == "A2"
    ledger, env = estate
    recorded = _ledger_findings(ledger)
    assert findings.max_row - 1 == recorded
    waivers = book[book.sheetnames[3]]
    rows = [[c.value for c in row] for row in waivers.iter_rows()]
    start = next(i for i, row in enumerate(rows) if row[0] == messages["column.waiver-state"])
    assert len(rows) - start - 1 == 3
    expires = {row[4]: row[6] for row in rows[start + 1:]}
    assert expires["王芳"].date() == IN_FORCE          # a date cell, not text
    # the summary sheet: each project once in the projects table, once in what its scan
    # was checked against
    projects = book[book.sheetnames[0]]
    names = [row[0].value for row in projects.iter_rows()
             if row[0].value in set(_projects()) | {"payments-web"}]
    assert len(names) == 2 * (len(_projects()) + 1)
    assert len(set(names)) == len(_projects()) + 1
    again = tmp_path / "again.xlsx"
    _report(estate, "--format", "xlsx", "-o", str(again), lang=lang)
    assert again.read_bytes() == book_file.read_bytes()          # SOURCE_DATE_EPOCH


def _latest_rows(ledger: str, table, *columns, where=()):
    from sqlalchemy import create_engine, func, select

    from fincompliance.ledger.schema import scans

    latest = select(func.max(scans.c.id)).group_by(scans.c.project_id)
    with create_engine(ledger).connect() as connection:
        return connection.execute(select(*columns).where(
            table.c.scan_id.in_(latest), *where).distinct()).all()


def _open_findings(ledger: str, severity: str) -> int:
    from fincompliance.ledger.schema import scan_findings as f

    return len(_latest_rows(ledger, f, f.c.scan_id, f.c.finding_id, where=(
        f.c.severity == severity, f.c.status == "open", f.c.action != "info")))


def _retired_debug_versions(ledger: str) -> int:
    from packaging.version import Version

    from fincompliance.ledger.schema import scan_components as c

    versions = _latest_rows(ledger, c, c.c.version, where=(c.c.package == "pkg:npm/debug",))
    return sum(1 for (version,) in versions if Version(version) < Version("4.4.9"))


def _ledger_findings(ledger: str) -> int:
    """Distinct (rule, component, status) findings, other than info, in the latest scans."""
    from sqlalchemy import create_engine, func, select

    from fincompliance.ledger.schema import scan_findings, scans

    engine = create_engine(ledger)
    latest = select(func.max(scans.c.id)).group_by(scans.c.project_id)
    with engine.connect() as connection:
        rows = connection.execute(select(
            scan_findings.c.rule, scan_findings.c.component_ref, scan_findings.c.status)
            .where(scan_findings.c.scan_id.in_(latest), scan_findings.c.action != "info")
            .distinct()).all()
    return len(rows)


def test_chinese_names_sort_in_pinyin_order(estate):
    page = _report(estate).stdout
    owners = re.findall(r"<td class=\"kind-text\">(张伟|王芳|李四|Li Na|Zhao Lei)</td>", page)
    assert owners
    from fincompliance.report.audit.locale import Locale

    locale = Locale("zh-CN")
    assert sorted(["张伟", "王芳", "Li Na", "艾青", "Zhao Lei"], key=locale.sort_key) == [
        "艾青", "Li Na", "王芳", "张伟", "Zhao Lei"]


def test_every_message_is_in_every_catalogue():
    from babel.messages.extract import extract_from_dir

    used = set()
    source = REPO / "src" / "fincompliance" / "report" / "audit"
    for _file, _line, message, _comments, _context in extract_from_dir(
            source, method_map=[("**.py", "python")], keywords={"N_": None, "_": None}):
        used.add(message)
    template = (source / "templates" / "report.html").read_text()
    used |= set(re.findall(r"_\('([^']+)'", template))
    used |= {"value.yes", "value.no"}
    assert len(used) > 150
    for language in LANGUAGES:
        known = set(catalogue(language))
        assert used - known == set(), f"{language}: messages used but not catalogued"
        assert known - used == set(), f"{language}: catalogued messages nothing uses"


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_no_message_is_missing_at_run_time(estate, lang):
    from fincompliance.ledger.audit import Scope
    from fincompliance.ledger.store import open_ledger
    from fincompliance.report.audit import html, prepare
    from fincompliance.report.audit.xlsx import write

    ledger, env = estate
    report, locale = prepare(open_ledger(ledger), Scope(), lang, "示例银行",
                             _date(env["FINCOMP_TODAY"]))
    html.render(report, locale)
    write(report, locale, Path(os.devnull))
    assert locale.missing == set()


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


def test_report_on_postgresql(ledger_url, tmp_path):
    if not ledger_url.startswith("postgresql"):
        pytest.skip("the SQLite ledger is covered above")
    target = CORPUS / "npm/express-app/package-lock.json"
    for _ in range(2):
        result = run_cli("scan", str(target), "--record", "--ledger", ledger_url,
                         "--project", "web", "--policy", "financial-default")
        assert result.returncode in (0, 1), result.stderr
    book_file = tmp_path / "report.xlsx"
    result = run_cli("report", "--ledger", ledger_url, "--lang", "en", "--format", "xlsx",
                     "-o", str(book_file))
    assert result.returncode == 0, result.stderr
    summary = load_workbook(book_file)["1. Summary"]
    facts = {row[0].value: row[1].value for row in summary.iter_rows() if row[0].value}
    assert facts["Projects"] == 1 and facts["Distinct components (package and version)"] == 82
