"""Licence files from the package archives themselves, only with `--fetch-archives`.

For a Python package whose declared licence does not name one precisely, the smallest file
of the version in use (wheel or sdist) is downloaded from the mirror that listed it, checked
against the sha256 the mirror publishes and, where the lockfile records hashes, against
those (a mismatch is refused), and only its licence files are read out, bounded, into the
cache by digest. The licence engine then reads them as it reads an installed package's.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tarfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import httpx

from fincompliance.analysis.http import download
from fincompliance.errors import InputError
from fincompliance.licensing.normalise import normalise
from fincompliance.locations import cache_dir
from fincompliance.model import Component, Graph

ARCHIVE_PROPERTY = "fincomp:licence-files-from"   # "NAME sha256:DIGEST"
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 20_000            # entries looked at in one archive
MAX_LICENCE_FILES = 20
MAX_LICENCE_FILE_BYTES = 1024 * 1024
# A licence file at the top of an sdist or npm package, or in a wheel's .dist-info.
_LICENCE_NAME = re.compile(r"(?i)^(?:licen[cs]e|copying|notice|copyright)(?:[-._].*)?$")


@dataclass
class ArchiveReport:
    asked: int = 0
    read: int = 0                   # archives whose licence files were read
    from_cache: int = 0
    without_licence_files: list[str] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)      # name@version -> why
    not_fetched: dict[str, int] = field(default_factory=dict)  # why -> how many

    def notes(self) -> list[str]:
        notes = [f"archive of {package} refused: {why}"
                 for package, why in sorted(self.refused.items())]
        notes += [f"{count} archives not fetched: {why}"
                  for why, count in sorted(self.not_fetched.items())]
        if self.without_licence_files:
            notes.append(f"{len(self.without_licence_files)} archives hold no licence file: "
                         + ", ".join(sorted(self.without_licence_files)[:10]))
        return notes


@dataclass(frozen=True)
class Listing:
    """The files of one version as the mirror listed them, and the answer's address (file
    addresses may be relative to it)."""

    answer_url: str
    files: tuple[dict[str, Any], ...]


def wanted(component: Component) -> bool:
    """A package whose declared licence does not already name one precisely."""
    return component.ecosystem == "python" and bool(component.version) \
        and not component.license_files and not any(
            normalise(d.text, d.field).identified for d in component.declared_licenses)


def fetch_licence_files(graph: Graph, listings: dict[str, Listing]
                        ) -> tuple[ArchiveReport, dict[str, list[tuple[str, str]]]]:
    """The licence files of each wanted component's archive: by component ref, (the name a
    reader is shown, the cached file) pairs."""
    report = ArchiveReport()
    found: dict[str, list[tuple[str, str]]] = {}
    for component in graph.sorted_components():
        if not wanted(component):
            continue
        listing = listings.get(component.ref)
        if listing is None:
            report.not_fetched["not listed by the mirror"] = \
                report.not_fetched.get("not listed by the mirror", 0) + 1
            continue
        choice = _choose(component, listing)
        if isinstance(choice, str):
            report.refused[f"{component.name}@{component.version}"] = choice
            continue
        report.asked += 1
        _read(component, choice, report, found)
    return report, found


def _choose(component: Component, listing: Listing) -> tuple[str, str, str, int] | str:
    """(address, file name, sha256, size) of the smallest archive whose digest the mirror
    gives (and the lockfile records, when it records any); else why there is none."""
    locked = {h.value for h in component.hashes if h.algorithm == "SHA-256"}
    candidates = []
    for entry in listing.files:
        digest = str((entry.get("digests") or {}).get("sha256") or "").lower()
        name = str(entry.get("filename") or "")
        if not digest or not name.endswith((".whl", ".zip", ".tar.gz", ".tgz")):
            continue
        if locked and digest not in locked:
            continue
        size = entry.get("size") if isinstance(entry.get("size"), int) else MAX_ARCHIVE_BYTES
        candidates.append((size, name, digest, str(entry.get("url") or "")))
    if not candidates:
        return ("no archive of this version has a digest the lockfile records" if locked
                else "the mirror lists no archive with a sha256 digest for this version")
    size, name, digest, url = min(candidates)
    if size > MAX_ARCHIVE_BYTES:
        return f"{name} is {size:,} bytes, over the {MAX_ARCHIVE_BYTES:,} fetched"
    return str(httpx.URL(listing.answer_url).join(url)), name, digest, size


def _read(component: Component, choice: tuple[str, str, str, int], report: ArchiveReport,
          found: dict[str, list[tuple[str, str]]]) -> None:
    """One archive's licence files, from the cache by digest or downloaded and checked."""
    url, name, digest, _ = choice
    package = f"{component.name}@{component.version}"
    folder = cache_dir() / "archives" / digest[:2] / digest
    files = _cached(folder)
    if files is not None:
        report.from_cache += 1
    else:
        try:
            path = download(url, MAX_ARCHIVE_BYTES)
        except InputError as exc:
            why = f"{httpx.URL(url).host}: {exc.message}"
            report.not_fetched[why] = report.not_fetched.get(why, 0) + 1
            return
        try:
            data = path.read_bytes()
        finally:
            path.unlink()
        actual = hashlib.sha256(data).hexdigest()
        if actual != digest:
            report.refused[package] = (
                f"{name} has sha256 {actual}, not the {digest} expected; not used")
            return
        try:
            files = _store(folder, _licence_members(data, name))
        except _Refused as exc:
            report.refused[package] = f"{name}: {exc}"
            return
    report.read += 1
    if not files:
        report.without_licence_files.append(package)
        return
    found[component.ref] = [(f"{name}:{member}", str(folder / stored))
                            for member, stored in files]
    component.properties = tuple(sorted({*component.properties,
                                         (ARCHIVE_PROPERTY, f"{name} sha256:{digest}")}))


class _Refused(Exception):
    pass


def licence_member(path: str, wheel: bool) -> bool:
    """A licence file: in a wheel, anything under `*.dist-info/licenses/` or a licence-named
    file in `*.dist-info/`; in an sdist or npm package, a licence-named file at its top."""
    parts = PurePosixPath(path).parts
    if not parts or ".." in parts or path.startswith("/"):
        return False  # a name climbing out of the archive is nobody's licence file
    if wheel:
        return len(parts) >= 2 and parts[0].endswith(".dist-info") and (
            (len(parts) >= 3 and parts[1] == "licenses")
            or (len(parts) == 2 and bool(_LICENCE_NAME.match(parts[1]))))
    return len(parts) == 2 and bool(_LICENCE_NAME.match(parts[1]))


def _licence_members(data: bytes, name: str) -> list[tuple[str, bytes]]:
    """The archive's licence files (member name, content), bounded: members looked at,
    files taken, and bytes read from each; links and special files are never read."""
    found: list[tuple[str, bytes]] = []
    try:
        if name.endswith((".whl", ".zip")):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for index, info in enumerate(archive.infolist()):
                    if index >= MAX_MEMBERS or len(found) >= MAX_LICENCE_FILES:
                        break
                    if info.is_dir() or not licence_member(info.filename, name.endswith(".whl")):
                        continue
                    if info.file_size > MAX_LICENCE_FILE_BYTES or (info.external_attr >> 28) == 0xA:
                        continue  # a licence file larger than any licence, or a link
                    with archive.open(info) as member:
                        found.append((info.filename, member.read(MAX_LICENCE_FILE_BYTES + 1)
                                      [:MAX_LICENCE_FILE_BYTES]))
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                for index, member in enumerate(archive):
                    if index >= MAX_MEMBERS or len(found) >= MAX_LICENCE_FILES:
                        break
                    if not member.isreg() or member.size > MAX_LICENCE_FILE_BYTES \
                            or not licence_member(member.name, wheel=False):
                        continue
                    stream = archive.extractfile(member)
                    if stream is not None:
                        found.append((member.name, stream.read(MAX_LICENCE_FILE_BYTES)))
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise _Refused(f"not a readable archive ({exc})") from None
    return found


def _store(folder: Path, members: list[tuple[str, bytes]]) -> list[tuple[str, str]]:
    """The licence files written under numbered names (a member's name is never a path on
    this machine), with a manifest; (member name, stored name) pairs."""
    folder.mkdir(parents=True, exist_ok=True)
    stored = []
    for number, (member, content) in enumerate(members):
        target = f"{number:02d}-licence.txt"
        (folder / target).write_bytes(content)
        stored.append((member, target))
    temporary = folder / "manifest.json.tmp"
    temporary.write_text(json.dumps(stored), encoding="utf-8")
    temporary.replace(folder / "manifest.json")
    return stored


def _cached(folder: Path) -> list[tuple[str, str]] | None:
    try:
        stored = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not all(isinstance(p, list) and len(p) == 2 and (folder / str(p[1])).is_file()
               for p in stored):
        return None
    return [(str(member), str(name)) for member, name in stored]
