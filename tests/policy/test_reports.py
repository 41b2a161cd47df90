"""Machine and pull-request reports of policy findings: SARIF 2.1.0 (validated against the
OASIS schema) and Markdown."""

from __future__ import annotations

import json

import pytest
from jsonschema import Draft4Validator

from conftest import CORPUS, FIXTURES, run_cli

FIN = CORPUS / "python/site-packages-fin"
SARIF_SCHEMA = json.loads((FIXTURES / "schemas/sarif-2.1.0-rtm.5.json").read_text())


def _sarif(*extra, env=None):
    result = run_cli("scan", str(FIN), "--policy", "financial-default", "--format", "sarif",
                     *extra, env=env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_sarif_is_valid_and_located_at_the_manifest_line():
    document = _sarif()
    errors = sorted(Draft4Validator(SARIF_SCHEMA).iter_errors(document), key=str)
    assert errors == []
    results = document["runs"][0]["results"]
    mysql = next(r for r in results if "mysql-connector-python" in r["message"]["text"])
    location = mysql["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == \
        "mysql_connector_python-26.10.0.dist-info/METADATA"
    assert location["region"]["startLine"] == 2
    assert mysql["level"] == "warning" and mysql["properties"]["article"] == "art. 10"
    rules = document["runs"][0]["tool"]["driver"]["rules"]
    assert rules[mysql["ruleIndex"]]["id"] == mysql["ruleId"]


def test_sarif_carries_only_what_needs_action():
    results = _sarif()["runs"][0]["results"]
    names = {r["message"]["text"].split(" ")[0] for r in results}
    assert "requests" not in names and "certifi" not in names  # permissive / MPL: no alert
    assert len(results) == 5


def test_waived_findings_are_suppressed_in_sarif(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text("waivers:\n  - component: pkg:pypi/paramiko\n    rule: '*'\n"
                       "    reason: reviewed\n    approver: legal\n    expires: 2099-01-01\n")
    results = _sarif("--waivers", str(waivers))["runs"][0]["results"]
    paramiko = next(r for r in results if r["message"]["text"].startswith("paramiko"))
    assert paramiko["suppressions"][0]["status"] == "accepted"


def test_markdown_summary_for_a_pull_request():
    result = run_cli("scan", str(FIN), "--policy", "strict", "--format", "markdown")
    assert result.returncode == 1
    assert result.stdout.startswith("❌ **fincomp: policy failed**")
    assert "| 🔴 | `STRICT-LIC-COPYLEFT` | `mysql-connector-python` 26.10.0 |" in result.stdout


@pytest.mark.parametrize("fmt", ["sarif", "markdown"])
def test_finding_formats_need_a_policy(fmt):
    result = run_cli("scan", str(FIN), "--format", fmt)
    assert result.returncode == 2 and "add --policy" in result.stderr


def test_junit_report_is_valid_and_fails_what_fails_the_build():
    from lxml import etree

    schema = etree.XMLSchema(etree.parse(str(FIXTURES / "schemas/junit-10.xsd")))

    def report(*extra):
        result = run_cli("scan", str(FIN), "--policy", "financial-default", "--format",
                         "junit", *extra)
        document = etree.fromstring(result.stdout.encode())
        schema.assertValid(document)
        return result.returncode, document

    code, passing = report()
    assert code == 0 and passing.get("failures") == "0"
    suites = {s.get("name"): s for s in passing.iter("testsuite")}
    assert "FIN-LIC-COPYLEFT-IMPORTED" in suites and "FIN-DEP-UNPINNED" in suites
    mysql = suites["FIN-LIC-COPYLEFT-IMPORTED"].find("testcase")
    assert mysql.get("name") == "mysql-connector-python 26.10.0"
    assert "brought in by: mysql_connector_python-26.10.0.dist-info/METADATA:2" in \
        mysql.findtext("system-out")
    unpinned = suites["FIN-DEP-UNPINNED"].findall("testcase")
    assert [c.get("name") for c in unpinned] == ["no component matches"]

    code, failing = report("--fail-on", "warning")
    assert code == 1
    failures = [c.get("name") for c in failing.iter("testcase") if c.find("failure") is not None]
    assert int(failing.get("failures")) == len(failures) == 5
    assert "mysql-connector-python 26.10.0" in failures
