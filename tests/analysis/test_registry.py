"""Registry enrichment with --online, against a real HTTP server on loopback serving real
registry answers (tests/fixtures/registry), and never without --online."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from conftest import CORPUS, REGISTRY, run_cli

LEGACY = CORPUS / "python/legacy-app"
EXPRESS = CORPUS / "npm/express-app/package-lock.json"


def _scan(target, env, *extra):
    result = run_cli("scan", str(target), "--format", "json", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_release_facts_come_from_the_mirror(mirror):
    server, env = mirror
    document = _scan(LEGACY, env, "--online")
    enrichment = document["analysis"]["enrichment"]
    assert enrichment["asked"] == enrichment["enriched"] == 21
    assert {r.split("/")[2] for r in server.requests if r.startswith("/pypi/")} == {
        c["name"] for c in document["components"]}
    for component in document["components"]:
        answer = json.loads((REGISTRY / "pypi" / f"{component['name']}.json").read_text())
        release = component["release"]
        assert release["latest_version"] == answer["info"]["version"]
        assert release["release_count"] == len(answer["releases"])
        assert release["released"] == min(
            f["upload_time_iso_8601"] for f in answer["releases"][component["version"]])
    urllib3 = next(c for c in document["components"] if c["name"] == "urllib3")
    assert urllib3["release"]["latest_licence"] == "MIT"


def test_without_online_nothing_is_asked(mirror):
    server, env = mirror
    _scan(LEGACY, env)
    assert server.requests == []


def test_policy_rules_on_release_facts(mirror, tmp_path):
    _, env = mirror
    project = tmp_path / "app"
    project.mkdir()
    pins = (LEGACY / "requirements.txt").read_text().replace("requests==2.21.0",
                                                             "requests==2.32.0")
    (project / "requirements.txt").write_text(pins)
    policy = tmp_path / "policy.yaml"
    policy.write_text(
        "policy: age\nversion: 1\nextends: financial-default\nrules:\n"
        "  - {id: FAR-BEHIND, article: art. 7, action: review,"
        " when: {release: {behind_latest: {major: 3}}}}\n")
    document = _scan(project, {**env, "FINCOMP_TODAY": "2026-11-23"}, "--online", "--policy",
                     str(policy))
    by_rule = {}
    for finding in document["findings"]:
        by_rule.setdefault(finding["rule"], {})[finding["name"]] = finding["why"]
    assert by_rule["FIN-REL-DEPRECATED"] == {"requests": [
        "version 2.32.0 is yanked: Yanked due to conflicts with CVE-2024-35195 mitigation"]}
    assert by_rule["FAR-BEHIND"]["cryptography"] == [
        "2.6.1 is 48 major and 0 minor versions behind 50.0.2"]
    assert "six" not in by_rule["FAR-BEHIND"]


def test_missing_npm_licences_are_filled_from_the_registry(mirror, tmp_path):
    _, env = mirror
    lock = json.loads(EXPRESS.read_text())
    original = {key.rsplit("node_modules/", 1)[1]: entry.get("license")
                for key, entry in lock["packages"].items() if key}
    for entry in lock["packages"].values():
        entry.pop("license", None)
    lock["packages"][""]["dependencies"]["left-pad"] = "^1.3.0"
    lock["packages"]["node_modules/left-pad"] = {"version": "1.3.0"}
    (tmp_path / "package-lock.json").write_text(json.dumps(lock))
    offline = _scan(tmp_path, env)
    assert all(c["declared_licenses"] == [] for c in offline["components"])
    document = _scan(tmp_path, env, "--online", "--policy", "financial-default")
    concluded = {c["name"]: c["concluded_license"]["expression"]
                 for c in document["components"]}
    assert {name: concluded[name] for name in original} == original
    assert document["analysis"]["enrichment"]["licences_added"] == 83
    (deprecated,) = [f for f in document["findings"] if f["rule"] == "FIN-REL-DEPRECATED"]
    assert deprecated["name"] == "left-pad"
    assert deprecated["why"] == ["version 1.3.0 is deprecated: use String.prototype.padStart()"]


def test_relicensing_is_a_closure_signal(mirror, tmp_path):
    """chardet 3.0.4 is LGPL (recorded here as the institution's curation, since a
    requirements file holds no licence); its newest release is under 0BSD."""
    server, env = mirror
    curations = tmp_path / "curations.yaml"
    curations.write_text("curations:\n  - purl: pkg:pypi/chardet\n    versions: ['3.0.4']\n"
                         "    concluded: LGPL-2.1-or-later\n    reason: COPYING of the sdist\n"
                         "    reviewed: 2026-11-23\n")
    document = _scan(LEGACY, env, "--online", "--policy", "financial-default",
                     "--curations", str(curations))
    relicensed = {f["name"]: f["why"] for f in document["findings"]
                  if f["rule"] == "FIN-REL-RELICENSED"}
    # Pillow 6.0.0's metadata says HPND; its newest release declares MIT-CMU, the SPDX id
    # that fits the same text more closely: a change of identifier a review settles.
    assert relicensed == {"chardet": [
        "newest release 7.7.0 is under 0BSD, not LGPL-2.1-or-later"],
        "pillow": ["newest release 13.0.0 is under MIT-CMU, not HPND"]}
    # A component whose licence is not known is not called relicensed: idna's metadata says
    # "BSD-like", and its archives, the only other source, are not the ones listed.
    answer = json.loads((REGISTRY / "pypi/idna.json").read_text())
    server.tamper = {"/" + f["url"].lstrip("./") for f in answer["releases"]["2.8"]}
    cold = {**env, "FINCOMP_CACHE_DIR": str(tmp_path / "cold")}
    document = _scan(LEGACY, cold, "--online", "--policy", "financial-default",
                     "--curations", str(curations))
    idna = next(c for c in document["components"] if c["name"] == "idna")
    assert idna["concluded_license"]["expression"] == "LicenseRef-fincomp-unknown"
    assert idna["release"]["latest_licence"] == "BSD-3-Clause"
    assert not any(f["name"] == "idna" for f in document["findings"]
                   if f["rule"] == "FIN-REL-RELICENSED")


def test_packages_the_mirror_lacks_are_listed(mirror):
    _, env = mirror
    document = _scan(CORPUS / "python/site-packages-fin", env, "--online")
    enrichment = document["analysis"]["enrichment"]
    recorded = {path.stem for path in (REGISTRY / "pypi").glob("*.json")}
    held = [c["name"] for c in document["components"] if c["name"] in recorded]
    missing = len(document["components"]) - len(held)
    assert enrichment["enriched"] == len(held) and len(enrichment["not_found"]) == missing
    assert not set(enrichment["not_found"]) & recorded
    assert any(note.startswith(f"{missing} packages not on the mirror")
               for note in document["analysis"]["notes"])


def test_an_unreachable_mirror_is_reported_and_the_scan_completes(tmp_path):
    env = {"FINCOMP_NPM_URL": "http://127.0.0.1:9/npm/", "FINCOMP_CACHE_DIR": str(tmp_path)}
    shutil.copy(EXPRESS, tmp_path / "package-lock.json")
    result = run_cli("scan", str(tmp_path), "--online", env=env)
    assert result.returncode == 0
    assert "127.0.0.1 unreachable" in result.stdout
    assert "the scan completed without its registry facts" in result.stdout


def test_answers_are_cached(mirror, tmp_path):
    server, env = mirror
    _scan(LEGACY, env, "--online")
    asked = len(server.requests)
    again = _scan(LEGACY, env, "--online")
    assert len(server.requests) == asked
    assert again["analysis"]["enrichment"]["from_cache"] == 21


def test_mirrors_come_from_pip_and_npm_configuration(mirror, tmp_path):
    server, env = mirror
    base = env["FINCOMP_NPM_URL"].rsplit("/npm/", 1)[0]
    home = tmp_path / "home"
    (home / ".config" / "pip").mkdir(parents=True)
    (home / ".config" / "pip" / "pip.conf").write_text(f"[global]\nindex-url = {base}/simple\n")
    project = tmp_path / "app"
    project.mkdir()
    shutil.copy(EXPRESS, project / "package-lock.json")
    (project / ".npmrc").write_text(f"registry={base}/npm/\n")
    shutil.copy(LEGACY / "requirements.txt", project / "requirements.txt")
    clean = {"HOME": str(home), "XDG_CONFIG_HOME": str(home / ".config"),
             "FINCOMP_PYPI_URL": "", "FINCOMP_NPM_URL": "", "PIP_INDEX_URL": "",
             "PIP_CONFIG_FILE": "", "NPM_CONFIG_REGISTRY": "", "npm_config_registry": "",
             "FINCOMP_CACHE_DIR": env["FINCOMP_CACHE_DIR"]}
    document = _scan(project, clean, "--online")
    assert document["analysis"]["enrichment"]["enriched"] == 21 + 82  # components
    assert any(Path(source.split(" from ")[1]).name == "pip.conf"
               for source in document["analysis"]["registries"])


def test_a_server_error_is_retried(mirror):
    server, env = mirror
    server.fail_first = {"/pypi/six/json", "/pypi/idna/json"}
    document = _scan(LEGACY, env, "--online")
    assert document["analysis"]["enrichment"]["enriched"] == 21
    assert server.requests.count("/pypi/six/json") == 2


def test_a_slow_mirror_times_out_and_the_scan_completes(mirror, tmp_path):
    server, env = mirror
    server.delay = 2.0
    config = tmp_path / "config.toml"
    config.write_text("[online]\ntimeout = 0.5\nconcurrency = 4\n")
    document = _scan(LEGACY, {**env, "FINCOMP_CONFIG": str(config)}, "--online")
    assert document["analysis"]["enrichment"]["enriched"] == 0
    assert document["analysis"]["notes"][0] == (
        "127.0.0.1 unreachable (no answer within 0.5 s); the scan completed without its "
        "registry facts")
    assert len(document["components"]) == 21


EXAMPLE = Path(__file__).resolve().parents[2] / "examples/payments-service/backend"
# The pinned versions' licences, checked by hand against each project's LICENSE file; None
# where the version's core metadata says too little to conclude ("BSD", "Dual License",
# "LGPL with exceptions", a classifier alone) or the mirror serves none (mysql-connector):
# those are concluded from their archives (tests/analysis/test_archives.py checks what).
PINNED_LICENCES = {
    "django": "BSD-3-Clause", "requests": "Apache-2.0", "celery": "BSD-3-Clause",
    "cryptography": "Apache-2.0 OR BSD-3-Clause", "gunicorn": "MIT", "openpyxl": "MIT",
    "redis": "MIT", "pytest": "MIT", "djangorestframework": None, "psycopg2-binary": None,
    "python-dateutil": None, "pytest-django": None, "mysql-connector-python": None}


def _from_metadata(document):
    """Each component's concluded licence, None where its archive was read for it: every
    pin concludes, from the metadata where that is precise, else from the archive alone."""
    concluded = {}
    for component in document["components"]:
        licence = component["concluded_license"]
        assert not licence["expression"].startswith("LicenseRef-fincomp-unknown")
        from_archive = "fincomp:licence-files-from" in {p["name"] for p in
                                                         component.get("properties", ())}
        concluded[component["name"]] = None if from_archive else licence["expression"]
    return concluded


def test_the_pinned_versions_licence_comes_from_its_core_metadata(mirror):
    """Not the newest release's: Django 4.2.16 is pinned while the index's newest is 6.x.
    The index advertises metadata for some files (`core-metadata`), serves it unadvertised
    for others, and not at all for mysql-connector-python's."""
    server, env = mirror
    document = _scan(EXAMPLE, env, "--online")
    assert _from_metadata(document) == PINNED_LICENCES
    django = next(c for c in document["components"] if c["name"] == "django")
    assert django["release"]["latest_version"] != "4.2.16"
    assert django["declared_licenses"][0] == {"text": "BSD-3-Clause", "field": "License"}
    assert any(r.endswith("Django-4.2.16-py3-none-any.whl.metadata") for r in server.requests)


def test_a_mirror_serving_only_the_simple_index(mirror):
    """devpi and some Nexus or Artifactory set-ups have no JSON API: the simple index's PEP 691
    answer gives the files, their metadata the licence, their dates the release facts."""
    server, env = mirror
    server.json_api = False
    document = _scan(EXAMPLE, env, "--online")
    assert _from_metadata(document) == PINNED_LICENCES
    assert "/simple/django/" in server.requests
    django = next(c for c in document["components"] if c["name"] == "django")
    page = json.loads((REGISTRY / "simple/django.json").read_text())
    assert django["release"]["released"] == min(
        f["upload-time"] for f in page["files"] if "-4.2.16" in f["filename"])
    assert django["release"]["release_count"] == len(
        {v for v in page["versions"] if any(f"-{v}-" in f["filename"] or f["filename"]
                                            .endswith(f"-{v}.tar.gz") for f in page["files"])})


# The keys the JSON API and the simple index (PEP 691, 700, 714) document for a file.
JSON_API_FILE_KEYS = {"comment_text", "digests", "downloads", "filename", "has_sig",
                      "md5_digest", "packagetype", "python_version", "requires_python",
                      "size", "upload_time", "upload_time_iso_8601", "url", "yanked",
                      "yanked_reason", "core-metadata", "data-dist-info-metadata"}
SIMPLE_FILE_KEYS = {"filename", "url", "hashes", "requires-python", "dist-info-metadata",
                    "data-dist-info-metadata", "core-metadata", "gpg-sig", "yanked", "size",
                    "upload-time", "provenance"}


def test_recorded_answers_have_the_shapes_the_protocols_document():
    for path in (REGISTRY / "pypi").glob("*.json"):
        answer = json.loads(path.read_text())
        assert set(answer) == {"info", "releases"}, path
        for files in answer["releases"].values():
            for entry in files:
                assert set(entry) <= JSON_API_FILE_KEYS, (path, set(entry) - JSON_API_FILE_KEYS)
                assert {"filename", "url", "upload_time_iso_8601"} <= set(entry), path
    for path in (REGISTRY / "simple").glob("*.json"):
        page = json.loads(path.read_text())
        assert page["meta"]["api-version"].startswith("1."), path
        assert {"name", "files", "versions"} <= set(page), path
        for entry in page["files"]:
            assert {"filename", "url", "hashes"} <= set(entry) <= SIMPLE_FILE_KEYS, path
