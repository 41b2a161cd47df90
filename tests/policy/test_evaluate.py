"""Judging real scans against policies: findings, reasons, allow-lists, dev scope, exit codes."""

from __future__ import annotations

import json

import pytest

from fincompliance.licensing.review import review
from fincompliance.policy.evaluate import evaluate
from fincompliance.policy.loader import load_policy
from fincompliance.scan import scan

from conftest import CORPUS, run_cli

FIN = CORPUS / "python/site-packages-fin"


@pytest.fixture(scope="module")
def default_run():
    result = run_cli("scan", str(FIN), "--policy", "financial-default", "--format", "json")
    return result.returncode, json.loads(result.stdout)


def test_financial_default_flags_mysql_for_review_with_why_and_where(default_run):
    code, document = default_run
    assert code == 0  # warnings only; --fail-on error
    (mysql,) = [f for f in document["findings"] if f["name"] == "mysql-connector-python"]
    assert (mysql["rule"], mysql["action"], mysql["severity"], mysql["article"]) == (
        "FIN-LIC-COPYLEFT-IMPORTED", "review", "warning", "art. 10")
    assert "GPL-2.0-only WITH Universal-FOSS-exception-1.0" in mysql["why"][0]
    assert mysql["location"] == "mysql_connector_python-26.10.0.dist-info/METADATA:2"
    assert mysql["paths"] == [["project:.", mysql["component"]]]
    assert mysql["rule_defined_at"].startswith("financial-default (shipped):")


def test_financial_default_passes_certifi_and_lists_its_mpl_obligations(default_run):
    _, document = default_run
    assert not [f for f in document["findings"] if f["name"] == "certifi"]
    certifi = document["licence_review"]["pkg:pypi/certifi@2026.10.18"]
    assert certifi["verdict"] == "compatible" and certifi["used_under"] == "MPL-2.0"
    assert {"disclose-source", "same-license", "include-license-text"} <= set(
        certifi["obligations"])
    assert document["policy"]["name"] == "financial-default" and document["policy"]["digest"]


@pytest.mark.parametrize("fail_on, code", [("error", 0), ("warning", 1), ("never", 0)])
def test_fail_on_sets_the_exit_code(fail_on, code):
    assert run_cli("scan", str(FIN), "--policy", "financial-default",
                   "--fail-on", fail_on).returncode == code


def test_strict_denies_copyleft_and_fails():
    result = run_cli("scan", str(FIN), "--policy", "strict", "--format", "json")
    assert result.returncode == 1
    document = json.loads(result.stdout)
    denied = {f["name"] for f in document["findings"] if f["severity"] == "error"}
    assert "mysql-connector-python" in denied
    assert set(document["failed"]) == {f["id"] for f in document["findings"]
                                       if f["severity"] == "error"}


def test_finding_ids_are_stable_across_runs(default_run):
    _, first = default_run
    second = json.loads(run_cli("scan", str(FIN), "--policy", "financial-default",
                                "--format", "json").stdout)
    assert [f["id"] for f in first["findings"]] == [f["id"] for f in second["findings"]]


def _judge(tmp_path, folder, policy_text):
    path = tmp_path / "policy.yaml"
    path.write_text(policy_text)
    policy = load_policy(path)
    result = scan(folder)
    outcome = review(result.graph, result.root, policy.outbound, policy.distribution)
    return evaluate(result.graph, outcome, policy)


def test_an_explicit_allow_wins(tmp_path):
    findings = _judge(tmp_path, FIN, """policy: p
version: 1
extends: financial-default
rules:
  - id: ALLOW-MYSQL
    article: art. 10
    action: allow
    message: approved by legal, ticket LEGAL-42
    when: {component: {name: mysql-connector-python}}
""")
    assert "mysql-connector-python" not in {f.name for f in findings}
    assert "paramiko" in {f.name for f in findings}


def test_dev_scope_is_left_out_unless_the_rule_includes_it(tmp_path):
    rule = """policy: p
version: 1
rules:
  - id: R
    article: art. 10
    action: deny
    {include}
    when: {{unpinned: false}}
"""
    express = CORPUS / "npm/bookstack"
    without = _judge(tmp_path, express, rule.format(include=""))
    with_dev = _judge(tmp_path, express, rule.format(include="include_dev: true"))
    graph = scan(express).graph
    dev = {c.ref for c in graph.components.values() if c.scope.value == "dev"}
    assert dev and not {f.component for f in without} & dev
    assert {f.component for f in with_dev} & dev


def test_conditions_combine(tmp_path):
    findings = _judge(tmp_path, CORPUS / "npm/express-app", """policy: p
version: 1
rules:
  - id: DEEP-MIME
    article: art. 12
    action: review
    when:
      all:
        - component: {purl: "pkg:npm/mime-*"}
        - depth: {min: 3}
        - not: {direct: true}
        - any: [{ecosystem: pypi}, {ecosystem: npm}]
  - id: OLD-QS
    article: art. 12
    action: info
    when: {component: {name: qs, version: "<7"}}
""")
    deep = {f.name for f in findings if f.rule == "DEEP-MIME"}
    assert deep and all(n.startswith("mime-") for n in deep)
    assert all(len(f.paths[0]) >= 4 for f in findings if f.rule == "DEEP-MIME")
    graph = scan(CORPUS / "npm/express-app").graph
    qs = [c for c in graph.components.values() if c.name == "qs"]
    old_qs = int(qs[0].version.split(".")[0]) < 7
    assert bool([f for f in findings if f.rule == "OLD-QS"]) == old_qs


def test_licence_ids_allow_as_an_allow_list_and_deny_what_is_used(tmp_path):
    from fincompliance.licensing.compatibility import assess
    from fincompliance.licensing.conclude import conclude
    from fincompliance.licensing.review import LicenceReview
    from fincompliance.model import Component, DeclaredLicense, Graph, Project
    from fincompliance.product import PROPRIETARY, Distribution

    graph = Graph()
    graph.add_project(Project("project:x", "x", "npm", None))
    outcome = LicenceReview(PROPRIETARY, Distribution.DISTRIBUTED_BINARY)
    for name, expression in [("both", "MIT AND GPL-3.0-only"), ("either", "MIT OR GPL-3.0-only"),
                             ("near", "MIT-0")]:
        component = Component(ref=f"pkg:npm/{name}@1.0.0", ecosystem="npm", name=name,
                              version="1.0.0", purl=f"pkg:npm/{name}@1.0.0",
                              declared_licenses=(DeclaredLicense(expression, "license"),))
        component.concluded = conclude(component, [])
        graph.add_component(component)
        graph.add_edge("project:x", component.ref)
        outcome.assessments[component.ref] = assess(expression, PROPRIETARY,
                                                    Distribution.DISTRIBUTED_BINARY)
    path = tmp_path / "policy.yaml"
    path.write_text("""policy: p
version: 1
rules:
  - id: ALLOW-MIT
    article: art. 10
    action: allow
    when: {license: {id: MIT}}
  - id: FLAG-ALL
    article: art. 10
    action: review
    when: {direct: true}
  - id: DENY-GPL3
    article: art. 10
    action: deny
    when: {license: {id: GPL-3.0-only}}
""")
    findings = evaluate(graph, outcome, load_policy(path))
    flagged = {(f.name, f.rule) for f in findings}
    # "either" is used under MIT: allowed, and not denied for GPL-3.0-only
    assert not {r for n, r in flagged if n == "either"}
    # "both" needs GPL-3.0-only too: not allowed, and denied
    assert ("both", "DENY-GPL3") in flagged and ("both", "FLAG-ALL") in flagged
    # MIT does not allow MIT-0
    assert ("near", "FLAG-ALL") in flagged
