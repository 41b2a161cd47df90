"""Component assessments (GB/T 42927-2023 model) as a table and as JSON."""

from __future__ import annotations

import json
from dataclasses import asdict

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fincompliance.analysis.assessment import ComponentAssessment, Model
from fincompliance.model import Graph

_WORDS = {
    "en": {"title": "Assessment ({model})",
           "columns": ("component", "grade", "score", "coverage"),
           "scale": "Scores are 0-100; '-' is not assessed (no data supports it) and is left out "
                    "of the score. `--format json` lists the inputs of every score.",
           "withheld": "withheld",
           "withheld-why": "'withheld': less than {coverage:.0%} of the model's weight "
                           "assessed, too little for a grade (add --online registry facts or "
                           "the institution's assessments)."},
    "zh-CN": {"title": "组件评估（{model}）",
              "columns": ("组件", "等级", "得分", "覆盖率"),
              "scale": "得分为 0-100；“-”表示未评估（没有数据支持），不计入得分。"
                       "`--format json` 列出每项得分的依据。",
              "withheld": "不予评级",
              "withheld-why": "“不予评级”：已评估的权重不足模型的 {coverage:.0%}，不足以评级"
                              "（可使用 --online 获取注册表信息，或提供机构自己的评估）。"},
}


def render(graph: Graph, assessments: dict[str, ComponentAssessment], model: Model,
           console: Console, language: str) -> None:
    """One line per component; the attributes are numbered columns (A1, A2, ...) named in a
    legend below, so twelve columns fit 120 characters with nothing cut."""
    said = _WORDS.get(language, _WORDS["en"])
    console.print(Text(said["title"].format(model=model.name), style="bold"))
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    component, grade, score, coverage = said["columns"]
    table.add_column(component, no_wrap=True, max_width=40, overflow="ellipsis")
    table.add_column(grade, no_wrap=True)
    table.add_column(score, justify="right", no_wrap=True)
    table.add_column(coverage, justify="right", no_wrap=True)
    for number, _ in enumerate(model.attributes, start=1):
        table.add_column(f"A{number}", justify="right", no_wrap=True)
    for ref, assessment in assessments.items():
        component = graph.components[ref]
        table.add_row(Text(f"{component.name} {component.version or ''}"),
                      _grade(assessment, said["withheld"]),
                      "-" if assessment.total is None else f"{assessment.total:g}",
                      f"{assessment.coverage:.0%}",
                      *("-" if s.score is None else f"{s.score:g}" for s in assessment.scores))
    console.print(table)
    total = sum(attribute.weight for attribute in model.attributes) or 1
    for number, attribute in enumerate(model.attributes, start=1):
        console.print(Text(f"  A{number} {attribute.weight / total:>4.0%}  "
                           f"{attribute.names.get(language, attribute.names['en'])}"))
    console.print(said["scale"], highlight=False, markup=False)
    if model.grade_min_coverage:
        console.print(said["withheld-why"].format(coverage=model.grade_min_coverage),
                      highlight=False, markup=False)


def _grade(assessment: ComponentAssessment, withheld: str) -> str:
    if assessment.grade:
        return assessment.grade
    return withheld if assessment.total is not None else "-"


def render_json(graph: Graph, assessments: dict[str, ComponentAssessment],
                model: Model) -> str:
    document = {
        "model": {"name": model.name, "file": model.file,
                  "attributes": [{"id": a.id, "names": a.names, "weight": a.weight,
                                  "source": a.source} for a in model.attributes],
                  "grades": [{"grade": g, "min": low} for g, low in model.grades],
                  "grade_min_coverage": model.grade_min_coverage},
        "components": [{"ref": ref, "name": graph.components[ref].name,
                        "version": graph.components[ref].version, **asdict(assessment)}
                       for ref, assessment in assessments.items()],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
