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
# What the comment says around the findings, in each language a review can be asked in
# (the findings' own messages and remediation come from the rules, in that language).
_WORDS = {
    "en": {
        "failed": "fincomp: policy failed", "passed": "fincomp: policy passed",
        "by-rule": "| | Rule | Findings to act on | Article |",
        "summary": "{count} findings to act on",
        "columns": "| | Rule | Component | Brought in by | Path | Why | What to do | Finding |",
        "left-out": "… and {count:,} more findings, left out to keep this comment under the "
                    "code host's size limit: see the full report (the SARIF, JUnit or "
                    "`--format json` artifact of this run).",
        "expired": "**Expired waivers** (no longer applied):",
        "expired-one": "- `{rule}` for `{component}`, approved by {approver}, expired "
                       "{expires}",
        "expiring": "**Waivers expiring within {days} days** (renew or fix):",
        "expiring-one": "- `{rule}` for `{component}`: expires {expires} ({left} days), "
                        "approved by {approver}"},
    "zh-CN": {
        "failed": "fincomp：未通过策略检查", "passed": "fincomp：通过策略检查",
        "by-rule": "| | 规则 | 待处理问题数 | 条款 |",
        "summary": "待处理问题 {count} 个",
        "columns": "| | 规则 | 组件 | 引入位置 | 依赖路径 | 原因 | 整改建议 | 问题编号 |",
        "left-out": "……另有 {count:,} 个问题未列出，以免本评论超出代码托管平台的长度限制；"
                    "完整内容见本次运行的 SARIF、JUnit 或 `--format json` 报告。",
        "expired": "**已过期的豁免**（不再生效）：",
        "expired-one": "- `{component}` 的 `{rule}` 豁免，审批人 {approver}，已于 {expires} "
                       "过期",
        "expiring": "**{days} 天内到期的豁免**（请续期或整改）：",
        "expiring-one": "- `{component}` 的 `{rule}` 豁免将于 {expires} 到期（剩余 {left} "
                        "天），审批人 {approver}"},
}


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
           expiring_within: int = 30, language: str = "en") -> str:
    """`verdict` is the gate's line, with what it did not check."""
    from fincompliance.report.audit.locale import article_said  # Babel: only when asked

    said = _WORDS[language]
    actionable = judgement.actionable
    outcome = f"❌ **{said['failed']}**" if judgement.failed else f"✅ **{said['passed']}**"
    head = [f"{outcome} — `{verdict}`", ""]
    by_rule = Counter((f.rule, f.severity, f.article) for f in actionable)
    if by_rule:
        head += [said["by-rule"], "|---|---|---:|---|"]
        head += [f"| {_ICONS[severity]} | `{rule}` | {count} | "
                 f"{article_said(article, language)} |"
                 for (rule, severity, article), count in
                 sorted(by_rule.items(), key=lambda item: (-item[1], item[0]))]
        head.append("")
    tail = _waiver_lines(judgement, expiring_within, said)
    rows = [f"| {_ICONS[f.severity]} | `{f.rule}` | `{f.name}` {f.version or ''} | "
            f"{_where(f, base)} | "
            f"{_cell(' > '.join(graph.label(r) for r in f.paths[0]) if f.paths else '')} | "
            f"{_cell('; '.join(f.why[:2]) or f.message)} | {_cell(f.remediation)} | "
            f"`{f.id}` |" for f in actionable]
    if not rows:
        return "\n".join(head + tail).rstrip("\n") + "\n"
    opening = [f"<details><summary>{said['summary'].format(count=len(rows))}</summary>", "",
               said["columns"], "|---|---|---|---|---|---|---|---|"]
    closing = ["", "</details>", ""]
    # Room for the rows: the limit less everything else, including the longest note on
    # what was left out.
    budget = LIMIT - sum(len(line) + 1 for line in
                         head + opening + closing + tail
                         + ["", said["left-out"].format(count=len(rows))])
    shown = []
    for row in rows:
        budget -= len(row) + 1
        if budget < 0:
            break
        shown.append(row)
    if len(shown) < len(rows):
        closing = ["", said["left-out"].format(count=len(rows) - len(shown)), *closing]
    return "\n".join(head + opening + shown + closing + tail).rstrip("\n") + "\n"


def _waiver_lines(judgement: Judgement, expiring_within: int, said: dict[str, str]
                  ) -> list[str]:
    lines = []
    expired = [u for u in judgement.uses if u.expired]
    if expired:
        lines += [said["expired"], ""]
        lines += [said["expired-one"].format(
            rule=u.waiver.rule, component=u.waiver.component, approver=u.waiver.approver,
            expires=u.waiver.expires.isoformat()) for u in expired]
        lines.append("")
    expiring = judgement.expiring(expiring_within)
    if expiring:
        lines += [said["expiring"].format(days=expiring_within), ""]
        lines += [said["expiring-one"].format(
            rule=u.waiver.rule, component=u.waiver.component,
            expires=u.waiver.expires.isoformat(), left=(u.waiver.expires - judgement.on).days,
            approver=u.waiver.approver) for u in expiring]
        lines.append("")
    return lines
