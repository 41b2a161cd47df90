"""`pyproject.toml`: PEP 621 and PEP 735 tables, Poetry, PDM and uv development tables.

Read alone, it gives the project's direct dependencies as declared (ranges reported as
unpinned). Beside a lockfile it tells the lockfile scanners which packages are direct, and
in which scope.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from fincompliance.errors import InputError
from fincompliance.inputs import load_toml
from fincompliance.model import Graph, Scope, widen_scope
from fincompliance.scanners.base import Kind, Scanner, Source, declared_graph, first_line
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    canonical,
    parse_requirement,
    pinned_version,
    python_component,
)


@dataclass(frozen=True)
class Declared:
    name: str
    requirement: str
    scope: Scope
    pinned: str | None
    line: int | None


def read_manifest(source: Source) -> tuple[dict[str, Any], list[Declared]]:
    document = load_toml(source.text(), source.path)
    return document, declared_dependencies(document, source.text(), source.path)


def beside(lock: Source) -> tuple[str | None, dict[str, Scope] | None]:
    """For a lockfile: its project's name and direct dependencies from `pyproject.toml`."""
    manifest = lock.sibling("pyproject.toml")
    if manifest is None:
        return None, None
    document, declared = read_manifest(manifest)
    name = (_table(document, "project").get("name")
            or _table(_table(document, "tool"), "poetry").get("name"))
    return (str(name) if name else None), direct_scopes(declared)


def direct_scopes(declared: list[Declared]) -> dict[str, Scope]:
    """Canonical name → the strongest scope the manifest declares it in."""
    scopes: dict[str, Scope] = {}
    for item in declared:
        key = canonical(item.name)
        widen_scope(scopes, key, item.scope)
    return scopes


def declared_dependencies(document: dict[str, Any], text: str, path: str) -> list[Declared]:
    found: list[Declared] = []
    project = _table(document, "project")
    for entry in _strings(project.get("dependencies")):
        found.append(_pep508(entry, Scope.REQUIRED, text, path))
    for entries in _table(project, "optional-dependencies").values():
        found.extend(_pep508(e, Scope.OPTIONAL, text, path) for e in _strings(entries))
    for entries in _table(document, "dependency-groups").values():
        found.extend(_pep508(e, Scope.DEV, text, path) for e in _strings(entries))

    tool = _table(document, "tool")
    poetry = _table(tool, "poetry")
    found.extend(_poetry_table(_table(poetry, "dependencies"), Scope.REQUIRED, text))
    found.extend(_poetry_table(_table(poetry, "dev-dependencies"), Scope.DEV, text))
    for name, group in _table(poetry, "group").items():
        scope = Scope.REQUIRED if name == "main" else Scope.DEV
        found.extend(_poetry_table(_table(group, "dependencies"), scope, text))
    for entries in _table(_table(tool, "pdm"), "dev-dependencies").values():
        found.extend(_pep508(e, Scope.DEV, text, path) for e in _strings(entries))
    for entry in _strings(_table(tool, "uv").get("dev-dependencies")):
        found.append(_pep508(entry, Scope.DEV, text, path))
    return [d for d in found if d is not None]


def _table(parent: Any, key: str) -> dict[str, Any]:
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _strings(value: Any) -> list[str]:
    # PEP 735 groups may also hold {include-group = "..."} tables, which add no package.
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _pep508(entry: str, scope: Scope, text: str, path: str) -> Declared:
    requirement = parse_requirement(entry)
    line = first_line(text, entry)
    if requirement is None:
        raise InputError(path, f"invalid requirement {entry!r}", line)
    return Declared(requirement.name, str(requirement.specifier) or "*", scope,
                    pinned_version(requirement), line)


_POETRY_EXACT = re.compile(r"^(?:==)?\s*(\d[\w.+!-]*)$")


def _poetry_table(table: dict[str, Any], scope: Scope, text: str) -> list[Declared]:
    found = []
    for name, spec in table.items():
        if canonical(name) == "python":
            continue
        constraint, item_scope = spec, scope
        if isinstance(spec, list):  # multiple-constraint form: one entry per marker set
            constraint = " || ".join(str(s.get("version", "*")) for s in spec
                                     if isinstance(s, dict))
        elif isinstance(spec, dict):
            constraint = spec.get("version") or _vcs_or_path(spec)
            if spec.get("optional") is True and scope is Scope.REQUIRED:
                item_scope = Scope.OPTIONAL
        constraint = str(constraint or "*")
        exact = _POETRY_EXACT.match(constraint)
        line = _key_line(text, name)
        found.append(Declared(name, constraint, item_scope, exact.group(1) if exact else None,
                              line))
    return found


def _vcs_or_path(spec: dict[str, Any]) -> str | None:
    for key in ("git", "url", "path"):
        if key in spec:
            return f"{key}:{spec[key]}"
    return None


def _key_line(text: str, name: str) -> int | None:
    found = re.search(rf'^\s*"?{re.escape(name)}"?\s*=', text, re.MULTILINE)
    return text.count("\n", 0, found.start()) + 1 if found else None


def parse(source: Source) -> Graph:
    document, declared = read_manifest(source)
    project_table = _table(document, "project")
    poetry_table = _table(_table(document, "tool"), "poetry")
    name = project_table.get("name") or poetry_table.get("name")
    version = project_table.get("version") or poetry_table.get("version")
    project = source.project(str(name) if name else None, ECOSYSTEM, SCANNER.name,
                             str(version) if isinstance(version, str) else None)
    return declared_graph(project, (
        python_component(item.name, item.pinned, source.location(item.line), scope=item.scope,
                         requirement=None if item.pinned else item.requirement)
        for item in declared))

SCANNER = Scanner(name="pyproject", ecosystem=ECOSYSTEM, kind=Kind.MANIFEST, parse=parse,
                  filenames=("pyproject.toml",))
