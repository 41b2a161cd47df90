"""`pom.xml` (Maven), read as data: never built, no plugin run, nothing fetched.

The effective model is put together the way Maven does for what decides dependencies:
the parent chain (parents found by `relativePath` in the tree, else in the local
repository), properties and `${project.*}` interpolated, `<dependencyManagement>` merged
from the parents and from imported BOMs, and dependencies inherited from the parents. A
module's dependency on another module of the same reactor becomes an edge between the two
projects (see `Graph.link_first_party`). A pom alone names the direct dependencies;
the transitive ones come from `mvn dependency:tree` output (`maven_tree`). Profiles are
not activated. Versions a pom leaves to a parent or BOM that is in neither place stay
unresolved and say so.

The local repository is `FINCOMP_MAVEN_REPOSITORY`, else `~/.m2/repository`; poms there
also give the declared `<licenses>` of the dependencies."""

from __future__ import annotations

import os
import re
from collections.abc import Generator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from xml.etree.ElementTree import Element

from fincompliance.errors import InputError
from fincompliance.inputs import load_xml, read_text, xml_text
from fincompliance.model import Graph, Location
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.maven_common import ECOSYSTEM, Coordinates, artifact_component

_PROPERTY = re.compile(r"\$\{([^}]+)\}")
_COMMENT = re.compile(r"<!--.*?-->", re.DOTALL)
_DEPENDENCY_TAG = re.compile(r"<(?:\w+:)?dependency[\s>]")
MAX_PARENTS = 20           # a longer chain is a loop or an attack
_MAX_INTERPOLATION = 10    # properties referring to properties, this deep at most


@dataclass
class Dependency:
    coordinates: Coordinates
    scope: str | None
    optional: bool
    exclusions: tuple[str, ...]
    location: Location               # the pom (this one or a parent) that declares it


@dataclass(frozen=True)
class Pom:
    """One pom file as written, before inheritance."""

    shown_as: str
    group: str | None
    artifact: str
    version: str | None
    parent: Coordinates | None
    parent_path: str | None          # relativePath, "" when the pom says not to look
    properties: dict[str, str]
    dependencies: list[Dependency]
    managed: list[Dependency]
    modules: list[str]
    licences: tuple[str, ...]


@dataclass
class Effective:
    """A pom with its parents applied."""

    coordinates: Coordinates
    properties: dict[str, str]
    managed: dict[str, Dependency] = field(default_factory=dict)
    dependencies: dict[str, Dependency] = field(default_factory=dict)


def parse(source: Source) -> Graph:
    resolver = _Resolver(source)
    effective = resolver.effective(resolver.read_in_tree(source.path), source.path)
    graph = Graph()
    project = graph.add_project(source.project(
        effective.coordinates.key, ECOSYSTEM, SCANNER.name, effective.coordinates.version,
        package=effective.coordinates.package()))
    for dependency in sorted(effective.dependencies.values(), key=lambda d: d.coordinates.key):
        coordinates = dependency.coordinates
        properties = [("fincomp:maven:exclusions", ",".join(dependency.exclusions))] \
            if dependency.exclusions else []
        if coordinates.version is None:
            properties.append(("fincomp:maven:unresolved",
                               "version managed by a parent or BOM not in the tree or the "
                               "local repository"))
        component = graph.add_component(artifact_component(
            coordinates, dependency.scope or "compile", dependency.location, dependency.optional,
            resolver.licences_of(coordinates), tuple(properties)))
        graph.add_edge(project.ref, component.ref)
    return graph


class _Resolver:
    def __init__(self, source: Source) -> None:
        self.source = source
        configured = os.environ.get("FINCOMP_MAVEN_REPOSITORY")
        self.repository = Path(configured) if configured else Path.home() / ".m2" / "repository"
        self._reactor: dict[str, str] | None = None

    # -- reading ---------------------------------------------------------------------------

    def read_in_tree(self, relative: str) -> Pom:
        path = self.source.resolve_inside(relative)
        try:
            status = path.stat()
        except OSError as exc:
            raise InputError(relative, f"cannot read: {exc.strerror}") from None
        return _read_pom_file(str(path), relative, status.st_size, status.st_mtime_ns)

    def read_in_repository(self, coordinates: Coordinates) -> Pom | None:
        if not coordinates.version or "${" in coordinates.version:
            return None
        path = (self.repository.joinpath(*coordinates.group.split("."), coordinates.artifact,
                                         coordinates.version)
                / f"{coordinates.artifact}-{coordinates.version}.pom")
        key = str(path)
        if not path.is_file():
            return None
        status = path.stat()
        return _read_pom_file(key, key, status.st_size, status.st_mtime_ns)

    def parent_of(self, pom: Pom, at: str | None) -> tuple[Pom, str | None] | None:
        """The parent pom, and its path in the tree when it was found there."""
        if pom.parent is None:
            return None
        if at is not None and pom.parent_path != "":
            relative = pom.parent_path or "../pom.xml"
            if not relative.endswith(".xml"):
                relative = f"{relative.rstrip('/')}/pom.xml"
            try:
                candidate = Source(self.source.root, at).sibling(relative)
            except InputError:
                candidate = None
            if candidate is not None:
                parent = self.read_in_tree(candidate.path)
                if (parent.group or (parent.parent and parent.parent.group), parent.artifact) \
                        == (pom.parent.group, pom.parent.artifact):
                    return parent, candidate.path
        found = self.read_in_repository(pom.parent)
        return (found, None) if found else None

    # -- the effective model ---------------------------------------------------------------

    def effective(self, pom: Pom, at: str | None, depth: int = 0) -> Effective:
        if depth > MAX_PARENTS:
            raise InputError(pom.shown_as, f"more than {MAX_PARENTS} parent poms (a loop?)")
        found = self.parent_of(pom, at)
        parent = self.effective(found[0], found[1], depth + 1) if found else None
        group = pom.group or (pom.parent.group if pom.parent else None) or ""
        version = pom.version or (pom.parent.version if pom.parent else None)
        properties = dict(parent.properties) if parent else {}
        properties.update(pom.properties)
        builtins = {"project.groupId": group, "project.artifactId": pom.artifact,
                    "pom.groupId": group, "pom.artifactId": pom.artifact}
        if pom.parent:
            builtins.update({"project.parent.groupId": pom.parent.group,
                             "project.parent.version": pom.parent.version or ""})
        properties.update(builtins)
        if version:
            properties["project.version"] = properties["pom.version"] = interpolate(
                version, properties)
        effective = Effective(Coordinates(group, pom.artifact,
                                          properties.get("project.version"), "pom"), properties)
        if parent:
            effective.managed.update(parent.managed)
            effective.dependencies.update(parent.dependencies)
        for managed in pom.managed:
            resolved = self.interpolated(managed, properties)
            if resolved.scope == "import" and resolved.coordinates.type == "pom":
                effective.managed.update(self.imported(resolved.coordinates, depth))
            else:
                effective.managed[resolved.coordinates.key] = resolved
        for dependency in pom.dependencies:
            resolved = self.interpolated(dependency, properties)
            effective.dependencies[resolved.coordinates.key] = self.managed_into(
                resolved, effective.managed)
        return effective

    def imported(self, coordinates: Coordinates, depth: int) -> dict[str, Dependency]:
        """A BOM's dependencyManagement: from a pom of the tree's reactor with those
        coordinates, else from the local repository."""
        bom = self.reactor().get(coordinates.key)
        at = bom
        pom = self.read_in_tree(bom) if bom else self.read_in_repository(coordinates)
        return self.effective(pom, at, depth + 1).managed if pom else {}

    def reactor(self) -> dict[str, str]:
        """The poms of this tree's reactor by `group:artifact`: the top-most parent found
        from this pom by relativePath, and its modules, recursively."""
        if self._reactor is None:
            top = self.source.path
            for _ in range(MAX_PARENTS):
                found = self.parent_of(self.read_in_tree(top), top)
                if not found or found[1] is None:
                    break
                top = found[1]
            index: dict[str, str] = {}
            pending = [top]
            while pending and len(index) < 10_000:
                path = pending.pop()
                pom = self.read_in_tree(path)
                group = pom.group or (pom.parent.group if pom.parent else "")
                if f"{group}:{pom.artifact}" in index:
                    continue
                index[f"{group}:{pom.artifact}"] = path
                for module in pom.modules:
                    relative = module if module.endswith(".xml") else f"{module}/pom.xml"
                    try:
                        member = Source(self.source.root, path).sibling(relative)
                    except InputError:
                        member = None
                    if member is not None:
                        pending.append(member.path)
            self._reactor = index
        return self._reactor

    def licences_of(self, coordinates: Coordinates) -> tuple[str, ...]:
        walk = licence_walk(coordinates)
        try:
            wanted = next(walk)
            while True:
                wanted = walk.send(self.read_in_repository(wanted))
        except StopIteration as done:
            return done.value

    @staticmethod
    def interpolated(dependency: Dependency, properties: dict[str, str]) -> Dependency:
        c = dependency.coordinates
        return Dependency(
            Coordinates(interpolate(c.group, properties), interpolate(c.artifact, properties),
                        interpolate(c.version, properties) if c.version else None,
                        interpolate(c.type, properties),
                        interpolate(c.classifier, properties) if c.classifier else None),
            interpolate(dependency.scope, properties) if dependency.scope else None,
            dependency.optional, dependency.exclusions, dependency.location)

    @staticmethod
    def managed_into(dependency: Dependency, managed: dict[str, Dependency]) -> Dependency:
        rule = managed.get(dependency.coordinates.key)
        if rule is None:
            return dependency
        c = dependency.coordinates
        return Dependency(
            Coordinates(c.group, c.artifact, c.version or rule.coordinates.version, c.type,
                        c.classifier),
            dependency.scope or rule.scope, dependency.optional or rule.optional,
            dependency.exclusions or rule.exclusions, dependency.location)


def licence_walk(coordinates: Coordinates
                 ) -> Generator[Coordinates, Pom | None, tuple[str, ...]]:
    """The poms to read for a version's declared licences, as Maven inherits them: its own,
    then each parent's until one has `<licenses>`. Whoever reads them (the local repository
    here, a remote one with --online) sends back each pom read, None when there is none;
    the walk returns the licences."""
    wanted = coordinates
    for _ in range(MAX_PARENTS):
        pom = yield wanted
        if pom is None or pom.licences or pom.parent is None or not pom.parent.version:
            return pom.licences if pom else ()
        wanted = pom.parent
    return ()


def interpolate(text: str, properties: dict[str, str]) -> str:
    for _ in range(_MAX_INTERPOLATION):
        replaced = _PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), text)
        if replaced == text:
            break
        text = replaced
    return text


@lru_cache(maxsize=4096)
def _read_pom_file(path: str, shown_as: str, size: int, modified_ns: int) -> Pom:
    """A pom parsed once per process while the file is unchanged: every module of a
    reactor reads the same parents and the same reactor index (40 nacos poms were parsed
    1,837 times without this)."""
    return read_pom(read_text(Path(path), shown_as), shown_as)


def read_pom(text: str, shown_as: str) -> Pom:
    root = load_xml(text, shown_as, strip_namespaces=True)
    if root.tag != "project":
        raise InputError(shown_as, f"not a Maven pom (root element <{root.tag}>)")
    artifact = xml_text(root, "artifactId")
    if not artifact:
        raise InputError(shown_as, "a pom without <artifactId>")
    # ElementTree keeps no line numbers; the n-th <dependency> element is the n-th
    # <dependency> tag of the text once comments are blanked out.
    uncommented = _COMMENT.sub(lambda m: re.sub(r"[^\n]", " ", m.group()), text)
    lines = iter([uncommented.count("\n", 0, m.start()) + 1
                  for m in _DEPENDENCY_TAG.finditer(uncommented)])
    numbered = {id(element): next(lines, None) for element in root.iter("dependency")}
    parent = root.find("parent")
    parent_path = parent.find("relativePath") if parent is not None else None
    return Pom(
        shown_as=shown_as, group=xml_text(root, "groupId"), artifact=artifact,
        version=xml_text(root, "version"),
        parent=Coordinates(xml_text(parent, "groupId") or "", xml_text(parent, "artifactId") or "",
                           xml_text(parent, "version"), "pom") if parent is not None else None,
        parent_path=(parent_path.text or "").strip() if parent_path is not None else None,
        properties={child.tag: (child.text or "").strip()
                    for child in root.findall("properties/*")},
        dependencies=[_dependency(e, numbered, shown_as)
                      for e in root.findall("dependencies/dependency")],
        managed=[_dependency(e, numbered, shown_as)
                 for e in root.findall("dependencyManagement/dependencies/dependency")],
        modules=[(m.text or "").strip() for m in root.findall("modules/module") if m.text],
        licences=tuple(name for lic in root.findall("licenses/license")
                       if (name := xml_text(lic, "name") or xml_text(lic, "url"))))


def _dependency(element: Element, lines: dict[int, int | None], shown_as: str) -> Dependency:
    return Dependency(
        Coordinates(xml_text(element, "groupId") or "", xml_text(element, "artifactId") or "",
                    xml_text(element, "version"), xml_text(element, "type") or "jar",
                    xml_text(element, "classifier")),
        xml_text(element, "scope"), (xml_text(element, "optional") or "").lower() == "true",
        tuple(f"{xml_text(e, 'groupId')}:{xml_text(e, 'artifactId')}"
              for e in element.findall("exclusions/exclusion")),
        Location(shown_as, lines.get(id(element))))


SCANNER = Scanner(name="maven-pom", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("pom.xml",))
