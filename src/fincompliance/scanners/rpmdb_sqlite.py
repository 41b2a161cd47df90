"""RPM installed packages from the SQLite rpmdb (`var/lib/rpm/rpmdb.sqlite`, RHEL 9,
Fedora 33 and later, openSUSE), read with Python's sqlite3 and a header parser: `rpm` is
not needed and nothing is run. The database is opened read-only and immutable, so a
locked or half-written database is read as it stands and never changed.

Each row of `Packages` is an RPM header: an index of (tag, type, offset, count) entries
over a data store. Requirements become edges through the names packages provide."""

from __future__ import annotations

import sqlite3
import struct
from collections.abc import Iterator
from pathlib import Path

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

ECOSYSTEM = "rpm"
_DATABASE = "var/lib/rpm/rpmdb.sqlite"
_NAME, _VERSION, _RELEASE, _EPOCH, _LICENSE, _VENDOR, _ARCH, _SOURCE_RPM = (
    1000, 1001, 1002, 1003, 1014, 1011, 1022, 1044)
_PROVIDES, _REQUIRES = 1047, 1049
_INT32, _STRING, _STRING_ARRAY, _I18N_STRING = 4, 6, 8, 9
_MAX_ENTRIES = 65_536
_MAX_PACKAGES = 200_000


def read_header(blob: bytes, shown_as: str) -> dict[int, str | int | list[str]]:
    """The tags fincomp uses from one header blob; anything out of bounds is an error."""
    if len(blob) < 8:
        raise InputError(shown_as, "an RPM header shorter than its own length fields")
    entries, data_length = struct.unpack(">II", blob[:8])
    store = 8 + 16 * entries
    if entries > _MAX_ENTRIES or store + data_length > len(blob):
        raise InputError(shown_as, "an RPM header whose index runs past its end")
    data = blob[store:store + data_length]
    wanted = {_NAME, _VERSION, _RELEASE, _EPOCH, _LICENSE, _VENDOR, _ARCH, _SOURCE_RPM,
              _PROVIDES, _REQUIRES}
    found: dict[int, str | int | list[str]] = {}
    for index in range(entries):
        tag, kind, offset, count = struct.unpack(">iiii", blob[8 + 16 * index:24 + 16 * index])
        if tag not in wanted or not 0 <= offset < len(data):
            continue
        if kind == _INT32 and offset + 4 <= len(data):
            found[tag] = struct.unpack(">i", data[offset:offset + 4])[0]
        elif kind in (_STRING, _I18N_STRING, _STRING_ARRAY):
            strings = data[offset:].split(b"\0", max(count, 1))[:max(count, 1)]
            texts = [s.decode("utf-8", "replace") for s in strings]
            found[tag] = texts if kind == _STRING_ARRAY else texts[0]
    return found


def parse(source: Source) -> Graph:
    prefix = rootfs_prefix(source, _DATABASE)
    system = distribution(source, prefix, "rpm")
    path = source.resolve_inside(source.path)
    try:
        # immutable=1: no locking, no journal, no write: the file is evidence
        connection = sqlite3.connect(f"{Path(path).as_uri()}?mode=ro&immutable=1", uri=True)
        try:
            rows = connection.execute(
                f"SELECT hnum, blob FROM Packages ORDER BY hnum LIMIT {_MAX_PACKAGES}").fetchall()
        finally:
            connection.close()
    except sqlite3.DatabaseError as exc:
        raise InputError(source.path, f"not a readable rpmdb: {exc}") from None
    return system_graph(source, system, SCANNER, _installed(rows, source, system))


def _installed(rows: list[tuple[int, bytes]], source: Source, system: Distribution
               ) -> Iterator[Installed]:
    for number, blob in rows:
        header = read_header(bytes(blob), f"{source.path} (package {number})")
        name, version = header.get(_NAME), header.get(_VERSION)
        if not isinstance(name, str) or not isinstance(version, str) \
                or name == "gpg-pubkey":  # imported signing keys are rows too
            continue
        full = f"{version}-{header.get(_RELEASE, '')}".rstrip("-")
        epoch = header.get(_EPOCH)
        if isinstance(epoch, int) and epoch:
            full = f"{epoch}:{full}"
        vendor = str(header.get(_VENDOR) or system.id).split()[0].lower().strip(",")
        qualifiers = {"arch": str(header.get(_ARCH, "")), "distro": system.qualifier}
        if isinstance(header.get(_SOURCE_RPM), str):
            qualifiers["upstream"] = str(header[_SOURCE_RPM])
        purl = make_purl(ECOSYSTEM, f"{vendor}/{name}", full, qualifiers)
        licence = header.get(_LICENSE)
        provides, requires = header.get(_PROVIDES), header.get(_REQUIRES)
        yield Installed(
            Component(ref=purl, ecosystem=ECOSYSTEM, name=name, version=full,
                      purl=purl, locations=(source.location(),),
                      declared_licenses=(DeclaredLicense(licence, "rpm"),)
                      if isinstance(licence, str) and licence else ()),
            provides=tuple(provides) if isinstance(provides, list) else (),
            needs=tuple((r,) for r in requires if not r.startswith("rpmlib("))
            if isinstance(requires, list) else ())


SCANNER = Scanner(name="rpmdb-sqlite", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED, parse=parse,
                  filenames=(_DATABASE, f"*/{_DATABASE}"))
