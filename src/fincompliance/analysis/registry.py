"""Registry facts, only with `--online`: release history, the latest version and its
licence, deprecated and yanked versions, maintainers (PyPI, npm), and the declared licence
of the version in use when the lockfile records none: PyPI's core metadata, npm's packument,
a Maven pom and its parents' `<licenses>`, the RubyGems API's `licenses`, Composer v2
metadata's `license`, a NuGet .nuspec's licence expression. Asked of the mirrors the user
configured (analysis/config.py), concurrently with a limit, with timeouts, retries with
backoff and an on-disk cache; when a mirror cannot be reached the scan completes without
these facts and says so. (Crates and Go modules declare their licence only inside their
archives: analysis/archives.py.)"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from fincompliance.analysis.archives import DECLARED_FROM_PROPERTY, Listing
from fincompliance.analysis.config import OnlineSettings
from fincompliance.analysis.http import RETRIES, RETRY_STATUSES, async_client, backoff
from fincompliance.analysis.osv import newest
from fincompliance.errors import InputError
from fincompliance.licensing.normalise import normalise
from fincompliance.locations import cache_dir
from fincompliance.model import Component, DeclaredLicense, Graph, ReleaseFacts
from fincompliance.supply_chain import NAMESAKE_PROPERTY, NOT_PUBLIC, InternalPackages

if TYPE_CHECKING:   # the Maven scanner loads when a Maven repository is asked
    from fincompliance.scanners.maven_common import Coordinates
    from fincompliance.scanners.maven_pom import Pom


@dataclass
class EnrichmentReport:
    asked: int = 0
    enriched: int = 0
    from_cache: int = 0
    licences_added: int = 0
    not_found: list[str] = field(default_factory=list)
    unreachable: dict[str, str] = field(default_factory=dict)   # mirror -> why

    def notes(self) -> list[str]:
        notes = [f"{mirror} unreachable ({why}); the scan completed without its registry facts"
                 for mirror, why in sorted(self.unreachable.items())]
        if self.not_found:
            notes.append(f"{len(self.not_found)} packages not on the mirror: "
                         + ", ".join(sorted(self.not_found)[:10])
                         + (" ..." if len(self.not_found) > 10 else ""))
        return notes


class _Unreachable(Exception):
    pass


class _NotJson(_Unreachable):
    pass


def enrich(graph: Graph, settings: OnlineSettings,
           listings: dict[str, Listing]) -> EnrichmentReport:
    """Registry facts on every component the mirrors hold, and into `listings` each Python
    component's files as the mirror lists them (for reading its archive)."""
    report = EnrichmentReport()
    asks = []
    for component in graph.components.values():
        url = _url(component, settings)
        if url is not None:
            asks.append((component, url))
    poms = [c for c in graph.sorted_components() if settings.maven and _maven_wanted(c)]
    report.asked = len(asks) + len(poms)
    if asks:
        asyncio.run(_fetch_all(asks, settings, report, listings))
    if poms:
        asyncio.run(_maven_all(poms, settings, report))
    return report


# -- Maven: the version's pom from a Maven-layout repository, <licenses> through parents ----

def _maven_wanted(component: Component) -> bool:
    return component.ecosystem == "maven" and bool(component.version) \
        and ":" in component.name and not component.declared_licenses


def maven_path(group: str, artifact: str, version: str, extension: str,
               classifier: str | None = None) -> str:
    """A file's path in the Maven repository layout (Maven Central, Nexus, Artifactory)."""
    suffix = f"-{classifier}" if classifier else ""
    return (f"{group.replace('.', '/')}/{artifact}/{version}/"
            f"{artifact}-{version}{suffix}.{extension}")


async def _maven_all(components: list[Component], settings: OnlineSettings,
                     report: EnrichmentReport) -> None:
    from fincompliance.scanners.maven_common import Coordinates
    from fincompliance.scanners.maven_pom import licence_walk

    limit = asyncio.Semaphore(max(1, settings.concurrency))
    cache = _Cache(settings.cache_hours)
    base = settings.maven or ""
    mirror = httpx.URL(base).host

    async with async_client(settings.timeout) as http:
        async def pom_text(wanted: Coordinates) -> str | None:
            url = f"{base}/{maven_path(wanted.group, wanted.artifact, wanted.version or '', 'pom')}"
            text = cache.get(url)
            if text is None:
                async with limit:
                    if mirror in report.unreachable:
                        raise _Unreachable(report.unreachable[mirror])
                    text = await _get(http, url, as_json=False) or ""
                cache.put(url, text)
            return text or None

        async def one(component: Component) -> None:
            group, artifact = component.name.split(":", 1)
            walk = licence_walk(Coordinates(group, artifact, component.version, "pom"))
            wanted, first = next(walk), True
            try:
                while True:
                    text = await pom_text(wanted)
                    if text is None and first:
                        report.not_found.append(component.name)
                        return
                    first = False
                    wanted = walk.send(_pom_or_none(text, wanted))
            except StopIteration as done:
                licences = done.value
            except _Unreachable as exc:
                report.unreachable.setdefault(mirror, str(exc))
                return
            report.enriched += 1
            if licences:
                component.declared_licenses = tuple(DeclaredLicense(text, "maven")
                                                    for text in licences)
                component.properties = tuple(sorted({*component.properties,
                                                     (DECLARED_FROM_PROPERTY, "registry")}))
                report.licences_added += 1

        await asyncio.gather(*(one(component) for component in components))


def _pom_or_none(text: str | None, coordinates: Coordinates) -> Pom | None:
    """A pom as read, None when the repository holds none or it is not a pom."""
    from fincompliance.scanners.maven_pom import read_pom

    if not text:
        return None
    try:
        return read_pom(text, f"{coordinates.artifact}-{coordinates.version}.pom")
    except InputError:
        return None


def with_flat_container(settings: OnlineSettings) -> tuple[OnlineSettings, str | None]:
    """A NuGet v3 source names its service index; packages and their .nuspec files are
    under the resource it lists as `PackageBaseAddress/3.0.0` (the flat container). The
    settings with that address (asked once, for --online and --fetch-archives alike), and
    why there is none when the index does not give it."""
    from dataclasses import replace

    from fincompliance.analysis.http import ask_json

    index = settings.nuget or ""
    if not index.endswith("/index.json"):
        return settings, None
    document, unreachable = ask_json(index, settings.timeout)
    resources = document.get("resources") if isinstance(document, dict) else None
    base = next((str(r.get("@id")) for r in resources or () if isinstance(r, dict)
                 and str(r.get("@type", "")).startswith("PackageBaseAddress/3.0.0")
                 and r.get("@id")), None)
    if base is None:
        why = unreachable or "its service index lists no PackageBaseAddress/3.0.0"
        return replace(settings, nuget=None), f"NuGet source {index} not used: {why}"
    return replace(settings, nuget=base.rstrip("/")), None


def _url(component: Component, settings: OnlineSettings) -> str | None:
    if component.ecosystem == "python" and settings.pypi:
        return f"{settings.pypi}/pypi/{component.package.rsplit('/', 1)[1]}/json"
    if component.ecosystem == "npm" and settings.npm:
        return f"{settings.npm}/{quote(component.name, safe='@')}"
    if not component.version or component.declared_licenses:
        return None   # the ecosystems below are asked only for a licence the input lacks
    if component.ecosystem == "gem" and settings.rubygems:
        # the RubyGems API's version endpoint (the public service, Gemstash, Nexus,
        # Artifactory)
        return (f"{settings.rubygems}/api/v2/rubygems/{quote(component.name)}/versions/"
                f"{quote(component.version)}.json")
    if component.ecosystem == "composer" and settings.composer:
        return f"{settings.composer}/p2/{quote(component.name.lower(), safe='/')}.json"
    if component.ecosystem == "nuget" and settings.nuget:
        lower = component.name.lower()
        return f"{settings.nuget}/{quote(lower)}/{quote(component.version.lower())}/{lower}.nuspec"
    return None


async def _fetch_all(asks: list[tuple[Component, str]], settings: OnlineSettings,
                     report: EnrichmentReport, listings: dict[str, Listing]) -> None:
    limit = asyncio.Semaphore(max(1, settings.concurrency))
    cache = _Cache(settings.cache_hours)
    async with async_client(settings.timeout) as http:
        async def one(component: Component, url: str) -> None:
            mirror = httpx.URL(url).host
            if mirror in report.unreachable:
                return
            document = cache.get(url)
            if document is not None:
                report.from_cache += 1
            else:
                async with limit:
                    if mirror in report.unreachable:
                        return  # found unreachable while this request waited its turn
                    try:
                        document = await _get(http, url,
                                              as_json=component.ecosystem != "nuget")
                        if document is None and component.ecosystem == "python" \
                                and settings.pypi_simple:
                            # a mirror that serves only the simple index (devpi, some
                            # Nexus and Artifactory set-ups)
                            document = await _simple_project(http, settings.pypi_simple,
                                                             component)
                    except _Unreachable as exc:
                        report.unreachable.setdefault(mirror, str(exc))
                        return
                if document is None:
                    report.not_found.append(component.name)
                    return
                cache.put(url, document)
            extra = {}
            if component.ecosystem == "python":
                listings[component.ref] = Listing(url, tuple(
                    (document.get("releases") or {}).get(component.version or "") or ()))
            if component.ecosystem == "python" and not component.declared_licenses:
                extra = await _pypi_version_metadata(http, limit, url, document, component,
                                                     cache)
            _apply(component, document, extra, report)

        await asyncio.gather(*(one(component, url) for component, url in asks))


@dataclass
class NamesakeReport:
    """The institution's own packages asked of the public registries."""

    asked: int = 0
    public: list[str] = field(default_factory=list)       # names the public registry holds
    not_asked: dict[str, int] = field(default_factory=dict)  # why -> how many
    unreachable: dict[str, str] = field(default_factory=dict)  # registry -> why
    unanswered: int = 0        # asked of a registry found unreachable

    def notes(self) -> list[str]:
        notes = [f"public registry {registry} unreachable ({why}); internal names not "
                 "checked against it" for registry, why in sorted(self.unreachable.items())]
        notes += [f"{count} internal packages not asked of a public registry: {why}"
                  for why, count in sorted(self.not_asked.items())]
        return notes


def ask_public_registries(graph: Graph, settings: OnlineSettings,
                          internal: InternalPackages) -> NamesakeReport:
    """Whether the public registry holds a package named like each of the institution's
    own; the answer goes on the component (`supply_chain.public_namesake`)."""
    report = NamesakeReport()
    asks = []
    for component in graph.components.values():
        if not internal.owns(component):
            continue
        base = {"python": settings.public_pypi, "npm": settings.public_npm}.get(
            component.ecosystem, "")
        if not base:
            why = ("no public registry configured for " + component.ecosystem
                   if base is None else f"{component.ecosystem} is not asked (PyPI and npm only)")
            report.not_asked[why] = report.not_asked.get(why, 0) + 1
            continue
        name = component.package.rsplit("/", 1)[1] if component.ecosystem == "python" \
            else quote(component.name, safe="@")
        asks.append((component, f"{base}/pypi/{name}/json" if component.ecosystem == "python"
                     else f"{base}/{name}"))
    report.asked = len(asks)
    if asks:
        asyncio.run(_ask_all(asks, settings, report))
    return report


async def _ask_all(asks: list[tuple[Component, str]], settings: OnlineSettings,
                   report: NamesakeReport) -> None:
    limit = asyncio.Semaphore(max(1, settings.concurrency))
    async with async_client(settings.timeout) as http:
        async def one(component: Component, url: str) -> None:
            # Not cached: the question is whether someone has published the name since.
            registry = httpx.URL(url).host
            async with limit:
                try:
                    if registry in report.unreachable:
                        raise _Unreachable(report.unreachable[registry])
                    document = await _get(http, url)
                except _Unreachable as exc:
                    report.unreachable.setdefault(registry, str(exc))
                    report.unanswered += 1
                    return
            newest = NOT_PUBLIC
            if isinstance(document, dict):
                newest = str((document.get("info") or {}).get("version")
                             or (document.get("dist-tags") or {}).get("latest") or "?")
                report.public.append(component.name)
            component.properties = tuple(sorted({*component.properties,
                                                 (NAMESAKE_PROPERTY, newest)}))

        await asyncio.gather(*(one(component, url) for component, url in asks))


async def _get(http: httpx.AsyncClient, url: str, as_json: bool = True,
               headers: dict[str, str] | None = None):
    """The document, None for 404/410, _Unreachable after retries (_NotJson for an answer
    that is not JSON)."""
    last = ""
    for attempt in range(RETRIES):
        if attempt:
            await asyncio.sleep(backoff(attempt))
        try:
            response = await http.get(url, headers=headers)
        except httpx.TimeoutException:
            last = f"no answer within {http.timeout.read:g} s"
            continue
        except httpx.TransportError as exc:
            last = str(exc) or type(exc).__name__
            if isinstance(exc, httpx.ConnectError):
                break  # nothing listens there: no use waiting
            continue
        if response.status_code in (404, 410):
            return None
        if response.status_code in RETRY_STATUSES:
            last = f"HTTP {response.status_code}"
            continue
        if response.status_code != 200:
            raise _Unreachable(f"HTTP {response.status_code}")
        try:
            return response.json() if as_json else response.text
        except ValueError:
            raise _NotJson("answered with something other than JSON") from None
    raise _Unreachable(last or "no answer")


async def _pypi_version_metadata(http, limit, project_url, document, component, cache
                                 ) -> dict[str, Any]:
    """Core metadata (PEP 658) of the version in use, for its licence fields: of a file it is
    advertised for, else of a wheel, whose metadata a mirror may serve without saying so."""
    files = (document.get("releases") or {}).get(component.version or "") or []
    advertised = [f for f in files if any(f.get(key) for key in _METADATA_KEYS)]
    wheels = [f for f in files if str(f.get("filename") or f.get("url", "")).endswith(".whl")]
    for entry in list({id(f): f for f in advertised[:1] + wheels[:1]}.values()):
        url = str(httpx.URL(project_url).join(entry["url"])) + ".metadata"
        text = cache.get(url)
        if text is None:
            async with limit:
                try:
                    text = await _get(http, url, as_json=False)
                except _Unreachable:
                    return {}
            cache.put(url, text or "")  # "": the mirror serves none, no use asking again
        if text:
            return {"metadata": text}
    return {}


# How the JSON API (hyphenated, as PyPI writes it) and the simple index (PEP 691, PEP 714)
# say a file's metadata is served; the underscored spellings are older mirrors'.
_METADATA_KEYS = ("core-metadata", "data-dist-info-metadata", "core_metadata",
                  "data_dist_info_metadata")
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"


async def _simple_project(http: httpx.AsyncClient, index: str, component: Component
                          ) -> dict[str, Any] | None:
    """A project's page on the simple index (PEP 691 JSON), in the JSON API's shape: its
    files by version, with absolute addresses; None when the index does not hold it or
    answers only in HTML."""
    name = component.package.rsplit("/", 1)[1]
    url = f"{index}/{name}/"
    try:
        page = await _get(http, url, headers={"Accept": SIMPLE_JSON})
    except _NotJson:
        return None
    if not isinstance(page, dict) or not isinstance(page.get("files"), list):
        return None
    releases: dict[str, list[dict[str, Any]]] = {
        str(v): [] for v in page.get("versions") or () if isinstance(v, str)}
    for entry in page["files"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("filename"), str):
            continue
        version = _file_version(entry["filename"])
        if version is None or not isinstance(entry.get("url"), str):
            continue
        yanked = entry.get("yanked")
        hashes = entry.get("hashes") if isinstance(entry.get("hashes"), dict) else {}
        releases.setdefault(version, []).append({
            "filename": entry["filename"], "url": str(httpx.URL(url).join(entry["url"])),
            "upload_time_iso_8601": entry.get("upload-time") or "",
            "yanked": bool(yanked), "yanked_reason": yanked if isinstance(yanked, str) else None,
            "digests": {"sha256": hashes["sha256"]} if "sha256" in hashes else {},
            **({"size": entry["size"]} if isinstance(entry.get("size"), int) else {}),
            **{key: entry[key] for key in _METADATA_KEYS if key in entry}})
    return {"info": {}, "releases": releases}


def _file_version(filename: str) -> str | None:
    from packaging.utils import (
        InvalidSdistFilename,
        InvalidWheelFilename,
        parse_sdist_filename,
        parse_wheel_filename,
    )

    try:
        if filename.endswith(".whl"):
            return str(parse_wheel_filename(filename)[1])
        return str(parse_sdist_filename(filename)[1])
    except (InvalidWheelFilename, InvalidSdistFilename):
        return None


def _apply(component: Component, document: dict[str, Any], extra: dict[str, Any],
           report: EnrichmentReport) -> None:
    if component.ecosystem == "npm":
        facts, licences = _from_packument(document, component.version)
    elif component.ecosystem == "python":
        facts, licences = _from_pypi(document, component.version, extra.get("metadata"))
    else:
        facts, licences = _READERS[component.ecosystem](document, component)
    component.release = facts
    report.enriched += 1
    if licences and not component.declared_licenses:
        component.declared_licenses = tuple(licences)
        component.properties = tuple(sorted({*component.properties,
                                             (DECLARED_FROM_PROPERTY, "registry")}))
        report.licences_added += 1


def _from_packument(document: dict[str, Any], version: str | None
                    ) -> tuple[ReleaseFacts, list[DeclaredLicense]]:
    versions = document.get("versions") or {}
    times = {k: v for k, v in (document.get("time") or {}).items()
             if k not in ("created", "modified") and k in versions}
    latest = (document.get("dist-tags") or {}).get("latest")
    current = versions.get(version or "") or {}
    licence = _npm_licence((versions.get(latest) or {}).get("license"))
    used = _npm_licence(current.get("license"))
    return ReleaseFacts(
        latest_version=latest, latest_licence=_normalised(licence),
        released=times.get(version or ""), last_release=max(times.values(), default=None),
        release_count=len(versions), deprecated=current.get("deprecated") or None,
        maintainers=tuple(sorted(str(m.get("name")) for m in document.get("maintainers") or []
                                 if isinstance(m, dict) and m.get("name")))
    ), ([DeclaredLicense(used, "license")] if used else [])


def _from_rubygems(document: Any, component: Component
                   ) -> tuple[ReleaseFacts, list[DeclaredLicense]]:
    """The RubyGems API's answer for one version: `licenses`, its date and yanked flag."""
    document = document if isinstance(document, dict) else {}
    licences = [DeclaredLicense(str(name), "licenses") for name in
                document.get("licenses") or () if isinstance(name, str) and name.strip()]
    created = document.get("version_created_at") or document.get("created_at")
    return ReleaseFacts(released=created if isinstance(created, str) else None,
                        yanked="" if document.get("yanked") is True else None), licences


def _from_composer(document: Any, component: Component
                   ) -> tuple[ReleaseFacts, list[DeclaredLicense]]:
    """Composer v2 repository metadata (`/p2/VENDOR/NAME.json`): the versions, newest
    first and minified (each entry only what changed from the one before, `__unset` for a
    key removed), expanded to find the version in use and its `license`."""
    versions = ((document or {}).get("packages") or {}).get(component.name.lower()) \
        if isinstance(document, dict) else None
    if not isinstance(versions, list):
        return ReleaseFacts(), []
    expanded, current = [], {}
    for entry in versions:
        if not isinstance(entry, dict):
            continue
        current = {**current, **entry}
        current = {k: v for k, v in current.items() if v != "__unset"}
        expanded.append(current)
    wanted = component.version or ""
    match = next((e for e in expanded if str(e.get("version", "")).lstrip("v")
                  == wanted.lstrip("v")), None)
    stable = [e for e in expanded if "dev" not in str(e.get("version", ""))]
    facts = ReleaseFacts(
        latest_version=str(stable[0]["version"]) if stable else None,
        released=str(match["time"]) if match and match.get("time") else None,
        last_release=str(stable[0]["time"]) if stable and stable[0].get("time") else None,
        release_count=len(stable))
    licences = match.get("license") if match else None
    names = [licences] if isinstance(licences, str) else [
        str(name) for name in licences or () if isinstance(name, str) and name.strip()]
    # Composer lists alternatives, as in composer.lock: "(A or B)" is written ["A", "B"].
    return facts, [DeclaredLicense(" OR ".join(names), "composer")] if names else []


def _from_nuspec(document: Any, component: Component
                 ) -> tuple[ReleaseFacts, list[DeclaredLicense]]:
    """A package's .nuspec from the flat container."""
    if not isinstance(document, str):
        return ReleaseFacts(), []
    return ReleaseFacts(), nuspec_licences(document, f"{component.name}.nuspec")


def nuspec_licences(text: str, shown_as: str) -> list[DeclaredLicense]:
    """A .nuspec's `<license type="expression">` (the SPDX expression NuGet validates),
    else the deprecated `<licenseUrl>`; a `<license type="file">` names a file inside the
    package, which `--fetch-archives` reads as a licence file."""
    from fincompliance.inputs import load_xml

    try:
        root = load_xml(text, shown_as, strip_namespaces=True)
    except InputError:
        return []
    licence = root.find("metadata/license")
    if licence is not None and (licence.get("type") or "") == "expression" \
            and (licence.text or "").strip():
        return [DeclaredLicense(licence.text.strip(), "nuspec")]
    url = root.find("metadata/licenseUrl")
    if url is not None and (url.text or "").strip() and \
            "aka.ms/deprecateLicenseUrl" not in (url.text or ""):
        return [DeclaredLicense(url.text.strip(), "licenseUrl")]
    return []


_READERS = {"gem": _from_rubygems, "composer": _from_composer, "nuget": _from_nuspec}


def _npm_licence(value: Any) -> str | None:
    if isinstance(value, dict):  # the legacy {"type": "MIT", "url": ...} form
        value = value.get("type")
    return str(value) if value else None


def _from_pypi(document: dict[str, Any], version: str | None, metadata: str | None
               ) -> tuple[ReleaseFacts, list[DeclaredLicense]]:
    info = document.get("info") or {}
    releases = {v: files for v, files in (document.get("releases") or {}).items() if files}
    uploaded = {v: min(f.get("upload_time_iso_8601") or "" for f in files)
                for v, files in releases.items()}
    current = releases.get(version or "", [])
    yanked = None
    if current and all(f.get("yanked") for f in current):
        yanked = next((f.get("yanked_reason") for f in current if f.get("yanked_reason")), "")
    latest = info.get("version") or newest("PyPI", list(releases))
    latest_licence = info.get("license_expression") or _short(info.get("license")) or \
        _classifier(info.get("classifiers") or [])
    licences = _metadata_licences(metadata) if metadata else []
    if not licences and version == latest:
        licences = [DeclaredLicense(text, name) for name, text in (
            ("License-Expression", info.get("license_expression")),
            ("License", _short(info.get("license")))) if text]
    maintainers = tuple(sorted({str(info[k]) for k in ("maintainer", "author") if info.get(k)}))
    return ReleaseFacts(
        latest_version=latest, latest_licence=_normalised(latest_licence),
        released=uploaded.get(version or "") or None,
        last_release=max((t for t in uploaded.values() if t), default=None),
        release_count=len(releases), yanked=yanked, maintainers=maintainers), licences


def _short(text: str | None) -> str | None:
    # Some projects put the whole licence text in the field; that is not an identifier.
    return text if text and len(text) <= 200 and "\n" not in text.strip() else None


def _classifier(classifiers: list[str]) -> str | None:
    found = [c for c in classifiers if c.startswith("License ::")]
    return found[0] if len(found) == 1 else None


def _metadata_licences(text: str) -> list[DeclaredLicense]:
    from email.parser import HeaderParser

    headers = HeaderParser().parsestr(text)
    found = []
    for name in ("License-Expression", "License"):
        value = _short(headers.get(name))
        if value and value.upper() != "UNKNOWN":
            found.append(DeclaredLicense(value, name))
    found += [DeclaredLicense(c, "Classifier") for c in headers.get_all("Classifier")
              or [] if c.startswith("License ::")]
    return found


def _normalised(text: str | None) -> str | None:
    if not text:
        return None
    result = normalise(text, "registry")
    return result.expression if result.identified else None


class _Cache:
    """Registry answers on disk, by URL, for `cache_hours`."""

    def __init__(self, hours: float) -> None:
        self.folder = cache_dir() / "registry"
        self.seconds = hours * 3600

    def _path(self, url: str) -> Path:
        digest = hashlib.sha256(url.encode()).hexdigest()
        return self.folder / digest[:2] / f"{digest}.json"

    def get(self, url: str):
        path = self._path(url)
        try:
            if time.time() - path.stat().st_mtime > self.seconds:
                return None
            return json.loads(path.read_text(encoding="utf-8"))["body"]
        except (OSError, ValueError, KeyError):
            return None

    def put(self, url: str, body) -> None:
        path = self._path(url)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            temporary = path.with_suffix(f".{time.time_ns()}.tmp")
            temporary.write_text(json.dumps({"url": url, "body": body}), encoding="utf-8")
            temporary.replace(path)
        except OSError:
            pass  # a cache that cannot be written is simply not used

