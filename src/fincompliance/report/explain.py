"""`fincomp licenses explain EXPRESSION`: what a licence expression is, what it obliges, and
how it fares in each distribution model."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from fincompliance.licensing.compatibility import (
    CATEGORIES_ZH,
    Verdict,
    assess,
    load_compatibility,
)
from fincompliance.licensing.expressions import terms
from fincompliance.licensing.knowledge import Knowledge
from fincompliance.licensing.normalise import Normalised
from fincompliance.product import Distribution


def to_dict(normalised: Normalised, outbound: str, knowledge: Knowledge) -> dict[str, Any]:
    licences = []
    for term in terms(normalised.expression) if normalised.identified else []:
        for identifier in filter(None, (term.licence, term.exception)):
            licence = knowledge.get(identifier)
            if licence is None:
                continue
            licences.append({
                "id": licence.id, "name": licence.name, "category": licence.category.value,
                "osi_approved": licence.osi_approved, "fsf_libre": licence.fsf_libre,
                "is_exception": licence.is_exception,
                "obligations": [{"id": o, **knowledge.obligation_text.get(o, {})}
                                for o in licence.obligations],
                "notes": licence.notes, "source": list(licence.source)})
    compatibility = []
    for model in Distribution:
        result = assess(normalised.expression, outbound, model, knowledge)
        compatibility.append({"distribution": model.value, "verdict": result.verdict.value,
                              "chosen": result.chosen, "non_open": result.non_open,
                              "reasons": list(result.reasons),
                              "reasons_zh": list(result.reasons_chinese)})
    # A licence a product may be released under (art. 13) also has reviewed pairs as the
    # outbound licence: what that product may include.
    # Licences reviewed together (one reasoning) are one row.
    groups: dict[tuple[str, str], list[str]] = {}
    reviewed = load_compatibility().reviewed_for(normalised.expression)
    for component, pair in reviewed.items():
        groups.setdefault((pair.verdict.value, pair.source), []).append(component)
    as_outbound = sorted(({"components": sorted(components), "verdict": verdict,
                           "reason": reason,
                           "translations": reviewed[components[0]].translations}
                          for (verdict, reason), components in groups.items()),
                         key=lambda row: (-_VERDICT_ORDER[row["verdict"]], row["components"]))
    return {"input": normalised.raw, "expression": normalised.expression,
            "method": normalised.method, "confidence": normalised.confidence,
            "family": normalised.family, "licences": licences, "outbound": outbound,
            "compatibility": compatibility, "as_outbound": as_outbound}


_VERDICT_ORDER = {"incompatible": 2, "needs-review": 1, "compatible": 0}
_AS_OUTBOUND = {
    "en": ("What a release under {licence} may include (reviewed pairs)",
           ("component licence", "verdict", "why")),
    "zh-CN": ("以 {licence} 发布的作品可以包含哪些许可证的组件（经审查的许可证对）",
              ("组件许可证", "结论", "理由")),
}


def render_json(normalised: Normalised, outbound: str, knowledge: Knowledge) -> str:
    return json.dumps(to_dict(normalised, outbound, knowledge), indent=2,
                      ensure_ascii=False) + "\n"


_WORDS = {
    "en": {"read": "  (read from {input!r} by {method}, confidence {confidence:.2f})",
           "vague": "vague: names {family}; the licence files must decide",
           "category": "category: {category}", "note": "  note: {note}",
           "source": "  source: {source}",
           "flags": ("OSI-approved", "FSF-libre", "exception"),
           "title": "Compatibility with a product under {outbound}",
           "columns": ("distribution", "verdict", "used under", "why")},
    "zh-CN": {"read": "（由 {method} 从 {input!r} 识别，置信度 {confidence:.2f}）",
              "vague": "表述模糊：指向 {family}，须以许可证文件为准",
              "category": "类别：{category}", "note": "  说明：{note}",
              "source": "  来源：{source}",
              "flags": ("OSI 认证", "FSF 认可的自由软件许可证", "例外条款"),
              "title": "在以 {outbound} 许可的产品中的兼容性",
              "columns": ("分发方式", "结论", "采用的许可证", "理由")},
}
_DISTRIBUTIONS_ZH = {"internal-use": "内部使用", "network-service": "网络服务",
                     "distributed-binary": "以二进制形式分发",
                     "distributed-source": "以源代码形式分发", "mobile-app": "移动应用"}


def render(normalised: Normalised, outbound: str, knowledge: Knowledge, console: Console,
           language: str = "en") -> None:
    data = to_dict(normalised, outbound, knowledge)
    chinese = language == "zh-CN"
    said = _WORDS["zh-CN" if chinese else "en"]
    key = "zh" if chinese else "en"   # how licenses/reviewed.yaml names them
    console.print(f"[bold]{data['expression']}[/bold]" + said["read"].format(
        input=data["input"], method=data["method"], confidence=data["confidence"]))
    if data["family"]:
        console.print(said["vague"].format(family=data["family"]))
    for licence in data["licences"]:
        flags = ("，" if chinese else ", ").join(
            f for f, on in zip(said["flags"], (licence["osi_approved"], licence["fsf_libre"],
                                               licence["is_exception"]), strict=True) if on)
        category = CATEGORIES_ZH.get(licence["category"], licence["category"]) if chinese \
            else licence["category"]
        console.print(f"\n[bold]{licence['id']}[/bold] — {licence['name']}\n"
                      + said["category"].format(category=category)
                      + (("；" if chinese else "; ") + flags if flags else ""))
        for obligation in licence["obligations"]:
            console.print(f"  • {obligation['id']}: {obligation.get(key, '')}")
        if licence["notes"]:
            console.print(said["note"].format(note=licence["notes"]))
        console.print(said["source"].format(source="; ".join(licence["source"])), style="dim")
    table = Table(title="\n" + said["title"].format(outbound=outbound), title_justify="left")
    for column in said["columns"]:
        table.add_column(column, overflow="fold")
    for row in data["compatibility"]:
        reasons = row["reasons_zh"] if chinese and row["reasons_zh"] else row["reasons"]
        table.add_row(_DISTRIBUTIONS_ZH.get(row["distribution"], row["distribution"])
                      if chinese else row["distribution"],
                      Verdict(row["verdict"]).said(language), row["chosen"], " ".join(reasons))
    console.print(table)
    if data["as_outbound"]:
        title, columns = _AS_OUTBOUND.get(language, _AS_OUTBOUND["en"])
        pairs = Table(title="\n" + title.format(licence=data["expression"]),
                      title_justify="left")
        for column, ratio in zip(columns, (2, 1, 5), strict=True):
            pairs.add_column(column, overflow="fold", ratio=ratio)
        for row in data["as_outbound"]:
            pairs.add_row(", ".join(row["components"]), Verdict(row["verdict"]).said(language),
                          row["translations"].get(language, row["reason"]))
        console.print(pairs)
