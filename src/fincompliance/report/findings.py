"""Policy findings for people (a table) and for machines (entries of the scan JSON)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from fincompliance.licensing.review import LicenceReview
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.loader import Policy


def to_dicts(findings: list[Finding]) -> list[dict[str, Any]]:
    return [{"id": f.id, "rule": f.rule, "action": f.action, "severity": f.severity,
             "article": f.article, "component": f.component, "name": f.name,
             "version": f.version, "purl": f.purl, "paths": [list(p) for p in f.paths],
             "location": str(f.location) if f.location else None, "message": f.message,
             "why": list(f.why), "remediation": f.remediation,
             "rule_defined_at": f.rule_defined_at} for f in findings]


def review_dict(review: LicenceReview) -> dict[str, Any]:
    """Per component: the verdict for the product, the licence it is used under, and the
    obligations that come with it (also for components no rule flags)."""
    return {ref: {"verdict": a.verdict.value, "used_under": a.chosen,
                  "obligations": list(a.obligations)}
            for ref, a in sorted(review.assessments.items())}


def policy_dict(policy: Policy) -> dict[str, Any]:
    return {"name": policy.name, "digest": policy.digest, "files": policy.files,
            "outbound": policy.outbound, "distribution": policy.distribution.value}


def render(findings: list[Finding], failing: list[Finding], policy: Policy,
           console: Console) -> None:
    actionable = [f for f in findings if f.action != "info"]
    if actionable:
        table = Table(title=f"Policy {policy.name}: findings", title_justify="left")
        for column in ("severity", "rule", "component", "brought in by", "why", "article"):
            table.add_column(column, overflow="fold")
        for finding in actionable:
            why = "; ".join(finding.why[:2]) or finding.message
            table.add_row(finding.severity, finding.rule,
                          f"{finding.name} {finding.version or ''}",
                          str(finding.location or ""), why, finding.article)
        console.print(table)
    counts = Counter(f.severity for f in actionable)
    verdict = "FAIL" if failing else "PASS"
    console.print(f"{verdict}: {counts['error']} errors, {counts['warning']} warnings, "
                  f"{counts['note']} notes under policy {policy.name} "
                  f"(digest {policy.digest[:12]})", highlight=False)
