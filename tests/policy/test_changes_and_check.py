"""Changes since the previous scan (a dev package that now ships, a licence that moved) and
`fincomp check` on an existing SBOM."""

from __future__ import annotations

import json
import shutil

import pytest

from conftest import CORPUS, run_cli

BOOKSTACK = CORPUS / "npm/bookstack/package-lock.json"


def _scan_json(project, *extra):
    result = run_cli("scan", str(project), "--policy", "financial-default", "--format", "json",
                     *extra)
    assert result.returncode in (0, 1), result.stderr
    return result.returncode, json.loads(result.stdout)


def test_a_dev_package_that_moves_to_runtime_is_noticed(tmp_path):
    project = tmp_path / "bookstack"
    project.mkdir()
    shutil.copy(BOOKSTACK, project / "package-lock.json")
    _, before = _scan_json(project)
    typescript = next(c for c in before["components"] if c["name"] == "typescript")
    assert typescript["scope"] == "dev"
    baseline = tmp_path / "baseline.json"
    baseline.write_text(json.dumps(before))

    lock = json.loads(BOOKSTACK.read_text())
    root = lock["packages"][""]
    root["dependencies"]["typescript"] = root["devDependencies"].pop("typescript")
    del lock["packages"]["node_modules/typescript"]["dev"]
    (project / "package-lock.json").write_text(json.dumps(lock, indent=2))
    code, after = _scan_json(project, "--baseline", str(baseline), "--fail-on", "warning")

    (promoted,) = [f for f in after["findings"] if f["rule"] == "FIN-SCOPE-PROMOTED"]
    assert promoted["name"] == "typescript" and promoted["status"] == "open"
    assert promoted["why"] == ["scope was dev in the previous scan, now required"]
    assert promoted["article"] == "art. 10"
    # Both what it is now subject to (this lockfile records no licences) and the move fail.
    failed = {(f["rule"], f["name"]) for f in after["findings"] if f["id"] in after["failed"]}
    assert code == 1 and failed == {("FIN-SCOPE-PROMOTED", "typescript"),
                                    ("FIN-LIC-UNKNOWN", "typescript")}


def test_a_licence_change_since_the_previous_scan_is_a_fact_for_rules(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text("policy: drift\nversion: 1\nrules:\n  - id: LICENCE-MOVED\n"
                      "    article: art. 7\n    action: review\n"
                      "    when: {change: {licence: true}}\n")
    project = tmp_path / "app"
    project.mkdir()
    lock = json.loads((CORPUS / "npm/express-app/package-lock.json").read_text())
    (project / "package-lock.json").write_text(json.dumps(lock))
    before = run_cli("scan", str(project), "--format", "json")
    baseline = tmp_path / "baseline.json"
    baseline.write_text(before.stdout)
    lock["packages"]["node_modules/axios"]["license"] = "BUSL-1.1"
    (project / "package-lock.json").write_text(json.dumps(lock))

    after = run_cli("scan", str(project), "--policy", str(policy), "--format", "json",
                    "--baseline", str(baseline), "--fail-on", "warning")
    (moved,) = json.loads(after.stdout)["findings"]
    assert moved["name"] == "axios"
    assert moved["why"] == ["licence was MIT in the previous scan, now BUSL-1.1"]
    assert after.returncode == 1


FIN = CORPUS / "python/site-packages-fin"


@pytest.fixture(scope="module")
def scanned():
    return run_cli("scan", str(FIN), "--policy", "financial-default", "--format", "json")


@pytest.mark.parametrize("sbom_format", ["cyclonedx-json", "cyclonedx-xml", "spdx-json",
                                         "spdx-tv"])
def test_check_an_sbom_gives_the_findings_of_the_scan(tmp_path, sbom_format, scanned):
    suffix = {"cyclonedx-json": "cdx.json", "cyclonedx-xml": "cdx.xml",
              "spdx-json": "spdx.json", "spdx-tv": "spdx"}[sbom_format]
    sbom = tmp_path / f"supplier-delivery.{suffix}"
    made = run_cli("sbom", str(FIN), "--format", sbom_format, "-o", str(sbom))
    assert made.returncode == 0, made.stderr
    checked = run_cli("check", str(sbom), "--policy", "financial-default", "--format", "json")
    assert checked.returncode == scanned.returncode == 0, checked.stderr

    def summary(document):
        return sorted((f["id"], f["rule"], f["name"], f["severity"])
                      for f in json.loads(document)["findings"])
    assert summary(checked.stdout) == summary(scanned.stdout)
    assert ("FIN-LIC-COPYLEFT-IMPORTED", "mysql-connector-python") in {
        (rule, name) for _, rule, name, _ in summary(checked.stdout)}
    if sbom_format == "spdx-tv":
        failing = run_cli("check", str(sbom), "--policy", "strict")
        assert failing.returncode == 1 and "STRICT-LIC-COPYLEFT" in failing.stdout


def test_check_refuses_what_is_not_an_sbom(tmp_path):
    bogus = tmp_path / "bom.json"
    bogus.write_text('{"name": "not an sbom"}')
    result = run_cli("check", str(bogus), "--policy", "financial-default")
    assert result.returncode == 2
    assert result.stderr.strip() == ("fincomp: error: bom.json: JSON that is neither "
                                     "CycloneDX (bomFormat) nor SPDX (spdxVersion)")
    missing = run_cli("check", str(tmp_path / "absent.json"), "--policy", "financial-default")
    assert missing.returncode == 2 and "no such file" in missing.stderr
