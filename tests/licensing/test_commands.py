"""The licence commands, run as a user runs them."""

from __future__ import annotations

import json

import pytest

from conftest import CORPUS, run_cli


def test_notice_for_express_has_every_package_its_licence_and_the_licence_text(tmp_path):
    out = tmp_path / "NOTICE.txt"
    result = run_cli("notice", str(CORPUS / "npm/express-app"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    packages = json.loads((CORPUS / "npm/express-app/package-lock.json").read_text())["packages"]
    for path, record in packages.items():
        if path.startswith("node_modules/"):
            name = path.rsplit("node_modules/", 1)[1]
            assert f"{name} {record['version']}\n  Licence: {record['license']}" in text, name
    for licence in ("MIT", "ISC", "BSD-3-Clause"):
        assert f"\n{licence} — " in text
    assert "Permission is hereby granted, free of charge" in text          # MIT
    assert "Permission to use, copy, modify, and/or distribute" in text     # ISC
    assert text.count("Permission is hereby granted, free of charge") == 1  # once each


@pytest.mark.parametrize("fmt, marker", [("markdown", "| Component | Version | Licence |"),
                                         ("html", "<!DOCTYPE html>")])
def test_notice_formats(fmt, marker):
    result = run_cli("notice", str(CORPUS / "npm/express-app"), "--format", fmt)
    assert result.returncode == 0 and marker in result.stdout


def test_notice_carries_apache_notice_files_and_copyrights(tmp_path):
    result = run_cli("notice", str(CORPUS / "python/site-packages-fin"))
    assert result.returncode == 0, result.stderr
    assert "NOTICE (" in result.stdout
    assert "Copyright" in result.stdout


def test_explain_json_for_a_chinese_licence():
    result = run_cli("licenses", "explain", "木兰宽松许可证, 第2版", "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["expression"] == "MulanPSL-2.0"
    (licence,) = document["licences"]
    assert licence["category"] == "permissive" and licence["osi_approved"]
    assert {"patent-grant", "patent-retaliation"} <= {o["id"] for o in licence["obligations"]}
    assert {row["verdict"] for row in document["compatibility"]} == {"compatible"}


def test_explain_in_chinese_prints_chinese_obligations():
    result = run_cli("licenses", "explain", "LGPL-2.1-only", "--lang", "zh")
    assert "允许接收方以修改后的版本替换该库" in result.stdout


def test_explain_in_chinese_has_chinese_headings_verdicts_and_reasons():
    shown = run_cli("licenses", "explain", "LGPL-2.1-only", "--lang", "zh-CN").stdout
    assert "类别：弱 Copyleft 许可证；OSI 认证" in shown
    assert "在以 LicenseRef-fincomp-proprietary 许可的产品中的兼容性" in shown
    assert "以二进制形式分发" in shown and "需审查" in shown and "内部使用不构成分发" in shown
    for english in ("category:", "Compatibility with", "distribution", "needs-review",
                    "internal use is not distribution"):
        assert english not in shown
    document = json.loads(run_cli("licenses", "explain", "LGPL-2.1-only", "--format",
                                  "json").stdout)
    binary = next(r for r in document["compatibility"]
                  if r["distribution"] == "distributed-binary")
    assert binary["reasons"][0].endswith("changes to it must be released.")
    assert "属于弱 Copyleft" in binary["reasons_zh"][0]


def test_explain_mulan_psl_shows_what_a_release_under_it_may_include_in_chinese():
    result = run_cli("licenses", "explain", "MulanPSL-2.0", "--lang", "zh-CN", "--format",
                     "json")
    rows = json.loads(result.stdout)["as_outbound"]
    verdicts = {licence: row["verdict"] for row in rows for licence in row["components"]}
    assert verdicts["MPL-2.0"] == verdicts["LGPL-2.1-only"] == "compatible"
    assert verdicts["AGPL-3.0-only"] == "incompatible"
    assert verdicts["GPL-2.0-only WITH Universal-FOSS-exception-1.0"] == "compatible"
    (apache,) = [row for row in rows if row["components"] == ["Apache-2.0"]]
    assert "须保留其许可证文本并随附其 NOTICE 文件" in apache["translations"]["zh-CN"]
    shown = run_cli("licenses", "explain", "MulanPSL-2.0", "--lang", "zh-CN").stdout
    assert "以 MulanPSL-2.0 发布的作品可以包含哪些许可证的组件" in shown
    assert "不兼容" in shown and "需审查" in shown


def test_check_reports_verdicts_and_obligations():
    result = run_cli("licenses", "check", str(CORPUS / "python/site-packages-fin"),
                     "--format", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    verdicts = {c["name"]: c["verdict"] for c in document["components"]}
    assert verdicts["mysql-connector-python"] == "incompatible"
    assert verdicts["certifi"] == "compatible"          # MPL-2.0: file-level copyleft
    assert verdicts["paramiko"] == "needs-review"       # LGPL-2.1: library-level
    assert verdicts["requests"] == "compatible"
    obligations = {o["id"]: o["components"] for o in document["obligations"]}
    assert "pkg:pypi/certifi@2026.10.18" in obligations["disclose-source"]


def test_check_gpl_outbound_finds_the_conflict_free_verdicts():
    result = run_cli("licenses", "check", str(CORPUS / "python/site-packages-fin"),
                     "--outbound", "GPL-2.0-only", "--format", "json")
    document = json.loads(result.stdout)
    verdicts = {c["name"]: c["verdict"] for c in document["components"]}
    assert verdicts["requests"] == "incompatible"   # Apache-2.0 into GPL-2.0-only


def test_institution_curations_take_precedence(tmp_path):
    curations = tmp_path / "curations.yaml"
    curations.write_text("curations:\n  - purl: pkg:npm/ms\n    versions: ['*']\n"
                         "    concluded: Apache-2.0\n    reason: test review\n"
                         "    reviewed: 2026-11-23\n")
    result = run_cli("scan", str(CORPUS / "npm/express-app"), "--format", "json",
                     "--curations", str(curations))
    ms = next(c for c in json.loads(result.stdout)["components"] if c["name"] == "ms")
    assert ms["concluded_license"]["expression"] == "Apache-2.0"
    assert ms["concluded_license"]["method"] == "curated"


def test_bad_curations_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("curations:\n  - purl: pkg:npm/ms\n")
    result = run_cli("scan", str(CORPUS / "npm/express-app"), "--curations", str(bad))
    assert result.returncode == 2 and "not a curations file" in result.stderr
