"""Policy findings for people (a table) and for machines (entries of the scan JSON)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich.console import Console
from rich.table import Table

from fincompliance.licensing.review import LicenceReview
from fincompliance.policy.gate import Judgement
from fincompliance.policy.loader import Policy
from fincompliance.policy.waivers import WaiverUse


def judgement_dict(judgement: Judgement) -> dict[str, Any]:
    """The sections a judgement adds to the scan JSON (docs/scan-json.md)."""
    return {"policy": policy_dict(judgement.policy),
            "licence_review": review_dict(judgement.review),
            "findings": to_dicts(judgement),
            "waivers": waivers_dict(judgement.uses),
            "failed": [f.id for f in judgement.failed]}


def to_dicts(judgement: Judgement) -> list[dict[str, Any]]:
    return [{"id": f.id, "status": judgement.status(f), "rule": f.rule,
             "action": f.action, "severity": f.severity, "article": f.article,
             "component": f.component, "name": f.name,
             "version": f.version, "purl": f.purl, "paths": [list(p) for p in f.paths],
             "location": str(f.location) if f.location else None, "message": f.message,
             "why": list(f.why), "remediation": f.remediation,
             "rule_defined_at": f.rule_defined_at} for f in judgement.findings]


def waivers_dict(uses: list[WaiverUse]) -> list[dict[str, Any]]:
    return [{"component": u.waiver.component, "versions": u.waiver.versions,
             "rule": u.waiver.rule, "reason": u.waiver.reason, "approver": u.waiver.approver,
             "ticket": u.waiver.ticket, "expires": u.waiver.expires.isoformat(),
             "expired": u.expired, "covers": list(u.findings),
             "defined_at": u.waiver.defined_at} for u in uses]


def review_dict(review: LicenceReview) -> dict[str, Any]:
    """Per component: the verdict for the product, the licence it is used under, and the
    obligations that come with it (also for components no rule flags)."""
    return {ref: {"verdict": a.verdict.value, "used_under": a.chosen,
                  "obligations": list(a.obligations)}
            for ref, a in sorted(review.assessments.items())}


def policy_dict(policy: Policy) -> dict[str, Any]:
    return {"name": policy.name, "digest": policy.digest, "files": policy.files,
            "outbound": policy.outbound, "distribution": policy.distribution.value}


def render(judgement: Judgement, console: Console) -> None:
    policy, uses = judgement.policy, judgement.uses
    actionable = judgement.reported
    if actionable:
        table = Table(title=f"Policy {policy.name}: findings", title_justify="left")
        for column in ("severity", "status", "rule", "component", "brought in by", "why",
                       "article"):
            table.add_column(column, overflow="fold")
        for finding in actionable:
            why = "; ".join(finding.why[:2]) or finding.message
            table.add_row(finding.severity, judgement.status(finding), finding.rule,
                          f"{finding.name} {finding.version or ''}",
                          str(finding.location or ""), why, finding.article)
        console.print(table)
    for use in uses:
        state = "EXPIRED, no longer applies" if use.expired else "in force"
        console.print(f"waiver {use.waiver.rule} for {use.waiver.component} "
                      f"(approved by {use.waiver.approver}, expires "
                      f"{use.waiver.expires.isoformat()}): {state}; covers "
                      f"{len(use.findings)} finding(s)", highlight=False)
    counts = Counter(f.severity for f in actionable)
    verdict = "FAIL" if judgement.failed else "PASS"
    console.print(f"{verdict}: {counts['error']} errors, {counts['warning']} warnings, "
                  f"{counts['note']} notes under policy {policy.name} "
                  f"(digest {policy.digest[:12]})", highlight=False)
