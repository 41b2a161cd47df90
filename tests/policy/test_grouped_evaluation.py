"""Rules that read only shared facts (licence, assessment, ecosystem, scope, directness,
lifecycle) are judged once per combination of them, and rules asking about facts a
component lacks (advisories, release facts, a previous scan, a depth) are skipped for it.
Neither may change a finding: every rule of a policy using every kind of condition, judged
on real scans with real advisories, gives the findings of judging each rule on each
component."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from fincompliance.analysis.vulndb import VulnerabilityDatabase
from fincompliance.analysis.vulnerabilities import match_graph
from fincompliance.ledger.lifecycle import apply_states
from fincompliance.licensing.knowledge import load
from fincompliance.licensing.review import review
from fincompliance.model import PathIndex, Scope
from fincompliance.policy.evaluate import Facts, _Context, _matches, evaluate
from fincompliance.policy.loader import load_policy
from fincompliance.scan import scan

from conftest import CORPUS, REPO

# financial-default's rules and 17 more, one for each kind of condition and combination
EVERY_CONDITION = REPO / "benchmarks" / "policy-30-rules.yaml"
ON = date(2026, 11, 23)


def _one_by_one(graph, outcome, policy) -> set[tuple]:
    """What judging every rule on every component gives, with no grouping."""
    knowledge = load()
    contexts = {allow: _Context(knowledge, allow, ON, policy.internal)
                for allow in (False, True)}
    direct, index = graph.direct_refs(), PathIndex(graph)
    found = set()
    for component in graph.sorted_components():
        facts = Facts(component, outcome.assessments[component.ref], component.ref in direct,
                      index.depth(component.ref), graph.compared_with is not None)
        matched = []
        for rule in policy.rules.values():
            if component.scope is Scope.DEV and not rule.include_dev:
                continue
            if "release_check" in rule.when:
                continue
            hit, why = _matches(rule.when, facts, contexts[rule.action == "allow"])
            if hit:
                matched.append((rule.id, component.ref, tuple(dict.fromkeys(why))))
        if not any(policy.rules[rule].action == "allow" for rule, _, _ in matched):
            found.update(matched)
    return found


@pytest.mark.parametrize("project", ["python/legacy-app", "python/site-packages-fin",
                                     "npm/express-app", "python/pipenv"])
def test_grouped_judging_finds_what_judging_each_component_finds(project, pypa_db: Path):
    result = scan(CORPUS / project)
    graph = result.graph
    with VulnerabilityDatabase(pypa_db) as database:
        match_graph(graph, database, frozenset({"PyPI"}))
    apply_states(graph, [{"package": "pkg:pypi/django", "versions": "<3", "state": "retired"},
                         {"package": "pkg:npm/express", "versions": "*", "state": "approved"}])
    policy = load_policy(EVERY_CONDITION)
    outcome = review(graph, result.root, policy.outbound, policy.distribution)
    findings = evaluate(graph, outcome, policy, on=ON)
    grouped = {(f.rule, f.component, f.why) for f in findings}
    assert grouped == _one_by_one(graph, outcome, policy)
    assert grouped
    vulnerable = sum(1 for c in graph.components.values() if c.vulnerabilities)
    assert project != "python/legacy-app" or vulnerable > 5   # advisories were judged
