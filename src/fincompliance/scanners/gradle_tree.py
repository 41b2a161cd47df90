"""Saved `gradle dependencies` output (`gradle dependencies > gradle-dependencies.txt`):
the trees Gradle resolved, one per configuration. A node reads `group:artifact:version`,
`group:artifact:requested -> selected` or `group:artifact -> selected`; `(*)` marks a
subtree printed earlier, `(c)` a constraint and `(n)` a declaration that configuration does
not resolve (neither is a component); `project :name` is a subproject of the build."""

from __future__ import annotations

import re

from fincompliance.errors import InputError
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.gradle_build import configuration_scope
from fincompliance.scanners.maven_common import (
    ECOSYSTEM,
    Coordinates,
    artifact_component,
    graph_from_tree,
    tree_entries,
)

_CONFIGURATION = re.compile(r"^(\w+)(?: - .*)?$")
_SELECTED = re.compile(r"^([^:\s]+):([^:\s]+)(?::([^\s]+))?(?: -> ([^\s]+))?")


class _Reader:
    def __init__(self, source: Source) -> None:
        self.source = source
        self.scope = "compile"
        self.root = source.project(None, ECOSYSTEM, SCANNER.name)

    def node(self, graph: Graph, text: str, depth: int, line: int) -> str | None:
        if depth == 0:
            header = _CONFIGURATION.match(text)
            if header is None:
                return None
            self.scope = configuration_scope(header.group(1))[1]
            return graph.add_project(self.root).ref
        if text.endswith(("(c)", "(n)")):
            return None
        if text.startswith("project "):
            name = text.split()[1]
            return graph.add_project(self.source.project(
                name, ECOSYSTEM, SCANNER.name, member=name)).ref
        selected = _SELECTED.match(text)
        if selected is None:
            return None
        group, artifact, requested, chosen = selected.groups()
        version = chosen or (requested or "").strip("{}") or None
        if version and version.startswith("strictly "):
            version = version.removeprefix("strictly ")
        return graph.add_component(artifact_component(
            Coordinates(group, artifact, version), self.scope, self.source.location(line))).ref


def parse(source: Source) -> Graph:
    reader = _Reader(source)
    graph = graph_from_tree(tree_entries(source.text(), indent=5), reader.node)
    if not graph.projects:
        raise InputError(source.path, "no configuration found (expected the output of "
                         "`gradle dependencies`)")
    return graph


SCANNER = Scanner(name="gradle-dependencies", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE,
                  parse=parse, filenames=("gradle-dependencies*.txt",),
                  companions=("build.gradle", "build.gradle.kts", "gradle.lockfile"))
