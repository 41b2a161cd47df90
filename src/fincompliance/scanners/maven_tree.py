"""Saved `mvn dependency:tree` output: the tree Maven itself resolved, transitive
dependencies and all, in its three forms: text (`-DoutputFile=dependency-tree.txt`, with
or without the `[INFO] ` log prefix), JSON (`-DoutputType=json`) and DOT
(`-DoutputType=dot`). Each root is a module (a project); a reactor's output holds one tree
per module, and a module appearing under another becomes an edge between projects."""

from __future__ import annotations

import re
from typing import Any

from fincompliance.errors import InputError
from fincompliance.inputs import expect, load_json
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.maven_common import (
    ECOSYSTEM,
    Coordinates,
    artifact_component,
    graph_from_tree,
    parse_resolved,
    tree_entries,
)

_DOT_TOKEN = re.compile(r'digraph\s+"(?P<root>[^"]+)"\s*\{|"(?P<source>[^"]+)"\s*->\s*'
                        r'"(?P<target>[^"]+)"')


def parse(source: Source) -> Graph:
    if source.path.endswith(".json"):
        return _from_json(source)
    if source.path.endswith(".dot"):
        return _from_dot(source)
    graph = graph_from_tree(tree_entries(source.text(), indent=3),
                            lambda g, text, depth, line: _node(g, source, text, depth, line))
    if not graph.projects:
        raise InputError(source.path, "no dependency tree found (expected the output of "
                         "`mvn dependency:tree`)")
    return graph


def _node(graph: Graph, source: Source, text: str, depth: int, line: int | None) -> str | None:
    parsed = parse_resolved(text.strip("()").split(" - ")[0])
    if parsed is None:
        return None
    coordinates, scope, optional = parsed
    if depth == 0:
        return graph.add_project(source.project(
            coordinates.key, ECOSYSTEM, SCANNER.name, coordinates.version,
            member=coordinates.key, package=coordinates.package())).ref
    return graph.add_component(artifact_component(
        coordinates, scope or "compile", source.location(line), optional)).ref


def _from_json(source: Source) -> Graph:
    document = load_json(source.text(), source.path)
    roots = document if isinstance(document, list) else [document]
    graph = Graph()
    for root in roots:
        root = expect(root, dict, source.path, "a dependency tree node")
        coordinates = _json_coordinates(root, source)
        project = graph.add_project(source.project(
            coordinates.key, ECOSYSTEM, SCANNER.name, coordinates.version,
            member=coordinates.key, package=coordinates.package()))
        stack: list[tuple[str, Any]] = [(project.ref, child) for child in root.get("children")
                                        or []]
        while stack:
            parent, node = stack.pop()
            node = expect(node, dict, source.path, "a dependency tree node")
            component = graph.add_component(artifact_component(
                _json_coordinates(node, source), str(node.get("scope") or "compile"),
                source.location(), str(node.get("optional")).lower() == "true"))
            graph.add_edge(parent, component.ref)
            stack.extend((component.ref, child) for child in node.get("children") or [])
    return graph


def _json_coordinates(node: dict[str, Any], source: Source) -> Coordinates:
    if not node.get("groupId") or not node.get("artifactId"):
        raise InputError(source.path, "a dependency tree node without groupId and artifactId")
    return Coordinates(str(node["groupId"]), str(node["artifactId"]),
                       str(node["version"]) if node.get("version") else None,
                       str(node.get("type") or "jar"), str(node.get("classifier") or "") or None)


def _from_dot(source: Source) -> Graph:
    """Each `digraph "root" {` starts a module's tree; with `appendOutput` Maven writes
    the next one on the closing line of the last."""
    text = source.text()
    graph = Graph()
    refs: dict[str, str | None] = {}
    root_ref = None
    for match in _DOT_TOKEN.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        if match.group("root"):
            root_ref = _node(graph, source, match.group("root"), 0, line)
            refs = {match.group("root"): root_ref}
        elif root_ref:
            for label in (match.group("source"), match.group("target")):
                if label not in refs:
                    refs[label] = _node(graph, source, label, 1, line)
            source_ref, target_ref = refs[match.group("source")], refs[match.group("target")]
            if source_ref and target_ref:
                graph.add_edge(source_ref, target_ref)
    if not graph.projects:
        raise InputError(source.path, "no `digraph` found (expected `mvn dependency:tree "
                         "-DoutputType=dot` output)")
    return graph


SCANNER = Scanner(name="maven-dependency-tree", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE,
                  parse=parse, filenames=("dependency-tree*.txt", "dependency-tree*.json",
                                          "dependency-tree*.dot"),
                  companions=("pom.xml",), covers_subtree=True)
