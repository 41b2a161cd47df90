"""Waivers with expiry (on a fixed clock) and baselines (only new findings fail)."""

from __future__ import annotations

import json
import re
import shutil

import pytest

from fincompliance.errors import InputError
from fincompliance.policy.waivers import load_waivers

from conftest import CORPUS, run_cli

FIN = CORPUS / "python/site-packages-fin"
WAIVER = """waivers:
  - component: pkg:pypi/mysql-connector-python
    versions: "<27"
    rule: FIN-LIC-COPYLEFT-IMPORTED
    reason: Legal approved the use by import (ticket LEGAL-42)
    approver: Li Wei, legal department
    ticket: LEGAL-42
    expires: 2027-01-31
"""


def _run(tmp_path, today, *extra):
    waivers = tmp_path / "waivers.yaml"
    waivers.write_text(WAIVER)
    result = run_cli("scan", str(FIN), "--policy", "financial-default", "--format", "json",
                     "--waivers", str(waivers), *extra, env={"FINCOMP_TODAY": today})
    return result.returncode, json.loads(result.stdout)


def test_waiver_in_force_covers_its_finding_and_is_listed(tmp_path):
    code, document = _run(tmp_path, "2027-01-31", "--fail-on", "warning")
    mysql = next(f for f in document["findings"] if f["name"] == "mysql-connector-python")
    assert mysql["status"] == "waived" and mysql["id"] not in document["failed"]
    (use,) = document["waivers"]
    assert use["expired"] is False and use["covers"] == [mysql["id"]]
    assert use["approver"] == "Li Wei, legal department" and use["expires"] == "2027-01-31"
    assert code == 1  # the LGPL reviews are not waived


def test_expired_waiver_no_longer_applies_and_is_reported(tmp_path):
    _, document = _run(tmp_path, "2027-02-01", "--fail-on", "warning")
    mysql = next(f for f in document["findings"] if f["name"] == "mysql-connector-python")
    assert mysql["status"] == "open" and mysql["id"] in document["failed"]
    assert document["waivers"][0]["expired"] is True


def test_waiver_versions_narrow_it(tmp_path):
    waivers = tmp_path / "w.yaml"
    waivers.write_text(WAIVER.replace('"<27"', '"<26"'))
    result = run_cli("scan", str(FIN), "--policy", "financial-default", "--format", "json",
                     "--waivers", str(waivers), env={"FINCOMP_TODAY": "2026-12-01"})
    assert json.loads(result.stdout)["waivers"][0]["covers"] == []


def test_project_waivers_file_is_found_by_default(tmp_path):
    shutil.copytree(FIN, tmp_path / "env")
    (tmp_path / "env" / ".fincomp").mkdir()
    (tmp_path / "env" / ".fincomp" / "waivers.yaml").write_text(WAIVER)
    result = run_cli("scan", str(tmp_path / "env"), "--policy", "financial-default",
                     "--format", "json", env={"FINCOMP_TODAY": "2026-12-01"})
    assert len(json.loads(result.stdout)["waivers"]) == 1


@pytest.mark.parametrize("text, message", [
    (WAIVER.replace("    approver: Li Wei, legal department\n", ""), "'approver' is a required"),
    (WAIVER.replace("2027-01-31", "2027-13-01"), "invalid YAML value: month must be in 1..12"),
    (WAIVER.replace("pkg:pypi/", "pypi/"), "does not match '^pkg:'"),
], ids=["no-approver", "bad-date", "not-a-purl"])
def test_bad_waivers_are_input_errors(tmp_path, text, message):
    path = tmp_path / "waivers.yaml"
    path.write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        load_waivers(path)


def test_baseline_fails_only_the_new_finding(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy: no-mit\nversion: 1\nrules:\n  - id: NO-MIT\n    article: art. 10\n"
                      "    action: deny\n    when: {license: {id: MIT}}\n"
                      "  - id: NEW-PACKAGE\n    article: art. 5\n    action: review\n"
                      "    when: {change: {new: true}}\n")
    project = tmp_path / "app"
    project.mkdir()
    lock = json.loads((CORPUS / "npm/express-app/package-lock.json").read_text())
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    before = run_cli("scan", str(project), "--policy", str(policy), "--format", "json")
    assert before.returncode == 1
    baseline = tmp_path / "baseline.json"
    baseline.write_text(before.stdout)
    old = {f["id"] for f in json.loads(before.stdout)["findings"]}
    assert len(old) > 50

    lock["packages"][""]["dependencies"]["left-pad"] = "^1.3.0"
    lock["packages"]["node_modules/left-pad"] = {
        "version": "1.3.0", "license": "MIT",
        "resolved": "https://mirror.example.internal/left-pad/-/left-pad-1.3.0.tgz",
        "integrity": "sha512-XI5MPzVNApjAyhQzphX8BkmKsKUxD4LdyK24iZeQEc5qEI4oMxITvX8p1b5y0U"
                     "BXvqR/7gQH5O6/aXXNUlXsZg=="}
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    after = run_cli("scan", str(project), "--policy", str(policy), "--format", "json",
                    "--baseline", str(baseline))
    document = json.loads(after.stdout)
    assert after.returncode == 1
    (new,) = document["failed"]
    assert next(f for f in document["findings"] if f["id"] == new)["name"] == "left-pad"
    assert {f["status"] for f in document["findings"] if f["id"] != new
            and f["rule"] == "NO-MIT"} == {"baselined"}
    (introduced,) = [f for f in document["findings"] if f["rule"] == "NEW-PACKAGE"]
    assert introduced["name"] == "left-pad" and introduced["why"] == ["not in the previous scan"]
    # Without a previous scan there is nothing to call new.
    alone = json.loads(run_cli("scan", str(project), "--policy", str(policy), "--format",
                               "json").stdout)
    assert not [f for f in alone["findings"] if f["rule"] == "NEW-PACKAGE"]


def test_baseline_that_is_not_a_scan_is_refused(tmp_path):
    bad = tmp_path / "baseline.json"
    bad.write_text("[]")
    result = run_cli("scan", str(FIN), "--policy", "financial-default", "--baseline", str(bad))
    assert result.returncode == 2 and "not a fincomp scan JSON" in result.stderr
