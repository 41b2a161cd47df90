"""`go.work` (Go workspaces): the modules it `use`s are first-party projects, so the
workspace is a project whose edges lead to their go.mod projects; each member's go.mod is
read by its own scanner, and a member's requirement on another member becomes an edge
between projects (see `Graph.link_first_party`)."""

from __future__ import annotations

from pathlib import PurePosixPath

from fincompliance.errors import InputError
from fincompliance.model import Graph, project_ref
from fincompliance.scanners.base import Kind, Scanner, Source, normalise_path
from fincompliance.scanners.go_common import ECOSYSTEM, directives


def parse(source: Source) -> Graph:
    graph = Graph()
    workspace = graph.add_project(source.project(None, ECOSYSTEM, SCANNER.name))
    for directive in directives(source.text(), source.path):
        if directive.verb != "use":
            continue
        for folder in directive.arguments:
            member = normalise_path(PurePosixPath(source.directory, folder, "go.mod").as_posix())
            if member is None:
                raise InputError(source.path, f"uses {folder!r}, outside the scanned tree",
                                 directive.line)
            if source.sibling(f"{folder}/go.mod") is not None:
                graph.add_edge(workspace.ref, project_ref(member))
    return graph


SCANNER = Scanner(name="go-work", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("go.work",))
