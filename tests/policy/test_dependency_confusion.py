"""Dependency confusion: the institution lists its own packages (`internal:` in a policy) and
the shipped rules flag a lockfile that resolved one from another registry, and, with
`--online`, a public registry that holds a package of the same name.

The lockfiles are the corpus's; the public registry is a real HTTP server on loopback serving
answers recorded from the real public registries (tests/fixtures/registry): the public index
really holds `fincompliance`, this project's own distribution name, for an unrelated project.
"""

from __future__ import annotations

import json
import re
import socket
import xml.etree.ElementTree as ElementTree

import pytest

from conftest import CORPUS, REGISTRY, run_cli

INTERNAL_REGISTRY = "https://npm.example-bank.internal/"


def _policy(tmp_path, packages, sources=(INTERNAL_REGISTRY,)):
    path = tmp_path / "policy.yaml"
    path.write_text("policy: bank\nversion: 1\nextends: financial-default\ninternal:\n"
                    f"  packages: {json.dumps(list(packages))}\n"
                    f"  sources: {json.dumps(list(sources))}\n")
    return path


def _judged(target, policy, *extra, env=None):
    result = run_cli("scan", str(target), "--policy", str(policy), "--format", "json",
                     *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return result, json.loads(result.stdout)


def _findings(document, rule):
    return {f["name"]: f for f in document["findings"] if f["rule"] == rule}


@pytest.mark.parametrize("lockfile, pattern", [
    # npm's package-lock and yarn 1 record the tarball address of every package
    ("npm/bookstack/package-lock.json", "@codemirror/*"),
    ("npm/yarn1-app/yarn.lock", "a*"),
    # uv.lock records each package's index (or its git source), Pipfile.lock the index by name
    ("python/pydantic/uv.lock", "pydantic*"),
    ("python/pipenv/Pipfile.lock", "py*"),
])
def test_an_internal_package_resolved_from_another_registry_fails(tmp_path, lockfile, pattern):
    path = CORPUS / lockfile
    text = path.read_text(encoding="utf-8")
    registry = re.search(r"https://[a-z.-]+/(?:simple)?", text).group(0)  # as recorded
    policy = _policy(tmp_path, [pattern])
    result, document = _judged(path, policy)
    own = {c["name"] for c in document["components"]
           if re.fullmatch(pattern.replace("*", ".*"), c["name"])}
    assert own, "the pattern must name packages of this lockfile"
    foreign = _findings(document, "FIN-SUPPLY-FOREIGN-SOURCE")
    assert set(foreign) == own
    assert result.returncode == 1
    whys = [" ".join(f["why"]) for f in foreign.values()]
    assert {(f["severity"], f["article"]) for f in foreign.values()} == {("error", "art. 12")}
    assert all(INTERNAL_REGISTRY in why for why in whys)
    assert any(f"resolved from {registry}," in why for why in whys)

    # The same lockfile, with the registry it records listed as the institution's own.
    trusted = _policy(tmp_path, [pattern], [registry.rstrip("/")])
    _, document = _judged(path, trusted)
    still = _findings(document, "FIN-SUPPLY-FOREIGN-SOURCE")
    assert all(f"resolved from {registry}" not in " ".join(f["why"]) for f in still.values())
    assert len(still) < len(foreign)


def test_nothing_is_flagged_until_the_institution_lists_its_packages():
    result, document = _judged(CORPUS / "npm/bookstack", "financial-default")
    assert not [f for f in document["findings"] if f["rule"].startswith("FIN-SUPPLY")]
    assert "public registry" not in result.stderr


def test_a_lockfile_that_records_no_address_is_not_called_foreign(tmp_path):
    """pnpm writes no address for a package of the configured registry: `unrecorded`, which a
    policy may review, never `foreign`."""
    policy = _policy(tmp_path, ["@vitejs/*"])
    policy.write_text(policy.read_text() + "rules:\n  - id: BANK-SOURCE-UNKNOWN\n"
                      "    article: art. 12\n    action: review\n    include_dev: true\n"
                      "    when: {internal: {source: unrecorded}}\n")
    _, document = _judged(CORPUS / "npm/vite", policy)
    assert _findings(document, "FIN-SUPPLY-FOREIGN-SOURCE") == {}
    unknown = _findings(document, "BANK-SOURCE-UNKNOWN")
    assert unknown and all(n.startswith("@vitejs/") for n in unknown)
    assert all("does not record where it was resolved from" in " ".join(f["why"])
               for f in unknown.values())


@pytest.fixture
def project_using_own_packages(tmp_path):
    """legacy-app's real pins plus two of the institution's own packages: `fincompliance`
    (which the public index holds for someone else) and a name it does not hold."""
    project = tmp_path / "payments"
    project.mkdir()
    pins = (CORPUS / "python/legacy-app/requirements.txt").read_text()
    (project / "requirements.txt").write_text(
        pins + "fincompliance==0.9.0\nexample-bank-ledger==2.1.0\n")
    return project


def _public(env):
    base = env["FINCOMP_PYPI_URL"].removesuffix("/simple/")
    return {**env, "FINCOMP_PUBLIC_PYPI_URL": f"{base}/simple/",
            "FINCOMP_PUBLIC_NPM_URL": f"{base}/npm/"}


def test_a_public_namesake_of_an_internal_package_fails_online(tmp_path, mirror,
                                                               project_using_own_packages):
    server, env = mirror
    policy = _policy(tmp_path, ["fincompliance", "example-bank-*"])
    result, document = _judged(project_using_own_packages, policy, "--online",
                               env=_public(env))
    namesakes = _findings(document, "FIN-SUPPLY-PUBLIC-NAMESAKE")
    recorded = json.loads((REGISTRY / "pypi/fincompliance.json").read_text())["info"]
    assert set(namesakes) == {"fincompliance"}
    assert f"(newest version {recorded['version']})" in " ".join(namesakes["fincompliance"]["why"])
    assert result.returncode == 1
    asked = [r for r in server.requests if r.startswith("/pypi/fincompliance/")
             or r.startswith("/pypi/example-bank-ledger/")]
    assert len(asked) >= 2
    assert "public registry" not in result.stderr.split("not checked", 1)[-1]

    table = run_cli("scan", str(project_using_own_packages), "--policy", str(policy),
                    "--online", env=_public(env)).stdout
    assert "2 of the institution's own packages asked of a public registry: 1 held there " \
        "too (fincompliance)" in table


def test_npm_names_are_asked_of_the_public_npm_registry(tmp_path, mirror):
    _, env = mirror
    policy = _policy(tmp_path, ["express", "@example-bank/*"])
    _, document = _judged(CORPUS / "npm/express-app", policy, "--online", env=_public(env))
    assert set(_findings(document, "FIN-SUPPLY-PUBLIC-NAMESAKE")) == {"express"}


def test_without_the_public_question_the_verdict_says_what_was_not_checked(
        tmp_path, mirror, project_using_own_packages):
    _, env = mirror
    policy = _policy(tmp_path, ["fincompliance", "example-bank-*"])
    args = ("scan", str(project_using_own_packages), "--policy", str(policy), "--format",
            "sarif")

    offline = run_cli(*args, env=env)
    assert offline.stderr.rstrip().endswith(
        "; not checked against a public registry: 2 of the institution's own packages "
        "(no --online)")
    notes = [n["message"]["text"] for n in json.loads(offline.stdout)["runs"][0][
        "invocations"][0]["toolExecutionNotifications"]]
    assert "not checked against a public registry: 2 of the institution's own packages " \
        "(no --online)" in notes
    assert "FIN-SUPPLY-PUBLIC-NAMESAKE" not in offline.stdout
    # JUnit: the rule that needs the public answer is skipped, not passed
    junit = ElementTree.fromstring(run_cli(*args[:-1], "junit", env=env).stdout)
    cases = {c.get("classname"): c for c in junit.iter("testcase")}
    namesake = cases["FIN-SUPPLY-PUBLIC-NAMESAKE"]
    assert namesake.get("name") == "not checked" and namesake.find("skipped").get(
        "message") == ("not checked: against a public registry: 2 of the institution's own "
                       "packages (no --online)")
    assert cases["FIN-SUPPLY-FOREIGN-SOURCE"].get("name") == "no component matches"
    assert cases["FIN-SUPPLY-FOREIGN-SOURCE"].find("skipped") is None

    unconfigured = run_cli(*args, "--online", env=env)
    assert "not checked against a public registry: 2 of the institution's own packages " \
        "(no public registry configured for python)" in unconfigured.stderr

    with socket.socket() as closed:  # a port nothing listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    down = run_cli(*args, "--online", env={**env, "FINCOMP_PUBLIC_PYPI_URL":
                                           f"http://127.0.0.1:{port}/simple/"})
    assert down.returncode in (0, 1), down.stderr
    assert "not checked against a public registry: 2 of the institution's own packages " \
        "(registry unreachable)" in down.stderr
    assert "FIN-SUPPLY-PUBLIC-NAMESAKE" not in down.stdout


def test_internal_lists_add_up_through_extends_and_are_checked(tmp_path):
    base = tmp_path / "institution.yaml"
    base.write_text("policy: institution\nversion: 1\nextends: financial-default\n"
                    "internal:\n  packages: ['@codemirror/*']\n"
                    f"  sources: ['{INTERNAL_REGISTRY}']\n")
    team = tmp_path / "team.yaml"
    team.write_text("policy: team\nversion: 1\nextends: institution.yaml\n"
                    "internal:\n  packages: ['@lezer/*']\n")
    _, document = _judged(CORPUS / "npm/bookstack", team)
    names = set(_findings(document, "FIN-SUPPLY-FOREIGN-SOURCE"))
    assert {n.split("/")[0] for n in names} == {"@codemirror", "@lezer"}

    bad = tmp_path / "bad.yaml"
    bad.write_text("policy: bad\nversion: 1\ninternal:\n  packages: ['@bank/*']\n"
                   "  sources: ['npm.bank.internal']\n")
    result = run_cli("policy", "validate", str(bad))
    assert result.returncode == 2
    assert result.stderr.startswith(f"fincomp: error: {bad}:5: internal.sources[0]")
    assert "Traceback" not in result.stderr
