"""What the Maven readers share: coordinates, scopes, the component a dependency becomes,
and the indented dependency trees that `mvn dependency:tree` and `gradle dependencies` print."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from fincompliance.model import Component, DeclaredLicense, Graph, Location, Scope
from fincompliance.model import make_purl as _make_purl

ECOSYSTEM = "maven"
# Maven's scopes (and Gradle's configurations, by the same words) as fincomp's scopes:
# `provided` and `system` jars are supplied by the platform, not shipped with the artifact;
# `build` is Gradle's build tooling (annotation processors, the build script's classpath).
SCOPES = {"compile": Scope.REQUIRED, "runtime": Scope.REQUIRED, "provided": Scope.OPTIONAL,
          "system": Scope.OPTIONAL, "test": Scope.DEV, "import": Scope.REQUIRED,
          "build": Scope.DEV}


@dataclass(frozen=True)
class Coordinates:
    group: str
    artifact: str
    version: str | None = None
    type: str = "jar"
    classifier: str | None = None

    @property
    def key(self) -> str:
        return f"{self.group}:{self.artifact}"

    def purl(self) -> str:
        qualifiers = {}
        if self.type not in ("jar", "bundle", ""):
            qualifiers["type"] = self.type
        if self.classifier:
            qualifiers["classifier"] = self.classifier
        return _make_purl(ECOSYSTEM, self.key, self.version, qualifiers)

    def package(self) -> str:
        return _make_purl(ECOSYSTEM, self.key, None)


def artifact_component(coordinates: Coordinates, scope: str, location: Location,
                       optional: bool = False, licences: tuple[str, ...] = (),
                       properties: tuple[tuple[str, str], ...] = ()) -> Component:
    purl = coordinates.purl()
    return Component(
        ref=purl, ecosystem=ECOSYSTEM, name=coordinates.key,
        version=coordinates.version, purl=purl,
        scope=Scope.OPTIONAL if optional and SCOPES.get(scope) is Scope.REQUIRED
        else SCOPES.get(scope, Scope.REQUIRED),
        declared_licenses=tuple(DeclaredLicense(text, "maven") for text in licences),
        locations=(location,),
        properties=tuple(sorted({("fincomp:maven:scope", scope), *properties})))


def parse_resolved(text: str) -> tuple[Coordinates, str, bool] | None:
    """`group:artifact:type[:classifier]:version[:scope]` as Maven's resolved listings
    print it, with a trailing ` (optional)`; None for anything else."""
    optional = "(optional)" in text
    coordinate = text.split()[0] if text.split() else ""
    parts = coordinate.split(":")
    if len(parts) == 4:
        group, artifact, kind, version = parts
        return Coordinates(group, artifact, version, kind), "", optional
    if len(parts) == 5:
        group, artifact, kind, version, scope = parts
        return Coordinates(group, artifact, version, kind), scope, optional
    if len(parts) == 6:
        group, artifact, kind, classifier, version, scope = parts
        return Coordinates(group, artifact, version, kind, classifier), scope, optional
    return None


_BRANCH = re.compile(r"[+\\]-+ ")


def tree_entries(text: str, indent: int) -> list[tuple[int, str, int]]:
    """The (depth, text, line) of each entry in an ASCII dependency tree whose levels are
    `indent` characters wide (3 for Maven, 5 for Gradle); roots have depth 0. Maven's
    `[INFO] ` log prefix is dropped."""
    entries = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.removeprefix("[INFO] ").rstrip()
        if not line.strip() or line.startswith("["):
            continue
        branch = _BRANCH.search(line)
        if branch is None:
            if not line[0].isspace():  # indented text without a branch is a note, not a root
                entries.append((0, line.strip(), number))
        elif set(line[:branch.start()]) <= {" ", "|"}:
            entries.append((branch.start() // indent + 1, line[branch.end():].strip(), number))
    return entries


def graph_from_tree(entries: list[tuple[int, str, int]],
                    node: Callable[[Graph, str, int, int], str | None]) -> Graph:
    """Edges from each entry to the entries one level below it. `node` adds the entry's
    project (depth 0) or component to the graph and returns its ref, or None to leave the
    entry (and what hangs under it) out."""
    graph = Graph()
    parents: list[str | None] = []
    for depth, text, line in entries:
        del parents[depth:]
        if depth and (len(parents) < depth or parents[depth - 1] is None):
            parents.append(None)
            continue
        ref = node(graph, text, depth, line)
        if depth and ref is not None:
            graph.add_edge(parents[depth - 1], ref)
        parents.append(ref)
    return graph
