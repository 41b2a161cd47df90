"""`fincomp scan --format json`: the graph as stable, sorted JSON for machines.

The document's shape is documented in docs/scan-json.md; `schema` names its version.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from fincompliance import __version__
from fincompliance.json_text import json_text
from fincompliance.model import Component, Graph

if TYPE_CHECKING:
    from fincompliance.scan import ScanResult

SCHEMA = "fincomp-scan/2"


def to_dict(result: ScanResult, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    graph = result.graph
    direct = graph.direct_refs()
    return {
        "schema": SCHEMA,
        "tool": {"name": "fincomp", "version": __version__},
        "root": result.root.name,
        "projects": [
            {"ref": p.ref, "name": p.name, "version": p.version, "ecosystem": p.ecosystem,
             "manifest": str(p.manifest), "scanner": p.scanner,
             "dependencies": graph.dependencies_of(p.ref)}
            for p in (graph.projects[r] for r in sorted(graph.projects))],
        "components": [_component(c, c.ref in direct, graph) for c in graph.sorted_components()],
        "errors": [{"path": e.path, "line": e.line, "message": e.message}
                   for e in result.errors],
        "analysis": _analysis(result),
        **(extra or {}),
    }


def _component(component: Component, direct: bool, graph: Graph) -> dict[str, Any]:
    return {
        "ref": component.ref, "ecosystem": component.ecosystem, "name": component.name,
        "version": component.version, "purl": component.purl, "scope": component.scope.value,
        "direct": direct, "pinned": component.pinned, "requirement": component.requirement,
        "declared_licenses": [{"text": d.text, "field": d.field}
                              for d in component.declared_licenses],
        "concluded_license": None if component.concluded is None else {
            "expression": component.concluded.expression,
            "method": component.concluded.method,
            "confidence": component.concluded.confidence,
            "mismatch": component.concluded.mismatch,
            "reason": component.concluded.reason,
            "evidence": list(component.concluded.evidence)},
        "locations": [str(loc) for loc in component.locations],
        "hashes": [{"algorithm": h.algorithm, "value": h.value} for h in component.hashes],
        "license_files": list(component.license_files),
        "properties": [{"name": n, "value": v} for n, v in component.properties],
        "dependencies": graph.dependencies_of(component.ref),
        "vulnerabilities": [asdict(v) for v in component.vulnerabilities],
        "release": asdict(component.release) if component.release else None,
    }


def _analysis(result: ScanResult) -> dict[str, Any] | None:
    analysis = result.analysis
    if analysis is None:
        return None
    database = analysis.database
    return {"vulnerability_database": None if database is None else database.summary(),
            "vulnerability_check": analysis.checked.as_dict() if analysis.checked else None,
            "online": analysis.online, "registries": list(analysis.registries),
            "enrichment": asdict(analysis.enrichment) if analysis.enrichment else None,
            "public_namesakes": asdict(analysis.namesakes) if analysis.namesakes else None,
            "archives": asdict(analysis.archives) if analysis.archives else None,
            "knowledge_store": asdict(analysis.knowledge) if analysis.knowledge else None,
            "not_checked": [asdict(unchecked) for unchecked in analysis.not_checked()],
            "notes": list(analysis.notes)}


def render(result: ScanResult, extra: dict[str, Any] | None = None) -> str:
    """The graph, plus sections other stages add (policy and findings)."""
    return json_text(to_dict(result, extra), indent=2, ascii_only=False)
