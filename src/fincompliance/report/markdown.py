"""Policy findings as Markdown, for a pull-request comment: the verdict first, then what
needs action, with where it comes from and what to do."""

from __future__ import annotations

from fincompliance.policy.gate import Judgement

_ICONS = {"error": "🔴", "warning": "🟠", "note": "🔵"}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render(judgement: Judgement) -> str:
    policy, failed, actionable = judgement.policy, judgement.failed, judgement.actionable
    verdict = "❌ **fincomp: policy failed**" if failed else "✅ **fincomp: policy passed**"
    lines = [f"{verdict} — policy `{policy.name}` (digest `{policy.digest[:12]}`), "
             f"{len(failed)} failing, {len(actionable)} to act on, {len(judgement.waived)} "
             f"waived, {len(judgement.baselined)} already in the baseline.", ""]
    if actionable:
        lines += ["| | Rule | Component | Brought in by | Why | What to do | Article |",
                  "|---|---|---|---|---|---|---|"]
        for f in actionable:
            why = "; ".join(f.why[:2]) or f.message
            lines.append(f"| {_ICONS[f.severity]} | `{f.rule}` | `{f.name}` {f.version or ''} | "
                         f"`{f.location or ''}` | {_cell(why)} | {_cell(f.remediation)} | "
                         f"{f.article} |")
    expired = [u for u in judgement.uses if u.expired]
    if expired:
        lines += ["", "**Expired waivers** (no longer applied):", ""]
        lines += [f"- `{u.waiver.rule}` for `{u.waiver.component}`, approved by "
                  f"{u.waiver.approver}, expired {u.waiver.expires.isoformat()}" for u in expired]
    return "\n".join(lines) + "\n"
