"""Licence files from the package archives themselves, only with `--fetch-archives`.

For a package whose declared licence does not name one precisely, the exact artifact the
lockfile pins is downloaded from the mirror the user configured and checked before anything
in it is read: a Python file against the sha256 the mirror lists (and the lockfile's hashes,
when it records any), an npm tarball against the lockfile's `integrity`, a crate against
Cargo.lock's `checksum`, a Go module zip against go.sum's `h1:` hash, a NuGet package against
packages.lock.json's `contentHash`. A mismatch is refused;
an artifact with nothing to check it against is not fetched (a Maven jar is checked against
the .sha1 its repository publishes, as a pom pins no digest). Only its licence files (and the
manifest's declared licence: a crate's `Cargo.toml`, an npm `package.json`, a jar's OSGi
`Bundle-License`) are read out, bounded, into the cache by digest; the licence engine then
reads them as it reads an installed package's. Downloads run four at a time at most (each
is held in memory while it is checked); the first that finds a mirror unreachable stops the
others asking it.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import re
import tarfile
import tomllib
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote

import httpx

from fincompliance.analysis.config import OnlineSettings
from fincompliance.analysis.http import download
from fincompliance.errors import InputError
from fincompliance.licensing.normalise import normalise
from fincompliance.locations import cache_dir
from fincompliance.model import Component, DeclaredLicense, Graph

ARCHIVE_PROPERTY = "fincomp:licence-files-from"   # "NAME sha256:DIGEST"
DECLARED_FROM_PROPERTY = "fincomp:declared-licence-from"   # registry | archive
MAX_ARCHIVE_BYTES = 64 * 1024 * 1024
MAX_MEMBERS = 20_000            # entries looked at in one archive
MAX_LICENCE_FILES = 20
MAX_LICENCE_FILE_BYTES = 1024 * 1024
# A licence file at the top of an sdist, npm package, crate or Go module, or in a wheel's
# .dist-info.
_LICENCE_NAME = re.compile(
    r"(?i)^(?:licen[cs]es?|unlicen[cs]e|copying|notice|copyright)(?:[-._].*)?$")
# The manifest each layout's declared licence is read from, at the archive's top.
_MANIFEST = {"npm": "package.json", "crate": "Cargo.toml", "jar": "MANIFEST.MF",
             "nupkg": ".nuspec"}


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

    def skip(self, why: str) -> None:
        self.not_fetched[why] = self.not_fetched.get(why, 0) + 1


@dataclass(frozen=True)
class Listing:
    """The files of one version as the mirror listed them, and the answer's address (file
    addresses may be relative to it)."""

    answer_url: str
    files: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class Artifact:
    """One archive to fetch: where, what it is called, how it is laid out, the digest it is
    cached by, and the check its bytes must pass (None: they are the ones expected)."""

    url: str
    name: str
    layout: str          # wheel, sdist, npm, crate, go, jar
    digest: str          # "sha256:…", "sha512:…", "h1:…"; "" until `published` is read
    verify: Callable[[bytes], str | None]
    # the checksum file the repository publishes beside it, and its algorithm (Maven's
    # .sha1): read first, it names the digest the download must have
    published: tuple[str, str] | None = None
    # the archive to read instead when this one holds no licence file (an old wheel built
    # without them: the sdist has them)
    fallback: Artifact | None = None


def wanted(component: Component, every: bool = False) -> bool:
    """A package whose declared licence does not already name one precisely (`every`: any
    package not installed, for its copyright lines)."""
    return component.ecosystem in _LOCATORS and bool(component.version) \
        and not component.license_files and (every or not any(
            normalise(d.text, d.field).identified for d in component.declared_licenses))


def fetch_licence_files(graph: Graph, listings: dict[str, Listing],
                        settings: OnlineSettings, every: bool = False
                        ) -> tuple[ArchiveReport, dict[str, list[tuple[str, str]]]]:
    """The licence files of each wanted component's archive: by component ref, (the name a
    reader is shown, the cached file) pairs. A licence the archive's manifest declares is
    added to the component."""
    report = ArchiveReport()
    chosen: list[tuple[Component, Artifact]] = []
    locate = _Locators(settings, listings)
    for component in graph.sorted_components():
        if not wanted(component, every):
            continue
        choice = _LOCATORS[component.ecosystem](locate, component)
        if isinstance(choice, _Skip):
            report.skip(choice.why)
        elif isinstance(choice, str):
            report.refused[f"{component.name}@{component.version}"] = choice
        else:
            chosen.append((component, choice))
    report.asked = len(chosen)
    # Each download is held in memory while it is checked: at most four at once.
    unreachable: dict[str, str] = {}   # host -> why: one failure names the mirror once
    with ThreadPoolExecutor(max_workers=max(1, min(4, settings.concurrency))) as pool:
        outcomes = list(pool.map(lambda pair: _read(pair[1], unreachable), chosen))
    found: dict[str, list[tuple[str, str]]] = {}
    for (component, artifact), outcome in zip(chosen, outcomes, strict=True):
        package = f"{component.name}@{component.version}"
        if isinstance(outcome, _Skip):
            report.skip(outcome.why)
            continue
        if isinstance(outcome, str):
            report.refused[package] = outcome
            continue
        folder, stored, cached = outcome
        if not stored["files"] and artifact.fallback is not None:
            second = _read(artifact.fallback, unreachable)
            if not isinstance(second, str):
                artifact, (folder, stored, cached) = artifact.fallback, second
        report.read += 1
        report.from_cache += cached
        _apply_declared(component, stored.get("declared", ()))
        files = stored["files"]
        if not files:
            report.without_licence_files.append(package)
            continue
        found[component.ref] = [(f"{artifact.name}:{member}", str(folder / name))
                                for member, name in files]
        component.properties = tuple(sorted({*component.properties, (
            ARCHIVE_PROPERTY, f"{artifact.name} {artifact.digest}")}))
    return report, found


class _Skip(str):
    """Why an archive was not fetched (counted, not named one by one)."""

    @property
    def why(self) -> str:
        return str(self)


class _Locators:
    """What each ecosystem's locator reads: the settings, the Python listings, and the
    cargo index's download address (asked once)."""

    def __init__(self, settings: OnlineSettings, listings: dict[str, Listing]) -> None:
        self.settings = settings
        self.listings = listings
        self._crate_downloads: str | _Skip | None = None

    def crate_downloads(self) -> str | _Skip:
        """The `dl` template of the cargo index's config.json."""
        if self._crate_downloads is None:
            self._crate_downloads = _crate_download_template(self.settings.cargo or "",
                                                             self.settings.timeout)
        return self._crate_downloads


def _python(locate: _Locators, component: Component) -> Artifact | str | _Skip:
    """The smallest file of the version whose sha256 the mirror lists (and the lockfile
    records, when it records any); for a wheel, the smallest sdist to read instead if the
    wheel holds no licence file."""
    listing = locate.listings.get(component.ref)
    if listing is None:
        return _Skip("not listed by the mirror")
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
    candidates.sort()
    size, name, digest, url = candidates[0]
    if size > MAX_ARCHIVE_BYTES:
        return f"{name} is {size:,} bytes, over the {MAX_ARCHIVE_BYTES:,} fetched"
    sdist = next((c for c in candidates[1:] if not c[1].endswith(".whl")
                  and c[0] <= MAX_ARCHIVE_BYTES), None) if name.endswith(".whl") else None

    def artifact(name: str, digest: str, url: str, fallback: Artifact | None = None
                 ) -> Artifact:
        return Artifact(str(httpx.URL(listing.answer_url).join(url)), name,
                        "wheel" if name.endswith(".whl") else "sdist", f"sha256:{digest}",
                        _digest_check("sha256", digest, name), fallback=fallback)

    return artifact(name, digest, url, artifact(*sdist[1:]) if sdist else None)


def _npm(locate: _Locators, component: Component) -> Artifact | _Skip:
    """The tarball at the registry's own layout (`NAME/-/BASENAME-VERSION.tgz`, which npm,
    Verdaccio, Nexus and Artifactory serve), checked against the lockfile's integrity."""
    base = locate.settings.npm
    if not base:
        return _Skip("no npm registry mirror configured")
    locked = {h.algorithm: h.value for h in component.hashes}
    algorithm = next((a for a in ("SHA-512", "SHA-256", "SHA-1") if a in locked), None)
    if algorithm is None:
        return _Skip("the lockfile records no integrity to check the npm tarball against")
    basename = component.name.rsplit("/", 1)[-1]
    name = f"{basename}-{component.version}.tgz"
    hashing = algorithm.replace("-", "").lower()
    return Artifact(f"{base}/{quote(component.name, safe='@/')}/-/{name}", name, "npm",
                    f"{hashing}:{locked[algorithm]}",
                    _digest_check(hashing, locked[algorithm], name))


def _crate(locate: _Locators, component: Component) -> Artifact | _Skip:
    """The `.crate` from the download address the sparse index names, checked against
    Cargo.lock's checksum."""
    if not locate.settings.cargo:
        return _Skip("no cargo index mirror configured")
    if not _from_crates_io(dict(component.properties).get("fincomp:source", "")):
        return _Skip("crates from a registry other than crates.io")
    checksum = next((h.value for h in component.hashes if h.algorithm == "SHA-256"), None)
    if checksum is None:
        return _Skip("Cargo.lock records no checksum to check the crate against")
    template = locate.crate_downloads()
    if isinstance(template, _Skip):
        return template
    name, version = component.name, component.version or ""
    prefix = {1: "1", 2: "2", 3: f"3/{name[:1]}"}.get(len(name), f"{name[:2]}/{name[2:4]}")
    if not any(marker in template for marker in _CRATE_MARKERS):
        template += "/{crate}/{version}/download"
    url = template.replace("{crate}", name).replace("{version}", version).replace(
        "{prefix}", prefix).replace("{lowerprefix}", prefix.lower()).replace(
        "{sha256-checksum}", checksum)
    filename = f"{name}-{version}.crate"
    return Artifact(url, filename, "crate", f"sha256:{checksum}",
                    _digest_check("sha256", checksum, filename))


def _from_crates_io(origin: str) -> bool:
    """Cargo.lock's source is crates.io's index (git or sparse): the source a configured
    mirror replaces."""
    url = origin.partition("+")[2].rstrip("/")
    return url.endswith("/crates.io-index") or (
        url.startswith("https://") and httpx.URL(url).host.endswith(".crates.io"))


_CRATE_MARKERS = ("{crate}", "{version}", "{prefix}", "{lowerprefix}", "{sha256-checksum}")


def _crate_download_template(index: str, timeout: float) -> str | _Skip:
    from fincompliance.analysis.http import ask_json

    document, _ = ask_json(f"{index}/config.json", timeout)
    template = document.get("dl") if isinstance(document, dict) else None
    if not isinstance(template, str) or not template.startswith(("http://", "https://")):
        return _Skip(f"{httpx.URL(index).host}: the cargo index gives no download address "
                     "(config.json `dl`)")
    return template.rstrip("/")


def _go(locate: _Locators, component: Component) -> Artifact | _Skip:
    """The module zip from the Go module proxy, checked against go.sum's `h1:` hash;
    modules GONOPROXY/GOPRIVATE name are never asked of a proxy."""
    proxy = locate.settings.goproxy
    if not proxy:
        return _Skip("no Go module proxy configured")
    path, version = component.name, component.version or ""
    if go_private(path, locate.settings.go_private):
        return _Skip("private modules (GONOPROXY/GOPRIVATE)")
    checksum = dict(component.properties).get("fincomp:go:sum", "")
    if not checksum.startswith("h1:"):
        return _Skip("go.sum records no h1: hash to check the module zip against")
    name = f"{path.rsplit('/', 1)[-1]}@{version}.zip"
    return Artifact(f"{proxy}/{_go_escape(path)}/@v/{_go_escape(version)}.zip", name, "go",
                    checksum, lambda data: _check_go_zip(data, checksum, f"{path}@{version}/"))


def _jar(locate: _Locators, component: Component) -> Artifact | _Skip:
    """The jar from the Maven repository, checked against the .sha1 the repository
    publishes beside it (a pom names no digest of its dependencies)."""
    from packageurl import PackageURL

    from fincompliance.analysis.registry import maven_path

    base = locate.settings.maven
    if not base:
        return _Skip("no Maven repository configured")
    qualifiers = PackageURL.from_string(component.purl).qualifiers if component.purl else {}
    if qualifiers.get("type", "jar") not in ("jar", "bundle") or ":" not in component.name:
        return _Skip("Maven artifacts other than jars")
    group, artifact = component.name.split(":", 1)
    path = maven_path(group, artifact, component.version or "", "jar",
                      qualifiers.get("classifier"))
    url = f"{base}/{path}"
    return Artifact(url, path.rsplit("/", 1)[1], "jar", "", lambda data: None,
                    published=(f"{url}.sha1", "sha1"))


def _nupkg(locate: _Locators, component: Component) -> Artifact | _Skip:
    """The .nupkg from the flat container, checked against packages.lock.json's
    `contentHash` (the sha512 of the package file)."""
    if not locate.settings.nuget:
        return _Skip("no NuGet source configured")
    locked = next((h.value for h in component.hashes if h.algorithm == "SHA-512"), None)
    if locked is None:
        return _Skip("packages.lock.json records no contentHash to check the package against")
    base = locate.settings.nuget   # the flat container (analysis/stage.py resolved it)
    package, version = component.name.lower(), (component.version or "").lower()
    name = f"{package}.{version}.nupkg"
    return Artifact(f"{base}/{quote(package)}/{quote(version)}/{name}", name, "nupkg",
                    f"sha512:{locked}", _digest_check("sha512", locked, name))


_LOCATORS: dict[str, Callable[[_Locators, Component], Artifact | str | _Skip]] = {
    "python": _python, "npm": _npm, "cargo": _crate, "golang": _go, "maven": _jar,
    "nuget": _nupkg}


def go_private(path: str, patterns: tuple[str, ...]) -> bool:
    """Whether a GOPRIVATE-style glob list matches the module path or a prefix of it, as
    the go command matches (element by element)."""
    from fnmatch import fnmatchcase

    elements = path.split("/")
    for pattern in patterns:
        wanted_elements = pattern.strip("/").split("/")
        if len(wanted_elements) <= len(elements) and all(
                fnmatchcase(e, w) for e, w in zip(elements, wanted_elements, strict=False)):
            return True
    return False


def _go_escape(text: str) -> str:
    """The module proxy's case encoding: an upper-case letter is "!" and the lower-case."""
    return re.sub(r"[A-Z]", lambda m: "!" + m.group().lower(), text)


def go_h1(files: list[tuple[str, bytes]]) -> str:
    """Go's `h1:` hash of a module (golang.org/x/mod/sumdb/dirhash Hash1): the sha256 of a
    summary listing each file's sha256 and name, sorted by name."""
    summary = "".join(f"{hashlib.sha256(content).hexdigest()}  {name}\n"
                      for name, content in sorted(files))
    return "h1:" + base64.b64encode(hashlib.sha256(summary.encode()).digest()).decode()


def _check_go_zip(data: bytes, expected: str, prefix: str) -> str | None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if len(infos) > MAX_MEMBERS:
                return f"more than {MAX_MEMBERS:,} files"
            files = []
            for info in infos:
                if info.is_dir():
                    continue
                if not info.filename.startswith(prefix) or "\n" in info.filename:
                    return f"{info.filename!r} is outside {prefix}"
                files.append((info.filename, archive.read(info)))
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        return f"not a readable zip ({exc})"
    actual = go_h1(files)
    return None if actual == expected else \
        f"the module zip hashes to {actual}, not the {expected} go.sum records; not used"


def _digest_check(algorithm: str, expected: str, name: str) -> Callable[[bytes], str | None]:
    def check(data: bytes) -> str | None:
        actual = hashlib.new(algorithm, data).hexdigest()
        return None if actual == expected.lower() else (
            f"{name} has {algorithm} {actual}, not the {expected} expected; not used")
    return check


def _read(artifact: Artifact, unreachable: dict[str, str]
          ) -> tuple[Path, dict[str, Any], bool] | str | _Skip:
    """One archive's licence files and declared licence, from the cache by digest or
    downloaded and checked: (folder, what was stored, from the cache), else why not."""
    host = httpx.URL(artifact.url).host
    if host in unreachable:
        return _Skip(f"{host}: {unreachable[host]}")
    if artifact.published is not None:
        published = _published_digest(artifact)
        if isinstance(published, _Skip):
            return published
        artifact = published
    key = hashlib.sha256(artifact.digest.encode()).hexdigest()
    folder = cache_dir() / "archives" / key[:2] / key
    stored = _cached(folder)
    if stored is not None:
        return folder, stored, True
    try:
        path = download(artifact.url, MAX_ARCHIVE_BYTES)
    except InputError as exc:
        if "unreachable" in exc.message:
            unreachable.setdefault(host, exc.message)
        return _Skip(f"{host}: {exc.message}")
    try:
        data = path.read_bytes()
    finally:
        path.unlink()
    why = artifact.verify(data)
    if why is not None:
        return why
    try:
        members, declared = _licence_members(data, artifact.name, artifact.layout)
    except _Refused as exc:
        return f"{artifact.name}: {exc}"
    return folder, _store(folder, members, declared), False


def _published_digest(artifact: Artifact) -> Artifact | _Skip:
    """The artifact with the digest its repository publishes beside it, and the check."""
    from dataclasses import replace

    from fincompliance.analysis.http import ask

    url, algorithm = artifact.published or ("", "")
    answer = ask(url)
    if isinstance(answer, str):
        return _Skip(f"{httpx.URL(url).host}: {answer}")
    words = answer.text.split() if answer.status_code == 200 else []
    value = words[0].lower() if words else ""
    if not re.fullmatch(r"[0-9a-f]{40,128}", value):
        return _Skip(f"the repository publishes no {algorithm} checksum to check the "
                     "archive against")
    return replace(artifact, digest=f"{algorithm}:{value}", published=None,
                   verify=_digest_check(algorithm, value, artifact.name))


def _apply_declared(component: Component, declared: list[list[str]]) -> None:
    if declared and not component.declared_licenses:
        component.declared_licenses = tuple(DeclaredLicense(text, name)
                                            for text, name in declared)
        component.properties = tuple(sorted({*component.properties,
                                             (DECLARED_FROM_PROPERTY, "archive")}))


class _Refused(Exception):
    pass


def licence_member(path: str, layout: str) -> bool:
    """A licence file: in a wheel, anything under `*.dist-info/licenses/` or a licence-named
    file in `*.dist-info/`; in an sdist, npm package, crate or Go module zip, a
    licence-named file at its top (a Go zip's top is `MODULE@VERSION/`)."""
    parts = _parts(path, layout)
    if parts is None:
        return False
    if layout == "jar":   # META-INF/LICENSE.txt, META-INF/NOTICE
        return len(parts) == 2 and parts[0] == "META-INF" and bool(_LICENCE_NAME.match(parts[1]))
    if layout == "nupkg":  # at the package's root (where <license type="file"> points)
        return len(parts) == 1 and bool(_LICENCE_NAME.match(parts[0]))
    if layout == "wheel":
        return len(parts) >= 2 and parts[0].endswith(".dist-info") and (
            (len(parts) >= 3 and parts[1] == "licenses")
            or (len(parts) == 2 and bool(_LICENCE_NAME.match(parts[1]))))
    return len(parts) == 2 and bool(_LICENCE_NAME.match(parts[1]))


def _parts(path: str, layout: str) -> tuple[str, ...] | None:
    """A member's path as (top folder, names below it); None for a name climbing out."""
    top = None
    if layout == "go":  # the top is MODULE@VERSION: a module path has slashes but no "@"
        match = re.fullmatch(r"([^@]+@[^/]+)/(.*)", path, re.DOTALL)
        if match is None:
            return None
        top, path = match.groups()
        if ".." in top.split("/") or top.startswith("/"):
            return None
    parts = PurePosixPath(path).parts
    if not parts or ".." in parts or path.startswith("/"):
        return None  # a name climbing out of the archive is nobody's licence file
    return (top, *parts) if top else parts


def _manifest_member(path: str, layout: str) -> bool:
    parts = _parts(path, layout)
    if layout == "nupkg":
        return parts is not None and len(parts) == 1 and parts[0].endswith(".nuspec")
    return layout in _MANIFEST and parts is not None and len(parts) == 2 \
        and parts[1] == _MANIFEST[layout] and (layout != "jar" or parts[0] == "META-INF")


def _licence_members(data: bytes, name: str, layout: str
                     ) -> tuple[list[tuple[str, bytes]], list[list[str]]]:
    """The archive's licence files (member name, content) and the licences its manifest
    declares ([text, field] pairs), bounded: members looked at, files taken, and bytes read
    from each; links and special files are never read."""
    found: list[tuple[str, bytes]] = []
    manifest: bytes | None = None
    try:
        if layout in ("wheel", "go", "jar", "nupkg") or name.endswith(".zip"):
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for index, info in enumerate(archive.infolist()):
                    if index >= MAX_MEMBERS or len(found) >= MAX_LICENCE_FILES:
                        break
                    if info.is_dir() or info.file_size > MAX_LICENCE_FILE_BYTES \
                            or (info.external_attr >> 28) == 0xA:
                        continue  # larger than any licence, or a link
                    if licence_member(info.filename, layout):
                        with archive.open(info) as member:
                            found.append((info.filename, member.read(MAX_LICENCE_FILE_BYTES)))
                    elif manifest is None and _manifest_member(info.filename, layout):
                        with archive.open(info) as member:
                            manifest = member.read(MAX_LICENCE_FILE_BYTES)
        else:
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                for index, member in enumerate(archive):
                    if index >= MAX_MEMBERS or len(found) >= MAX_LICENCE_FILES:
                        break
                    if not member.isreg() or member.size > MAX_LICENCE_FILE_BYTES:
                        continue
                    is_licence = licence_member(member.name, layout)
                    if not is_licence and not (manifest is None
                                               and _manifest_member(member.name, layout)):
                        continue
                    stream = archive.extractfile(member)
                    if stream is None:
                        continue
                    content = stream.read(MAX_LICENCE_FILE_BYTES)
                    if is_licence:
                        found.append((member.name, content))
                    else:
                        manifest = content
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError) as exc:
        raise _Refused(f"not a readable archive ({exc})") from None
    return found, _declared_in(manifest, layout) if manifest is not None else []


def _declared_in(manifest: bytes, layout: str) -> list[list[str]]:
    """The licence a crate's Cargo.toml (`license`) or an npm package.json (`license`,
    the legacy `licenses`) declares; nothing from a manifest that does not parse."""
    try:
        text = manifest.decode("utf-8")
        if layout == "jar":
            return _bundle_licences(text)
        if layout == "nupkg":
            return _nuspec_licence(text)
        document = tomllib.loads(text) if layout == "crate" else json.loads(text)
    except (UnicodeDecodeError, ValueError):
        return []
    if not isinstance(document, dict):
        return []
    if layout == "crate":
        package = document.get("package")
        licence = package.get("license") if isinstance(package, dict) else None
        return [[licence, "cargo"]] if isinstance(licence, str) and licence.strip() else []
    licence = document.get("license")
    if isinstance(licence, dict):   # the legacy {"type": "MIT", "url": ...} form
        licence = licence.get("type")
    if isinstance(licence, str) and licence.strip():
        return [[licence, "license"]]
    listed = document.get("licenses")
    return [[str(entry.get("type")), "licenses"] for entry in listed
            if isinstance(entry, dict) and entry.get("type")] if isinstance(listed, list) else []


def _nuspec_licence(text: str) -> list[list[str]]:
    """A package's own .nuspec: its licence expression (a `type="file"` licence is the
    licence file at the package's root, read as one)."""
    from fincompliance.analysis.registry import nuspec_licences

    return [[d.text, d.field] for d in nuspec_licences(text, "package.nuspec")]


def _bundle_licences(manifest: str) -> list[list[str]]:
    """A jar manifest's OSGi `Bundle-License` (continuation lines joined): each
    comma-separated licence, its `;link=` attributes left out."""
    value = None
    for line in manifest.replace("\r\n", "\n").split("\n"):
        if value is not None and line.startswith(" "):
            value += line[1:]
            continue
        if value is not None:
            break
        if line.lower().startswith("bundle-license:"):
            value = line.split(":", 1)[1].strip()
    if not value:
        return []
    return [[part.split(";", 1)[0].strip(), "Bundle-License"]
            for part in re.split(r",(?=\s*[A-Za-z])(?![^\"]*\"[^\"]*$)", value)
            if part.split(";", 1)[0].strip()]


def _store(folder: Path, members: list[tuple[str, bytes]], declared: list[list[str]]
           ) -> dict[str, Any]:
    """The licence files written under numbered names (a member's name is never a path on
    this machine), with a manifest of (member name, stored name) pairs and the declared
    licences."""
    folder.mkdir(parents=True, exist_ok=True)
    files = []
    for number, (member, content) in enumerate(members):
        target = f"{number:02d}-licence.txt"
        (folder / target).write_bytes(content)
        files.append([member, target])
    stored = {"files": files, "declared": declared}
    temporary = folder / f"manifest.json.{id(stored)}.tmp"
    temporary.write_text(json.dumps(stored), encoding="utf-8")
    temporary.replace(folder / "manifest.json")
    return stored


def _cached(folder: Path) -> dict[str, Any] | None:
    try:
        stored = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or not isinstance(stored.get("files"), list) \
            or not isinstance(stored.get("declared"), list):
        return None   # written by an earlier fincomp, or damaged: read the archive again
    if not all(isinstance(p, list) and len(p) == 2 and (folder / str(p[1])).is_file()
               for p in stored["files"]):
        return None
    return stored
