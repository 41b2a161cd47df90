"""The audit report of four corpus projects, as a compliance officer hands it over: the
PyPA advisories imported, `financial-default` judging, a supplier stated. The Chinese
report is Chinese (HTML, PDF and workbook: English only in names, ids, licence ids, commands
and quoted advisory text), and the PDF keeps to a page count and a layout an auditor can
read: every id whole, no text past the page's edge, no text drawn over other text."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import create_engine, text

from fincompliance.report.audit.locale import Abridged, catalogue

from conftest import CORPUS, missing_glyphs, run_cli

PROJECTS = {"legacy-app": "python/legacy-app", "pipenv": "python/pipenv",
            "express-app": "npm/express-app", "site-packages-fin": "python/site-packages-fin"}
# Three Latin words in a row, outside what may be English: a sentence (or a heading) left
# untranslated.
_SENTENCE = re.compile(r"[A-Za-z][A-Za-z'’-]+(?:[ ,.:;()]+[A-Za-z][A-Za-z'’-]*){2,}")
# Commands are quoted as commands: `fincomp ledger approve PURL --actor …`
_COMMAND = re.compile(r"fincomp(?: (?:[a-z][a-z-]*|--?[a-z-]+|[A-Z]+|…|\.\.\.))+")


@pytest.fixture(scope="module")
def reports(tmp_path_factory, pypa_db):
    base = tmp_path_factory.mktemp("four")
    ledger = f"sqlite:///{base / 'ledger.sqlite3'}"
    env = {"FINCOMP_DB": str(pypa_db)}
    for name, path in PROJECTS.items():
        result = run_cli("scan", str(CORPUS / path), "--record", "--ledger", ledger,
                         "--project", name, "--policy", "financial-default", "--format",
                         "json", env=env)
        assert result.returncode in (0, 1), result.stderr
    result = run_cli("ledger", "set", "pkg:pypi/pyyaml", "--supplier", "某某科技有限公司",
                     "--contract", "HT-2026-031", "--actor", "王芳", "--ledger", ledger)
    assert result.returncode == 0, result.stderr
    made = {}
    for lang in ("zh-CN", "en"):
        for kind in ("html", "pdf", "xlsx"):
            made[lang, kind] = base / f"report-{lang}.{kind}"
            result = run_cli("report", "--ledger", ledger, "--lang", lang, "--format", kind,
                             "-o", str(made[lang, kind]), "--institution",
                             "示例银行股份有限公司", env=env)
            assert result.returncode == 0, result.stderr
    return ledger, made


def _may_be_english(ledger: str) -> list[str]:
    """What the report quotes or names as it is: advisory summaries (whole, abridged, with
    their Markdown code quotes rendered), package and project names, licence expressions,
    dependency paths; longest first, so that a longer quote goes before a name in it."""
    engine = create_engine(ledger)
    with engine.connect() as connection:
        rows = connection.execute(text(
            "SELECT vulnerabilities, name, package, licence, declared, path "
            "FROM scan_components")).all()
        projects = connection.execute(text("SELECT name FROM projects")).scalars().all()
    engine.dispose()
    quoted = set(projects)
    for vulnerabilities, *names in rows:
        quoted.update(name for name in names if name)
        for vulnerability in json.loads(vulnerabilities):
            summary = vulnerability.get("summary") or ""
            quoted |= {summary, Abridged(summary).short}
    quoted |= {q.replace("`", "") for q in quoted}
    return sorted((q for q in quoted if len(q) > 3), key=len, reverse=True)


def _english(texts: list[str], quoted: list[str]) -> list[str]:
    found = []
    for value in texts:
        for allowed in quoted:
            if allowed in value:
                value = value.replace(allowed, " ")
        value = _COMMAND.sub(" ", value)
        found += [m.group() for m in _SENTENCE.finditer(value)]
    return found


def _page_text(page: str) -> str:
    body = re.sub(r"<style>.*?</style>", "", page, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))


def test_the_chinese_report_is_chinese(reports):
    ledger, made = reports
    quoted = _may_be_english(ledger)
    page = _page_text(made["zh-CN", "html"].read_text(encoding="utf-8"))
    assert _english([page], quoted) == []
    cells = [str(cell) for sheet in load_workbook(made["zh-CN", "xlsx"]).worksheets
             for row in sheet.iter_rows(values_only=True) for cell in row if cell]
    assert _english(cells, quoted) == []
    # The PDF is the page printed: every Latin word in it is one the page has.
    words = set(re.findall(r"[A-Za-z]{3,}", page))
    printed = _pdf_words(made["zh-CN", "pdf"])
    assert {w for _, word in printed for w in re.findall(r"[A-Za-z]{3,}", word[4])} <= words
    # and the check sees English where there is some
    english = _page_text(made["en", "html"].read_text(encoding="utf-8"))
    assert len(_english([english], quoted)) > 50


def _pdf_words(pdf: Path) -> list[tuple[tuple[int, float], tuple]]:
    """((page number, page width), (xMin, yMin, xMax, yMax, word)) for every word drawn."""
    layout = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                            text=True, check=True).stdout
    words = []
    for number, page in enumerate(re.finditer(
            r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', layout, re.S), start=1):
        size = (number, float(page[1]))
        words += [(size, (*map(float, word.groups()[:4]), html.unescape(word[5])))
                  for word in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" '
                                          r'xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>',
                                          page[3])]
    return words


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_the_pdf_pages_and_layout(reports, lang):
    from pypdf import PdfReader

    ledger, made = reports
    pdf = made[lang, "pdf"]
    pages = len(PdfReader(pdf).pages)
    # 267 component uses, 86 advisories, 107 open findings: findings, vulnerabilities and
    # the lowest-scoring components take most of it (61 pages when every row repeated its
    # rule's prose and every advisory's whole summary)
    assert 15 <= pages <= 30, pages
    words = _pdf_words(pdf)
    # nothing past the page's edge (the margins are 14 mm: 40 pt)
    outside = [(number, w) for (number, width), w in words
               if w[2] > width - 30 or w[0] < 30]
    assert outside == []
    # nothing drawn over anything else (overlapping headers, a row over the next page's)
    by_page: dict[int, list] = {}
    for (number, _), word in words:
        by_page.setdefault(number, []).append(word)
    overlaps = [(a[4], b[4]) for placed in by_page.values()
                for i, a in enumerate(placed) for b in placed[i + 1:i + 40]
                if min(a[2], b[2]) - max(a[0], b[0]) > 1 and min(a[3], b[3]) - max(a[1], b[1]) > 1]
    assert overlaps == []
    # every advisory id and alias printed whole: no id column narrower than its longest id
    engine = create_engine(ledger)
    with engine.connect() as connection:
        ids = {i for (found,) in connection.execute(text(
            "SELECT vulnerabilities FROM scan_components")) for v in json.loads(found)
            for i in (v["id"], *v.get("aliases", []))}
    engine.dispose()
    printed = {part for _, word in words for part in re.split(r"[、,，]", word[4]) if part}
    assert ids and ids - printed == set()


def test_the_workbook_columns_fit_their_values(reports):
    """Every column of every sheet as wide as its widest value (up to 60 characters, where
    it wraps), Chinese characters counting two: nothing cut off where the officer looks."""
    from fincompliance.report.audit.locale import display_width

    _, made = reports
    for sheet in load_workbook(made["zh-CN", "xlsx"]).worksheets:
        rows = [row for row in sheet.iter_rows() if sum(c.value is not None for c in row) > 1]
        for column in zip(*rows, strict=False):
            values = [c for c in column if c.value is not None and not hasattr(c.value, "year")]
            if not values:
                continue
            needed = min(max(display_width(str(c.value)) for c in values), 60)
            letter = values[0].column_letter
            assert sheet.column_dimensions[letter].width >= needed, (sheet.title, letter)
            assert all(c.alignment.wrap_text for c in values
                       if display_width(str(c.value)) > 60)


def _no_chinese_font(tmp_path: Path) -> dict[str, str]:
    """fontconfig seeing DejaVu only, as on a fresh server: no font covers Chinese."""
    config = tmp_path / "fonts.conf"
    config.write_text('<?xml version="1.0"?><fontconfig>'
                      "<dir>/usr/share/fonts/truetype/dejavu</dir>"
                      f"<cachedir>{tmp_path / 'cache'}</cachedir></fontconfig>")
    env = {"FONTCONFIG_FILE": str(config)}
    listed = subprocess.run(["fc-list", ":lang=zh-cn"], capture_output=True, text=True,
                            env={**os.environ, **env}, check=True).stdout
    assert listed.strip() == ""
    return env


def test_a_machine_without_a_chinese_font_prints_with_fincomps_own(reports, tmp_path):
    """pip install is enough: the Chinese PDF prints with the font fincomp carries (Noto
    Sans CJK SC, GB 2312), embedded, with no blank box; a character beyond it stops the
    report naming it."""
    ledger, _ = reports
    env = _no_chinese_font(tmp_path)
    pdf = tmp_path / "report.pdf"
    result = run_cli("report", "--ledger", ledger, "--lang", "zh-CN", "--format", "pdf",
                     "-o", str(pdf), "--project", "legacy-app", env=env)
    assert result.returncode == 0, result.stderr
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True,
                           check=True).stdout
    assert "fincomp-CJK" in fonts
    assert missing_glyphs(pdf) == []
    printed = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                             check=True).stdout
    assert catalogue("zh-CN")["report.title"] in printed
    beyond = run_cli("report", "--ledger", ledger, "--lang", "zh-CN", "--format", "pdf",
                     "-o", str(tmp_path / "beyond.pdf"), "--institution", "龘龘银行",
                     env=env)
    assert beyond.returncode == 2 and beyond.stderr.count("\n") == 1
    assert "龘" in beyond.stderr and "fonts-noto-cjk" in beyond.stderr


def test_the_sign_off_block(reports, tmp_path):
    """Prepared by and reviewed by, with a line to sign and date on the printed copy: blank
    names to fill in by hand, or the names given, also among the summary's facts."""
    ledger, made = reports
    messages = catalogue("zh-CN")
    blank = _page_text(made["zh-CN", "html"].read_text(encoding="utf-8"))
    block = blank[blank.index(messages["signoff.title"]):]
    assert (f"{messages['signoff.prepared']} {messages['signoff.reviewed']}"
            in block.replace("  ", " "))
    named = tmp_path / "named.html"
    result = run_cli("report", "--ledger", ledger, "--lang", "zh-CN", "-o", str(named),
                     "--prepared-by", "张伟", "--reviewed-by", "王芳")
    assert result.returncode == 0, result.stderr
    page = _page_text(named.read_text(encoding="utf-8"))
    signed = page[page.index(messages["signoff.title"]):]
    assert f"{messages['signoff.prepared']} 张伟" in signed
    assert f"{messages['signoff.reviewed']} 王芳" in signed
    summary = page[:page.index(messages["signoff.title"])]
    assert f"{messages['signoff.prepared']} 张伟" in summary
    # on paper it is one block on the last page, after the article table
    pdf = tmp_path / "named.pdf"
    assert run_cli("report", "--ledger", ledger, "--lang", "zh-CN", "--format", "pdf",
                   "-o", str(pdf), "--prepared-by", "张伟").returncode == 0
    last = subprocess.run(["pdftotext", "-f", "0", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout.split("\f")
    pages = [p for p in last if p.strip()]
    assert messages["signoff.title"] in pages[-1] and "张伟" in pages[-1]
