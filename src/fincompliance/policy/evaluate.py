"""Judging a scanned graph against a policy: each rule's condition over each component's
facts, explicit allows winning, and a finding for every match that says why.

A finding's id depends only on the rule and the component, so the same finding keeps its
id across runs (baselines and waivers rely on that).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatch
from typing import Any

from packaging.version import InvalidVersion, Version

from fincompliance.clock import days_since, today
from fincompliance.licensing.compatibility import Assessment
from fincompliance.licensing.expressions import allowed, terms
from fincompliance.licensing.knowledge import Knowledge, load
from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.licensing.review import LicenceReview
from fincompliance.model import SEVERITY_ORDER, Component, Graph, Location, PathIndex, Scope
from fincompliance.policy.loader import Policy, Rule
from fincompliance.release import Observation
from fincompliance.supply_chain import NOT_PUBLIC, InternalPackages, origins, public_namesake
from fincompliance.version_ranges import satisfies

SEVERITY_RANK = {"note": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Finding:
    id: str
    rule: str
    action: str
    severity: str
    article: str
    component: str                      # ref
    name: str
    version: str | None
    purl: str
    paths: tuple[tuple[str, ...], ...]  # from a project to the component
    location: Location | None           # the manifest or lockfile line that brought it in
    message: str
    why: tuple[str, ...]
    remediation: str
    rule_defined_at: str


@dataclass(frozen=True)
class _Context:
    knowledge: Knowledge
    allow: bool  # judging an allow rule: licence ids are an allow-list
    today: date
    internal: InternalPackages
    language: str = "en"    # of the reasons a finding gives, where fincomp has them


@dataclass(frozen=True)
class Facts:
    component: Component
    assessment: Assessment
    direct: bool
    depth: int | None
    compared: bool  # a previous scan is known, so `previous` is meaningful


def finding_id(rule_id: str, component_ref: str) -> str:
    return hashlib.sha256(f"{rule_id}\0{component_ref}".encode()).hexdigest()[:16]


def evaluate(graph: Graph, review: LicenceReview, policy: Policy,
             knowledge: Knowledge | None = None, on: date | None = None,
             observations: Sequence[Observation] = (), language: str = "en"
             ) -> list[Finding]:
    """Findings of every rule on every component, judged as of `on` (default: today), and
    of `release_check` rules on what a release review observed; messages and remediations
    in `language` where the rules have it."""
    knowledge = knowledge or load()
    contexts = {allow: _Context(knowledge, allow, on or today(), policy.internal, language)
                for allow in (False, True)}
    plans = [_Plan(rule, contexts[rule.action == "allow"]) for rule in policy.rules.values()
             if "release_check" not in rule.when]
    shared = [plan for plan in plans if plan.shared]
    own = [plan for plan in plans if not plan.shared]
    direct = graph.direct_refs()
    index = PathIndex(graph)
    compared = graph.compared_with is not None
    # rules reading only shared facts, judged once per combination of those facts
    by_shared_facts: dict[tuple, list[tuple[Rule, list[str]]]] = {}
    findings = []
    for component in graph.sorted_components():
        assessment = review.assessments[component.ref]
        facts = Facts(component, assessment, component.ref in direct,
                      index.depth(component.ref), compared)
        conclusion = component.concluded
        key = (id(assessment), conclusion.expression if conclusion else None,
               conclusion.mismatch if conclusion else None,
               conclusion.reason if conclusion else None, component.ecosystem,
               component.scope, facts.direct, component.lifecycle)
        matched = by_shared_facts.get(key)
        if matched is None:
            matched = by_shared_facts[key] = _matched(shared, facts)
        matched = matched + _matched(own, facts)
        if any(rule.action == "allow" for rule, _ in matched):
            continue  # an explicit allow wins over every other rule for this component
        for rule, why in matched:
            findings.append(_finding(rule, facts, why, index.paths_to(component.ref), graph,
                                     language))
    findings += _observed(observations, policy, language)
    return sorted(findings, key=lambda f: (-SEVERITY_RANK[f.severity], f.rule, f.component,
                                           str(f.location)))


# Tests whose answer (and reasons) depend only on facts many components share: the licence
# conclusion and its assessment, ecosystem, scope, directness and lifecycle state.
_SHARED_TESTS = frozenset({"all", "any", "not", "license", "compatibility", "ecosystem",
                           "scope", "direct", "lifecycle"})
# A component without these facts fails a rule that asks about them, whatever else it asks.
_WITHOUT = {"vulnerability": lambda facts: not facts.component.vulnerabilities,
            "release": lambda facts: facts.component.release is None,
            "change": lambda facts: not facts.compared,
            "depth": lambda facts: facts.depth is None}


class _Plan:
    """A rule ready to judge components: whether it reads only shared facts, and which
    facts a component must have for it to hold at all."""

    def __init__(self, rule: Rule, context: _Context) -> None:
        self.rule, self.context = rule, context
        self.shared = _tests_in(rule.when) <= _SHARED_TESTS
        self.required = frozenset(_required(rule.when))


def _tests_in(condition: dict[str, Any]) -> set[str]:
    found = set(condition)
    for key in ("all", "any"):
        for part in condition.get(key, ()):
            found |= _tests_in(part)
    if "not" in condition:
        found |= _tests_in(condition["not"])
    return found


def _required(condition: dict[str, Any]) -> set[str]:
    """The facts of _WITHOUT a condition cannot hold without: those any of its keys (or
    every alternative of an `any`) asks about."""
    found = {key for key in condition if key in _WITHOUT}
    for part in condition.get("all", ()):
        found |= _required(part)
    if condition.get("any"):
        found |= set.intersection(*(_required(part) for part in condition["any"]))
    return found


def _matched(plans: list[_Plan], facts: Facts) -> list[tuple[Rule, list[str]]]:
    dev = facts.component.scope is Scope.DEV
    absent = {key for key, missing in _WITHOUT.items() if missing(facts)}
    found = []
    for plan in plans:
        if (dev and not plan.rule.include_dev) or not plan.required.isdisjoint(absent):
            continue
        hit, why = _matches(plan.rule.when, facts, plan.context)
        if hit:
            found.append((plan.rule, why))
    return found


def _observed(observations: Sequence[Observation], policy: Policy, language: str
              ) -> list[Finding]:
    found = []
    for rule in policy.rules.values():
        checks = rule.when.get("release_check")
        if checks is None:
            continue
        wanted = set(_as_list(checks))
        message, remediation = rule.text(language)
        found += [Finding(
            id=finding_id(rule.id, o.key), rule=rule.id, action=rule.action,
            severity=rule.severity, article=rule.article, component=o.subject, name=o.subject,
            version=None, purl="", paths=(), location=o.location,
            message=message or f"matches rule {rule.id}", why=(o.detail,),
            remediation=remediation, rule_defined_at=rule.defined_at)
            for o in observations if o.check in wanted]
    return found


def _finding(rule: Rule, facts: Facts, why: list[str], paths: list[list[str]],
             graph: Graph, language: str) -> Finding:
    component = facts.component
    introducer = graph.components.get(paths[0][1]) if paths and len(paths[0]) > 1 else None
    location = (introducer or component).locations[0] if (introducer or component).locations \
        else None
    message, remediation = rule.text(language)
    return Finding(
        id=finding_id(rule.id, component.ref), rule=rule.id, action=rule.action,
        severity=rule.severity, article=rule.article, component=component.ref,
        name=component.name, version=component.version, purl=component.purl,
        paths=tuple(tuple(p) for p in paths), location=location,
        message=message or f"matches rule {rule.id}",
        why=tuple(dict.fromkeys(why)), remediation=remediation,
        rule_defined_at=rule.defined_at)


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _matches(condition: dict[str, Any], facts: Facts, context: _Context
             ) -> tuple[bool, list[str]]:
    """Every key of a condition must hold; `all`, `any` and `not` combine conditions."""
    why: list[str] = []
    for key, value in condition.items():
        hit, reasons = _TESTS[key](value, facts, context)
        if not hit:
            return False, []
        why += reasons
    return True, why


def _all(value, facts, context):
    results = [_matches(c, facts, context) for c in value]
    return all(hit for hit, _ in results), [r for _, reasons in results for r in reasons]


def _any(value, facts, context):
    # Every alternative that holds adds its reasons: a finding lists all it is about.
    results = [_matches(c, facts, context) for c in value]
    return any(hit for hit, _ in results), [r for hit, reasons in results if hit
                                            for r in reasons]


def _not(value, facts, context):
    hit, _ = _matches(value, facts, context)
    return not hit, []


def _license(value: dict[str, Any], facts: Facts, context: _Context):
    knowledge = context.knowledge
    conclusion = facts.component.concluded
    expression = conclusion.expression if conclusion else UNKNOWN
    used = terms(facts.assessment.chosen) if facts.assessment.chosen else ()
    why = []
    if "id" in value:
        listed = _as_list(value["id"])
        if context.allow:
            # An allow-list admits an OR through any choice, an AND only if every term is
            # listed, and never a near miss (MIT does not admit MIT-0).
            admitted, through = allowed(expression, listed)
            if not admitted:
                return False, []
            why.append(f"licence {' AND '.join(map(str, through))} is on the allow-list")
        else:
            # Other rules look at the licence the component is used under (an OR's choice).
            wanted = {i.lower() for i in listed}
            found = [t.licence for t in used if t.licence.lower() in wanted]
            if not found:
                return False, []
            why.append(f"licence {', '.join(found)} (concluded: {expression})")
    if "category" in value:
        wanted = set(_as_list(value["category"]))
        found = [(t.licence, knowledge.get(t.licence).category.value) for t in used
                 if knowledge.get(t.licence) and knowledge.get(t.licence).category.value in wanted]
        if not found:
            return False, []
        why += [f"licence {licence} is {category}" for licence, category in found]
    if "expression" in value:
        if expression.lower() != value["expression"].lower():
            return False, []
        why.append(f"licence expression {expression}")
    for flag, holds, text in (
            ("unknown", expression == UNKNOWN, _not_concluded(conclusion, context.language)),
            ("mismatch", bool(conclusion and conclusion.mismatch),
             conclusion.reason if conclusion else ""),
            ("non_open", facts.assessment.non_open,
             "; ".join(facts.assessment.non_open_reasons))):
        if flag in value:
            if holds != value[flag]:
                return False, []
            if holds:
                why.append(text or flag)
    return True, why


def _not_concluded(conclusion, language: str) -> str:
    reason = conclusion.reason if conclusion else "no conclusion"
    return f"许可证未能确定：{reason}" if language == "zh-CN" \
        else f"licence not concluded: {reason}"


def _compatibility(value, facts, context):
    verdict = facts.assessment.verdict.value
    if verdict not in _as_list(value):
        return False, []
    word = facts.assessment.verdict.said(context.language)
    colon = "：" if context.language == "zh-CN" else ": "
    return True, [word + colon + reason for reason in facts.assessment.why(context.language)]



def _component(value: dict[str, Any], facts: Facts, context):
    component = facts.component
    why = []
    if "purl" in value:
        if not any(component.matches_purl(p) for p in _as_list(value["purl"])):
            return False, []
        why.append(f"package {component.purl}")
    if "name" in value:
        if not any(fnmatch(component.name, p) for p in _as_list(value["name"])):
            return False, []
        why.append(f"package name {component.name}")
    if "version" in value:
        if not satisfies(component.version, value["version"]):
            return False, []
        why.append(f"version {component.version} is in {value['version']}")
    return True, why


def _ecosystem(value, facts, context):
    ecosystem = facts.component.ecosystem
    return (ecosystem in _as_list(value)), [f"ecosystem {ecosystem}"]


def _scope(value, facts, context):
    scope = facts.component.scope.value
    return (scope in _as_list(value)), [f"scope {scope}"]


def _direct(value, facts, context):
    return facts.direct == value, ["direct dependency" if facts.direct else "transitive"]


def _depth(value, facts, context):
    depth = facts.depth
    if depth is None:
        return False, []
    return _within(depth, value), [f"dependency depth {depth}"]


def _unpinned(value, facts, context):
    unpinned = not facts.component.pinned
    return unpinned == value, (
        [f"no exact version (declared {facts.component.requirement or '*'})"] if unpinned else [])


def _vulnerability(value: dict[str, Any], facts: Facts, context):
    """Matches when at least one of the component's advisories meets every stated test."""
    wanted_ids = {i.upper() for i in _as_list(value.get("id", []))}
    severities = set(_as_list(value.get("severity", [])))
    floor = SEVERITY_ORDER.index(value["min_severity"]) if "min_severity" in value else 0
    why = []
    for vulnerability in facts.component.vulnerabilities:
        if severities and vulnerability.severity not in severities:
            continue
        if SEVERITY_ORDER.index(vulnerability.severity) < floor:
            continue
        if "fix_available" in value and vulnerability.fix_available != value["fix_available"]:
            continue
        if wanted_ids and not wanted_ids & {vulnerability.id.upper(),
                                            *(a.upper() for a in vulnerability.aliases)}:
            continue
        fix = f"fixed in {vulnerability.fixed}" if vulnerability.fixed else "no fixed version"
        # "unknown" is the data's word; a reader is told the source rated it nowhere
        level = "unrated" if vulnerability.severity == "unknown" else vulnerability.severity
        why.append(f"{vulnerability.id} ({level}"
                   + (f" {vulnerability.score}" if vulnerability.score is not None else "")
                   + f", {fix})")
    return bool(why), why


def _release(value: dict[str, Any], facts: Facts, context: _Context):
    release = facts.component.release
    if release is None:
        return False, []
    why = []
    for flag, state, text in (("deprecated", release.deprecated, "deprecated"),
                              ("yanked", release.yanked, "yanked")):
        if flag in value:
            if (state is not None) != value[flag]:
                return False, []
            if state is not None:
                why.append(f"version {facts.component.version} is {text}"
                           + (f": {state}" if state else ""))
    for key, when, text in (("age_days", release.released, "published"),
                            ("last_release_days", release.last_release, "newest release")):
        if key in value:
            days = days_since(when, context.today)
            if days is None or not _within(days, value[key]):
                return False, []
            why.append(f"{text} {days} days ago ({when})")
    if "relicensed" in value:
        # The newest release's licence is what its metadata declares: compared with what the
        # version in use declares (or the institution concluded), never with licence files,
        # which name every bundled library's licence too.
        conclusion = facts.component.concluded
        now = (conclusion.declared if conclusion.method == "detected"
               else conclusion.expression) if conclusion else None
        now = now or UNKNOWN
        changed = bool(release.latest_licence and now != UNKNOWN
                       and release.latest_licence != now)
        if changed != value["relicensed"]:
            return False, []
        if changed:
            why.append(f"newest release {release.latest_version} is under "
                       f"{release.latest_licence}, not {now}")
    if "behind_latest" in value:
        behind = _behind(facts.component.version, release.latest_version)
        if behind is None or not any(behind[part] >= wanted for part, wanted
                                     in value["behind_latest"].items()):
            return False, []
        why.append(f"{facts.component.version} is {behind['major']} major and "
                   f"{behind['minor']} minor versions behind {release.latest_version}")
    return True, why



def _within(number: int, bounds: dict[str, int]) -> bool:
    return bounds.get("min", number) <= number <= bounds.get("max", number)


def _behind(current: str | None, latest: str | None) -> dict[str, int] | None:
    try:
        now, newest = Version(current or ""), Version(latest or "")
    except InvalidVersion:
        return None
    if newest <= now:
        return {"major": 0, "minor": 0}
    major = newest.major - now.major
    return {"major": major, "minor": newest.minor - now.minor if major == 0 else newest.minor}


def _change(value: dict[str, Any], facts: Facts, context):
    if not facts.compared:
        return False, []
    previous = facts.component.previous
    why = []
    if "new" in value:
        if (previous is None) != value["new"]:
            return False, []
        if previous is None:
            why.append("not in the previous scan")
    if "scope_from" in value:
        scope = facts.component.scope
        if previous is None or previous.scope.value not in _as_list(value["scope_from"]) \
                or scope.strength <= previous.scope.strength:
            return False, []
        why.append(f"scope was {previous.scope.value} in the previous scan, now {scope.value}")
    if "licence" in value:
        now = facts.component.concluded.expression if facts.component.concluded else None
        changed = previous is not None and previous.licence is not None and now is not None \
            and previous.licence != now
        if previous is None or changed != value["licence"]:
            return False, []
        if changed:
            why.append(f"licence was {previous.licence} in the previous scan, now {now}")
    return True, why


def _lifecycle(value, facts, context):
    state = facts.component.lifecycle
    if state is None:
        return False, []
    return state in _as_list(value), [f"lifecycle state in the ledger: {state}"]


def _internal(value: dict[str, Any], facts: Facts, context: _Context):
    component = facts.component
    if not context.internal.owns(component):
        return False, []
    why = [f"{component.name} is one of the institution's own packages (policy `internal`)"]
    if "public_namesake" in value:
        answer = public_namesake(component)
        if answer is None or (answer != NOT_PUBLIC) != value["public_namesake"]:
            return False, []  # not asked: nothing to say either way
        if answer != NOT_PUBLIC:
            why.append(f"the public registry also holds a package named {component.name} "
                       f"(newest version {answer}): a build asking a mirror that proxies it "
                       "may install that one")
    if "source" in value:
        foreign = context.internal.foreign_origins(component)
        origin = "unrecorded" if foreign is None else "foreign" if foreign else "internal"
        if origin not in _as_list(value["source"]):
            return False, []
        why.append({"unrecorded": "the lockfile does not record where it was resolved from",
                    "foreign": f"resolved from {', '.join(foreign or ())}, not from the "
                               "institution's registries ("
                               + (", ".join(context.internal.sources) or "none listed") + ")",
                    "internal": "resolved from " + ", ".join(origins(component))}[origin])
    return True, why


_TESTS = {"all": _all, "any": _any, "not": _not, "license": _license,
          "compatibility": _compatibility, "component": _component, "ecosystem": _ecosystem,
          "scope": _scope, "direct": _direct, "depth": _depth, "unpinned": _unpinned,
          "vulnerability": _vulnerability, "release": _release, "change": _change,
          "lifecycle": _lifecycle, "internal": _internal,
          # judged on a release review's observations (`_observed`), never on a component
          "release_check": lambda value, facts, context: (False, [])}


def failing(findings: Iterable[Finding], fail_on: str) -> list[Finding]:
    """Findings at or above the `--fail-on` severity (never: none)."""
    if fail_on == "never":
        return []
    threshold = SEVERITY_RANK[fail_on]
    return [f for f in findings if f.action != "info" and SEVERITY_RANK[f.severity] >= threshold]
