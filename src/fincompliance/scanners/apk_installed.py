"""Alpine installed packages: `lib/apk/db/installed`, one paragraph per package of
one-letter fields (`P` name, `V` version, `A` arch, `L` licence, `o` origin, `D`
dependencies, `p` provides, `C` checksum). Dependencies on a name, a shared object
(`so:`) or a command (`cmd:`) become edges through what packages provide; `!name`
conflicts are not needs."""

from __future__ import annotations

import re
from collections.abc import Iterator

from fincompliance.model import Component, DeclaredLicense, Graph, make_purl
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.os_common import (
    Distribution,
    Installed,
    distribution,
    rootfs_prefix,
    system_graph,
)

ECOSYSTEM = "apk"
_DATABASE = "lib/apk/db/installed"
_CONSTRAINT = re.compile(r"[<>=~].*$")


def parse(source: Source) -> Graph:
    system = distribution(source, rootfs_prefix(source, _DATABASE), "alpine")
    return system_graph(source, system, SCANNER, _installed(source, system))


def _installed(source: Source, system: Distribution) -> Iterator[Installed]:
    for fields, line in _paragraphs(source.text()):
        name, version = fields.get("P"), fields.get("V")
        if not name or not version:
            continue
        qualifiers = {"arch": fields.get("A", ""), "distro": system.qualifier}
        if fields.get("o") and fields["o"] != name:
            qualifiers["upstream"] = fields["o"]
        purl = make_purl(ECOSYSTEM, f"{system.id}/{name}", version, qualifiers)
        yield Installed(
            Component(ref=purl, ecosystem=ECOSYSTEM, name=name, version=version,
                      purl=purl, locations=(source.location(line),),
                      declared_licenses=(DeclaredLicense(fields["L"], "apk"),)
                      if fields.get("L") else (),
                      properties=(("fincomp:apk:checksum", fields["C"]),)
                      if fields.get("C") else ()),
            provides=tuple(_CONSTRAINT.sub("", p) for p in fields.get("p", "").split()),
            needs=tuple((_CONSTRAINT.sub("", d),) for d in fields.get("D", "").split()
                        if not d.startswith("!")))


def _paragraphs(text: str) -> list[tuple[dict[str, str], int]]:
    found, fields, start = [], {}, 1
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            if fields:
                found.append((fields, start))
            fields = {}
            continue
        if not fields:
            start = number
        key, sep, value = line.partition(":")
        if sep and len(key) == 1:
            fields.setdefault(key, value)  # F:/R: file lines repeat; the first is enough
    if fields:
        found.append((fields, start))
    return found


SCANNER = Scanner(name="apk-installed", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED, parse=parse,
                  filenames=(_DATABASE, f"*/{_DATABASE}"))
