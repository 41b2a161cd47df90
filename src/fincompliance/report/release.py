"""`fincomp release-check` for people (the terminal, in English or Chinese) and machines
(JSON). What the review read, what it found by rule, each finding with where, why and what
to do, then what it did not check, then the verdict. A secret's value is never in it: the
observations never hold one."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any

from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fincompliance import __version__
from fincompliance.policy.evaluate import SEVERITY_RANK, Finding
from fincompliance.release.review import ReleaseReview
from fincompliance.report.audit.locale import article_said as article
from fincompliance.report.findings import judgement_dict

_WORDS = {
    "en": {
        "title": "Release review of {name} under {outbound}",
        "commit": "commit {commit}", "branch": "branch {branch}", "no-git": "not a git checkout",
        "aside": "  ({})", "comma": ", ", "then": "; ",
        "read": "Read {files:,} files to be released ({not_read:,} not read) and {commits} "
                "commit(s); {shipped:,} dependencies go out with the release",
        "history": "the history's added lines scanned", "no-history": "history not scanned",
        "columns": ("rule", "severity", "findings", "article", "what to do"),
        "to-act": "{count:,} findings to act on",
        "why": "why", "at": "at", "more": "and {count:,} more: --verbose lists "
        "them all; --format json|sarif|junit|markdown for machines",
        "not-checked": "Not checked:", "not-checked-line": "{what}: {which}",
        "pass": "PASS", "fail": "FAIL",
        "verdict": "{result}: {errors} errors, {warnings} warnings, {notes} notes open{set_aside} "
                   "under policy {policy} (digest {digest})",
        "set-aside": " ({count} waived or in the baseline)",
        "severity": {"error": "error", "warning": "warning", "note": "note"},
        "none": "Nothing to act on.",
    },
    "zh-CN": {
        "title": "发布审查：{name}，发布许可证 {outbound}",
        "commit": "提交 {commit}", "branch": "分支 {branch}", "no-git": "不是 Git 检出目录",
        "aside": "（{}）", "comma": "，", "then": "；",
        "read": "读取待发布文件 {files:,} 个（未读取 {not_read:,} 个），提交 {commits} 次；"
                "随发布分发的依赖 {shipped:,} 个",
        "history": "已扫描历史中添加的内容", "no-history": "未扫描历史",
        "columns": ("规则", "级别", "数量", "条款", "处理建议"),
        "to-act": "需处理的问题 {count:,} 个",
        "why": "原因", "at": "位置", "more": "另有 {count:,} 个：使用 --verbose "
        "列出全部；机器可读格式用 --format json|sarif|junit|markdown",
        "not-checked": "未检查：", "not-checked-line": "{what}：{which}",
        "pass": "通过", "fail": "不通过",
        "verdict": "结论：{result}（未处理：错误 {errors} 个、警告 {warnings} 个、提示 {notes} 个"
                   "{set_aside}；策略 {policy}，摘要 {digest}）",
        "set-aside": "；已豁免或已在基线中 {count} 个",
        "severity": {"error": "错误", "warning": "警告", "note": "提示"},
        "none": "没有需要处理的问题。",
    },
}
_STYLES = {"error": "bold red", "warning": "yellow", "note": "cyan"}


def words(language: str) -> dict[str, Any]:
    return _WORDS.get(language, _WORDS["en"])


def verdict(review: ReleaseReview, language: str) -> str:
    said = words(language)
    judgement = review.judgement
    open_by = Counter(f.severity for f in judgement.actionable)
    set_aside = len(judgement.reported) - len(judgement.actionable)
    return said["verdict"].format(
        result=said["fail" if judgement.failed else "pass"], errors=open_by["error"],
        warnings=open_by["warning"], notes=open_by["note"],
        set_aside=said["set-aside"].format(count=set_aside) if set_aside else "",
        policy=judgement.policy.name, digest=judgement.policy.digest[:12])


def render(review: ReleaseReview, console: Console, language: str, verbose: bool = False,
           limit: int = 10) -> None:
    said = words(language)
    place = [said["commit"].format(commit=review.commit[:12]) if review.commit
             else said["no-git"]]
    if review.branch:
        place.append(said["branch"].format(branch=review.branch))
    console.print(Text(said["title"].format(name=review.root.resolve().name,
                                            outbound=review.outbound), style="bold")
                  + Text(said["aside"].format(said["comma"].join(place))))
    release = review.checks["release"]
    console.print(said["read"].format(
        files=release["files"], not_read=release["files_not_read"],
        commits="-" if review.commits is None else f"{review.commits:,}",
        shipped=sum(1 for c in review.dependencies.graph.components.values()
                    if c.scope.value != "dev"))
        + said["then"] + said["history" if release["history_scanned"] else "no-history"],
        markup=False, highlight=False)
    judgement = review.judgement
    failing = {f.id for f in judgement.failed}
    actionable = sorted(judgement.actionable, key=lambda f: (
        f.id not in failing, -SEVERITY_RANK[f.severity], f.rule, f.component, str(f.location)))
    console.print()
    if not actionable:
        console.print(said["none"], markup=False)
    else:
        console.print(Text(said["to-act"].format(count=len(actionable)), style="bold"))
        _by_rule(actionable, review, console, language)
        shown = actionable if verbose else actionable[:limit]
        console.print()
        for finding in shown:
            _finding(finding, console, language)
        if len(actionable) > len(shown):
            console.print(said["more"].format(count=len(actionable) - len(shown)),
                          markup=False, highlight=False)
    if review.not_checked:
        console.print()
        console.print(Text(said["not-checked"], style="bold"))
        for unchecked in review.not_checked:
            console.print("  - " + said["not-checked-line"].format(
                what=unchecked.what, which=unchecked.which), markup=False, highlight=False)
    console.print()
    console.print(verdict(review, language), markup=False, highlight=False)


def _by_rule(actionable: list[Finding], review: ReleaseReview, console: Console,
             language: str) -> None:
    said = words(language)
    rules = review.judgement.policy.rules
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in said["columns"]:
        last = column == said["columns"][-1]
        table.add_column(column, no_wrap=not last, overflow="fold" if last else "ellipsis",
                         justify="right" if column == said["columns"][2] else "left")
    counts = Counter(f.rule for f in actionable)
    for rule_id, count in sorted(counts.items(), key=lambda i: (
            -SEVERITY_RANK[rules[i[0]].severity], -i[1], i[0])):
        rule = rules[rule_id]
        table.add_row(rule_id, said["severity"][rule.severity], f"{count:,}",
                      article(rule.article, language), Text(rule.text(language)[1]))
    console.print(table)


def _finding(finding: Finding, console: Console, language: str) -> None:
    said = words(language)
    severity = said["severity"][finding.severity]
    console.print(Text.assemble(
        (severity + " " * max(1, 8 - cell_len(severity)), _STYLES[finding.severity]),
        (finding.rule, "bold"),
        f"  {finding.name}  ",
        said["aside"].format(article(finding.article, language)).strip(),
        f"  id {finding.id}"))
    details = Table.grid(padding=(0, 1), pad_edge=False)
    details.add_column(width=7, no_wrap=True)
    details.add_column(width=4, no_wrap=True)
    details.add_column(ratio=1, overflow="fold")
    details.add_row("", said["why"], Text("; ".join(finding.why[:2]) or finding.message))
    if finding.location and str(finding.location) != finding.name:
        details.add_row("", said["at"], Text(str(finding.location)))
    # what to do is said once per rule, in the table above
    console.print(details)


def render_json(review: ReleaseReview, language: str) -> str:
    release = review.checks["release"]
    document = {
        "schema": "fincomp-release-review/1", "tool": {"name": "fincomp",
                                                       "version": __version__},
        "root": review.root.resolve().name, "outbound": review.outbound,
        "commit": review.commit, "branch": review.branch, "language": language,
        "files": release["files"], "files_not_read": release["files_not_read"],
        "commits": review.commits, "history_scanned": release["history_scanned"],
        "passed": review.passed, "verdict": verdict(review, language),
        **judgement_dict(review.judgement),
        "not_checked": [{"check": u.check, "what": u.what, "which": u.which}
                        for u in review.not_checked],
    }
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
