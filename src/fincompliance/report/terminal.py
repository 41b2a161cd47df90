"""The rich summary `fincomp scan` prints for people."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from rich.console import Console
from rich.table import Table

from fincompliance.model import Scope
from fincompliance.scan import ScanResult

if TYPE_CHECKING:
    from fincompliance.analysis.vulnerabilities import Checked

_TOP_LICENCES = 12


def render(result: ScanResult, console: Console) -> None:
    graph = result.graph
    direct = graph.direct_refs()

    projects = Table(title=f"Projects found in {result.root.name}", title_justify="left")
    for column in ("project", "ecosystem", "read from", "components reached"):
        projects.add_column(column)
    for ref in sorted(graph.projects):
        project = graph.projects[ref]
        projects.add_row(project.name, project.ecosystem, str(project.manifest),
                         str(len(graph.reachable_from(ref))))
    console.print(projects)

    per_ecosystem = Table(title="Components", title_justify="left")
    for column in ("ecosystem", "total", "direct", "transitive", "required", "optional", "dev",
                   "unpinned"):
        per_ecosystem.add_column(column, justify="right" if column != "ecosystem" else "left")
    for ecosystem in graph.ecosystems():
        components = [c for c in graph.components.values() if c.ecosystem == ecosystem]
        if not components:
            continue
        scopes = Counter(c.scope for c in components)
        direct_count = sum(c.ref in direct for c in components)
        per_ecosystem.add_row(
            ecosystem, str(len(components)), str(direct_count),
            str(len(components) - direct_count), str(scopes[Scope.REQUIRED]),
            str(scopes[Scope.OPTIONAL]), str(scopes[Scope.DEV]),
            str(sum(not c.pinned for c in components)))
    console.print(per_ecosystem)

    licences = Counter((c.concluded.expression if c.concluded else "(not concluded)")
                       for c in graph.components.values())
    licence_table = Table(title="Licences concluded", title_justify="left")
    licence_table.add_column("licence")
    licence_table.add_column("components", justify="right")
    for text, count in sorted(licences.items(), key=lambda i: (-i[1], i[0]))[:_TOP_LICENCES]:
        licence_table.add_row(text if len(text) <= 70 else text[:67] + "...", str(count))
    if len(licences) > _TOP_LICENCES:
        licence_table.caption = f"and {len(licences) - _TOP_LICENCES} more; see --format json"
    console.print(licence_table)

    doubtful = [c for c in graph.sorted_components()
                if c.concluded and (c.concluded.mismatch or c.concluded.method == "unconcluded")]
    if doubtful:
        table = Table(title="Licences to look at", title_justify="left")
        for column in ("component", "declared", "why"):
            table.add_column(column, overflow="fold")
        for component in doubtful:
            table.add_row(f"{component.name} {component.version or ''}",
                          component.declared_license or "", component.concluded.reason or "")
        console.print(table)

    unpinned = [c for c in graph.sorted_components() if not c.pinned]
    if unpinned:
        table = Table(title="Unpinned dependencies (no exact version recorded)",
                      title_justify="left")
        for column in ("component", "requirement", "declared at"):
            table.add_column(column)
        for component in unpinned:
            table.add_row(component.name, component.requirement or "*",
                          str(component.locations[0]) if component.locations else "")
        console.print(table)

    _vulnerabilities(result, console)
    for error in result.errors:
        console.print(f"[red]error[/red] {error}", highlight=False)


def _vulnerabilities(result: ScanResult, console: Console) -> None:
    analysis = result.analysis
    if analysis is None:
        return
    for note in analysis.notes:
        console.print(note, highlight=False, markup=False)
    if analysis.database is None:
        return
    vulnerable = [c for c in result.graph.sorted_components() if c.vulnerabilities]
    if vulnerable:
        table = Table(title="Known vulnerabilities", title_justify="left")
        for column in ("component", "vulnerability", "severity", "fixed in", "aliases"):
            table.add_column(column, overflow="fold")
        for component in vulnerable:
            for vulnerability in component.vulnerabilities:
                table.add_row(f"{component.name} {component.version}", vulnerability.id,
                              vulnerability.severity + (f" {vulnerability.score}"
                                                        if vulnerability.score else ""),
                              vulnerability.fixed or "no fix", ", ".join(vulnerability.aliases))
        console.print(table)
    counts = Counter(v.severity for c in vulnerable for v in c.vulnerabilities)
    sources = ", ".join(f"{s.name} ({s.imported_at[:10]})" for s in analysis.database.sources)
    severities = ", ".join(f"{counts[s]} {s}" for s in ("critical", "high", "medium", "low",
                                                      "unknown") if counts[s])
    checked = analysis.checked.checked if analysis.checked else 0
    console.print(f"{len(vulnerable)} vulnerable of {checked:,} components checked"
                  + (f" ({severities})" if severities else "")
                  + f" offline against {analysis.database.advisories:,} advisories "
                  f"from {sources}", highlight=False, markup=False)
    unchecked = _not_checked(analysis.checked)
    if unchecked:
        console.print(f"not checked for vulnerabilities: {unchecked}", highlight=False,
                      markup=False)


def _not_checked(checked: Checked | None) -> str:
    """The components matching could not vouch for, by why."""
    if checked is None:
        return ""
    parts = [f"{count:,} {kind}" for kind, count in sorted(checked.not_covered.items())]
    if parts:
        parts[-1] += " components (no advisories of their ecosystem in the database)"
    if checked.unversioned:
        parts.append(f"{checked.unversioned:,} without a version")
    return ", ".join(parts)
