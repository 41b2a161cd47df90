"""`package-lock.json` and `npm-shrinkwrap.json`, lockfile versions 1, 2 and 3."""

from __future__ import annotations

from typing import Any

from fincompliance.errors import InputError
from fincompliance.inputs import expect, load_json
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source, line_numbers
from fincompliance.scanners.npm_common import ECOSYSTEM, read_manifest, tree_graph


def parse(source: Source) -> Graph:
    text = source.text()
    document = expect(load_json(text, source.path), dict, source.path, "the lockfile")
    if "lockfileVersion" not in document:
        raise InputError(source.path, "not an npm lockfile: no \"lockfileVersion\"")
    if "packages" in document:
        expect(document["packages"], dict, source.path, '"packages"')
        entries = {str(k): expect(v, dict, source.path, f"entry {k!r}")
                   for k, v in document["packages"].items()}
        lines = line_numbers(text, r'^    "([^"]*)": \{')
    else:
        entries = _from_v1(document, source.path)
        manifest = read_manifest(source)
        if manifest is not None:  # v1 hoists transitive packages beside the direct ones
            entries[""] = manifest
        lines = line_numbers(text, r'^\s+"((?:@[^"/]+/)?[^"/@]+)": \{')
        lines = {path: lines.get(path.rsplit("node_modules/", 1)[-1]) for path in entries}
    root = entries.setdefault("", {})
    projects = {"": source.project(str(document.get("name") or root.get("name") or "") or None,
                                   ECOSYSTEM, SCANNER.name, version=document.get("version"))}
    for folder, record in entries.items():
        if folder and "node_modules/" not in folder and not record.get("link"):
            projects[folder] = source.project(
                str(record.get("name") or folder), ECOSYSTEM, SCANNER.name,
                version=record.get("version"), member=folder)
    return tree_graph(source.path, entries, projects, lines, has_scope_flags=True)


def _from_v1(document: dict[str, Any], path: str) -> dict[str, dict[str, Any]]:
    """Lockfile v1 nests `dependencies` by install location; flatten it to v2's paths.

    v1 names what a package needs in `requires`; v2 calls it `dependencies`.
    """
    entries: dict[str, dict[str, Any]] = {"": {
        "dependencies": {name: "*" for name in document.get("dependencies") or {}}}}
    stack = [("", document.get("dependencies") or {})]
    while stack:
        prefix, table = stack.pop()
        expect(table, dict, path, "dependencies")
        for name, record in table.items():
            record = expect(record, dict, path, f"dependency {name!r}")
            install_path = f"{prefix}/node_modules/{name}" if prefix else f"node_modules/{name}"
            entry = {k: v for k, v in record.items() if k not in ("requires", "dependencies")}
            entry["dependencies"] = record.get("requires") or {}
            if str(entry.get("version", "")).startswith("npm:"):  # alias: npm:real@1.2.3
                entry["name"], entry["version"] = entry["version"][4:].rsplit("@", 1)
            entries[install_path] = entry
            if record.get("dependencies"):
                stack.append((install_path, record["dependencies"]))
    return entries


SCANNER = Scanner(name="npm-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("package-lock.json", "npm-shrinkwrap.json"),
                  companions=("package.json",), covers_subtree=True)
