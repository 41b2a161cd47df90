"""`build.gradle` and `build.gradle.kts`, read as text (a build script is a program; it is
never run): the dependencies declared with a literal version, in string notation
(`implementation("group:artifact:1.0")`) or map notation (`group: "g", name: "a",
version: "1.0"`). A version built from a variable or a catalogue (`libs.x`) cannot be
known without running Gradle; those declarations are left to the lockfile or a saved
`gradle dependencies` output, which cover this file when they are present."""

from __future__ import annotations

import re

from fincompliance.model import Graph, Scope
from fincompliance.scanners.base import Kind, Scanner, Source, declared_graph
from fincompliance.scanners.maven_common import ECOSYSTEM, Coordinates, artifact_component

# A configuration name starts a word and is taken whole: tried from every letter of a long
# word, and shortened letter by letter at each, the search was quadratic (a 40 KB line of
# letters took a minute).
_CONFIGURATION = r"(?<!\w)(?P<configuration>[A-Za-z]++)"
_STRING = re.compile(_CONFIGURATION + r"""\s*\(?\s*["'](?P<group>[^:"'$\s]+):(?P<artifact>"""
                     r"""[^:"'$\s]+):(?P<version>[^:"'$@\s]+)(?::(?P<classifier>[^"'$@\s]+))?"""
                     r"""(?:@\w+)?["']""")
_MAP = re.compile(_CONFIGURATION + r"""\s*\(?\s*group\s*[:=]\s*["'](?P<group>[^"'$]+)["']\s*,"""
                  r"""\s*name\s*[:=]\s*["'](?P<artifact>[^"'$]+)["']\s*,\s*version\s*[:=]\s*"""
                  r"""["'](?P<version>[^"'$]+)["']""")
_NOT_DEPENDENCIES = {"id", "version", "group", "mavenBom", "platform", "enforcedPlatform"}


def configuration_scope(name: str) -> tuple[Scope, str]:
    """Gradle configurations in Maven's words: what ships, what only compiles against
    (like `provided`), what only tests or builds need."""
    lowered = name.lower()
    if lowered.startswith("test") or "test" in lowered:
        return Scope.DEV, "test"
    if lowered in ("compileonly", "compileclasspath", "compileonlyapi"):
        return Scope.OPTIONAL, "provided"
    if lowered in ("annotationprocessor", "kapt", "ksp", "classpath", "detachedconfiguration"):
        return Scope.DEV, "build"
    return Scope.REQUIRED, "runtime" if "runtime" in lowered else "compile"


def declarations(source: Source) -> list[tuple[Coordinates, str, int]]:
    """(coordinates, Maven scope, line) of every literal declaration in a build script."""
    text = source.text()
    found = []
    for pattern in (_STRING, _MAP):
        for match in pattern.finditer(text):
            if match.group("configuration") in _NOT_DEPENDENCIES:
                continue
            classifier = match.groupdict().get("classifier")
            found.append((Coordinates(match.group("group"), match.group("artifact"),
                                      match.group("version"), "jar", classifier),
                          configuration_scope(match.group("configuration"))[1],
                          text.count("\n", 0, match.start()) + 1))
    return sorted(found, key=lambda item: item[2])


def parse(source: Source) -> Graph:
    return declared_graph(
        source.project(None, ECOSYSTEM, SCANNER.name),
        [artifact_component(coordinates, scope, source.location(line))
         for coordinates, scope, line in declarations(source)])


SCANNER = Scanner(name="gradle-build", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("build.gradle", "build.gradle.kts"))
