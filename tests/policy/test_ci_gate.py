"""The gate as a CI pipeline meets it: it cannot pass on nothing, its verdict reaches the log
whatever the report format, counts say what is new, paths anchor to the repository, a bad
input still leaves a report that says so, and set-aside findings carry their justification.
Real lockfiles from the corpus, a real SARIF schema."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ElementTree

from jsonschema import Draft4Validator

from conftest import CORPUS, FIXTURES, run_cli

FIN = CORPUS / "python/site-packages-fin"
SARIF_SCHEMA = json.loads((FIXTURES / "schemas/sarif-2.1.0-rtm.5.json").read_text())
BROKEN_YARN = "# yarn lockfile v1\n\nleft-pad@^1.0.0\n  version 1\n"
WAIVER = """waivers:
  - component: pkg:pypi/mysql-connector-python
    rule: '*'
    reason: Legal approved the use by import
    approver: Li Wei, legal department
    ticket: LEGAL-42
    expires: 2027-01-31
"""


def _monorepo(tmp_path):
    """A checkout with two services; only the back end is scanned."""
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copytree(CORPUS / "python/legacy-app", repo / "services" / "backend")
    shutil.copytree(CORPUS / "npm/yarn1-app", repo / "web")
    return repo


def test_a_path_with_nothing_to_scan_is_an_error_not_a_pass(tmp_path):
    empty = tmp_path / "emptydir"
    empty.mkdir()
    result = run_cli("scan", str(empty), "--policy", "financial-default")
    assert result.returncode == 2
    assert result.stderr.startswith(f"fincomp: error: {empty}: no lockfile, manifest")
    assert "PASS" not in result.stdout + result.stderr
    assert run_cli("scan", str(empty), "--allow-empty").returncode == 0
    assert run_cli("sbom", str(empty)).returncode == 2


def test_the_verdict_reaches_stderr_whatever_the_format_and_destination(tmp_path):
    for fmt in ("sarif", "junit", "json", "markdown", "table"):
        out = tmp_path / f"report.{fmt}"
        result = run_cli("scan", str(FIN), "--policy", "strict", "--format", fmt, "-o",
                         str(out))
        assert result.returncode == 1, fmt
        assert result.stdout == "" and out.stat().st_size > 0
        verdict = [line for line in result.stderr.splitlines() if "FAIL:" in line]
        assert verdict == [verdict[0]] and "under policy strict" in verdict[0], fmt
    # the table on stdout carries its verdict itself, once
    result = run_cli("scan", str(FIN), "--policy", "strict")
    assert result.stdout.count("FAIL:") == 1 and "FAIL:" not in result.stderr


def test_baselined_findings_are_not_counted_as_open(tmp_path):
    before = run_cli("scan", str(FIN), "--policy", "strict", "--format", "json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(before.stdout)
    result = run_cli("scan", str(FIN), "--policy", "strict", "--baseline", str(baseline))
    assert result.returncode == 0, result.stderr
    verdict = result.stdout.strip().splitlines()[-1]
    assert verdict.startswith("PASS: 0 errors, 0 warnings, 0 notes new open (")
    baselined = len([f for f in json.loads(before.stdout)["findings"]
                     if f["action"] != "info"])
    assert f"{baselined} already in the baseline" in verdict


def test_sarif_paths_are_relative_to_the_repository_root(tmp_path):
    repo = _monorepo(tmp_path)
    backend = repo / "services" / "backend"
    result = run_cli("scan", str(backend), "--policy", "strict", "--format", "sarif")
    document = json.loads(result.stdout)
    assert list(Draft4Validator(SARIF_SCHEMA).iter_errors(document)) == []
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in document["runs"][0]["results"] for loc in r.get("locations", [])}
    assert uris == {"services/backend/requirements.txt"}
    # an explicit root, and a root that does not hold the scanned folder
    explicit = run_cli("scan", str(backend), "--policy", "strict", "--format", "sarif",
                       "--repo-root", str(repo / "services"))
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in json.loads(explicit.stdout)["runs"][0]["results"]
            for loc in r.get("locations", [])}
    assert uris == {"backend/requirements.txt"}
    outside = run_cli("scan", str(backend), "--policy", "strict", "--format", "sarif",
                      "--repo-root", str(repo / "web"))
    assert outside.returncode == 2 and "is not inside it" in outside.stderr


def test_a_partial_scan_is_visible_in_sarif_and_junit(tmp_path):
    repo = _monorepo(tmp_path)
    (repo / "web" / "yarn.lock").write_text(BROKEN_YARN)
    sarif_file, junit_file = tmp_path / "fincomp.sarif", tmp_path / "fincomp.xml"
    result = run_cli("scan", str(repo), "--policy", "financial-default", "--keep-going",
                     "--format", "sarif", "-o", str(sarif_file))
    assert result.returncode == 2 and "web/yarn.lock:3:" in result.stderr
    document = json.loads(sarif_file.read_text())
    assert list(Draft4Validator(SARIF_SCHEMA).iter_errors(document)) == []
    (invocation,) = document["runs"][0]["invocations"]
    assert invocation["executionSuccessful"] is False
    (note,) = [n for n in invocation["toolExecutionNotifications"] if n["level"] == "error"]
    location = note["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "web/yarn.lock"
    assert location["region"]["startLine"] == 3
    assert document["runs"][0]["results"]  # the rest was still judged

    run_cli("scan", str(repo), "--policy", "financial-default", "--keep-going", "--format",
            "junit", "-o", str(junit_file))
    suites = ElementTree.parse(junit_file).getroot()
    assert suites.get("errors") == "1"
    (error,) = suites.iter("error")
    assert error.get("message").startswith("web/yarn.lock:3:")


def test_without_keep_going_a_report_file_still_says_why(tmp_path):
    repo = _monorepo(tmp_path)
    (repo / "web" / "yarn.lock").write_text(BROKEN_YARN)
    sarif_file, junit_file = tmp_path / "fincomp.sarif", tmp_path / "fincomp.xml"
    result = run_cli("scan", str(repo), "--policy", "financial-default", "--format", "sarif",
                     "-o", str(sarif_file))
    assert result.returncode == 2 and result.stderr.count("\n") == 1
    document = json.loads(sarif_file.read_text())
    assert list(Draft4Validator(SARIF_SCHEMA).iter_errors(document)) == []
    (run,) = document["runs"]
    assert run["results"] == [] and run["invocations"][0]["executionSuccessful"] is False
    assert "web/yarn.lock:3:" in run["invocations"][0]["toolExecutionNotifications"][0][
        "message"]["text"]
    run_cli("scan", str(repo), "--policy", "financial-default", "--format", "junit",
            "-o", str(junit_file))
    assert ElementTree.parse(junit_file).getroot().get("errors") == "1"


def test_the_pull_request_comment_fits_a_code_host(tmp_path):
    result = run_cli("scan", str(CORPUS / "npm/vite"), "--policy", "financial-default",
                     "--format", "markdown")
    assert result.returncode == 0
    comment = result.stdout
    assert len(comment) < 60_000
    assert "<details><summary>630 findings to act on</summary>" in comment
    assert "more findings, left out to keep this comment under" in comment
    assert "| 🟠 | `FIN-LIC-UNKNOWN` | 527 | art. 10 |" in comment
    small = run_cli("scan", str(FIN), "--policy", "strict", "--format", "markdown").stdout
    assert "left out" not in small and small.count("| 🔴 |") >= 1


def test_waivers_near_expiry_are_warned_and_justified_everywhere(tmp_path):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVER)
    near = {"FINCOMP_TODAY": "2027-01-13"}  # 18 days before the waiver lapses
    args = ("scan", str(FIN), "--policy", "strict", "--waivers", str(waivers))
    table = run_cli(*args, env=near)
    assert ("waiver * for pkg:pypi/mysql-connector-python expires in 18 days (2027-01-31, "
            "approved by Li Wei, legal department)") in table.stdout
    assert "expires in" not in run_cli(*args, env={"FINCOMP_TODAY": "2026-12-01"}).stdout
    assert "expires in" not in run_cli(*args, "--warn-expiring", "10", env=near).stdout

    sarif = run_cli(*args, "--format", "sarif", env=near)
    assert "fincomp: warning: waiver * for pkg:pypi/mysql-connector-python expires " \
           "2027-01-31" in sarif.stderr
    justification = next(
        r["suppressions"][0]["justification"] for r in json.loads(sarif.stdout)["runs"][0][
            "results"] if r["message"]["text"].startswith("mysql-connector-python"))
    for part in ("Legal approved the use by import", "Li Wei, legal department",
                 "ticket LEGAL-42", "expires 2027-01-31"):
        assert part in justification

    junit = ElementTree.fromstring(run_cli(*args, "--format", "junit", env=near).stdout)
    skipped = [s.get("message") for s in junit.iter("skipped")
               if s.get("message").startswith("waived: ")]
    assert skipped and all("approved by Li Wei, legal department; ticket LEGAL-42; "
                           "expires 2027-01-31" in m for m in skipped)


def test_a_pass_at_fail_on_never_says_that_nothing_could_fail():
    """21 warnings open and a pass: only because the gate was told to fail on nothing."""
    legacy = run_cli("scan", str(CORPUS / "python/legacy-app"), "--policy",
                     "financial-default", "--fail-on", "never")
    assert legacy.returncode == 0
    assert "PASS: 0 errors, 21 warnings, 0 notes open (--fail-on never: no severity fails " \
        "the gate)" in " ".join((legacy.stdout + legacy.stderr).split())
    warned = run_cli("scan", str(CORPUS / "python/legacy-app"), "--policy",
                     "financial-default")
    assert "--fail-on never" not in warned.stdout + warned.stderr


def test_a_pass_says_what_was_not_checked_for_vulnerabilities(tmp_path, pypa_db):
    """No database: every output of the gate says nothing was matched. A database of PyPI
    advisories: the npm components are named as not checked; the Python ones are not."""
    express = CORPUS / "npm/express-app"
    args = ("scan", str(express), "--policy", "financial-default", "--fail-on", "never")
    nothing = run_cli(*args, "--format", "sarif")
    assert nothing.stderr.rstrip().endswith(
        "; not checked for vulnerabilities: every component (no advisory database)")
    notes = json.loads(nothing.stdout)["runs"][0]["invocations"][0][
        "toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notes] == [
        "not checked for vulnerabilities: every component (no advisory database)"]
    with_db = {"FINCOMP_DB": str(pypa_db)}
    junit = ElementTree.fromstring(run_cli(*args, "--format", "junit", env=with_db).stdout)
    (case,) = [c for c in junit.iter("testcase") if c.get("classname") == "vulnerabilities"]
    assert case.find("skipped").get("message") == (
        "not checked: 82 npm components (no advisories of their ecosystem in the database)")
    table = run_cli(*args, env=with_db).stdout
    assert "\nnot checked for vulnerabilities: 82 npm components (no advisories of their " \
        "ecosystem in the database)\n" in table
    python = run_cli("scan", str(CORPUS / "python/pipenv"), "--policy", "financial-default",
                     "--fail-on", "never", "--format", "sarif", env=with_db)
    assert "not checked" not in python.stderr
    assert "toolExecutionNotifications" not in python.stdout
