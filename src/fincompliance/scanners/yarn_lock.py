"""`yarn.lock`: the v1 format (Yarn Classic) and the YAML format of Yarn Berry (2+).

Entries are keyed by the descriptors (`name@range`) that resolve to them; a dependency
`name: range` is an edge to the entry whose key lists `name@range`. Yarn records no
scopes, so `package.json` (of the root, and of each Berry workspace) marks direct and dev.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from fincompliance.errors import InputError
from fincompliance.inputs import expect, load_yaml
from fincompliance.model import Graph, Location, Scope, widen_scope
from fincompliance.scanners.base import Kind, Scanner, Source, parse_integrity
from fincompliance.scanners.npm_common import (
    ECOSYSTEM,
    MANIFEST_SECTIONS,
    npm_component,
    origin_qualifiers,
    read_manifest,
    registry_of,
    split_descriptor,
)

_DEPENDENCY_SECTIONS = ("dependencies", "optionalDependencies")
_PATCH_HASH = re.compile(r"[&:]hash=([0-9a-f]+)")


@dataclass
class Entry:
    descriptors: list[str]
    line: int
    fields: dict[str, Any] = field(default_factory=dict)


def parse_classic(text: str, path: str) -> list[Entry]:
    """Yarn v1's own indented format (not YAML: `key "value"` pairs, comma-joined keys)."""
    entries: list[Entry] = []
    section: dict[str, str] | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        indent = len(raw) - len(raw.lstrip(" "))
        line = raw.strip()
        if indent == 0:
            if not line.endswith(":"):
                raise InputError(path, "expected an entry header ending in ':'", number)
            descriptors = [_unquote(d.strip()) for d in line[:-1].split(",")]
            entries.append(Entry(descriptors, number))
            section = None
            continue
        if not entries:
            raise InputError(path, "indented line before any entry", number)
        key, _, value = line.partition(" ")
        key = _unquote(key.rstrip(":"))
        if indent == 2:
            if line.endswith(":") and not value:
                section = entries[-1].fields.setdefault(key, {})
            else:
                entries[-1].fields[key] = _unquote(value.strip())
                section = None
        elif indent >= 4 and section is not None:
            section[key] = _unquote(value.strip())
        else:
            raise InputError(path, "unexpected indentation", number)
    return entries


def _unquote(value: str) -> str:
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def parse_berry(text: str, path: str) -> list[Entry]:
    document = expect(load_yaml(text, path), dict, path, "the lockfile")
    lines = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        if raw and not raw[0].isspace() and raw.endswith(":") and not raw.startswith("#"):
            lines[_unquote(raw[:-1])] = number
    entries = []
    for key, fields in document.items():
        if key == "__metadata":
            continue
        fields = expect(fields, dict, path, f"entry {key!r}", lines.get(key))
        entries.append(Entry([d.strip() for d in str(key).split(",")], lines.get(key, 0),
                             fields))
    return entries


class _Index:
    """Finds the entries a `name: range` dependency resolves to.

    Besides the plain descriptor, Yarn applies the root manifest's `resolutions`
    overrides, and Berry installs its built-in compatibility patches (`patch:` entries
    wrapping another descriptor) wherever the wrapped descriptor is asked for.
    """

    def __init__(self, resolutions: dict[str, str]) -> None:
        self.by_descriptor: dict[str, str] = {}
        self.patched: dict[str, list[str]] = {}
        self.resolutions = resolutions

    def add(self, descriptor: str, ref: str) -> None:
        self.by_descriptor[descriptor] = ref
        name, reference = split_descriptor(descriptor)
        if reference.startswith("patch:"):
            inner = unquote(reference[len("patch:"):].split("#", 1)[0])
            self.patched.setdefault(inner, []).append(ref)

    def resolve(self, name: str, wanted: str, overridden: bool = False) -> list[str]:
        for descriptor in (f"{name}@{wanted}", f"{name}@npm:{wanted}"):
            if descriptor in self.by_descriptor:
                return [self.by_descriptor[descriptor], *self.patched.get(descriptor, [])]
        if not overridden and name in self.resolutions:
            return self.resolve(name, self.resolutions[name], overridden=True)
        return []


def parse(source: Source) -> Graph:
    text = source.text()
    berry = "__metadata:" in text
    entries = parse_berry(text, source.path) if berry else parse_classic(text, source.path)
    root_manifest = read_manifest(source) or {}
    index = _Index(_resolutions(root_manifest))
    graph = Graph()
    workspaces: dict[str, str] = {}
    refs = []
    for entry in entries:
        resolution = str(entry.fields.get("resolution", ""))
        if "@workspace:" in resolution:
            folder = resolution.split("@workspace:", 1)[1]
            ref = graph.add_project(source.project(
                split_descriptor(resolution)[0], ECOSYSTEM, SCANNER.name,
                member=None if folder == "." else folder)).ref
            workspaces[folder] = ref
        else:
            ref = graph.add_component(_component(entry, resolution, source, berry)).ref
        refs.append(ref)
        for descriptor in entry.descriptors:
            index.add(descriptor, ref)

    depended_on: set[str] = set()
    for entry, source_ref in zip(entries, refs, strict=True):
        for section in _DEPENDENCY_SECTIONS:
            table = entry.fields.get(section)
            for name, wanted in table.items() if isinstance(table, dict) else ():
                for target in index.resolve(name, str(wanted)):
                    graph.add_edge(source_ref, target)
                    depended_on.add(target)
    if not graph.projects:
        graph.add_project(source.project(root_manifest.get("name"), ECOSYSTEM, SCANNER.name))
    owners = workspaces or {".": next(iter(graph.projects))}
    graph.propagate_scopes(_direct(source, graph, owners, index, depended_on))
    return graph


def _resolutions(manifest: dict[str, Any]) -> dict[str, str]:
    """`resolutions` keys (`pkg`, `**/pkg`, `parent/pkg`, `@scope/pkg`) by package name."""
    table = manifest.get("resolutions")
    found = {}
    for key, value in table.items() if isinstance(table, dict) else ():
        parts = str(key).split("/")
        name = "/".join(parts[-2:]) if len(parts) > 1 and parts[-2].startswith("@") else parts[-1]
        found[split_descriptor(name)[0]] = str(value)
    return found


def _component(entry: Entry, resolution: str, source: Source, berry: bool):
    name, _ = split_descriptor(resolution or entry.descriptors[0])
    if not berry:  # v1 aliases read `alias@npm:real@^1`: the real name is in the range
        _, wanted = split_descriptor(entry.descriptors[0])
        if wanted.startswith("npm:") and "@" in wanted[5:]:
            name = split_descriptor(wanted[4:])[0]
    patch = _PATCH_HASH.search(resolution) if "@patch:" in resolution else None
    integrity = parse_integrity(str(entry.fields.get("integrity", "")))
    origin = origin_qualifiers(split_descriptor(resolution)[1])
    if patch:
        # the registry's package with a patch applied: a build of its own
        origin["patch"] = patch.group(1)
    # yarn 1 records the tarball it downloaded (berry only a resolution, no address)
    registry = registry_of(str(entry.fields.get("resolved", "")), name) if not berry else ()
    return npm_component(
        name, str(entry.fields.get("version", "")), Location(source.path, entry.line),
        hashes=integrity, qualifiers=origin,
        properties=((("fincomp:source", resolution),) if origin and not patch else ())
        + registry)


def _direct(source: Source, graph: Graph, owners: dict[str, str], index: _Index,
            depended_on: set[str]) -> dict[str, Scope]:
    """Scopes of the direct dependencies, from the package.json of each (root) project."""
    direct: dict[str, Scope] = {}
    for folder, project_ref in owners.items():
        manifest = read_manifest(source, folder)
        for section, scope in MANIFEST_SECTIONS if manifest else ():
            table = manifest.get(section)
            for name, wanted in table.items() if isinstance(table, dict) else ():
                for target in index.resolve(name, str(wanted)):
                    graph.add_edge(project_ref, target)
                    if target in graph.components:
                        widen_scope(direct, target, scope)
    if not direct:  # no manifest: what nothing depends on is what the project asked for
        root = min(graph.projects)
        for ref in sorted(set(graph.components) - depended_on):
            graph.add_edge(root, ref)
            direct[ref] = Scope.REQUIRED
    return direct


SCANNER = Scanner(name="yarn-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("yarn.lock",), companions=("package.json",), covers_subtree=True)
