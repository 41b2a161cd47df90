"""`gradle.lockfile` and `buildscript-gradle.lockfile` (Gradle dependency locking): every
resolved module with the configurations that use it, `group:artifact:version=conf,...`.
The lockfile is flat; the build script beside it, where it declares a dependency with a
literal version, says which are direct. The build script's own classpath (the
buildscript lockfile) is build tooling, so dev scope."""

from __future__ import annotations

from fincompliance.errors import InputError
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.gradle_build import configuration_scope, declarations
from fincompliance.scanners.maven_common import ECOSYSTEM, Coordinates, artifact_component


def parse(source: Source) -> Graph:
    graph = Graph()
    project = graph.add_project(source.project(None, ECOSYSTEM, SCANNER.name))
    by_key = {}
    buildscript = source.path.rsplit("/", 1)[-1].startswith("buildscript")
    for number, line in enumerate(source.text().splitlines(), start=1):
        line = line.strip()
        if not line or line.startswith("#") or line.startswith("empty="):
            continue
        coordinate, _, configurations = line.partition("=")
        parts = coordinate.split(":")
        if len(parts) != 3 or not configurations:
            raise InputError(source.path, "a lockfile line reads `group:artifact:version="
                             "configuration,...`", number)
        scopes = [configuration_scope(c) for c in configurations.split(",") if c]
        scope = ("build" if buildscript else
                 max(scopes, key=lambda s: s[0].strength)[1])
        coordinates = Coordinates(*parts)
        component = graph.add_component(artifact_component(
            coordinates, scope, source.location(number),
            properties=(("fincomp:gradle:configurations", configurations),)))
        by_key[coordinates.key] = component.ref
    for name in ("build.gradle", "build.gradle.kts"):
        script = source.sibling(name)
        for coordinates, _, _ in declarations(script) if script and not buildscript else ():
            if coordinates.key in by_key:
                graph.add_edge(project.ref, by_key[coordinates.key])
    return graph


SCANNER = Scanner(name="gradle-lockfile", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("gradle.lockfile", "buildscript-gradle.lockfile"),
                  companions=("build.gradle", "build.gradle.kts"))
