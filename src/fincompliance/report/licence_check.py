"""`fincomp licenses check PATH`: each component's concluded licence and its verdict for the
product's outbound licence and distribution model, conflicts, and the obligations to meet."""

from __future__ import annotations

import json
from typing import Any

from rich.console import Console
from rich.table import Table

from fincompliance.licensing.knowledge import Knowledge
from fincompliance.licensing.review import LicenceReview
from fincompliance.model import Graph


def to_dict(graph: Graph, review: LicenceReview, knowledge: Knowledge) -> dict[str, Any]:
    components = []
    for component in graph.sorted_components():
        conclusion, assessment = component.concluded, review.assessments[component.ref]
        components.append({
            "ref": component.ref, "name": component.name, "version": component.version,
            "scope": component.scope.value,
            "declared": component.declared_license,
            "concluded": conclusion.expression, "method": conclusion.method,
            "confidence": conclusion.confidence, "mismatch": conclusion.mismatch,
            "reason": conclusion.reason, "evidence": list(conclusion.evidence),
            "verdict": assessment.verdict.value, "used_under": assessment.chosen,
            "non_open": assessment.non_open, "why": list(assessment.reasons),
            "obligations": list(assessment.obligations)})
    return {
        "outbound": review.outbound, "distribution": review.distribution.value,
        "components": components,
        "conflicts": [{"licence": c.licence, "other": c.other, "reason": c.reason}
                      for c in review.conflicts],
        "obligations": [{"id": o, "text": knowledge.obligation_text.get(o, {}).get("en"),
                         "components": sorted(refs)}
                        for o, refs in sorted(review.obligations.items())]}


def render_json(graph: Graph, review: LicenceReview, knowledge: Knowledge) -> str:
    return json.dumps(to_dict(graph, review, knowledge), indent=2, ensure_ascii=False) + "\n"


def render(graph: Graph, review: LicenceReview, knowledge: Knowledge, console: Console) -> None:
    data = to_dict(graph, review, knowledge)
    table = Table(title=f"Licences for a {data['distribution']} product under {data['outbound']}",
                  title_justify="left")
    for column in ("component", "concluded licence", "how", "verdict", "why"):
        table.add_column(column, overflow="fold")
    order = {"incompatible": 0, "needs-review": 1, "compatible": 2}
    for row in sorted(data["components"], key=lambda r: (order[r["verdict"]], r["name"])):
        how = row["method"] + (" — MISMATCH" if row["mismatch"] else "")
        why = row["why"][0] if row["verdict"] != "compatible" else ""
        table.add_row(f"{row['name']} {row['version'] or ''}", row["concluded"], how,
                      row["verdict"], why)
    console.print(table)
    for conflict in data["conflicts"]:
        console.print(f"[red]conflict[/red] {conflict['reason']}")
    obligations = Table(title="Obligations of the product", title_justify="left")
    obligations.add_column("obligation")
    obligations.add_column("components", justify="right")
    obligations.add_column("what to do", overflow="fold")
    for row in data["obligations"]:
        obligations.add_row(row["id"], str(len(row["components"])), row["text"] or "")
    console.print(obligations)
