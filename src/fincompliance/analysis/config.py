"""Which registry mirrors fincomp may ask (only with --online), from the user's own
configuration: fincomp's environment variables, fincomp's config file, then the package
managers' own settings (pip, npm, cargo's source replacement, Go's GOPROXY). No registry
address is built in: a bank's scans reach only the mirrors it runs."""

from __future__ import annotations

import configparser
import json
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path

from fincompliance.errors import InputError


@dataclass(frozen=True)
class OnlineSettings:
    pypi: str | None            # a PyPI JSON API base: {base}/pypi/{name}/json
    npm: str | None             # an npm registry base: {base}/{name}
    pypi_simple: str | None = None  # the simple index (PEP 691): {index}/{name}/
    # the public registries, as the institution reaches them (often a proxy of its own),
    # asked only whether they hold a package named like one of the institution's own
    public_pypi: str | None = None
    public_npm: str | None = None
    maven: str | None = None       # a Maven-layout repository: {base}/g/r/o/u/p/artifact/...
    rubygems: str | None = None    # a RubyGems API: {base}/api/v2/rubygems/NAME/versions/V.json
    composer: str | None = None    # a Composer v2 repository: {base}/p2/VENDOR/NAME.json
    nuget: str | None = None       # a NuGet v3 flat container: {base}/ID/VERSION/ID.nuspec
    cargo: str | None = None       # a sparse cargo index: {index}/config.json names downloads
    goproxy: str | None = None     # a Go module proxy: {proxy}/{module}/@v/{version}.zip
    go_private: tuple[str, ...] = ()  # GONOPROXY/GOPRIVATE patterns: never asked of a proxy
    concurrency: int = 8
    cache_hours: float = 24.0
    timeout: float = 20.0          # seconds for one request
    sources: tuple[str, ...] = ()  # where each setting came from, for messages


def config_file() -> Path:
    configured = os.environ.get("FINCOMP_CONFIG")
    if configured:
        return Path(configured)
    base = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(base, "fincomp", "config.toml")


def load_settings(project: Path | None = None) -> OnlineSettings:
    sources = []
    file_settings: dict = {}
    path = config_file()
    if path.is_file():
        try:
            file_settings = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError, OSError) as exc:
            raise InputError(str(path), f"invalid fincomp config: {exc}") from None
    registries = file_settings.get("registries", {})
    online = file_settings.get("online", {})

    go_environment = _go_environment()
    # Each mirror: fincomp's variable, then its config file, then the package manager's own
    # settings, the first address found wins (and is named in the scan's messages).
    candidates = {
        "pypi": [("PIP_INDEX_URL", os.environ.get("PIP_INDEX_URL")), *_pip_config()],
        "npm": [("NPM_CONFIG_REGISTRY", os.environ.get("NPM_CONFIG_REGISTRY")
                 or os.environ.get("npm_config_registry")), *_npmrc(project)],
        "maven": _maven_settings(), "rubygems": _bundler_mirrors(project),
        "composer": _composer_repositories(project), "nuget": _nuget_sources(project),
        "cargo": _cargo_config(project),
        "go": [(name, _first_proxy(value)) for name, value in
               (("GOPROXY", os.environ.get("GOPROXY")), *go_environment.get("GOPROXY", ()))],
    }
    found: dict[str, str | None] = {}
    for key, (variable, shown) in _MIRRORS.items():
        value, where = _first((variable, os.environ.get(variable)),
                              (str(path), registries.get(key)), *candidates[key])
        found[key] = value.rstrip("/") if value else None
        if value:
            sources.append(f"{shown} from {where}")
    public = file_settings.get("public_registries", {})
    for key, variable, shown in (("pypi", "FINCOMP_PUBLIC_PYPI_URL", "public PyPI"),
                                 ("npm", "FINCOMP_PUBLIC_NPM_URL", "public npm registry")):
        value, where = _first((variable, os.environ.get(variable)), (str(path), public.get(key)))
        found[f"public_{key}"] = value.rstrip("/") if value else None
        if value:
            sources.append(f"{shown} from {where}")
    private = next((value for name in ("GONOPROXY", "GOPRIVATE")
                    for value in (os.environ.get(name), *(v for _, v in
                                                          go_environment.get(name, ())))
                    if value), "")
    pypi, public_pypi = found["pypi"], found["public_pypi"]
    return OnlineSettings(pypi=_pypi_base(pypi) if pypi else None, npm=found["npm"],
                          pypi_simple=_pypi_simple(pypi) if pypi else None,
                          public_pypi=_pypi_base(public_pypi) if public_pypi else None,
                          public_npm=found["public_npm"], maven=found["maven"],
                          rubygems=found["rubygems"], composer=found["composer"],
                          nuget=found["nuget"],
                          cargo=(found["cargo"] or "").removeprefix("sparse+") or None,
                          goproxy=found["go"],
                          go_private=tuple(p.strip() for p in private.split(",") if p.strip()),
                          concurrency=int(online.get("concurrency", 8)),
                          cache_hours=float(online.get("cache_hours", 24)),
                          timeout=float(online.get("timeout", 20)),
                          sources=tuple(sources))


# [registries] key in the config file -> (fincomp's environment variable, what it is called)
_MIRRORS = {"pypi": ("FINCOMP_PYPI_URL", "PyPI mirror"),
            "npm": ("FINCOMP_NPM_URL", "npm registry"),
            "maven": ("FINCOMP_MAVEN_URL", "Maven repository"),
            "rubygems": ("FINCOMP_RUBYGEMS_URL", "RubyGems mirror"),
            "composer": ("FINCOMP_COMPOSER_URL", "Composer repository"),
            "nuget": ("FINCOMP_NUGET_URL", "NuGet source"),
            "cargo": ("FINCOMP_CARGO_URL", "cargo index"),
            "go": ("FINCOMP_GOPROXY", "Go module proxy")}


def _first(*candidates: tuple[str, str | None]) -> tuple[str | None, str | None]:
    for where, value in candidates:
        if value and str(value).removeprefix("sparse+").startswith(("http://", "https://")):
            return str(value), where
    return None, None


def _pypi_base(index_url: str) -> str:
    """pip's index URL (…/simple) to the JSON API base beside it (…/pypi/NAME/json)."""
    base = index_url.rstrip("/")
    return base[: -len("/simple")] if base.endswith("/simple") else base


def _pypi_simple(index_url: str) -> str:
    """The simple index itself: pip's index URL as given, or beside a JSON API base."""
    base = index_url.rstrip("/")
    return base if base.endswith("simple") else f"{base}/simple"


def _pip_config() -> list[tuple[str, str | None]]:
    files = [os.environ.get("PIP_CONFIG_FILE"), "/etc/pip.conf", "/etc/xdg/pip/pip.conf",
             os.path.expanduser("~/.pip/pip.conf"),
             os.path.join(os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"),
                          "pip", "pip.conf")]
    found = []
    for name in reversed([f for f in files if f]):  # pip: the user's file wins
        parser = configparser.ConfigParser(interpolation=None)
        try:
            parser.read(name, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError):
            continue
        value = parser.get("global", "index-url", fallback=None) or parser.get(
            "install", "index-url", fallback=None)
        found.append((name, value))
    return found


def _npmrc(project: Path | None) -> list[tuple[str, str | None]]:
    files = [project / ".npmrc"] if project else []
    files.append(Path(os.path.expanduser("~/.npmrc")))
    found = []
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:
            key, _, value = line.partition("=")
            if key.strip() == "registry":
                found.append((str(path), value.strip()))
    return found


def _maven_settings() -> list[tuple[str, str | None]]:
    """The mirror Maven's settings.xml puts in front of Maven Central (`<mirrorOf>` naming
    `*` or `central`), else the first repository of an active profile: the user's
    `~/.m2/settings.xml`, then the installation's (`$MAVEN_HOME/conf/settings.xml`)."""
    from fincompliance.inputs import load_xml, xml_text

    files = [Path.home() / ".m2" / "settings.xml"]
    files += [Path(os.environ[name], "conf", "settings.xml")
              for name in ("MAVEN_HOME", "M2_HOME") if os.environ.get(name)]
    found = []
    for path in files:
        try:
            root = load_xml(path.read_text(encoding="utf-8"), str(path), strip_namespaces=True)
        except (OSError, UnicodeDecodeError, InputError):
            continue
        for mirror in root.findall("mirrors/mirror"):
            covers = {part.strip() for part in (xml_text(mirror, "mirrorOf") or "").split(",")}
            if covers & {"*", "central", "external:*"}:
                found.append((str(path), xml_text(mirror, "url")))
        active = {(p.text or "").strip() for p in root.findall("activeProfiles/activeProfile")}
        for profile in root.findall("profiles/profile"):
            if xml_text(profile, "id") in active or \
                    (xml_text(profile, "activation/activeByDefault") or "") == "true":
                found += [(str(path), xml_text(r, "url"))
                          for r in profile.findall("repositories/repository")]
    return found


def _bundler_mirrors(project: Path | None) -> list[tuple[str, str | None]]:
    """Bundler's mirror of the public gem source (`bundle config mirror.SOURCE URL`):
    `BUNDLE_MIRROR__…` in the environment, then the project's and the user's
    `.bundle/config`. Any source's mirror is taken: fincomp asks only the mirror."""
    found = [(name, value) for name, value in sorted(os.environ.items())
             if name.startswith("BUNDLE_MIRROR__")]
    files = ([project / ".bundle" / "config"] if project else []) + \
        [Path(os.environ.get("BUNDLE_USER_HOME") or Path.home() / ".bundle") / "config"]
    for path in files:
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError):
            continue
        for line in lines:   # YAML written by bundler: KEY: "VALUE" (the key has colons)
            key, _, value = line.partition(": ")
            if key.strip().startswith("BUNDLE_MIRROR__"):
                found.append((str(path), value.strip().strip('"').strip("'")))
    return found


def _composer_repositories(project: Path | None) -> list[tuple[str, str | None]]:
    """A `composer` repository in the project's composer.json, then in Composer's global
    config.json (`$COMPOSER_HOME`, else ~/.config/composer)."""
    home = os.environ.get("COMPOSER_HOME") or os.path.expanduser("~/.config/composer")
    files = ([project / "composer.json"] if project else []) + [Path(home) / "config.json"]
    found = []
    for path in files:
        try:
            document = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError):
            continue
        repositories = document.get("repositories") if isinstance(document, dict) else None
        entries = repositories.values() if isinstance(repositories, dict) else \
            repositories if isinstance(repositories, list) else ()
        found += [(str(path), entry.get("url")) for entry in entries
                  if isinstance(entry, dict) and entry.get("type") == "composer"]
    return found


def _nuget_sources(project: Path | None) -> list[tuple[str, str | None]]:
    """`<packageSources>` of NuGet.config: the project's (and its parents'), then the
    user's (~/.nuget/NuGet/NuGet.Config). A v3 service index (…/index.json) is resolved
    to its flat container when fincomp goes online."""
    from fincompliance.inputs import load_xml

    folders = [project, *project.resolve().parents] if project else []
    files = [f / name for f in folders for name in ("NuGet.config", "nuget.config",
                                                     "NuGet.Config")]
    files.append(Path.home() / ".nuget" / "NuGet" / "NuGet.Config")
    found = []
    for path in dict.fromkeys(files):
        try:
            root = load_xml(path.read_text(encoding="utf-8"), str(path))
        except (OSError, UnicodeDecodeError, InputError):
            continue
        found += [(str(path), add.get("value")) for add in root.findall("packageSources/add")]
    return found


def _cargo_config(project: Path | None) -> list[tuple[str, str | None]]:
    """The sparse index crates.io is replaced with (`[source.crates-io] replace-with`), as
    cargo reads its configuration: the project's `.cargo/config.toml` and its parents', then
    `$CARGO_HOME/config.toml`. A git index is not read (it would need a clone)."""
    folders = [*(p / ".cargo" for p in ([project, *project.resolve().parents]
                                         if project else []))]
    folders.append(Path(os.environ.get("CARGO_HOME") or os.path.expanduser("~/.cargo")))
    found = []
    for folder in folders:
        for name in ("config.toml", "config"):
            path = folder / name
            try:
                document = tomllib.loads(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
                continue
            sources = document.get("source") if isinstance(document.get("source"), dict) else {}
            registries = document.get("registries") \
                if isinstance(document.get("registries"), dict) else {}
            name_of = "crates-io"
            for _ in range(8):  # replace-with may chain; a loop is a broken configuration
                replacement = (sources.get(name_of) or {}).get("replace-with")
                if not isinstance(replacement, str):
                    break
                name_of = replacement
            entry = sources.get(name_of) or registries.get(name_of) or {}
            url = entry.get("registry") or entry.get("index")
            if name_of != "crates-io" and isinstance(url, str):
                found.append((str(path), url))
    return found


def _go_environment() -> dict[str, list[tuple[str, str]]]:
    """GOPROXY, GONOPROXY and GOPRIVATE as `go env -w` writes them (the GOENV file), read
    as text: the go command is never run."""
    configured = os.environ.get("GOENV")
    if configured == "off":
        return {}
    path = Path(configured) if configured else Path(
        os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config"), "go", "env")
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for line in lines:
        key, _, value = line.partition("=")
        if key.strip() in ("GOPROXY", "GONOPROXY", "GOPRIVATE"):
            found.setdefault(key.strip(), []).append((str(path), value.strip()))
    return found


def _first_proxy(value: str | None) -> str | None:
    """The first proxy of a GOPROXY list ("https://a,https://b|direct"); "direct" and "off"
    are not proxies fincomp may ask."""
    for entry in (value or "").replace("|", ",").split(","):
        if entry.strip().startswith(("http://", "https://")):
            return entry.strip()
    return None
