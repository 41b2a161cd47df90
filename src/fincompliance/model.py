"""The dependency graph: the one hand-off between scanners, analysis, policy and reporters.

Plain data, no I/O. Third-party *components* are keyed by a reference that is their purl
(plus a variant where one lockfile holds two builds of the same name and version, such as a
Yarn patch). First-party *projects* (a lockfile's root package, workspace members, reactor
modules) are nodes too, so "direct" means "a project depends on it" and a dependency path
always starts at a project.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum

from packageurl import PackageURL


class Scope(StrEnum):
    """How a component is needed. Ordered from strongest to weakest."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    DEV = "dev"

    @property
    def strength(self) -> int:
        return _SCOPE_STRENGTH[self]

    def strongest(self, other: Scope) -> Scope:
        return self if self.strength >= other.strength else other


_SCOPE_STRENGTH = {Scope.REQUIRED: 3, Scope.OPTIONAL: 2, Scope.DEV: 1}


def widen_scope(scopes: dict[str, Scope], key: str, scope: Scope) -> None:
    """Record that `key` is needed in `scope`, keeping the strongest scope seen."""
    scopes[key] = scopes[key].strongest(scope) if key in scopes else scope


@dataclass(frozen=True, order=True)
class Location:
    """Where a component or project is recorded: a path relative to the scan root."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass(frozen=True, order=True)
class Hash:
    """A digest in CycloneDX's algorithm naming ("SHA-256") with a lowercase hex value."""

    algorithm: str
    value: str


@dataclass(frozen=True, order=True)
class DeclaredLicense:
    """A licence statement exactly as the package metadata wrote it, and which field held it."""

    text: str
    field: str


@dataclass(frozen=True)
class LicenceConclusion:
    """The licence engine's verdict on a component, with the evidence behind it."""

    expression: str                  # SPDX; LicenseRef-fincomp-unknown when not concluded
    confidence: float                # 0..1
    method: str                      # declared, detected, declared-confirmed, unconcluded
    evidence: tuple[str, ...]        # one readable line per piece of evidence
    declared: str | None = None      # what the metadata says, normalised
    detected: str | None = None      # what the licence files say
    mismatch: bool = False           # declared and detected name different licences
    reason: str | None = None        # why it could not be concluded, or why it was chosen


@dataclass
class Component:
    ref: str
    ecosystem: str
    name: str
    version: str | None
    purl: str
    scope: Scope = Scope.REQUIRED
    declared_licenses: tuple[DeclaredLicense, ...] = ()
    locations: tuple[Location, ...] = ()
    hashes: tuple[Hash, ...] = ()
    requirement: str | None = None
    license_files: tuple[str, ...] = ()
    properties: tuple[tuple[str, str], ...] = ()
    concluded: LicenceConclusion | None = None

    @property
    def pinned(self) -> bool:
        return self.version is not None

    @property
    def declared_license(self) -> str | None:
        """The declared licence as one readable string, preferring expression fields."""
        if not self.declared_licenses:
            return None
        return " | ".join(dict.fromkeys(d.text for d in self.declared_licenses))

    def merged_with(self, other: Component) -> Component:
        """The same package seen twice (two lockfiles, two install paths): keep all evidence."""
        return replace(
            self,
            scope=self.scope.strongest(other.scope),
            declared_licenses=_union(self.declared_licenses, other.declared_licenses),
            locations=_union(self.locations, other.locations),
            hashes=_union(self.hashes, other.hashes),
            requirement=self.requirement or other.requirement,
            license_files=_union(self.license_files, other.license_files),
            properties=_union(self.properties, other.properties),
        )


def _union(left: tuple, right: tuple) -> tuple:
    return tuple(sorted(set(left) | set(right)))


@dataclass
class Project:
    """A first-party node: the package a lockfile or manifest describes, or a workspace member."""

    ref: str
    name: str
    ecosystem: str
    manifest: Location
    version: str | None = None
    scanner: str = ""


def component_ref(purl: str, variant: str | None = None) -> str:
    return f"{purl}#{variant}" if variant else purl


def project_ref(manifest_path: str, member: str | None = None) -> str:
    return f"project:{manifest_path}" + (f"#{member}" if member else "")


def make_purl(ecosystem: str, name: str, version: str | None,
              qualifiers: Mapping[str, str] | None = None) -> str:
    """Build a purl by the purl spec's rules for each package type."""
    namespace = None
    purl_type = PURL_TYPES.get(ecosystem, ecosystem)
    if purl_type == "pypi":
        name = name.lower().replace("_", "-").replace(".", "-")
    elif purl_type == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    return PackageURL(type=purl_type, namespace=namespace, name=name, version=version,
                      qualifiers=dict(qualifiers or {})).to_string()


PURL_TYPES = {"python": "pypi", "npm": "npm"}


@dataclass
class Graph:
    """Projects, components and dependency edges (from a node to the nodes it depends on)."""

    projects: dict[str, Project] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)

    def add_project(self, project: Project) -> Project:
        self.projects.setdefault(project.ref, project)
        return self.projects[project.ref]

    def add_component(self, component: Component) -> Component:
        known = self.components.get(component.ref)
        merged = known.merged_with(component) if known else component
        self.components[component.ref] = merged
        return merged

    def add_edge(self, source: str, target: str) -> None:
        if source != target:
            self.edges.setdefault(source, set()).add(target)

    def merge(self, other: Graph) -> None:
        for project in other.projects.values():
            self.add_project(project)
        for component in other.components.values():
            self.add_component(component)
        for source, targets in other.edges.items():
            self.edges.setdefault(source, set()).update(targets)

    # -- queries -------------------------------------------------------------------------

    def dependencies_of(self, ref: str) -> list[str]:
        return sorted(self.edges.get(ref, ()))

    def direct_refs(self) -> set[str]:
        """Components some first-party project depends on directly."""
        return {target for source in self.projects for target in self.edges.get(source, ())
                if target in self.components}

    def reachable_from(self, start: str) -> set[str]:
        """Every component some path from `start` reaches."""
        seen: set[str] = set()
        stack = [start]
        while stack:
            for target in self.edges.get(stack.pop(), ()):
                if target not in seen and target in self.components:
                    seen.add(target)
                    stack.append(target)
        return seen

    def paths_to(self, ref: str, limit: int = 3) -> list[list[str]]:
        """Up to `limit` shortest dependency paths from a project to `ref`, each a list of refs."""
        parents: dict[str, list[str]] = {}
        depth = {root: 0 for root in sorted(self.projects)}
        queue = deque(depth)
        while queue:
            node = queue.popleft()
            if node == ref:
                continue
            for child in sorted(self.edges.get(node, ())):
                if child not in depth:
                    depth[child] = depth[node] + 1
                    queue.append(child)
                if depth[child] == depth[node] + 1:
                    parents.setdefault(child, []).append(node)
        if ref not in depth or ref in self.projects:
            return [[ref]] if ref in self.projects else []
        paths: list[list[str]] = []
        self._unwind(ref, parents, [ref], paths, limit)
        return paths

    def _unwind(self, node: str, parents: dict[str, list[str]], suffix: list[str],
                found: list[list[str]], limit: int) -> None:
        stack = [(node, suffix)]
        while stack and len(found) < limit:
            current, tail = stack.pop()
            if current in self.projects:
                found.append(tail)
                continue
            for parent in reversed(parents.get(current, [])):
                stack.append((parent, [parent, *tail]))

    def propagate_scopes(self, direct: Mapping[str, Scope]) -> None:
        """Give every component the strongest scope under which some path reaches it.

        For lockfiles that record scope only for direct dependencies (uv, Yarn, pnpm 9):
        a package reached from a runtime dependency is required, one reached only through
        dev dependencies is dev.
        """
        reached: dict[str, Scope] = {}
        for scope in sorted(set(direct.values()), key=lambda s: -s.strength):
            queue = deque(ref for ref, s in direct.items() if s == scope and ref not in reached)
            while queue:
                node = queue.popleft()
                if node in reached or node not in self.components:
                    continue
                reached[node] = scope
                queue.extend(t for t in self.edges.get(node, ()) if t not in reached)
        for ref, component in self.components.items():
            component.scope = reached.get(ref, component.scope)

    def sorted_components(self) -> Iterator[Component]:
        for ref in sorted(self.components):
            yield self.components[ref]

    def ecosystems(self) -> list[str]:
        return sorted({c.ecosystem for c in self.components.values()}
                      | {p.ecosystem for p in self.projects.values()})
