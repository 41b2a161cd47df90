"""Policy findings for people (a table) and for machines (entries of the scan JSON)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fincompliance.licensing.review import LicenceReview
from fincompliance.model import Graph
from fincompliance.policy.evaluate import SEVERITY_RANK, Finding
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


def render(judgement: Judgement, graph: Graph, console: Console, *, verbose: bool = False,
           expiring_within: int = 30, limit: int = 5) -> None:
    """What to act on: a line per rule (how many, what to do), then the findings one by
    one, failing and most severe first, each with its id, the path that brings the
    component in, where, why and what to do; capped at `limit` unless `verbose`. The
    verdict line is the caller's to print."""
    failing = {f.id for f in judgement.failed}
    actionable = sorted(judgement.actionable, key=lambda f: (
        f.id not in failing, -SEVERITY_RANK[f.severity], f.rule, f.component))
    if actionable:
        console.print()
        console.print(Text(f"Policy {judgement.policy.name}: {len(actionable):,} finding"
                           f"{'' if len(actionable) == 1 else 's'} to act on", style="bold"))
        _by_rule(judgement, actionable, console)
        shown = actionable if verbose else actionable[:limit]
        console.print()
        for finding in shown:
            _finding(finding, graph, console)
        rest = len(actionable) - len(shown)
        if rest:
            console.print(f"and {rest:,} more: --verbose lists them all; --format "
                          "json|sarif|junit|markdown for machines", markup=False,
                          highlight=False)
    for use in judgement.uses:
        if use.expired:
            console.print(f"waiver {use.waiver.rule} for {use.waiver.component} EXPIRED on "
                          f"{use.waiver.expires.isoformat()}, no longer applies "
                          f"({use.waiver.defined_at})", markup=False, highlight=False)
    for use in judgement.expiring(expiring_within):
        days = (use.waiver.expires - judgement.on).days
        console.print(f"waiver {use.waiver.rule} for {use.waiver.component} expires in "
                      f"{days} day{'' if days == 1 else 's'} ({use.waiver.expires.isoformat()}"
                      f", approved by {use.waiver.approver}): renew it or fix the finding "
                      f"({use.waiver.defined_at})", markup=False, highlight=False)


def _by_rule(judgement: Judgement, actionable: list[Finding], console: Console) -> None:
    counts = Counter(f.rule for f in actionable)
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in ("rule", "severity", "findings", "article", "what to do"):
        table.add_column(column, justify="right" if column == "findings" else "left",
                         no_wrap=column != "what to do")
    for rule_id, count in sorted(counts.items(), key=lambda i: (
            -SEVERITY_RANK[judgement.policy.rules[i[0]].severity], -i[1], i[0])):
        rule = judgement.policy.rules[rule_id]
        table.add_row(rule_id, rule.severity, f"{count:,}", rule.article,
                      Text(rule.remediation or rule.message or ""))
    console.print(table)


_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def _finding(finding: Finding, graph: Graph, console: Console) -> None:
    console.print(Text.assemble(
        (f"{finding.severity.upper():<8}", _STYLES[finding.severity]),
        (finding.rule, "bold"), f"  {_short(finding.name)} {finding.version or ''}  ",
        f"({finding.article})  id {finding.id}"))
    details = Table.grid(padding=(0, 1), pad_edge=False)
    details.add_column(width=7, no_wrap=True)
    details.add_column(width=4, no_wrap=True)
    details.add_column(ratio=1, overflow="fold")
    if finding.why or finding.message:
        details.add_row("", "why", Text("; ".join(finding.why[:2]) or finding.message))
    if finding.paths:
        more = f"  (+{len(finding.paths) - 1} more)" if len(finding.paths) > 1 else ""
        details.add_row("", "path", Text(" > ".join(_short(graph.label(r))
                                                    for r in finding.paths[0]) + more))
    if finding.location:
        details.add_row("", "at", Text(str(finding.location)))
    if finding.remediation:
        details.add_row("", "do", Text(finding.remediation))
    console.print(details)


def _short(text: str, limit: int = 60) -> str:
    """A name cut in its middle for a screen; the JSON and SARIF keep it whole."""
    return text if len(text) <= limit else f"{text[:limit // 2 - 1]}…{text[-(limit // 2):]}"
