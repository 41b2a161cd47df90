"""Vendored code: third-party sources copied into the repository (`third_party/NAME/`) with
no package manager record. Each subfolder is a component whose licence its files decide."""

from __future__ import annotations

import os
from pathlib import PurePosixPath

from fincompliance.model import Component, Graph, Location, make_purl
from fincompliance.scanners.base import Kind, Scanner, Source, declared_graph, licence_files

ECOSYSTEM = "generic"
_HEADER_SAMPLE = 10  # source files read for licence headers when there is no licence file
FOLDER_NAMES = frozenset({"third_party", "third-party", "thirdparty", "3rdparty", "vendored"})


def claims_directory(name: str, children: frozenset[str]) -> bool:
    return name.lower() in FOLDER_NAMES


def parse(source: Source) -> Graph:
    folder = source.resolve_inside(source.path)
    components = []
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith(".") or not entry.is_dir(follow_symlinks=False):
            continue
        relative = str(PurePosixPath(source.path, entry.name))
        purl = make_purl(ECOSYSTEM, entry.name, None)
        components.append(Component(
            ref=purl, ecosystem=ECOSYSTEM, name=entry.name, version=None,
            purl=purl, locations=(Location(relative),),
            license_files=tuple(f"{relative}/{f}" for f in _evidence_files(entry.path)),
            properties=(("fincomp:vendored", "true"),)))
    return declared_graph(source.project(PurePosixPath(source.path).parent.name or None,
                                         ECOSYSTEM, SCANNER.name), components)


def _evidence_files(folder: str) -> list[str]:
    """Licence files; without any, the README and the first source files (their headers)."""
    found = licence_files(folder)
    if found:
        return found
    top = sorted(e.name for e in os.scandir(folder) if e.is_file(follow_symlinks=False))
    readmes = [name for name in top if name.lower().startswith("readme")]
    return readmes + [name for name in top if name not in readmes][:_HEADER_SAMPLE]


SCANNER = Scanner(name="vendored", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED, parse=parse,
                  claims_directory=claims_directory)
