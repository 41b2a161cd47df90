"""What the operating-system package readers share: where the root filesystem starts,
which distribution it is (`etc/os-release`), the project that stands for it, and the
dependency edges between installed packages."""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from fincompliance.errors import InputError
from fincompliance.model import Component, Graph, Project
from fincompliance.scanners.base import Scanner, Source


@dataclass(frozen=True)
class Distribution:
    id: str                 # debian, ubuntu, alpine, rhel, ...
    version_id: str | None
    name: str               # PRETTY_NAME, for people

    @property
    def qualifier(self) -> str:
        """The purl `distro` qualifier: `debian-12`, `alpine-3.19.1`."""
        return f"{self.id}-{self.version_id}" if self.version_id else self.id


def rootfs_prefix(source: Source, database: str) -> str:
    """The root filesystem's folder relative to the scan root, from the path of its
    package database (`var/lib/dpkg/status` at `img/var/lib/dpkg/status` gives `img/`)."""
    return source.path[:-len(database)] if source.path.endswith(database) else ""


def distribution(source: Source, prefix: str, default: str) -> Distribution:
    """The distribution named by the root filesystem's os-release, or `default`."""
    for candidate in ("etc/os-release", "usr/lib/os-release"):
        try:
            release = source.sibling_from_root(prefix + candidate)
        except InputError:
            release = None  # an absolute link: os-release is usually one
        if release is None:
            continue
        fields = {}
        for line in release.text().splitlines():
            key, sep, value = line.partition("=")
            if sep and key.strip().isidentifier():
                try:
                    fields[key.strip()] = " ".join(shlex.split(value))
                except ValueError:
                    fields[key.strip()] = value.strip().strip("\"'")
        if fields.get("ID"):
            return Distribution(fields["ID"].lower(), fields.get("VERSION_ID"),
                                fields.get("PRETTY_NAME") or fields["ID"])
    return Distribution(default, None, default)


@dataclass(frozen=True)
class Installed:
    """One package of a package database, with what it provides and what it needs (each
    need a list of alternatives: names or provided capabilities)."""

    component: Component
    provides: tuple[str, ...] = ()
    needs: tuple[tuple[str, ...], ...] = ()


def system_graph(source: Source, found: Distribution, scanner: Scanner,
                 packages: Iterable[Installed]) -> Graph:
    """The system as a project, its packages as components, needs as edges."""
    graph = Graph()
    project = graph.add_project(source.project(found.name, scanner.ecosystem, scanner.name,
                                               found.version_id))
    installed = [(graph.add_component(p.component).ref, p) for p in packages]
    # a real package answers to its name before anything that merely provides the name
    refs = {package.component.name: ref for ref, package in installed}
    for ref, package in installed:
        for provided in package.provides:
            refs.setdefault(provided, ref)
    _link(graph, project, refs, [(ref, package.needs) for ref, package in installed])
    return graph


def _link(graph: Graph, project: Project, refs: Mapping[str, str],
          needs: Iterable[tuple[str, Iterable[Iterable[str]]]]) -> None:
    """Edges from each package to the first installed alternative of each thing it needs
    (a package name or something a package provides); every package is then reached from
    the system's project."""
    for ref, requirements in needs:
        for alternatives in requirements:
            target = next((refs[name] for name in alternatives if name in refs), None)
            if target is not None and target != ref:
                graph.add_edge(ref, target)
    graph.hang_unreached(project.ref)
