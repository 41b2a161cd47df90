"""The dependency graph: the one hand-off between scanners, analysis, policy and reporters.

Plain data, no I/O. Third-party *components* are keyed by a reference that is their purl
(which carries a qualifier where one lockfile holds two builds of the same name and version,
such as a Yarn patch or two local folders). First-party *projects* (a lockfile's root
package, workspace members, reactor modules) are nodes too, so "direct" means "a project
depends on it" and a dependency path always starts at a project.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from fnmatch import fnmatch
from urllib.parse import unquote

from packageurl import PackageURL, normalize


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


class ShapeError(TypeError):
    """A value of the wrong type or content reached the model: the reader that built it
    names the file (`scan.read_task` and the SBOM readers turn it into an InputError)."""


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def checked_text(value: object, what: str, optional: bool = False,
                 prose: bool = False) -> str | None:
    """`value` when it is text every writer can carry; a ShapeError naming `what` when it is
    not a string or holds a lone surrogate. Identifiers (names, versions, purls) must not hold
    control characters either; in `prose` (licence texts, descriptions) they become spaces,
    as no XML document can carry them. Every node checks its fields with it, so no writer
    downstream meets a number, a list or unencodable text."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise ShapeError(f"{what} should be text, found {type(value).__name__}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ShapeError(f"{what} {value[:40]!r} contains a lone surrogate") from None
    if _CONTROL.search(value):
        if not prose:
            raise ShapeError(f"{what} {value[:40]!r} contains a control character")
        value = _CONTROL.sub(" ", value)
    return value


def _clean(values: list) -> bool:
    """Whether all of `values` are strings without control characters or lone surrogates."""
    try:
        joined = "".join(values)
        joined.encode("utf-8")
    except (TypeError, UnicodeEncodeError):
        return False
    return _CONTROL.search(joined) is None


@dataclass(frozen=True, order=True)
class Location:
    """Where a component or project is recorded: a path relative to the scan root."""

    path: str
    line: int | None = None

    def __str__(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path

    def under(self, base: str) -> Location:
        """The same place seen from `base`'s parent: `requirements.txt` scanned in
        `backend/` is `backend/requirements.txt` from the repository root, where code hosts
        anchor annotations. A path named on the command line (absolute) stays as it is."""
        if not base or self.path.startswith("/"):
            return self
        inside = self.path not in ("", ".")   # "." is the scanned folder itself
        return Location(f"{base}/{self.path}" if inside else base, self.line)


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

    def __post_init__(self) -> None:
        if not checked_text(self.expression, "concluded licence").strip():
            raise ShapeError("the concluded licence is empty")


@dataclass(frozen=True)
class Vulnerability:
    """A known advisory that affects the component's version (from the analyser)."""

    id: str                            # the advisory's own id (GHSA-..., PYSEC-..., CVE-...)
    aliases: tuple[str, ...] = ()      # the same issue under other ids
    summary: str = ""
    severity: str = "unknown"          # critical, high, medium, low, unknown
    score: float | None = None         # CVSS base score when a vector gives one
    vector: str | None = None
    fixed: str | None = None           # the lowest version that resolves it, if any
    published: str | None = None       # ISO date
    source: str = ""                   # which imported database said so

    @property
    def fix_available(self) -> bool:
        return self.fixed is not None


SEVERITY_ORDER = ("unknown", "low", "medium", "high", "critical")


@dataclass(frozen=True)
class ReleaseFacts:
    """What the package registry says about the package and the version in use."""

    latest_version: str | None = None
    latest_licence: str | None = None  # as the latest release declares it, normalised
    released: str | None = None        # ISO date the version in use was published
    last_release: str | None = None    # ISO date of the newest release
    release_count: int | None = None
    deprecated: str | None = None      # the registry's deprecation message
    yanked: str | None = None          # the registry's yank reason ("" when none given)
    maintainers: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreviousState:
    """How the same package looked in the previous scan (a baseline or the ledger)."""

    scope: Scope
    licence: str | None                # concluded expression then
    versions: tuple[str, ...] = ()


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
    # Facts later stages add: the analyser, and the comparison with the previous scan.
    vulnerabilities: tuple[Vulnerability, ...] = ()
    release: ReleaseFacts | None = None
    previous: PreviousState | None = None
    lifecycle: str | None = None       # the institution's decision in the ledger, if read

    def __post_init__(self) -> None:
        # One pass over all the text in the common case (every component of every scan, and
        # again on each `replace`); field by field only to name what is wrong, or to clean.
        identifiers = [self.name, self.ref, self.purl, *(h.value for h in self.hashes)]
        if self.version is not None:
            identifiers.append(self.version)
        if "%" in self.purl:
            # a purl percent-encodes what it carries: what it names must be text all the same
            identifiers.append(unquote(self.purl))
        if not _clean(identifiers):
            self._refuse_identifiers()
        prose = [*(d.text for d in self.declared_licenses), *(v for _, v in self.properties)]
        if self.requirement is not None:
            prose.append(self.requirement)
        if not _clean(prose):
            self._clean_prose()

    def _refuse_identifiers(self) -> None:
        for what, value, optional in (("name", self.name, False), ("ref", self.ref, False),
                                      ("purl", self.purl, False),
                                      ("version", self.version, True)):
            checked_text(value, f"{what} of {self.name!r}"[:80], optional)
        checked_text(unquote(self.purl), f"purl of {self.name!r}"[:80])
        for hash_ in self.hashes:
            checked_text(hash_.value, f"{hash_.algorithm} digest of {self.name}")

    def _clean_prose(self) -> None:
        self.requirement = checked_text(self.requirement, f"requirement of {self.name}",
                                        optional=True, prose=True)
        self.declared_licenses = tuple(
            DeclaredLicense(checked_text(d.text, f"licence of {self.name}", prose=True), d.field)
            for d in self.declared_licenses)
        self.properties = tuple((key, checked_text(value, f"{key} of {self.name}", prose=True))
                                for key, value in self.properties)

    @property
    def package(self) -> str:
        return package_of(self.purl)

    def matches_purl(self, pattern: str) -> bool:
        """A purl glob (`pkg:maven/com.example.bank*`), with or without the version."""
        return fnmatch(self.purl, pattern) or fnmatch(self.package, pattern)

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
    # The package this project publishes (a purl without version), when its manifest names
    # one: another project's dependency on it is first-party, not a third-party component.
    package: str | None = None
    # A manifest of development tools only (requirements-dev.txt): dependency paths go
    # through a runtime manifest first where one reaches the component too.
    development: bool = False

    def __post_init__(self) -> None:
        checked_text(self.name, "project name")
        checked_text(self.version, f"version of {self.name}", optional=True)


def purl_type(purl: str) -> str:
    """A purl's package type (`pypi`, `npm`, `golang`), lower-cased as the spec asks."""
    return purl.removeprefix("pkg:").split("/", 1)[0].lower()


def package_of(purl: str) -> str:
    """A purl without version, qualifiers or subpath: the package across its versions."""
    return purl.split("#", 1)[0].split("?", 1)[0].split("@", 1)[0]


def purl_parts(purl: str) -> tuple[str, str | None, str]:
    """(type, namespace, name) of a purl as fincomp writes them (canonical), without parsing
    it whole: an SBOM of 50,000 components reads every one."""
    purl_type, _, path = package_of(purl).removeprefix("pkg:").partition("/")
    namespace, _, name = path.rpartition("/")
    return purl_type, unquote(namespace) if namespace else None, unquote(name)


def project_ref(manifest_path: str, member: str | None = None) -> str:
    return f"project:{manifest_path}" + (f"#{member}" if member else "")


def purl_split(ecosystem: str, name: str) -> tuple[str, str | None, str]:
    """(purl type, namespace, name) of a package as an ecosystem names it, by the purl
    spec's rules for each package type."""
    namespace = None
    purl_type = PURL_TYPES.get(ecosystem, ecosystem)
    if purl_type == "pypi":
        name = name.lower().replace("_", "-").replace(".", "-")
    elif purl_type == "npm" and name.startswith("@") and "/" in name:
        namespace, name = name.split("/", 1)
    elif purl_type in ("composer", "golang", "deb", "apk", "rpm") and "/" in name:
        namespace, name = name.rsplit("/", 1)
    elif purl_type == "maven" and ":" in name:
        namespace, name = name.split(":", 1)
    return purl_type, namespace, name


def make_purl(ecosystem: str, name: str, version: str | None,
              qualifiers: Mapping[str, str] | None = None) -> str:
    """Build a purl by the purl spec's rules for each package type."""
    purl_type, namespace, name = purl_split(ecosystem, name)
    if not qualifiers and _UNRESERVED.match(f"{namespace or ''}{name}{version or ''}"):
        # Nothing to percent-encode: one pass of the library's rules (case and the like)
        # gives what its object would print, which normalises twice and encodes (half of
        # reading a 50,000-package lockfile went to it).
        kind, space, named, pinned, _, _ = normalize(
            purl_type, namespace, name, version, None, None, encode=None)
        if named:   # else the library says what is wrong
            return (f"pkg:{kind}/{space + '/' if space else ''}{named}"
                    f"{'@' + pinned if pinned else ''}")
    return PackageURL(type=purl_type, namespace=namespace, name=name, version=version,
                      qualifiers=dict(qualifiers or {})).to_string()


# characters a purl carries as they are (RFC 3986 unreserved; a namespace's slashes too)
_UNRESERVED = re.compile(r"[A-Za-z0-9._~/-]+\Z")


PURL_TYPES = {"python": "pypi", "npm": "npm"}  # other ecosystems are their purl type


def name_from_purl(purl_type: str, namespace: str | None, name: str) -> str:
    """A component's name from its purl parts, the inverse of `make_purl`'s split: Maven
    writes `group:artifact`, the others `namespace/name`."""
    if not namespace:
        return name
    return f"{namespace}{':' if purl_type == 'maven' else '/'}{name}"


@dataclass
class Graph:
    """Projects, components and dependency edges (from a node to the nodes it depends on)."""

    projects: dict[str, Project] = field(default_factory=dict)
    components: dict[str, Component] = field(default_factory=dict)
    edges: dict[str, set[str]] = field(default_factory=dict)
    # The previous scan the components' `previous` states come from (a baseline file or a
    # ledger scan); None when there is nothing to compare with.
    compared_with: str | None = None

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

    def link_first_party(self) -> None:
        """Turn dependencies on a package that one of the scanned projects publishes (Maven
        reactor modules, Go workspace modules) into edges between projects."""
        published = {p.package: p.ref for p in sorted(self.projects.values(),
                                                      key=lambda p: p.ref, reverse=True)
                     if p.package}
        linked = {ref: published[c.package] for ref, c in self.components.items()
                  if c.package in published}
        if not linked:
            return
        for ref, project_ref in linked.items():
            del self.components[ref]
            self.edges.setdefault(project_ref, set()).update(self.edges.pop(ref, ()))
        for source in list(self.edges):
            targets = self.edges[source]
            if targets & linked.keys():
                self.edges[source] = {linked.get(t, t) for t in targets} - {source}

    def hang_unreached(self, project_ref: str) -> None:
        """Edges from the project to the components that nothing depends on, then to one
        member of each cycle nothing outside reaches: for sources that list packages and
        what they need but no root (package databases, SBOMs without a subject)."""
        needed = {t for source, targets in self.edges.items() if source != project_ref
                  for t in targets}
        for ref in sorted(set(self.components) - needed):
            self.add_edge(project_ref, ref)
        reached = self.reachable_from(project_ref)
        for ref in sorted(self.components):
            if ref not in reached:
                self.add_edge(project_ref, ref)
                reached |= {ref} | self.reachable_from(ref)

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
        return PathIndex(self).paths_to(ref, limit)

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

    def compare_with(self, previous: Mapping[str, PreviousState], source: str) -> None:
        """Give every component the state its package had in a previous scan."""
        self.compared_with = source
        for component in self.components.values():
            component.previous = previous.get(component.package)

    def sorted_components(self) -> Iterator[Component]:
        for ref in sorted(self.components):
            yield self.components[ref]

    def shipped(self) -> list[Component]:
        """What goes out with the product: every component but development-only ones."""
        return [c for c in self.sorted_components() if c.scope is not Scope.DEV]

    def stand_for(self, ref: str, pin: str, constraint: tuple[str, str]) -> None:
        """Let the pinned component `pin` stand for the unpinned `ref` of the same package
        (a manifest's range that the pin satisfies): edges to and from `ref` move to `pin`,
        which keeps the range and where it was declared as a property."""
        gone = self.components.pop(ref)
        kept = self.components[pin]
        self.components[pin] = replace(
            kept, scope=kept.scope.strongest(gone.scope),
            properties=_union(kept.properties, (constraint,)))
        for targets in self.edges.values():
            if ref in targets:
                targets.discard(ref)
                targets.add(pin)
        self.edges.setdefault(pin, set()).update(self.edges.pop(ref, set()) - {pin})

    def label(self, ref: str) -> str:
        """How people name a node: a project by its name, a component by name and version."""
        if ref in self.projects:
            return self.projects[ref].name
        component = self.components.get(ref)
        if component is None:
            return ref
        return f"{component.name} {component.version}" if component.version else component.name

    def ecosystems(self) -> list[str]:
        return sorted({c.ecosystem for c in self.components.values()}
                      | {p.ecosystem for p in self.projects.values()})


class PathIndex:
    """Shortest dependency paths from the projects to every node, from one breadth-first
    walk: build it once and ask for many components (per-component walks are quadratic)."""

    def __init__(self, graph: Graph) -> None:
        self._projects = graph.projects
        self._parents: dict[str, list[str]] = {}
        self._depth = {root: 0 for root in sorted(
            graph.projects, key=lambda ref: (graph.projects[ref].development, ref))}
        queue = deque(self._depth)
        while queue:
            node = queue.popleft()
            for child in sorted(graph.edges.get(node, ())):
                if child in self._projects:
                    continue  # a project is a root, not a step on another project's path
                if child not in self._depth:
                    self._depth[child] = self._depth[node] + 1
                    queue.append(child)
                if self._depth[child] == self._depth[node] + 1:
                    self._parents.setdefault(child, []).append(node)

    def depth(self, ref: str) -> int | None:
        return self._depth.get(ref)

    def paths_to(self, ref: str, limit: int = 3) -> list[list[str]]:
        if ref in self._projects:
            return [[ref]]
        if ref not in self._depth:
            return []
        found: list[list[str]] = []
        stack = [(ref, [ref])]
        while stack and len(found) < limit:
            current, tail = stack.pop()
            if current in self._projects:
                found.append(tail)
                continue
            for parent in reversed(self._parents.get(current, [])):
                stack.append((parent, [parent, *tail]))
        return found
