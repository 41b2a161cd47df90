"""`go.mod` (Go modules) with `go.sum`.

Since Go 1.17 a module's go.mod lists every module its build needs at the version minimal
version selection picked: lines without `// indirect` are the direct dependencies, the
others are needed only by them. The file does not say which module needs an indirect one,
so those stay without an edge rather than with an invented one. `replace` directives
decide which code is really built (a module elsewhere, or a folder); `exclude` only stops a
version being selected, and `retract` speaks of this module's own releases, so neither
adds a component. `go.sum` gives each module's `h1:` checksum (a hash of the module's
file tree, not of one file, so it is kept as a property rather than as a file hash)."""

from __future__ import annotations

from fincompliance.errors import InputError
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.go_common import (
    ECOSYSTEM,
    Directive,
    directives,
    is_local_path,
    module_component,
    module_package,
)

Replacements = dict[tuple[str, str | None], tuple[str, str | None]]


def parse(source: Source) -> Graph:
    found = directives(source.text(), source.path)
    module = next((d.arguments[0] for d in found if d.verb == "module" and d.arguments), None)
    if module is None:
        raise InputError(source.path, "no `module` directive: not a go.mod file")
    graph = Graph()
    project = graph.add_project(source.project(module, ECOSYSTEM, SCANNER.name,
                                               package=module_package(module)))
    replacements = _replacements(found, source.path)
    sums = _checksums(source)
    for directive in found:
        if directive.verb != "require":
            continue
        if len(directive.arguments) != 2:
            raise InputError(source.path, "a require line needs a module path and a version",
                             directive.line)
        path, version = directive.arguments
        replacement = replacements.get((path, version)) or replacements.get((path, None))
        built = replacement if replacement and not is_local_path(replacement[0]) else None
        checksum = sums.get(built or (path, version))
        component = graph.add_component(module_component(
            path, version, source.location(directive.line), replacement,
            (("fincomp:go:sum", checksum),) if checksum else ()))
        if directive.comment.split(";")[0].strip() != "indirect":
            graph.add_edge(project.ref, component.ref)
    return graph


def _replacements(found: list[Directive], shown_as: str) -> Replacements:
    replacements: Replacements = {}
    for directive in found:
        if directive.verb != "replace":
            continue
        arguments = list(directive.arguments)
        if "=>" not in arguments:
            raise InputError(shown_as, "a replace line needs `=>`", directive.line)
        arrow = arguments.index("=>")
        old, new = arguments[:arrow], arguments[arrow + 1:]
        if len(old) not in (1, 2) or len(new) not in (1, 2):
            raise InputError(shown_as, "a replace line reads `path [version] => path "
                             "[version]`", directive.line)
        replacements[(old[0], old[1] if len(old) == 2 else None)] = (
            new[0], new[1] if len(new) == 2 else None)
    return replacements


def _checksums(source: Source) -> dict[tuple[str, str], str]:
    sums_file = source.sibling("go.sum")
    if sums_file is None:
        return {}
    sums = {}
    for number, line in enumerate(sums_file.text().splitlines(), start=1):
        fields = line.split()
        if not fields:
            continue
        if len(fields) != 3:
            raise InputError(sums_file.path, "a go.sum line reads `path version hash`", number)
        path, version, digest = fields
        if not version.endswith("/go.mod"):
            sums[(path, version)] = digest
    return sums


SCANNER = Scanner(name="go-mod", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("go.mod",), companions=("go.sum",))
