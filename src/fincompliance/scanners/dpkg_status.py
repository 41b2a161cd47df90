"""Debian and Ubuntu installed packages: `var/lib/dpkg/status` with each package's
`usr/share/doc/<package>/copyright`.

A package counts when dpkg has it installed (or half-way through configuring); `config-
files` leftovers of removed packages are not software and are left out. `Depends` and
`Pre-Depends` give edges (the first alternative that is installed, virtual packages through
`Provides`). Licences come from machine-readable (DEP-5) copyright files: the `License:`
of every `Files:` paragraph, Debian's ` or `/` and ` joining them as in SPDX; a copyright
file in free form is noted but not guessed at."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fincompliance.errors import InputError
from fincompliance.model import Component, DeclaredLicense, Graph, make_purl
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.os_common import (
    Distribution,
    Installed,
    distribution,
    rootfs_prefix,
    system_graph,
)

ECOSYSTEM = "deb"
_DATABASE = "var/lib/dpkg/status"
_INSTALLED = {"installed", "half-configured", "unpacked", "half-installed",
              "triggers-awaited", "triggers-pending"}
_DEP5_FORMAT = "copyright-format/1.0"
_RELATION = re.compile(r"^\s*([a-z0-9][a-z0-9+.-]*)(?::[a-z0-9-]+)?")


def paragraphs(text: str) -> list[tuple[dict[str, str], int]]:
    """RFC 822-style paragraphs (dpkg status, DEP-5 copyright): fields with their
    continuation lines joined by newlines, each paragraph with its first line."""
    found: list[tuple[dict[str, str], int]] = []
    fields: dict[str, str] = {}
    start, key = 1, None
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if fields:
                found.append((fields, start))
            fields, key = {}, None
            continue
        if not fields:
            start = number
        if line[0] in " \t" and key is not None:
            fields[key] += "\n" + line.strip()
        elif ":" in line:
            key, value = line.split(":", 1)
            key = key.strip()
            fields[key] = value.strip()
    if fields:
        found.append((fields, start))
    return found


def parse(source: Source) -> Graph:
    prefix = rootfs_prefix(source, _DATABASE)
    system = distribution(source, prefix, "debian")
    return system_graph(source, system, SCANNER, _installed(source, prefix, system))


def _installed(source: Source, prefix: str, system: Distribution) -> Iterator[Installed]:
    for fields, line in paragraphs(source.text()):
        name, version = fields.get("Package"), fields.get("Version")
        state = fields.get("Status", "install ok installed").split()
        if not name or not version or state[-1] not in _INSTALLED:
            continue
        qualifiers = {"arch": fields.get("Architecture", ""), "distro": system.qualifier}
        source_package = fields.get("Source", "").split(" ")[0]
        if source_package and source_package != name:
            qualifiers["upstream"] = fields["Source"].replace(" ", "").replace("(", "@") \
                .rstrip(")")
        purl = make_purl(ECOSYSTEM, f"{system.id}/{name}", version, qualifiers)
        licences, copyright_note = _copyright(source, prefix, name)
        yield Installed(
            Component(ref=purl, ecosystem=ECOSYSTEM, name=name, version=version,
                      purl=purl, declared_licenses=licences, locations=(source.location(line),),
                      properties=tuple(sorted(
                          [("fincomp:deb:source", source_package or name)]
                          + ([("fincomp:deb:copyright", copyright_note)]
                             if copyright_note else [])))),
            provides=tuple(names[0] for names in _relations(fields.get("Provides", ""))),
            needs=tuple(_relations(fields.get("Pre-Depends", ""))
                        + _relations(fields.get("Depends", ""))))


def _relations(text: str) -> list[tuple[str, ...]]:
    """`a (>= 1) | b, c:any` as [(a, b), (c,)]."""
    found = []
    for group in text.split(","):
        names = tuple(m.group(1) for part in group.split("|") if (m := _RELATION.match(part)))
        if names:
            found.append(names)
    return found


def _copyright(source: Source, prefix: str, package: str
               ) -> tuple[tuple[DeclaredLicense, ...], str | None]:
    path = f"{prefix}usr/share/doc/{package}/copyright"
    try:
        copyright_file = source.sibling_from_root(path)
    except InputError:  # a link out of the root filesystem, or not UTF-8
        return (), f"{path} (unreadable)"
    if copyright_file is None:
        return (), None
    try:
        text = copyright_file.text()
    except InputError:
        return (), f"{path} (unreadable)"
    if _DEP5_FORMAT not in text.split("\n", 1)[0]:
        return (), f"{path} (not machine-readable)"
    names = []
    for fields, _ in paragraphs(text):
        if "Files" in fields and fields.get("License"):
            names.append(fields["License"].split("\n", 1)[0].strip())
    expressions = dict.fromkeys(re.sub(r"\s+(or|and)\s+", lambda m: f" {m.group(1).upper()} ",
                                       name) for name in names if name)
    return tuple(DeclaredLicense(e, "dep5") for e in expressions), path


SCANNER = Scanner(name="dpkg-status", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED, parse=parse,
                  filenames=(_DATABASE, f"*/{_DATABASE}"))
