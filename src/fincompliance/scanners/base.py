"""What every scanner is made of, and the helpers they share.

A scanner is a pure function from a `Source` (the file to read, with bounded access to its
companions) to a `Graph`. Discovery decides which scanner reads which file from the
`Scanner` record each module exports.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath
from typing import Any

from fincompliance.errors import InputError
from fincompliance.inputs import expect, load_toml, read_text
from fincompliance.model import Component, Graph, Hash, Location, Project, project_ref


class Kind(StrEnum):
    LOCKFILE = "lockfile"      # resolved versions: preferred for its project
    MANIFEST = "manifest"      # declared ranges: read only where no lockfile covers it
    INSTALLED = "installed"    # an installed tree, read from a directory
    SBOM = "sbom"              # a bill of materials someone else made, read as it stands


@dataclass(frozen=True)
class Scanner:
    name: str
    ecosystem: str
    kind: Kind
    parse: Callable[[Source], Graph]
    filenames: tuple[str, ...] = ()
    companions: tuple[str, ...] = ()
    covers_subtree: bool = False
    claims_directory: Callable[[str, frozenset[str]], bool] | None = None
    # For executables no file name claims: does the file's start (its first bytes) say
    # this scanner should look inside?
    sniff: Callable[[bytes], bool] | None = None

    def claims_file(self, path: str) -> bool:
        """A pattern with a slash matches the path from the scan root (`*/var/lib/dpkg/
        status`), any other matches the file name."""
        name = path.rsplit("/", 1)[-1]
        return any(fnmatch(path if "/" in pattern else name, pattern)
                   for pattern in self.filenames)


class Source:
    """A file (or, for installed trees, a directory) inside the scan root.

    All reads go through here so that scanners never leave the tree, never follow a
    symlink out of it, and get size and encoding checks for free.
    """

    def __init__(self, root: Path, relative: str) -> None:
        self.root = root
        self.path = relative
        self._text: str | None = None

    @property
    def absolute(self) -> Path:
        return self.root / self.path

    @property
    def directory(self) -> str:
        parent = PurePosixPath(self.path).parent.as_posix()
        return "" if parent == "." else parent

    def text(self) -> str:
        if self._text is None:
            self._text = read_text(self.resolve_inside(self.path), self.path)
        return self._text

    def sibling(self, relative: str) -> Source | None:
        """Another file relative to this one's folder, or None when it is absent."""
        joined = normalise_path(PurePosixPath(self.directory, relative).as_posix())
        if joined is None:
            raise InputError(self.path, f"refers to {relative!r}, outside the scanned tree")
        candidate = self.root / joined
        if not candidate.is_file():
            return None
        return Source(self.root, joined)

    def sibling_from_root(self, relative: str) -> Source | None:
        """A file by its path from the scan root, or None when it is absent."""
        joined = normalise_path(relative)
        if joined is None:
            raise InputError(self.path, f"refers to {relative!r}, outside the scanned tree")
        self.resolve_inside(joined)
        return Source(self.root, joined) if (self.root / joined).is_file() else None

    def child(self, relative: str) -> Source:
        return Source(self.root, f"{self.path}/{relative}" if self.path else relative)

    def resolve_inside(self, relative: str) -> Path:
        target = (self.root / relative).resolve()
        if not target.is_relative_to(self.root.resolve()):
            raise InputError(relative, "is a link that leads outside the scanned tree")
        return target

    def location(self, line: int | None = None) -> Location:
        return Location(self.path, line)

    def project(self, name: str | None, ecosystem: str, scanner: str,
                version: str | None = None, member: str | None = None,
                manifest: str | None = None, package: str | None = None,
                development: bool = False) -> Project:
        """The first-party node for this file (or for one workspace member recorded in it)."""
        folder = PurePosixPath(self.path).parent.name or PurePosixPath(self.root).name
        path = self.path or "."  # an installed tree scanned at the root itself
        return Project(ref=project_ref(path, member), name=name or folder,
                       ecosystem=ecosystem, version=version,
                       manifest=Location(manifest or path), scanner=scanner, package=package,
                       development=development)


def normalise_path(path: str) -> str | None:
    """Fold `.` and `..` in a relative path; None when it climbs above its start."""
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if not parts:
                return None
            parts.pop()
        else:
            parts.append(part)
    return "/".join(parts)


def declared_graph(project: Project, components: Iterable[Component]) -> Graph:
    """A manifest read alone: the project and the components it declares, all direct."""
    graph = Graph()
    graph.add_project(project)
    for component in components:
        graph.add_edge(project.ref, graph.add_component(component).ref)
    return graph


_LICENCE_FILE_PREFIXES = ("license", "licence", "copying", "notice", "copyright", "authors")
_LICENCE_FOLDERS = ("licenses", "licences")  # PEP 639 dist-info/licenses, REUSE LICENSES/


def licence_files(folder: str) -> list[str]:
    """Licence-bearing files of an installed package folder, relative to it: files named
    like LICENSE, COPYING or NOTICE at its top, and everything in a licences subfolder."""
    found = []
    for current, directories, files in os.walk(folder):
        relative = os.path.relpath(current, folder)
        top = relative == "."
        directories[:] = sorted(
            d for d in directories if not os.path.islink(os.path.join(current, d))
            and (not top or d.lower() in _LICENCE_FOLDERS))
        for name in sorted(files):
            if not top or name.lower().startswith(_LICENCE_FILE_PREFIXES):
                found.append(PurePosixPath(relative, name).as_posix().removeprefix("./"))
    return found


def line_numbers(text: str, pattern: str) -> dict[str, int]:
    """Map each first match of `pattern` (its groups joined by "@") to its 1-based line.

    Parsers for JSON, TOML and YAML do not report positions, so scanners find where an
    entry starts with a regex over the text; the result feeds `Location.line`.
    """
    lines: dict[str, int] = {}
    compiled = re.compile(pattern, re.MULTILINE)
    line, last = 1, 0
    for match in compiled.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        lines.setdefault("@".join(match.groups()), line)
    return lines


def first_line(text: str, needle: str) -> int | None:
    at = text.find(needle)
    return text.count("\n", 0, at) + 1 if at >= 0 else None


_HASH_NAMES = {"md5": "MD5", "sha1": "SHA-1", "sha256": "SHA-256", "sha384": "SHA-384",
               "sha512": "SHA-512", "blake2b": "BLAKE2b-512"}


def parse_hash(text: str) -> Hash | None:
    """`sha256:abcd…` or `sha256=abcd…` (pip, Poetry, uv, PDM) as a Hash; None if unknown."""
    algorithm, sep, value = text.replace("=", ":", 1).partition(":")
    name = _HASH_NAMES.get(algorithm.strip().lower())
    if not sep or not name or not re.fullmatch(r"[0-9a-fA-F]+", value.strip()):
        return None
    return Hash(name, value.strip().lower())


def parse_integrity(text: str) -> tuple[Hash, ...]:
    """A Subresource Integrity string (`sha512-base64…`, npm and pnpm) as hex Hashes."""
    found = []
    for token in text.split():
        algorithm, sep, encoded = token.partition("-")
        name = _HASH_NAMES.get(algorithm.lower())
        if not sep or not name:
            continue
        try:
            found.append(Hash(name, base64.b64decode(encoded, validate=True).hex()))
        except (binascii.Error, ValueError):
            continue
    return tuple(found)


_TOML_PACKAGE = r'^\[\[package\]\]\s*\nname = "([^"]+)"\s*\nversion = "([^"]+)"'


def toml_packages(source: Source) -> tuple[dict[str, Any], list[tuple[dict[str, Any], int | None]]]:
    """A TOML lockfile's document and its `[[package]]` tables, each with its line
    (Poetry, uv, PDM and Cargo all write `name` then `version` first)."""
    text = source.text()
    document = load_toml(text, source.path)
    entries = expect(document.get("package", []), list, source.path, "[[package]]")
    lines = line_numbers(text, _TOML_PACKAGE)
    found = []
    for entry in entries:
        entry = expect(entry, dict, source.path, "a [[package]] entry")
        found.append((entry, lines.get(f"{entry.get('name')}@{entry.get('version')}")))
    return document, found
