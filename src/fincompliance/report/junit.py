"""Policy findings as JUnit XML, the test-report format every CI server shows
(GitLab's `artifacts:reports:junit`, Jenkins' `junit` step), in the Jenkins xUnit dialect
(junit-10.xsd).

One test suite per policy rule, one test case per finding: failing findings fail, waived
and baselined ones are skipped with the reason, findings below the `--fail-on` level pass
with their text attached. A rule that found nothing has one passing case, so the report
shows every rule was checked (an empty report reads as "no tests ran"). Files that could
not be read are errors of a suite of their own, so a partial scan never reads as a pass."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree
from collections.abc import Sequence
from typing import TYPE_CHECKING

from fincompliance.errors import FincompError
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.gate import Judgement

if TYPE_CHECKING:
    from fincompliance.analysis.stage import Unchecked


def render(judgement: Judgement | None, errors: Sequence[FincompError] = (),
           base: str = "", not_checked: Sequence[Unchecked] = ()) -> str:
    """`judgement` is None when the scan stopped at a bad input; `base` is the scanned
    folder relative to the repository root, put before every path; each of `not_checked` (what
    the verdict does not cover) is a skipped case, never a pass."""
    root = ElementTree.Element("testsuites", name="fincomp policy" + (
        f" {judgement.policy.name}" if judgement else ""))
    totals = {"tests": 0, "failures": 0, "errors": 0}   # junit-10.xsd counts no skips here
    if errors:
        suite = ElementTree.SubElement(root, "testsuite", name="inputs", tests=str(len(errors)),
                                       failures="0", errors=str(len(errors)), skipped="0")
        for error in errors:
            case = ElementTree.SubElement(suite, "testcase", classname="inputs",
                                          name=getattr(error, "path", "") or "scan")
            ElementTree.SubElement(case, "error", type="input", message=str(error))
        totals["tests"] += len(errors)
        totals["errors"] += len(errors)
    for unchecked in not_checked:
        suite = ElementTree.SubElement(root, "testsuite", name=unchecked.check, tests="1",
                                       failures="0", errors="0", skipped="1")
        case = ElementTree.SubElement(suite, "testcase", classname=unchecked.check,
                                      name=unchecked.what)
        ElementTree.SubElement(case, "skipped", message=f"not checked: {unchecked.which}")
        totals["tests"] += 1
    if judgement is not None:
        _policy_suites(root, judgement, base, totals, not_checked)
    for key, value in totals.items():
        root.set(key, str(value))
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="unicode", xml_declaration=True) + "\n"


def _policy_suites(root: ElementTree.Element, judgement: Judgement, base: str,
                   totals: dict[str, int], not_checked: Sequence[Unchecked]) -> None:
    policy = judgement.policy
    failed = {f.id for f in judgement.failed}
    by_rule: dict[str, list[Finding]] = {rule_id: [] for rule_id in sorted(policy.rules)
                                         if policy.rules[rule_id].action not in ("allow", "info")}
    for finding in judgement.findings:
        if finding.rule in by_rule:
            by_rule[finding.rule].append(finding)
    for rule_id, findings in by_rule.items():
        rule = policy.rules[rule_id]
        suite = ElementTree.SubElement(root, "testsuite", name=rule_id)
        counts = {"tests": 0, "failures": 0, "skipped": 0}
        properties = ElementTree.SubElement(suite, "properties")
        for name, value in (("article", rule.article), ("action", rule.action),
                            ("severity", rule.severity), ("policy-digest", policy.digest)):
            ElementTree.SubElement(properties, "property", name=name, value=value)
        if not findings:
            # a release review's rule looks at files and commits, not components
            case = ElementTree.SubElement(suite, "testcase", classname=rule_id, name=(
                "nothing found" if rule.uses(("release_check",)) else "no component matches"))
            counts["tests"] += 1
            # a rule whose facts were not gathered did not pass: it was not asked
            missing = [u for u in not_checked if rule.uses(u.condition)]
            if missing:
                case.set("name", "not checked")
                ElementTree.SubElement(case, "skipped", message="not checked: " + "; ".join(
                    f"{u.what}: {u.which}" for u in missing))
                counts["skipped"] += 1
        for finding in sorted(findings, key=lambda f: f.component):
            case = ElementTree.SubElement(suite, "testcase", classname=rule_id,
                                          name=f"{finding.name} {finding.version or ''}".strip())
            counts["tests"] += 1
            status = judgement.status(finding)
            if status != "open":
                ElementTree.SubElement(case, "skipped", message=_set_aside(judgement, finding))
                counts["skipped"] += 1
            elif finding.id in failed:
                failure = ElementTree.SubElement(case, "failure", type=finding.severity,
                                                 message=finding.message)
                failure.text = _details(finding, base)
                counts["failures"] += 1
            else:
                ElementTree.SubElement(case, "system-out").text = _details(finding, base)
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        totals["tests"] += counts["tests"]
        totals["failures"] += counts["failures"]


def _set_aside(judgement: Judgement, finding: Finding) -> str:
    waiver = judgement.waiver_of(finding)
    if waiver is not None:
        return f"waived: {waiver.justification()}: {finding.message}"
    return f"baselined: already in the baseline: {finding.message}"


def _details(finding: Finding, base: str) -> str:
    lines = [f"{finding.severity} {finding.rule} ({finding.article}): {finding.message}"]
    if finding.purl:
        lines.append(f"component: {finding.purl}")
    elif str(finding.location) != finding.component:   # a release review's commit, author
        lines.append(f"about: {finding.component}")
    if finding.location:
        lines.append(f"{'brought in by' if finding.purl else 'at'}: "
                     f"{finding.location.under(base)}")
    lines += [f"path: {' > '.join(path)}" for path in finding.paths]
    lines += [f"why: {reason}" for reason in finding.why]
    if finding.remediation:
        lines.append(f"what to do: {finding.remediation}")
    lines.append(f"finding id: {finding.id}")
    return "\n".join(lines)
