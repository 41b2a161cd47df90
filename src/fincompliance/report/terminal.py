"""The summary `fincomp scan` prints for people: it fits a screen for any repository.

Every list is grouped and capped (the first entries, then "and N more" with where to see
them all); `verbose` lists everything. Workspace members are folded under the lockfile that
records them, and paths are never broken inside a word."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import TYPE_CHECKING

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

from fincompliance.model import SEVERITY_ORDER, Component, Graph, Scope

if TYPE_CHECKING:
    from fincompliance.scan import ScanResult

_TOP = {"projects": 8, "licences": 8, "reasons": 5, "unpinned": 8, "vulnerabilities": 8,
        "namesakes": 8}
_MORE = "--verbose lists them all, --format json has everything"
# most severe first
_SEVERITIES = tuple(reversed(SEVERITY_ORDER))


def render(result: ScanResult, console: Console, *, verbose: bool = False) -> None:
    def top(kind: str) -> int | None:
        return None if verbose else _TOP[kind]

    graph = result.graph
    _headline(result, console)
    _projects(graph, console, top("projects"))
    _components(graph, console)
    _licences(graph, console, top("licences"))
    _licences_to_look_at(graph, console, verbose, _next_steps(result))
    _unpinned(graph, console, top("unpinned"))
    _ranges_met(graph, console, top("unpinned"))
    _vulnerabilities(result, console, top("vulnerabilities"))
    _internal_packages(result, console, top("namesakes"))
    for error in result.errors:
        console.print(Text.assemble(("error ", "red"), str(error)))


def _table(*columns: str, right: tuple[str, ...] = ()) -> Table:
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def _section(title: str, table: Table, shown: int, total: int, console: Console) -> None:
    """A titled table of the first `shown` of `total` entries, and where the rest are."""
    console.print()
    console.print(Text(title, style="bold"))
    console.print(table)
    if total > shown:
        console.print(f"  and {total - shown:,} more: {_MORE}", markup=False, highlight=False)


def _headline(result: ScanResult, console: Console) -> None:
    graph = result.graph
    name = result.root.resolve().name or str(result.root.resolve())
    per_ecosystem = Counter(c.ecosystem for c in graph.components.values())
    ecosystems = ", ".join(f"{count:,} {ecosystem}" for ecosystem, count
                           in sorted(per_ecosystem.items(), key=lambda i: (-i[1], i[0])))
    files = len({p.manifest.path for p in graph.projects.values()})
    console.print(Text.assemble(
        ("Scanned ", "bold"), (name, "bold"),
        f": {_counted(len(graph.components), 'component')}"
        + (f" ({ecosystems})" if ecosystems else "")
        + f" in {_counted(len(graph.projects), 'project')}"
        f" read from {_counted(files, 'file')}"))


def _counted(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'' if count == 1 else 's'}"


def _projects(graph: Graph, console: Console, limit: int | None) -> None:
    """One row per file that records projects: a workspace lockfile's members are folded
    under it, named by its first members."""
    by_file: dict[str, list[str]] = defaultdict(list)
    for ref in sorted(graph.projects):
        by_file[str(graph.projects[ref].manifest.path)].append(ref)
    table = _table("read from", "ecosystem", "projects", "components",
                   right=("components",))
    table.columns[0].no_wrap = True
    rows = sorted(by_file.items(), key=lambda item: (-len(item[1]), item[0]))
    for path, refs in rows[:limit]:
        names = sorted({graph.projects[r].name for r in refs})
        members = ", ".join(names[:3]) + (f" and {len(names) - 3:,} more" if len(names) > 3
                                          else "")
        reached = set().union(*(graph.reachable_from(r) for r in refs))
        table.add_row(path, graph.projects[refs[0]].ecosystem,
                      members if len(refs) == 1 else f"{len(refs):,}: {members}",
                      f"{len(reached):,}")
    _section("Projects", table, min(len(rows), limit or len(rows)), len(rows), console)


def _components(graph: Graph, console: Console) -> None:
    direct = graph.direct_refs()
    table = _table("ecosystem", "total", "direct", "transitive", "required",
                   "optional", "dev", "unpinned",
                   right=("total", "direct", "transitive", "required", "optional", "dev",
                          "unpinned"))
    by_ecosystem: dict[str, list[Component]] = defaultdict(list)
    for component in graph.components.values():
        by_ecosystem[component.ecosystem].append(component)
    for ecosystem in sorted(by_ecosystem):
        components = by_ecosystem[ecosystem]
        scopes = Counter(c.scope for c in components)
        direct_count = sum(c.ref in direct for c in components)
        table.add_row(ecosystem, *(f"{n:,}" for n in (
            len(components), direct_count, len(components) - direct_count,
            scopes[Scope.REQUIRED], scopes[Scope.OPTIONAL], scopes[Scope.DEV],
            sum(not c.pinned for c in components))))
    if by_ecosystem:
        _section("Components", table, len(by_ecosystem), len(by_ecosystem), console)


def _licences(graph: Graph, console: Console, limit: int | None) -> None:
    licences = Counter((c.concluded.expression if c.concluded else "(not concluded)")
                       for c in graph.components.values())
    if not licences:
        return
    table = _table("licence", "components", right=("components",))
    ranked = sorted(licences.items(), key=lambda i: (-i[1], i[0]))
    for text, count in ranked[:limit]:
        table.add_row(Text(text if len(text) <= 90 else text[:87] + "..."), f"{count:,}")
    _section("Licences concluded", table, len(ranked[:limit]), len(ranked), console)


def _next_steps(result: ScanResult) -> list[str]:
    """What would conclude more licences, of what this scan did not do."""
    analysis = result.analysis
    steps = []
    if not (analysis and analysis.online):
        steps.append("--online asks your registry mirrors for declared licences, and reads "
                     "the archives of packages that declare none")
    if not (analysis and analysis.knowledge):
        steps.append("--ledger URL reuses the licences your institution's ledger knows "
                     "(offline: fincomp knowledge import)")
    # (compared by value: importing the scanners' Kind would load every scanner at start-up)
    if not any(task.scanner.kind == "installed" for task in result.tasks):
        steps.append("--installed reads installed packages")
    return steps + ["fincomp knowledge curate PURL (or --curations FILE) adds your reviewed "
                    "conclusions"]


def _licences_to_look_at(graph: Graph, console: Console, verbose: bool,
                         steps: list[str]) -> None:
    doubtful = [c for c in graph.sorted_components()
                if c.concluded and (c.concluded.mismatch or c.concluded.method == "unconcluded")]
    if not doubtful:
        return
    if verbose:  # one line each, never cut: a long list is for searching
        console.print()
        console.print(Text("Licences to look at", style="bold"))
        for component in doubtful:
            console.print(Text(f"{component.name} {component.version or '*'}  declared: "
                               f"{component.declared_license or '-'}  why: "
                               f"{component.concluded.reason or '-'}"), soft_wrap=True)
        return
    by_reason: dict[str, list[Component]] = defaultdict(list)
    for component in doubtful:
        by_reason[component.concluded.reason or "no reason recorded"].append(component)
    table = _table("components", "why", right=("components",))
    ranked = sorted(by_reason.items(), key=lambda i: (-len(i[1]), i[0]))
    for reason, components in ranked[:_TOP["reasons"]]:
        names = sorted({c.name for c in components})
        example = ", ".join(names[:3]) + (", …" if len(names) > 3 else "")
        table.add_row(f"{len(components):,}", Text.assemble(reason, (f" (e.g. {example})",
                                                                     "dim")))
    _section(f"Licences to look at: {_counted(len(doubtful), 'component')}", table,
             min(len(ranked), _TOP["reasons"]), len(ranked), console)
    if any(c.concluded.method == "unconcluded" for c in doubtful):
        for number, step in enumerate(steps):
            console.print(f"  {'next:' if number == 0 else '     '} {step}", markup=False,
                          highlight=False)


def _unpinned(graph: Graph, console: Console, limit: int | None) -> None:
    unpinned = [c for c in graph.sorted_components() if not c.pinned]
    if not unpinned:
        return
    table = _table("component", "requirement", "declared at")
    table.columns[0].max_width = 60
    table.columns[0].overflow = "ellipsis"
    table.columns[2].no_wrap = True
    for component in unpinned[:limit]:
        table.add_row(Text(component.name), Text(component.requirement or "*"),
                      Text(str(component.locations[0]) if component.locations else ""))
    _section(f"Unpinned (no exact version recorded): {_counted(len(unpinned), 'component')}", table,
             len(unpinned[:limit]), len(unpinned), console)


def _ranges_met(graph: Graph, console: Console, limit: int | None) -> None:
    """Manifest ranges that a pin elsewhere in the tree satisfies, shown against that pin."""
    met = [(c, value) for c in graph.sorted_components() for key, value in c.properties
           if key == "fincomp:constraint"]
    if not met:
        return
    console.print()
    console.print(Text("Version ranges met by a pin", style="bold"))
    for component, value in met[:limit]:
        console.print(Text(f"  {component.name} {component.version} meets {value}"))
    if len(met) > len(met[:limit]):
        console.print(f"  and {len(met) - len(met[:limit]):,} more: {_MORE}", markup=False,
                      highlight=False)


def _vulnerabilities(result: ScanResult, console: Console, limit: int | None) -> None:
    analysis = result.analysis
    if analysis is None:
        return
    console.print()
    for note in analysis.notes:
        console.print(note, highlight=False, markup=False)
    if analysis.database is None:
        return
    found = sorted(((c, v) for c in result.graph.sorted_components() for v in c.vulnerabilities),
                   key=lambda cv: (_SEVERITIES.index(cv[1].severity), cv[0].name, cv[1].id))
    vulnerable = {c.ref for c, _ in found}
    if found:
        table = _table("component", "vulnerability", "severity",
                       "fixed in", "aliases")
        for column in table.columns[:4]:
            column.no_wrap = True
        for component, vulnerability in found[:limit]:
            table.add_row(Text(f"{component.name} {component.version}"), vulnerability.id,
                          vulnerability.severity + (f" {vulnerability.score}"
                                                    if vulnerability.score else ""),
                          Text(vulnerability.fixed or "no fix"),
                          Text(", ".join(vulnerability.aliases)))
        _section("Known vulnerabilities", table, len(found[:limit]), len(found), console)
    counts = Counter(v.severity for _, v in found)
    sources = ", ".join(f"{s.name} ({s.imported_at[:10]})" for s in analysis.database.sources)
    severities = ", ".join(f"{counts[s]} {s}" for s in _SEVERITIES if counts[s])
    checked = analysis.checked.checked if analysis.checked else 0
    console.print(f"{len(vulnerable)} vulnerable of {checked:,} components checked"
                  + (f" ({severities})" if severities else "")
                  + f" offline against {analysis.database.advisories:,} advisories "
                  f"from {sources}", highlight=False, markup=False)
    unchecked = analysis.not_checked_for_vulnerabilities()
    if unchecked:
        console.print(f"not checked for vulnerabilities: {unchecked}", highlight=False,
                      markup=False)



def _internal_packages(result: ScanResult, console: Console, limit: int | None) -> None:
    """What the public registries said of the institution's own package names."""
    namesakes = result.analysis.namesakes if result.analysis else None
    if namesakes is None or not (namesakes.asked or namesakes.not_asked):
        return
    console.print()
    public = sorted(namesakes.public)
    shown = ", ".join(public[:limit]) + (f" and {len(public) - limit} more"
                                        if limit is not None and len(public) > limit else "")
    answered = namesakes.asked - namesakes.unanswered   # the rest are said not checked
    if answered:
        console.print(f"{answered:,} of the institution's own packages asked of a public "
                      f"registry: {len(public):,} held there too"
                      + (f" ({shown})" if public else ""), highlight=False, markup=False)
    for unchecked in result.analysis.not_checked():
        if unchecked.check == "public-registry":
            console.print(unchecked.text, highlight=False, markup=False)
