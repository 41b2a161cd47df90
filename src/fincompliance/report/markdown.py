"""Policy findings as Markdown, for a pull-request comment: the verdict first, then what
needs action by rule, then each finding with where it comes from and what to do.

A code host takes at most 65,536 characters in a comment, so the comment stays under
`LIMIT`: the findings table is folded in a <details> block and cut where it would pass the
limit, with the count left out and a pointer to the full report (the SARIF, JUnit or JSON
artifact of the same run)."""

from __future__ import annotations

from collections import Counter

from fincompliance.model import Graph
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.gate import Judgement

LIMIT = 60_000
_ICONS = {"error": "🔴", "warning": "🟠", "note": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _where(finding: Finding, base: str) -> str:
    """The line that brought a component in; a release finding's file where its subject
    does not already say it (`src/app.py:4`); nothing where nothing is known."""
    if finding.location is None or (not finding.purl
                                     and str(finding.location) == finding.component):
        return ""
    return f"`{finding.location.under(base)}`"


def render(judgement: Judgement, graph: Graph, verdict: str, base: str = "",
           expiring_within: int = 30) -> str:
    """`verdict` is the gate's line, with what it did not check."""
    actionable = judgement.actionable
    outcome = "❌ **fincomp: policy failed**" if judgement.failed else \
        "✅ **fincomp: policy passed**"
    head = [f"{outcome} — `{verdict}`", ""]
    by_rule = Counter((f.rule, f.severity, f.article) for f in actionable)
    if by_rule:
        head += ["| | Rule | Findings to act on | Article |", "|---|---|---:|---|"]
        head += [f"| {_ICONS[severity]} | `{rule}` | {count} | {article} |"
                 for (rule, severity, article), count in
                 sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))]
        head.append("")
    tail = _waiver_lines(judgement, expiring_within)
    rows = [f"| {_ICONS[f.severity]} | `{f.rule}` | `{f.name}` {f.version or ''} | "
            f"{_where(f, base)} | "
            f"{_cell(' > '.join(graph.label(r) for r in f.paths[0]) if f.paths else '')} | "
            f"{_cell('; '.join(f.why[:2]) or f.message)} | {_cell(f.remediation)} | "
            f"`{f.id}` |" for f in actionable]
    if not rows:
        return "\n".join(head + tail).rstrip("\n") + "\n"
    opening = [f"<details><summary>{len(rows)} findings to act on</summary>", "",
               "| | Rule | Component | Brought in by | Path | Why | What to do | Finding |",
               "|---|---|---|---|---|---|---|---|"]
    closing = ["", "</details>", ""]
    # Room for the rows: the limit less everything else, including the longest note on
    # what was left out.
    budget = LIMIT - sum(len(line) + 1 for line in
                         head + opening + closing + tail + ["", _left_out(len(rows))])
    shown = []
    for row in rows:
        budget -= len(row) + 1
        if budget < 0:
            break
        shown.append(row)
    if len(shown) < len(rows):
        closing = ["", _left_out(len(rows) - len(shown)), *closing]
    return "\n".join(head + opening + shown + closing + tail).rstrip("\n") + "\n"


def _left_out(count: int) -> str:
    return (f"… and {count:,} more findings, left out to keep this comment under the code "
            "host's size limit: see the full report (the SARIF, JUnit or `--format json` "
            "artifact of this run).")


def _waiver_lines(judgement: Judgement, expiring_within: int) -> list[str]:
    lines = []
    expired = [u for u in judgement.uses if u.expired]
    if expired:
        lines += ["**Expired waivers** (no longer applied):", ""]
        lines += [f"- `{u.waiver.rule}` for `{u.waiver.component}`, approved by "
                  f"{u.waiver.approver}, expired {u.waiver.expires.isoformat()}" for u in expired]
        lines.append("")
    expiring = judgement.expiring(expiring_within)
    if expiring:
        lines += [f"**Waivers expiring within {expiring_within} days** (renew or fix):", ""]
        lines += [f"- `{u.waiver.rule}` for `{u.waiver.component}`: expires "
                  f"{u.waiver.expires.isoformat()} "
                  f"({(u.waiver.expires - judgement.on).days} days), approved by "
                  f"{u.waiver.approver}" for u in expiring]
        lines.append("")
    return lines
