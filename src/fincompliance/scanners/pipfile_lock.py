"""`Pipfile.lock` (pipenv): flat `default` and `develop` sections; `Pipfile` marks the direct."""

from __future__ import annotations

from typing import Any

from fincompliance.inputs import expect, load_json, load_toml
from fincompliance.model import Graph, Scope
from fincompliance.scanners.base import Kind, Scanner, Source, line_numbers, parse_hash
from fincompliance.scanners.python_common import ECOSYSTEM, LockedPackage, canonical, locked_graph
from fincompliance.supply_chain import REGISTRY_PROPERTY

_SECTIONS = {"default": Scope.REQUIRED, "develop": Scope.DEV}


def parse(source: Source) -> Graph:
    text = source.text()
    document = expect(load_json(text, source.path), dict, source.path, "the lockfile")
    lines = line_numbers(text, r'^ {8}"([^"]+)": \{')
    indexes = _indexes(document)
    packages: dict[str, LockedPackage] = {}
    for section, scope in _SECTIONS.items():
        entries = expect(document.get(section, {}), dict, source.path, f'"{section}"')
        for name, entry in entries.items():
            entry = expect(entry, dict, source.path, f'"{section}" entry {name!r}', lines.get(name))
            version = str(entry.get("version", "")).removeprefix("===").removeprefix("==")
            known = packages.get(canonical(name))
            if known is not None:
                # In both sections the runtime pin is what ships; keep a differing dev pin
                # as evidence rather than as a second component.
                if known.version != version:
                    known.properties += (("fincomp:pipenv:develop-version", version),)
                continue
            packages[canonical(name)] = LockedPackage(
                name=name, version=version or "", line=lines.get(name), scope=scope,
                hashes=tuple(h for raw in entry.get("hashes", []) for h in [parse_hash(raw)] if h),
                properties=_source_properties(entry, indexes))

    direct = None
    manifest = source.sibling("Pipfile")
    if manifest is not None:
        pipfile = load_toml(manifest.text(), manifest.path)
        direct = {name: scope for table, scope in (("dev-packages", Scope.DEV),
                                                    ("packages", Scope.REQUIRED))
                  for name in pipfile.get(table, {}) or {}}
    project = source.project(None, ECOSYSTEM, SCANNER.name)
    return locked_graph(source.path, list(packages.values()), [(project, direct)])


def _indexes(document: dict[str, Any]) -> dict[str, str]:
    """The package indexes the lock was resolved against, by the name entries use, the
    default first."""
    meta = document.get("_meta")
    sources = meta.get("sources") if isinstance(meta, dict) else None
    return {str(s["name"]): str(s["url"]) for s in sources if isinstance(s, dict)
            and isinstance(s.get("name"), str) and isinstance(s.get("url"), str)} \
        if isinstance(sources, list) else {}


def _source_properties(entry: dict[str, Any], indexes: dict[str, str]
                       ) -> tuple[tuple[str, str], ...]:
    for kind in ("git", "path", "file"):
        if kind in entry:
            ref = f"@{entry['ref']}" if entry.get("ref") else ""
            return (("fincomp:source", f"{kind}+{entry[kind]}{ref}"),)
    # pipenv resolves a package without `index` from the first source, the default one
    index = indexes.get(str(entry.get("index"))) if "index" in entry else \
        next(iter(indexes.values()), None)
    return ((REGISTRY_PROPERTY, index),) if index else ()


SCANNER = Scanner(name="pipfile-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("Pipfile.lock",), companions=("Pipfile",))
