"""Python formats: real lockfiles from Poetry 1.4, PDM and the corpus; requirements files."""

from __future__ import annotations

import json
import shutil

import pytest

from fincompliance.errors import InputError
from fincompliance.model import Scope
from fincompliance.scan import scan
from fincompliance.scanners.requirements_txt import parse_text

from conftest import CORPUS, FIXTURES, REPO, run_cli

REQUESTS_STACK = {"certifi", "charset-normalizer", "idna", "requests", "urllib3"}


@pytest.mark.parametrize("folder", ["poetry1-app", "pdm-app"])
def test_lockfile_with_its_manifest_gives_direct_and_dev(folder):
    graph = scan(FIXTURES / folder).graph
    direct = graph.direct_refs()
    scopes = {c.name: (c.scope, c.ref in direct) for c in graph.components.values()}
    assert set(scopes) == REQUESTS_STACK | {"iniconfig"}
    assert scopes["requests"] == (Scope.REQUIRED, True)
    assert scopes["iniconfig"] == (Scope.DEV, True)
    assert scopes["urllib3"] == (Scope.REQUIRED, False)
    assert graph.paths_to(next(r for r in graph.components if "/idna@" in r))[0][1] \
        .startswith("pkg:pypi/requests@")


def test_poetry_2_lock_uses_groups():
    graph = scan(CORPUS / "python/poetry").graph
    dev_only = {c.name for c in graph.components.values() if c.scope is Scope.DEV}
    assert "pytest" in dev_only and "requests" not in dev_only


def test_uv_workspace_members_are_projects_with_edges_between_them():
    graph = scan(CORPUS / "python/pydantic").graph
    assert set(graph.projects) == {"project:uv.lock#pydantic", "project:uv.lock#pydantic-core"}
    assert "project:uv.lock#pydantic-core" in graph.edges["project:uv.lock#pydantic"]


def test_pipfile_lock_direct_from_pipfile_and_conflicting_dev_pin_kept():
    graph = scan(CORPUS / "python/pipenv").graph
    packaging = graph.components["pkg:pypi/packaging@26.3"]
    assert ("fincomp:pipenv:develop-version", "26.2") in packaging.properties


def test_requirements_pins_hashes_markers_extras_and_options(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "--index-url https://mirror.example.internal/simple\n"
        "-c constraints.txt\n"
        "-r base.txt\n"
        "requests[socks]==2.31.0 ; python_version >= '3.8' \\\n"
        "    --hash=sha256:58cd2187c01e70e6e26505bca751777aa9f2ee0b7f4300988b709f44e013003f\n"
        "flask>=2  # a range\n"
        "-e git+https://git.example.internal/team/tool.git@v1.2#egg=team-tool\n"
        "-e .\n"
        "./vendor/pkg-1.0.0-py3-none-any.whl\n")
    (tmp_path / "base.txt").write_text("six==1.16.0\n")
    (tmp_path / "constraints.txt").write_text("flask==3.0.0\n")
    graph = scan(tmp_path).graph
    by_name = {c.name: c for c in graph.components.values()}
    assert set(by_name) == {"requests", "flask", "team-tool", "pkg", "six"}
    assert by_name["requests"].version == "2.31.0"
    assert by_name["requests"].hashes[0].algorithm == "SHA-256"
    assert ("fincomp:extras", "socks") in by_name["requests"].properties
    assert ("fincomp:marker", 'python_version >= "3.8"') in by_name["requests"].properties
    assert by_name["flask"].version == "3.0.0" and by_name["flask"].requirement == ">=2"
    assert by_name["team-tool"].version is None
    assert by_name["six"].locations[0].path == "base.txt"
    assert by_name["requests"].locations[0].line == 4


def test_pip_compile_via_annotations_become_edges(tmp_path):
    (tmp_path / "requirements.txt").write_text(
        "certifi==2024.2.2\n    # via requests\n"
        "idna==3.6\n    # via\n    #   -r requirements.in\n    #   requests\n"
        "requests==2.31.0\n    # via -r requirements.in\n")
    graph = scan(tmp_path).graph
    direct = {graph.components[r].name for r in graph.direct_refs()}
    assert direct == {"idna", "requests"}
    assert graph.dependencies_of("pkg:pypi/requests@2.31.0") == [
        "pkg:pypi/certifi@2024.2.2", "pkg:pypi/idna@3.6"]


def test_dev_requirements_file_is_dev_scope(tmp_path):
    (tmp_path / "requirements-dev.txt").write_text("pytest==8.0.0\n")
    graph = scan(tmp_path).graph
    assert [c.scope for c in graph.components.values()] == [Scope.DEV]


@pytest.mark.parametrize("line, message", [
    ("requests>>1", "invalid requirement"),
    ("--frobnicate", "unknown option"),
    ("-e git+https://git.example.internal/x.git", "cannot tell the package name"),
])
def test_bad_requirement_lines_name_the_line(line, message):
    with pytest.raises(InputError) as caught:
        parse_text(f"six==1.16.0\n{line}\n", "requirements.txt")
    assert caught.value.line == 2 and message in caught.value.message


def test_include_loop_is_bounded(tmp_path):
    (tmp_path / "requirements.txt").write_text("-r other-requirements.txt\nsix==1.16.0\n")
    (tmp_path / "other-requirements.txt").write_text("-r requirements.txt\nidna==3.6\n")
    graph = scan(tmp_path / "requirements.txt").graph
    assert {c.name for c in graph.components.values()} == {"six", "idna"}


def test_include_outside_the_tree_is_refused(tmp_path):
    (tmp_path / "requirements.txt").write_text("-r ../../etc/passwd\n")
    with pytest.raises(InputError, match="outside the scanned tree"):
        scan(tmp_path)


def test_pyproject_alone_reports_unpinned_ranges(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[project]\nname = "svc"\ndependencies = ["httpx>=0.27", "click==8.1.7"]\n'
        '[project.optional-dependencies]\npdf = ["weasyprint"]\n'
        '[dependency-groups]\ndev = ["pytest>=8"]\n')
    graph = scan(tmp_path).graph
    by_name = {c.name: c for c in graph.components.values()}
    assert by_name["httpx"].version is None and by_name["httpx"].requirement == ">=0.27"
    assert by_name["click"].version == "8.1.7"
    assert by_name["weasyprint"].scope is Scope.OPTIONAL
    assert by_name["pytest"].scope is Scope.DEV
    assert by_name["httpx"].locations[0].line == 3


def test_pipfile_alone_lists_its_packages_and_dev_packages():
    import tomllib

    pipfile = CORPUS / "python/pipenv/Pipfile"
    declared = tomllib.loads(pipfile.read_text())
    graph = scan(pipfile).graph
    scopes = {c.name: c.scope for c in graph.components.values()}
    assert len(scopes) == len(declared.get("packages", {})) + len(declared["dev-packages"])
    assert {n for n, s in scopes.items() if s is Scope.DEV} == {
        n.lower().replace("_", "-") for n in declared["dev-packages"]} - {
        n.lower() for n in declared.get("packages", {})}


def test_a_manifest_range_beside_a_pin_is_that_pin(tmp_path):
    """examples/payments-service: pyproject.toml asks for `Django>=4.2,<5`, requirements.txt
    pins `Django==4.2.16`. One component, the pin, keeping the range and where it is
    declared; runtime packages are reached through the runtime manifest, not the dev one."""
    example = REPO / "examples/payments-service"
    document = json.loads(run_cli("scan", str(example), "--policy", "financial-default",
                                  "--format", "json").stdout)
    python = [c for c in document["components"] if c["ecosystem"] == "python"]
    assert len({c["name"].lower() for c in python}) == len(python) == 13
    django = next(c for c in python if c["name"].lower() == "django")
    assert django["version"] == "4.2.16"
    assert {"name": "fincomp:constraint", "value": "<5,>=4.2 (backend/pyproject.toml:6)"} \
        in django["properties"]
    assert not [f for f in document["findings"] if f["rule"] == "FIN-DEP-UNPINNED"]
    crypto = next(f for f in document["findings"] if f["name"] == "cryptography")
    assert crypto["paths"][0][0] == "project:backend/requirements.txt"
    # a range no pin satisfies stays what it is
    backend = tmp_path / "backend"
    shutil.copytree(example / "backend", backend)
    (backend / "requirements.txt").write_text("Django==5.1.1\n")
    document = json.loads(run_cli("scan", str(backend), "--format", "json").stdout)
    djangos = sorted((c["version"] or "") for c in document["components"]
                     if c["name"].lower() == "django")
    assert djangos == ["", "5.1.1"]
