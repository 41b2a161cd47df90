"""The CI examples run as shipped: each file's commands, as its platform would run them (in
a shell, from the repository root, with the starter policy copied in), against a corpus
project and real advisories, up to the upload step. And the install path they rely on
cannot resolve to another project's package."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ElementTree
from importlib.metadata import PackageNotFoundError, requires, version
from pathlib import Path

import pytest
import yaml
from jsonschema import Draft4Validator
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from conftest import CORPUS, FIXTURES, OSV, REPO

EXAMPLES = REPO / "examples" / "ci"
SARIF_SCHEMA = json.loads((FIXTURES / "schemas/sarif-2.1.0-rtm.5.json").read_text())


def _github_commands() -> list[str]:
    workflow = yaml.safe_load((EXAMPLES / "github-actions.yml").read_text())
    (job,) = workflow["jobs"].values()
    return [step["run"] for step in job["steps"] if "run" in step]


def _gitlab_commands() -> list[str]:
    return yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())["fincomp"]["script"]


def _jenkins_commands() -> list[str]:
    return re.findall(r"^\s*sh '(.*)'\s*$", (EXAMPLES / "Jenkinsfile").read_text(), re.M)


def _run_as_ci(commands: list[str], tmp_path: Path) -> tuple[Path, list[int]]:
    """A checkout of a corpus project with the examples' .fincomp/ copied in, and each
    command run by a shell in it, as a CI runner would."""
    project = tmp_path / "checkout"
    shutil.copytree(CORPUS / "python/pipenv", project)
    shutil.copytree(EXAMPLES / ".fincomp", project / ".fincomp")
    (project / ".git").mkdir()
    env = {**{k: v for k, v in os.environ.items() if k != "FINCOMP_DB"},
           "FINCOMP_CACHE_DIR": str(tmp_path / "cache"),
           "FINCOMP_OSV_MIRROR": str(OSV),
           "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    codes = []
    for command in commands:
        completed = subprocess.run(["sh", "-c", command], cwd=project, env=env,
                                   capture_output=True, text=True, timeout=600)
        assert "Traceback" not in completed.stderr, completed.stderr
        assert completed.returncode in (0, 1), (command, completed.stderr)
        codes.append(completed.returncode)
    return project, codes


def test_github_actions_example_runs_up_to_the_upload(tmp_path):
    commands = _github_commands()
    assert any(c.startswith("fincomp scan ") for c in commands)
    project, codes = _run_as_ci(commands, tmp_path)
    document = json.loads((project / "fincomp.sarif").read_text())
    assert list(Draft4Validator(SARIF_SCHEMA).iter_errors(document)) == []
    (run,) = document["runs"]
    # the advisories came from the configured mirror, and covered every component
    assert (tmp_path / "cache" / "vulndb.sqlite3").is_file()
    assert run["invocations"][0] == {"executionSuccessful": True}
    uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
            for r in run["results"] for loc in r.get("locations", [])}
    assert uris == {"Pipfile.lock"}
    assert codes[-1] == (1 if any(r["level"] == "error" for r in run["results"]) else 0)


def test_gitlab_example_writes_junit_code_quality_and_a_summary(tmp_path):
    project, _ = _run_as_ci(_gitlab_commands(), tmp_path)
    job = yaml.safe_load((EXAMPLES / "gitlab-ci.yml").read_text())["fincomp"]
    reports = job["artifacts"]["reports"]
    suites = ElementTree.parse(project / reports["junit"]).getroot()
    assert int(suites.get("tests")) > 0
    issues = json.loads((project / reports["codequality"]).read_text())
    assert issues and all({"description", "check_name", "fingerprint", "severity",
                           "location"} <= set(i) for i in issues)
    assert {i["location"]["path"] for i in issues} == {"Pipfile.lock"}
    assert len({i["fingerprint"] for i in issues}) == len(issues)
    summary = (project / "fincomp.md").read_text()
    assert summary.startswith(("✅ **fincomp", "❌ **fincomp")) and len(summary) < 60_000


def test_jenkins_example_writes_junit_and_an_sbom(tmp_path):
    project, _ = _run_as_ci(_jenkins_commands(), tmp_path)
    assert json.loads((project / "sbom.cdx.json").read_text())["bomFormat"] == "CycloneDX"
    assert ElementTree.parse(project / "fincomp-junit.xml").getroot().tag == "testsuites"
    assert "junit testResults: 'fincomp-junit.xml'" in (EXAMPLES / "Jenkinsfile").read_text()


def test_nothing_installs_fincomp_by_name_from_an_index():
    bare = re.compile(r"pip3? install(\s+-\S+)*\s+['\"]?fincompliance\b")
    for path in [REPO / "README.md", *EXAMPLES.rglob("*"), *(REPO / "ci").glob("*")]:
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            hits = [line for line in text.splitlines()
                    if bare.search(line) and not line.lstrip().startswith(("#", "//"))]
            assert hits == [], path


def test_the_install_script_takes_nothing_by_name_from_an_index():
    script = (REPO / "ci" / "install.sh").read_text()
    installs = [line for line in script.splitlines() if "pip install" in line]
    assert installs == [
        'python3 -m pip install --require-hashes --no-deps -r "$here/requirements.lock"',
        'python3 -m pip install --no-deps --no-index --no-build-isolation "${1:-$here/..}"']


def test_the_lock_pins_with_hashes_exactly_what_the_tests_ran_with():
    lines = (REPO / "ci" / "requirements.lock").read_text().splitlines()
    pins = [line.split(" ", 1)[0] for line in lines if re.match(r"^[A-Za-z0-9]", line)]
    assert len(pins) > 100
    hashes = [line for line in lines if line.strip().startswith("--hash=sha256:")]
    assert len(hashes) >= len(pins)
    for index, line in enumerate(lines):  # every pin is followed by at least one hash
        if re.match(r"^[A-Za-z0-9]", line):
            assert line.endswith("\\") and lines[index + 1].strip().startswith("--hash=")
    # fincomp's build requirement: the tested environment built fincomp in isolation
    build = {"setuptools"}
    assert "# builds fincomp itself (ci/install.sh)" in [line.strip() for line in lines]
    differ = []
    for pin in pins:
        name, _, pinned = pin.partition("==")
        if name in build:
            continue
        try:
            installed = version(name)
        except PackageNotFoundError:
            differ.append(f"{name}: locked {pinned}, not installed")
            continue
        if installed != pinned:
            differ.append(f"{name}: locked {pinned}, tested {installed}")
    assert differ == []
    # and it holds all fincomp needs to run: the tests install it first and take only the
    # test tools from the index, so a dependency missing here would go unnoticed but for this
    locked = {canonicalize_name(pin.partition("==")[0]) for pin in pins}
    assert sorted(_runtime_closure("fincompliance") - locked) == []


def _runtime_closure(distribution: str) -> set[str]:
    """The distributions `distribution` needs to run (no test or other extras of its own),
    as installed here: each one's requirements with its markers, and the extras asked of it."""
    needed: set[str] = set()
    todo = [(distribution, frozenset())]
    while todo:
        name, extras = todo.pop()
        for line in requires(name) or ():
            requirement = Requirement(line)
            if requirement.marker and not any(
                    requirement.marker.evaluate({"extra": extra}) for extra in extras or {""}):
                continue
            wanted = canonicalize_name(requirement.name)
            if wanted not in needed:
                needed.add(wanted)
                todo.append((wanted, frozenset(requirement.extras)))
    return needed


def test_the_container_definition_installs_the_tested_way():
    """No container builder here: the definition is linted, and its install step is the
    install script the tests check above."""
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True,
                                                 timeout=30).returncode == 0:
        pytest.skip("a builder is available: build the image instead (docker build -f "
                    "ci/Containerfile .)")
    lines = [line.strip() for line in (REPO / "ci" / "Containerfile").read_text().splitlines()
             if line.strip() and not line.lstrip().startswith("#")]
    instructions = [line.split()[0] for line in lines if not line.startswith(("&&", "PIP",
                                                                              "FINCOMP",
                                                                              "PYTHON"))]
    assert instructions[:2] == ["ARG", "FROM"] and lines[1] == "FROM ${BASE}"
    runs = [line for line in lines if line.startswith("RUN")]
    assert runs[0] == "RUN sh /opt/fincomp/ci/install.sh /opt/fincomp"
    assert not any("pip install" in line for line in lines)
    assert any("get_index()" in line for line in runs)  # ScanCode's index built in
    copied = {part for line in lines if line.startswith("COPY")
              for part in line.split()[1:-1]}
    for source in copied:
        assert (REPO / source).exists(), source
    assert "USER 10001" in lines and lines[-2] == 'ENTRYPOINT ["fincomp"]'
