"""OSV advisories (https://ossf.github.io/osv-schema/): reading records from folders and zip
archives (bounded), and deciding which versions of a package they affect, each ecosystem
with its own version ordering (univers)."""

from __future__ import annotations

import os
import zipfile
import zlib
from bisect import bisect_left
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from packaging.utils import canonicalize_name
from univers import versions as univers_versions

from fincompliance.errors import InputError
from fincompliance.inputs import (
    decode_utf8,
    expect,
    load_json,
    load_yaml,
    max_file_bytes,
    read_text,
)
from fincompliance.model import ShapeError, checked_text, purl_type

# OSV ecosystem (the part before ":") for each purl type fincomp produces.
OSV_ECOSYSTEMS = {"pypi": "PyPI", "npm": "npm", "maven": "Maven", "golang": "Go",
                  "cargo": "crates.io", "gem": "RubyGems", "composer": "Packagist",
                  "nuget": "NuGet", "deb": "Debian", "apk": "Alpine", "hex": "Hex",
                  "pub": "Pub"}

_VERSION_CLASSES = {
    "PyPI": univers_versions.PypiVersion, "npm": univers_versions.SemverVersion,
    "Maven": univers_versions.MavenVersion, "Go": univers_versions.GolangVersion,
    "crates.io": univers_versions.SemverVersion, "RubyGems": univers_versions.RubygemsVersion,
    "Packagist": univers_versions.ComposerVersion, "NuGet": univers_versions.NugetVersion,
    "Debian": univers_versions.DebianVersion, "Ubuntu": univers_versions.DebianVersion,
    "Alpine": univers_versions.AlpineLinuxVersion, "Hex": univers_versions.SemverVersion,
    "Pub": univers_versions.SemverVersion,
}

# A zip member may expand at most this much; real OSV JSON compresses about 5:1.
_MAX_COMPRESSION_RATIO = 100
_MAX_ARCHIVE_MEMBERS = 2_000_000


@dataclass(frozen=True)
class Range:
    kind: str                                # ECOSYSTEM or SEMVER (GIT ranges are not read)
    events: tuple[tuple[str, str], ...]      # (introduced|fixed|last_affected, version)


@dataclass(frozen=True)
class AffectedPackage:
    ecosystem: str                           # the OSV ecosystem without its release suffix
    name: str                                # normalised as package_key() does
    ranges: tuple[Range, ...]
    versions: frozenset[str]


@dataclass(frozen=True)
class Advisory:
    id: str
    modified: str
    published: str | None
    withdrawn: str | None
    summary: str
    aliases: tuple[str, ...]
    severity: str                            # critical, high, medium, low, unknown
    score: float | None
    vector: str | None
    affected: tuple[AffectedPackage, ...]


def purl_ecosystem(purl: str) -> str | None:
    """The OSV ecosystem, and so the version order, of a purl's package type."""
    return OSV_ECOSYSTEMS.get(purl_type(purl))


def package_key(ecosystem: str, name: str) -> str:
    """The name under which an ecosystem's package is looked up."""
    if ecosystem == "PyPI":
        return canonicalize_name(name)
    if ecosystem in ("npm", "crates.io", "RubyGems", "Packagist", "NuGet"):
        return name.lower()
    return name


def parse_record(data: Any, shown: str) -> Advisory:
    """One OSV record, its shape checked on the way in: a field of the wrong type is an
    InputError naming the record, never a crash in the import or in matching."""
    if not isinstance(data, dict) or not isinstance(data.get("id"), str):
        raise InputError(shown, "not an OSV advisory (no \"id\")")
    advisory_id = data["id"]
    if not isinstance(data.get("modified"), str):
        raise InputError(shown, f"OSV advisory {advisory_id} has no \"modified\" time")
    field = f"OSV advisory {advisory_id[:60]}"
    affected = []
    for entry in _list(data, "affected", shown, f"{field}: affected"):
        package = entry.get("package") if isinstance(entry, dict) else None
        if not isinstance(package, dict) or not package.get("name") or not package.get(
                "ecosystem"):
            continue
        ecosystem = _text(package["ecosystem"], shown, f"{field}: package ecosystem")
        ecosystem = ecosystem.split(":", 1)[0]
        name = _text(package["name"], shown, f"{field}: package name")
        ranges = []
        for found in _list(entry, "ranges", shown, f"{field}: ranges"):
            if not isinstance(found, dict) or found.get("type") not in ("ECOSYSTEM", "SEMVER"):
                continue
            events = []
            for event in _list(found, "events", shown, f"{field}: events"):
                expect(event, dict, shown, f"{field}: each event")
                events.extend((kind, _text(version, shown, f"{field}: {kind} version"))
                              for kind, version in event.items()
                              if kind in ("introduced", "fixed", "last_affected"))
            ranges.append(Range(found["type"], tuple(events)))
        versions = frozenset(_text(v, shown, f"{field}: versions")
                             for v in _list(entry, "versions", shown, f"{field}: versions"))
        affected.append(AffectedPackage(ecosystem, package_key(ecosystem, name), tuple(ranges),
                                        versions))
    severity, score, vector = _severity(data)
    return Advisory(
        id=_text(advisory_id, shown, "id"), modified=data["modified"],
        published=_optional_text(data, "published", shown, field),
        withdrawn=_optional_text(data, "withdrawn", shown, field),
        summary=_summary(data, shown, f"{field}: summary"),
        aliases=tuple(sorted(_text(a, shown, f"{field}: aliases")
                             for a in _list(data, "aliases", shown, f"{field}: aliases"))),
        severity=severity, score=score, vector=vector, affected=tuple(affected))


def _list(record: dict[str, Any], key: str, shown: str, what: str) -> list[Any]:
    return expect(record.get(key) or [], list, shown, what)


def _text(value: Any, shown: str, what: str, prose: bool = False) -> str:
    """Versions may be written as YAML or JSON numbers (`1.5`); anything else that is not text
    is refused, as is text no writer can encode (see `checked_text` for `prose`)."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    try:
        return checked_text(value, what, prose=prose)
    except ShapeError as error:
        raise InputError(shown, str(error)) from None


def _summary(data: dict[str, Any], shown: str, what: str) -> str:
    """The first line of the summary or details (PyPA's details break lines with carriage
    returns, which `splitlines` knows)."""
    text = _text(data.get("summary") or data.get("details") or "", shown, what, prose=True)
    lines = text.strip().splitlines()
    return lines[0].strip() if lines else ""


def _optional_text(record: dict[str, Any], key: str, shown: str, what: str) -> str | None:
    value = record.get(key)
    return None if value is None else _text(value, shown, f"{what}: {key}")


_WORDS = {"critical": "critical", "high": "high", "important": "high", "moderate": "medium",
          "medium": "medium", "low": "low"}


def _severity(data: dict[str, Any]) -> tuple[str, float | None, str | None]:
    """CVSS v4, then v3, then v2 vectors decide; else the words a database wrote."""
    from cvss import CVSS2, CVSS3, CVSS4
    from cvss.exceptions import CVSSError

    listed = data.get("severity")
    scored = {s.get("type"): s.get("score") for s in listed if isinstance(s, dict)} \
        if isinstance(listed, list) else {}
    for kind, reader in (("CVSS_V4", CVSS4), ("CVSS_V3", CVSS3), ("CVSS_V2", CVSS2)):
        vector = scored.get(kind)
        if not isinstance(vector, str):
            continue
        try:
            parsed = reader(vector)
        except (CVSSError, ValueError, KeyError):
            continue
        score = float(parsed.base_score if kind == "CVSS_V4" else parsed.scores()[0])
        return _band(score), score, vector
    affected = data.get("affected") if isinstance(data.get("affected"), list) else []
    words = [data.get("database_specific"), *(
        a.get("ecosystem_specific") for a in affected if isinstance(a, dict))]
    for specific in words:
        if isinstance(specific, dict) and str(specific.get("severity", "")).lower() in _WORDS:
            return _WORDS[str(specific["severity"]).lower()], None, None
    return "unknown", None, None


def _band(score: float) -> str:
    """CVSS qualitative ratings (the same bands in v3 and v4)."""
    if score >= 9.0:
        return "critical"
    if score >= 7.0:
        return "high"
    if score >= 4.0:
        return "medium"
    return "low" if score > 0 else "unknown"


# -- which versions ---------------------------------------------------------------------

@lru_cache(maxsize=65536)
def parse_version(ecosystem: str, text: str):
    """A version in the ecosystem's own order (OSV ecosystem names), None if unparseable."""
    cls = _VERSION_CLASSES.get(ecosystem)
    if cls is None:
        return None
    try:
        return cls(text.removeprefix("v") if cls is univers_versions.SemverVersion else text)
    except Exception:  # univers raises many types for unparseable versions
        return None


def affects(package: AffectedPackage, version: str) -> bool:
    """Whether this affected entry covers `version`: listed, or inside a range."""
    if version in package.versions:
        return True
    parsed = parse_version(package.ecosystem, version)
    if parsed is None:
        return False
    current = _comparable(parsed)
    # Listed versions are equal by the ecosystem's rules, not as text: PyPI's `0.5` is 0.5.0.
    return _listed(current, package) or any(
        _in_range(current, package.ecosystem, r) for r in package.ranges)


_BY_VALUE = univers_versions.Version.__lt__


def _comparable(version):
    """What a univers version is ordered by: its `value`, where univers compares that alone
    (every scheme but Alpine's), which compares many times faster than the wrapper."""
    return version.value if type(version).__lt__ is _BY_VALUE else version


def _listed(current, package: AffectedPackage) -> bool:
    ordered, listed = _parsed_versions(package)
    if not ordered:
        return any(version == current for version in listed)
    # Equal versions may hash apart (Maven's 1.0 and 1.0.0): a binary search, not a set.
    position = bisect_left(listed, current)
    return position < len(listed) and listed[position] == current


@lru_cache(maxsize=16384)
def _parsed_versions(package: AffectedPackage) -> tuple[bool, tuple]:
    """The listed versions parsed, sorted in the ecosystem's order when they can be (True)."""
    parsed = [_comparable(version) for text in package.versions
              for version in [parse_version(package.ecosystem, text)] if version is not None]
    try:
        return True, tuple(sorted(parsed))
    except TypeError:
        return False, tuple(parsed)


def _in_range(current, ecosystem: str, bounds: Range) -> bool:
    # OSV's evaluation: walk the events in version order; introduced opens, fixed and
    # last_affected close. "0" is before every version.
    events = _ordered_events(ecosystem, bounds)
    if events is None:
        return False  # a bound we cannot order: do not guess
    affected = False
    for kind, bound in events:
        if kind == "introduced" and (bound is None or current >= bound):
            affected = True
        elif kind == "fixed" and bound is not None and current >= bound:
            affected = False
        elif kind == "last_affected" and bound is not None and current > bound:
            affected = False
    return affected


@lru_cache(maxsize=65536)
def _ordered_events(ecosystem: str, bounds: Range) -> tuple | None:
    """A range's events with their versions parsed, in version order (parsed once)."""
    events = []
    for kind, text in bounds.events:
        parsed = None if text == "0" else parse_version(ecosystem, text)
        if parsed is None and text != "0":
            return None
        events.append((kind, None if parsed is None else _comparable(parsed)))
    return tuple(sorted(events, key=lambda event: _Ordered(event[1])))


class _Ordered:
    """Sort key: None ("0") first, then versions by their ecosystem's order."""

    __slots__ = ("bound",)

    def __init__(self, bound) -> None:
        self.bound = bound

    def __lt__(self, other: _Ordered) -> bool:
        if self.bound is None:
            return other.bound is not None
        if other.bound is None:
            return False
        return self.bound < other.bound


def lowest_fix(package: AffectedPackage, version: str) -> str | None:
    """The lowest fixed version above `version` that this entry no longer affects."""
    parsed = parse_version(package.ecosystem, version)
    current = None if parsed is None else _comparable(parsed)
    for fix, text in _fixes(package):
        if (current is None or fix > current) and not _fix_affected(package, text):
            return text
    return None


@lru_cache(maxsize=65536)
def _fix_affected(package: AffectedPackage, fix: str) -> bool:
    """Whether a fixed version is itself affected (by another range), asked once per fix."""
    return affects(package, fix)


@lru_cache(maxsize=16384)
def _fixes(package: AffectedPackage) -> tuple:
    """The fixed versions of an entry's ranges, parsed and in version order (once)."""
    found = {}
    for bounds in package.ranges:
        for kind, text in bounds.events:
            parsed = parse_version(package.ecosystem, text) if kind == "fixed" else None
            if parsed is not None:
                found[text] = _comparable(parsed)
    return tuple(sorted(((fix, text) for text, fix in found.items()),
                        key=lambda pair: pair[0]))


_OPERATORS = {"<=": lambda a, b: a <= b, ">=": lambda a, b: a >= b, "==": lambda a, b: a == b,
              "!=": lambda a, b: a != b, "<": lambda a, b: a < b, ">": lambda a, b: a > b}


def satisfies(ecosystem: str, version: str, constraint: str) -> bool:
    """Whether a version meets comma-separated comparisons (">=2.0,<2.17.1") in the
    ecosystem's order; unparseable versions never do."""
    current = parse_version(ecosystem, version)
    if current is None:
        return False
    for part in (p.strip() for p in constraint.split(",") if p.strip()):
        operator = next((o for o in _OPERATORS if part.startswith(o)), "==")
        bound = parse_version(ecosystem, part[len(operator):].strip() if part.startswith(
            operator) else part)
        if bound is None or not _OPERATORS[operator](current, bound):
            return False
    return True


def newest(ecosystem: str, texts: list[str]) -> str | None:
    """The highest of some versions by the ecosystem's order (unparseable ones last)."""
    parsed = [(p, t) for t in texts for p in [parse_version(ecosystem, t)] if p is not None]
    return max(parsed, key=lambda pair: pair[0])[1] if parsed else None


# -- reading ----------------------------------------------------------------------------

def read_records(location: Path) -> Iterator[tuple[str, Any]]:
    """(where, parsed document) for every OSV file in a folder or a zip archive."""
    if location.is_dir():
        yield from _read_folder(location)
    elif zipfile.is_zipfile(location):
        yield from _read_zip(location)
    elif location.is_file():
        yield str(location), _parse_text(read_text(location, str(location)), str(location))
    else:
        raise InputError(str(location), "no such file or folder")


def _read_folder(folder: Path) -> Iterator[tuple[str, Any]]:
    for current, directories, files in os.walk(folder):  # does not follow directory links
        directories.sort()
        for name in sorted(files):
            if name.endswith((".json", ".yaml", ".yml")):
                path = Path(current, name)
                if path.is_symlink():
                    continue
                shown = str(path.relative_to(folder.parent))
                yield shown, _parse_text(read_text(path, shown), shown)


def _read_zip(archive: Path) -> Iterator[tuple[str, Any]]:
    limit = max_file_bytes()
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist() if not m.is_dir()
                       and m.filename.endswith((".json", ".yaml", ".yml"))]
            if len(members) > _MAX_ARCHIVE_MEMBERS:
                raise InputError(str(archive), f"{len(members):,} files in the archive, over "
                                 f"the {_MAX_ARCHIVE_MEMBERS:,} limit")
            for member in sorted(members, key=lambda m: m.filename):
                shown = f"{archive.name}:{member.filename}"
                if member.file_size > limit or member.file_size > max(
                        member.compress_size, 1) * _MAX_COMPRESSION_RATIO:
                    raise InputError(shown, "refused: expands beyond the size or compression "
                                     "limits (a decompression bomb?)")
                with bundle.open(member) as handle:
                    data = handle.read(limit + 1)  # the header's size may lie
                if len(data) > limit:
                    raise InputError(shown, "refused: expands beyond the size limit")
                yield shown, _parse_text(decode_utf8(data, shown), shown)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, OSError,
            RuntimeError, EOFError, zlib.error) as exc:
        # RuntimeError: an encrypted member; zlib.error and EOFError: a corrupt or cut one
        raise InputError(str(archive), f"unreadable zip archive: {exc}") from None


def _parse_text(text: str, shown: str) -> Any:
    if shown.endswith((".yaml", ".yml")):
        return load_yaml(text, shown, all_text=True)
    return load_json(text, shown)
