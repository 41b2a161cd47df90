"""`fincomp release-check` on repositories built with real git history: the planted
repository's problems found one by one, in English and in Chinese, and nothing else; the
cleaned one passes; the review goes into the ledger and the audit report's article 13 and
20 rows; no planted secret or personal data in any output."""

from __future__ import annotations

import json
import re
import sqlite3
from pathlib import Path

import pytest
from repository import (
    HOLDER,
    cleaned_repository,
    generated,
    planted_repository,
    write_policy,
)

from conftest import run_cli

PLANTED = generated()

# (rule, subject, what the English "why" says) for every finding the planted repository must
# give, and no other. A commit's subject carries its id, which differs on every run.
EXPECTED = [
    ("REL-COPYRIGHT", "LICENSE", f"no copyright statement names {HOLDER}"),
    ("REL-DEP-INCOMPATIBLE", "pkg:pypi/pretalx@2026.2.1",
     "AGPL-3.0-only (GNU Affero General Public License 3.0) in a work under MulanPSL-2.0: "
     "reviewed"),
    ("REL-INTERNAL-HOST", "src/payments/client.py:2",
     "a host name matching the internal pattern *.example-bank.internal"),
    ("REL-INTERNAL-HOST", "src/payments/client.py:3",
     "an IP address in the internal network 10.0.0.0/8"),
    ("REL-LICENSE-FILE", "LICENSE", "LICENSE reads as Apache-2.0; the release is declared "
     "MulanPSL-2.0"),
    ("REL-LICENSE-HEADER", "src/payments/ledger.py:1", "no SPDX-License-Identifier or "
     "licence header"),
    ("REL-LICENSE-HEADER", "src/payments/lz.c:2", "its header declares Zlib"),
    ("REL-MOBILE-NUMBER", "tests/data/customers.csv:2", "a mainland China mobile phone number"),
    ("REL-NOTICE", "pretalx", "pretalx 2026.2.1 (AGPL-3.0-only) goes out with the release and "
     "NOTICE does not name it"),
    ("REL-OUTSIDE-AUTHOR", "Bob Li <bob@contractor.example>", "1 commit(s) by an author "
     "outside the institution's domains (example-bank.com)"),
    ("REL-OUTSIDE-AUTHOR", "Dave Chen <dave@partner.example>", "1 commit(s) by an author "
     "outside the institution's domains"),
    ("REL-PERSONAL-DATA", "tests/data/customers.csv:2", "a bank card number (passes the Luhn "
     "check)"),
    ("REL-PERSONAL-DATA", "tests/data/customers.csv:2", "a resident identity card number"),
    ("REL-SECRET", "src/payments/settings.py:4", "AWS Access Key on this line"),
    ("REL-SECRET", "src/payments/settings.py:5", "GitHub Token on this line"),
    ("REL-SECRET-HISTORY", "deploy/old_settings.py@", "Secret Keyword added in commit"),
    ("REL-SIGN-OFF", "commit ", "commit by Carol Zhao <carol@example-bank.com> carries no "
     "Signed-off-by of its author"),
    ("REL-TRADEMARK", "README.md:3", "the name 'ExampleBank Pay' appears (1 time(s)) but no "
     "released file carries its notice"),
    ("REL-TRADEMARK", "docs/intro.md:1", "the name '招商示例银行', which the policy says must "
     "not appear"),
    ("REL-VENDORED", "src/payments/lz.c:1", "a copyright statement of someone else "
     "('Copyright (C) 1995-2017 Jean-loup Gailly')"),
    ("REL-VENDORED", "third_party/fastcrc", "third-party code under MIT, not named in NOTICE"),
]
# The same findings in Chinese: the rule's message and the observation's words.
EXPECTED_ZH = {
    "REL-COPYRIGHT": "没有任何版权声明写明 Example Bank Co., Ltd.",
    "REL-DEP-INCOMPATIBLE": "不兼容：AGPL-3.0-only (GNU Affero General Public License 3.0) "
                            "纳入以 MulanPSL-2.0 发布的作品：经审查：包含或链接它的作品"
                            "在分发时必须整体采用 GPL",
    "REL-INTERNAL-HOST": "内部",
    "REL-LICENSE-FILE": "LICENSE 识别为 Apache-2.0，而本次发布声明的许可证是 MulanPSL-2.0",
    "REL-LICENSE-HEADER": "",
    "REL-MOBILE-NUMBER": "中国大陆手机号码",
    "REL-NOTICE": "pretalx 2026.2.1（AGPL-3.0-only）随本次发布分发，但 NOTICE 中没有列出它",
    "REL-OUTSIDE-AUTHOR": "机构域名（example-bank.com）之外的作者提交了 1 次",
    "REL-PERSONAL-DATA": "",
    "REL-SECRET": "（不显示其值）",
    "REL-SECRET-HISTORY": "之后删除文件并不能将其从历史中移除",
    "REL-SIGN-OFF": "Carol Zhao <carol@example-bank.com> 的提交没有作者本人的 Signed-off-by",
    "REL-TRADEMARK": "",
    "REL-VENDORED": "",
}


@pytest.fixture(scope="module")
def repositories(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("release")
    planted_repository(base / "payments", PLANTED)
    cleaned_repository(base / "payments-clean")
    write_policy(base)
    return base


def _check(base: Path, name: str, *args: str, language: str = "en"):
    return run_cli("release-check", str(base / name), "--policy",
                   str(base / "bank-release.yaml"), "--installed", "--history",
                   "--lang", language, *args)


@pytest.fixture(scope="module")
def english(repositories):
    result = _check(repositories, "payments", "--format", "json")
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_the_planted_repository_lists_exactly_the_planted_problems(english):
    found = sorted((f["rule"], f["component"], f["why"][0]) for f in english["findings"])
    assert len(found) == len(EXPECTED), "\n".join(map(str, found))
    for (rule, subject, why), (expected_rule, expected_subject, expected_why) in zip(
            found, sorted(EXPECTED), strict=True):
        assert (rule, subject.startswith(expected_subject), expected_why in why) == (
            expected_rule, True, True), (rule, subject, why)
    assert not english["passed"] and english["outbound"] == "MulanPSL-2.0"
    assert english["commits"] == 6 and english["history_scanned"]


def test_the_mpl_dependency_goes_out_with_a_mulan_release_without_a_finding(english):
    assert english["licence_review"]["pkg:pypi/certifi@2026.10.18"]["verdict"] == "compatible"
    assert not [f for f in english["findings"] if "certifi" in f["component"]]


def test_every_finding_says_where_which_article_and_what_to_do(english):
    for finding in english["findings"]:
        assert finding["article"] in ("art. 13", "art. 20")
        assert finding["remediation"] and finding["message"]
        if finding["rule"] in ("REL-SECRET", "REL-PERSONAL-DATA", "REL-INTERNAL-HOST"):
            assert re.fullmatch(r"[\w/.]+:\d+", finding["location"]), finding


def test_the_same_findings_in_chinese(repositories, english):
    result = _check(repositories, "payments", "--format", "json", language="zh-CN")
    assert result.returncode == 1
    chinese = json.loads(result.stdout)
    assert sorted(f["id"] for f in chinese["findings"]) == sorted(
        f["id"] for f in english["findings"])
    for finding in chinese["findings"]:
        assert re.search(r"[\u4e00-\u9fff]", finding["message"]), finding
        assert re.search(r"[\u4e00-\u9fff]", finding["remediation"]), finding
        assert EXPECTED_ZH[finding["rule"]] in finding["why"][0], finding
        assert re.search(r"[\u4e00-\u9fff]", finding["why"][0]), finding
    assert chinese["verdict"].startswith("结论：不通过")


def test_the_terminal_in_chinese_has_no_english_words_of_its_own(repositories):
    shown = _check(repositories, "payments", language="zh-CN").stdout
    assert "发布审查：payments，发布许可证 MulanPSL-2.0" in shown
    assert "未检查：" in shown and "结论：不通过" in shown
    for english_word in ("why", "what to do", "findings to act on", "Not checked", "FAIL"):
        assert english_word not in shown


def test_the_cleaned_repository_passes(repositories):
    result = _check(repositories, "payments-clean", "--format", "json")
    assert result.returncode == 0, result.stdout + result.stderr
    document = json.loads(result.stdout)
    assert document["passed"] and document["findings"] == []
    # what it did not check is said, not read as clean
    assert [u["check"] for u in document["not_checked"]] == ["patent"]


def test_without_history_and_policy_sections_what_was_not_checked_is_said(repositories):
    result = run_cli("release-check", str(repositories / "payments-clean"), "--installed",
                     "--format", "sarif")
    notes = [n["message"]["text"] for n in json.loads(result.stdout)["runs"][0][
        "invocations"][0]["toolExecutionNotifications"]]
    assert "not checked in the git history: what 2 earlier commits added (no --history)" \
        in notes
    assert any("no copyright holder" in note for note in notes)
    assert any("no internal host or network" in note for note in notes)


def test_the_markdown_comment_speaks_the_reviews_language(repositories):
    """A Chinese review's pull-request comment is Chinese around the rules' own Chinese
    texts: verdict, tables, headings."""
    comment = _check(repositories, "payments", "--format", "markdown",
                     language="zh-CN").stdout
    assert comment.startswith("❌ **fincomp：未通过策略检查**")
    assert "| | 规则 | 组件 | 引入位置 | 依赖路径 | 原因 | 整改建议 | 问题编号 |" in comment
    assert "待处理问题" in comment
    for english in ("policy failed", "| Rule |", "What to do", "findings to act on",
                    "Brought in by"):
        assert english not in comment
    assert "| | Rule | Component |" in _check(repositories, "payments", "--format",
                                              "markdown", language="en").stdout


def test_a_folder_outside_git_says_contribution_hygiene_was_not_checked(tmp_path):
    (tmp_path / "app.py").write_text("# SPDX-License-Identifier: MulanPSL-2.0\n")
    result = run_cli("release-check", str(tmp_path), "--format", "json")
    document = json.loads(result.stdout)
    assert {"sign-off", "outside-author"} <= {u["check"] for u in document["not_checked"]}
    assert {f["rule"] for f in document["findings"]} == {"REL-LICENSE-FILE"}


def test_no_planted_value_in_any_output_the_ledger_or_the_audit_report(repositories, tmp_path):
    ledger = tmp_path / "ledger.db"
    outputs = []
    for output_format in ("table", "json", "sarif", "junit", "codequality", "markdown"):
        for language in ("en", "zh-CN"):
            result = _check(repositories, "payments", "--format", output_format,
                            language=language)
            assert result.returncode == 1, result.stderr
            outputs.append(result.stdout + result.stderr)
    recorded = _check(repositories, "payments", "--ledger", str(ledger), "--record",
                      "--signed-off-by", "王敏", "--verbose")
    outputs.append(recorded.stdout + recorded.stderr)
    for report_format in ("html", "xlsx"):
        out = tmp_path / f"report.{report_format}"
        report = run_cli("report", "--ledger", str(ledger), "--format", report_format,
                         "-o", str(out), "--lang", "zh-CN")
        assert report.returncode == 0, report.stderr
        outputs.append(out.read_text(encoding="utf-8") if report_format == "html"
                       else _workbook_text(out))
    outputs.append(ledger.read_bytes().decode("latin-1"))
    for value in PLANTED.values():
        for text in outputs:
            assert value not in text


def test_the_review_is_in_the_ledger_and_the_audit_report_rows_of_articles_13_and_20(
        repositories, tmp_path):
    ledger = tmp_path / "ledger.db"
    assert run_cli("release-check", str(repositories / "payments-clean"), "--policy",
                   str(repositories / "bank-release.yaml"), "--installed", "--history",
                   "--ledger", str(ledger), "--record").returncode == 2   # no sign-off named
    clean = _check(repositories, "payments-clean", "--ledger", str(ledger), "--record",
                   "--signed-off-by", "王敏")
    assert clean.returncode == 0, clean.stderr
    with sqlite3.connect(ledger) as connection:
        (outbound, distribution, result, signer, facts), = connection.execute(
            "select outbound, distribution, result, signed_off_by, facts "
            "from release_reviews").fetchall()
        (commit,), = connection.execute("select commit_id from scans").fetchall()
    assert (outbound, distribution, result, signer) == (
        "MulanPSL-2.0", "distributed-source", "pass", "王敏")
    assert len(commit) == 40 and json.loads(facts)["not_checked_checks"] == ["patent"]
    assert run_cli("ledger", "verify", "--ledger", str(ledger)).returncode == 0
    out = tmp_path / "report.html"
    assert run_cli("report", "--ledger", str(ledger), "--format", "html", "-o", str(out),
                   "--lang", "zh-CN").returncode == 0
    rows = _coverage_rows(out.read_text(encoding="utf-8"))
    assert "台账记录了 1 个项目的开源发布审查 1 次（通过 1 次）" in rows[13]
    assert f"提交 {commit[:12]}，签批人 王敏" in rows[13]
    assert "其中 1 次按策略写明的版权人核对了版权声明，1 次检查了名称和商标，1 次检查了贡献者签署" \
        in rows[20]
    assert "专利以及机构的知识产权制度不在台账之中" in rows[20]


def _coverage_rows(page: str) -> dict[int, str]:
    """The coverage table's rows as text, by article (第十三条 -> 13)."""
    from lxml import html

    numbers = {"第十三条": 13, "第二十条": 20}
    rows = {}
    for row in html.fromstring(page).iter("tr"):
        words = " ".join(" ".join(row.itertext()).split())
        for label, number in numbers.items():
            if words.startswith(label):
                rows[number] = words
    return rows


def _workbook_text(path: Path) -> str:
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    return "\n".join(str(cell) for sheet in book.worksheets
                     for row in sheet.iter_rows(values_only=True) for cell in row
                     if cell is not None)


def test_a_previous_review_as_baseline_fails_only_new_findings(repositories, english,
                                                                tmp_path):
    previous = tmp_path / "previous.json"
    previous.write_text(json.dumps(english), encoding="utf-8")
    result = _check(repositories, "payments", "--baseline", str(previous), "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {f["status"] for f in document["findings"]} == {"baselined"}
    assert "PASS: 0 errors, 0 warnings, 0 notes open (21 waived or in the baseline)" in \
        document["verdict"]


def test_a_waiver_by_file_sets_a_release_finding_aside_with_its_approval(repositories,
                                                                         tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - file: tests/data/*.csv\n    rule: REL-MOBILE-NUMBER\n"
                       "    reason: the bank's published customer service number\n"
                       "    approver: Wang Min\n    expires: 2099-12-31\n    ticket: OSO-12\n",
                       encoding="utf-8")
    result = _check(repositories, "payments", "--waivers", str(waivers), "--format", "sarif")
    results = json.loads(result.stdout)["runs"][0]["results"]
    (mobile,) = [r for r in results if r["ruleId"] == "REL-MOBILE-NUMBER"]
    assert "the bank's published customer service number (approved by Wang Min; ticket " \
        "OSO-12" in mobile["suppressions"][0]["justification"]
    assert not any("suppressions" in r for r in results if r["ruleId"] != "REL-MOBILE-NUMBER")
    both = tmp_path / "both.yaml"
    both.write_text("waivers:\n  - file: a.csv\n    component: pkg:pypi/x\n    rule: '*'\n"
                    "    reason: r\n    approver: a\n    expires: 2099-12-31\n",
                    encoding="utf-8")
    refused = _check(repositories, "payments", "--waivers", str(both))
    assert refused.returncode == 2 and f"{both}:2" in refused.stderr
