"""Policy findings as Markdown, for a pull-request comment: the verdict first, then what
needs action, with where it comes from and what to do."""

from __future__ import annotations

from fincompliance.policy.evaluate import Finding
from fincompliance.policy.loader import Policy
from fincompliance.policy.waivers import WaiverUse

_ICONS = {"error": "🔴", "warning": "🟠", "note": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(findings: list[Finding], failed: list[Finding], policy: Policy,
           waived: set[str], baselined: set[str], uses: list[WaiverUse]) -> str:
    actionable = [f for f in findings if f.action != "info" and f.id not in waived
                  and f.id not in baselined]
    verdict = "❌ **fincomp: policy failed**" if failed else "✅ **fincomp: policy passed**"
    lines = [f"{verdict} — policy `{policy.name}` (digest `{policy.digest[:12]}`), "
             f"{len(failed)} failing, {len(actionable)} to act on, {len(waived)} waived, "
             f"{len(baselined)} already in the baseline.", ""]
    if actionable:
        lines += ["| | Rule | Component | Brought in by | Why | What to do | Article |",
                  "|---|---|---|---|---|---|---|"]
        for f in actionable:
            why = "; ".join(f.why[:2]) or f.message
            lines.append(f"| {_ICONS[f.severity]} | `{f.rule}` | `{f.name}` {f.version or ''} | "
                         f"`{f.location or ''}` | {_cell(why)} | {_cell(f.remediation)} | "
                         f"{f.article} |")
    expired = [u for u in uses if u.expired]
    if expired:
        lines += ["", "**Expired waivers** (no longer applied):", ""]
        lines += [f"- `{u.waiver.rule}` for `{u.waiver.component}`, approved by "
                  f"{u.waiver.approver}, expired {u.waiver.expires.isoformat()}" for u in expired]
    return "\n".join(lines) + "\n"
