"""Saved `mvn dependency:list` output: every artifact Maven resolved for the module, flat
(it records neither who needs what nor which are direct, so no edge is invented). Lines
read `group:artifact:type[:classifier]:version:scope`, with or without Maven's log prefix
and a trailing `-- module name` note."""

from __future__ import annotations

from fincompliance.errors import InputError
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.maven_common import ECOSYSTEM, artifact_component, parse_resolved


def parse(source: Source) -> Graph:
    graph = Graph()
    graph.add_project(source.project(None, ECOSYSTEM, SCANNER.name))
    for number, raw in enumerate(source.text().splitlines(), start=1):
        line = raw.removeprefix("[INFO]").split(" -- ")[0].strip()
        parsed = parse_resolved(line) if line.count(":") >= 4 else None
        if parsed is not None and parsed[1]:
            coordinates, scope, optional = parsed
            graph.add_component(artifact_component(coordinates, scope, source.location(number),
                                                   optional))
    if not graph.components:
        raise InputError(source.path, "no resolved artifacts found (expected the output of "
                         "`mvn dependency:list`)")
    return graph


SCANNER = Scanner(name="maven-dependency-list", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE,
                  parse=parse, filenames=("dependency-list*.txt",), companions=("pom.xml",))
