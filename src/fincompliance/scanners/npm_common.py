"""What every npm format shares: names and descriptors, licence fields, manifest scopes, and
the graph of a `node_modules`-shaped tree (package-lock v1–v3 and installed trees)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from fincompliance.inputs import expect, load_json
from fincompliance.model import (
    Component,
    DeclaredLicense,
    Graph,
    Hash,
    Location,
    Project,
    Scope,
    make_purl,
    widen_scope,
)
from fincompliance.scanners.base import Source, parse_integrity
from fincompliance.supply_chain import REGISTRY_PROPERTY

ECOSYSTEM = "npm"

MANIFEST_SECTIONS = (("dependencies", Scope.REQUIRED), ("peerDependencies", Scope.REQUIRED),
                     ("optionalDependencies", Scope.OPTIONAL), ("devDependencies", Scope.DEV))
_EXACT_VERSION = re.compile(r"^=?v?(\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.+-]*)?)$")


def split_descriptor(descriptor: str) -> tuple[str, str]:
    """`@scope/name@range` → (`@scope/name`, `range`); the name may itself start with @."""
    at = descriptor.find("@", 1)
    return (descriptor, "") if at < 0 else (descriptor[:at], descriptor[at + 1:])


def npm_component(name: str, version: str | None, location: Location, *,
                  scope: Scope = Scope.REQUIRED, hashes: tuple[Hash, ...] = (),
                  declared: tuple[DeclaredLicense, ...] = (),
                  qualifiers: Mapping[str, str] | None = None,
                  requirement: str | None = None,
                  properties: tuple[tuple[str, str], ...] = (),
                  license_files: tuple[str, ...] = ()) -> Component:
    """An npm package; `qualifiers` say where one that is not the registry's came from (a
    local folder, a repository, a patch), so that no two different things share a purl."""
    purl = make_purl(ECOSYSTEM, name, version, qualifiers)
    return Component(ref=purl, ecosystem=ECOSYSTEM, name=name,
                     version=version, purl=purl, scope=scope, hashes=hashes,
                     declared_licenses=declared, locations=(location,), requirement=requirement,
                     license_files=license_files, properties=properties)


def origin_qualifiers(reference: str) -> dict[str, str]:
    """The purl qualifier for a package that does not come from the registry, from the
    reference a lockfile resolved it to: a repository (`vcs_url`), an archive named by URL
    (`download_url`) or a folder or archive on disk (`file`)."""
    if reference.startswith(("git+", "git:", "github:", "ssh:")) or ".git#" in reference:
        return {"vcs_url": reference}
    if reference.startswith(("http:", "https:")):
        return {"download_url": reference}
    if reference.startswith(("file:", "link:", "portal:")):
        return {"file": reference.split(":", 1)[1]}
    return {}


def registry_of(resolved: str, name: str) -> tuple[tuple[str, str], ...]:
    """The registry a tarball address belongs to, as a property (`{registry}/{name}/-/…`;
    a scoped name may be written `@scope%2fname`); nothing for a non-registry address."""
    if not resolved.startswith(("http://", "https://")):
        return ()
    address = resolved.split("#", 1)[0]
    for spelling in (name, name.replace("/", "%2f"), name.replace("/", "%2F")):
        base, found, _ = address.partition(f"/{spelling}/-/")
        if found:
            return ((REGISTRY_PROPERTY, base + "/"),)
    return ()


def declared_licenses(record: Mapping[str, Any]) -> tuple[DeclaredLicense, ...]:
    """`license` (a string, or the old `{type, url}` object) and the legacy `licenses` array."""
    found = []
    value = record.get("license")
    if isinstance(value, str) and value.strip():
        found.append(DeclaredLicense(value.strip(), "license"))
    elif isinstance(value, dict) and isinstance(value.get("type"), str):
        found.append(DeclaredLicense(value["type"].strip(), "license"))
    legacy = record.get("licenses")
    for item in legacy if isinstance(legacy, list) else []:
        text = item.get("type") if isinstance(item, dict) else item
        if isinstance(text, str) and text.strip():
            found.append(DeclaredLicense(text.strip(), "licenses"))
    return tuple(found)


def exact_version(specifier: str) -> str | None:
    found = _EXACT_VERSION.match(specifier.strip())
    return found.group(1) if found else None


def read_manifest(lock: Source, folder: str = ".") -> dict[str, Any] | None:
    """The package.json of a lockfile's project (or of one of its workspaces), if any."""
    manifest = lock.sibling(f"{folder}/package.json")
    if manifest is None:
        return None
    document = load_json(manifest.text(), manifest.path)
    return document if isinstance(document, dict) else None


def resolve(entries: Mapping[str, Any], from_path: str, name: str) -> str | None:
    """Node's lookup: the nearest `node_modules/NAME` from `from_path` up to the root."""
    base = from_path
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in entries:
            return candidate
        if not base:
            return None
        at = base.rfind("node_modules/")
        base = base[:at].rstrip("/") if at >= 0 else ""


def tree_graph(path: str, entries: Mapping[str, Mapping[str, Any]], projects: dict[str, Project],
               lines: Mapping[str, int], *, has_scope_flags: bool,
               license_files: Mapping[str, list[str]] | None = None) -> Graph:
    """The graph of a `node_modules` layout.

    `entries` maps install paths (`node_modules/a/node_modules/b`; `""` and workspace
    folders for first-party packages, which `projects` names) to package records with
    `version`, `dependencies` and the rest as npm writes them. Links (`link: true`) point
    to a workspace folder through `resolved`.
    """
    graph = Graph()
    refs: dict[str, str] = {}
    for folder, project in projects.items():
        graph.add_project(project)
        refs[folder] = project.ref
    for install_path, record in entries.items():
        if install_path in projects or record.get("link") or "node_modules/" not in install_path:
            continue
        version = record.get("version")
        if version is None or version == "":
            continue  # not installed (an optional package for another platform)
        expect(version, str, path, f"the version of {install_path}", lines.get(install_path))
        name = record.get("name") or install_path.rsplit("node_modules/", 1)[1]
        resolved = str(record.get("resolved") or "")
        component = graph.add_component(npm_component(
            str(name), version, Location(path, lines.get(install_path)),
            # a tarball URL is the registry's own as often as not: only local and git
            # sources are told apart
            qualifiers=origin_qualifiers(resolved) if not resolved.startswith("http") else None,
            scope=flag_scope(record), hashes=parse_integrity(str(record.get("integrity", ""))),
            declared=declared_licenses(record),
            properties=_flags(record) + registry_of(resolved, str(name)),
            license_files=tuple((license_files or {}).get(install_path, ()))))
        refs[install_path] = component.ref

    direct: dict[str, Scope] = {}
    for install_path, record in entries.items():
        source = refs.get(install_path)
        if source is None:
            continue
        for section, scope in MANIFEST_SECTIONS:
            if section == "devDependencies" and install_path not in projects:
                continue  # a dependency's own dev dependencies are never installed
            table = record.get(section)
            for name in table if isinstance(table, dict) else ():
                target = _target(entries, refs, install_path, name)
                if target is None:
                    continue
                graph.add_edge(source, target)
                if install_path in projects and target in graph.components:
                    widen_scope(direct, target, scope)
    if not has_scope_flags:
        graph.propagate_scopes(direct)
    return graph


def _target(entries: Mapping[str, Mapping[str, Any]], refs: Mapping[str, str],
            from_path: str, name: str) -> str | None:
    found = resolve(entries, from_path, name)
    if found is None:
        return None
    record = entries[found]
    if record.get("link") and isinstance(record.get("resolved"), str):
        return refs.get(record["resolved"])
    return refs.get(found)


def flag_scope(record: Mapping[str, Any]) -> Scope:
    """The scope npm and pnpm record on a package (`dev`, `optional`, `devOptional`)."""
    if record.get("dev"):
        return Scope.DEV
    if record.get("optional") or record.get("devOptional"):
        return Scope.OPTIONAL
    return Scope.REQUIRED


def _flags(record: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    flags = [("fincomp:npm:" + key, "true") for key in ("inBundle", "peer", "hasInstallScript")
             if record.get(key)]
    resolved = record.get("resolved")
    if isinstance(resolved, str) and not resolved.startswith("http"):
        flags.append(("fincomp:source", resolved))
    return tuple(flags)
