"""`Pipfile` alone (no `Pipfile.lock` beside it): pipenv's declared packages and dev packages."""

from __future__ import annotations

from fincompliance.inputs import load_toml
from fincompliance.model import Graph, Scope
from fincompliance.scanners.base import Kind, Scanner, Source, declared_graph, line_numbers
from fincompliance.scanners.python_common import ECOSYSTEM, python_component

_SECTIONS = (("packages", Scope.REQUIRED), ("dev-packages", Scope.DEV))


def parse(source: Source) -> Graph:
    text = source.text()
    document = load_toml(text, source.path)
    lines = line_numbers(text, r'^"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=')
    components = []
    for section, scope in _SECTIONS:
        table = document.get(section)
        for name, spec in table.items() if isinstance(table, dict) else ():
            wanted = str(spec.get("version", "*") if isinstance(spec, dict) else spec)
            exact = wanted[2:] if wanted.startswith("==") and "*" not in wanted else None
            components.append(python_component(
                name, exact, source.location(lines.get(name)), scope=scope,
                requirement=None if exact else wanted))
    return declared_graph(source.project(None, ECOSYSTEM, SCANNER.name), components)

SCANNER = Scanner(name="pipfile", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("Pipfile",))
