"""Every input format fincomp reads, each with a seed made from a real file (a corpus row, a
test fixture, an advisory, a shipped policy), trimmed so that one run takes milliseconds,
and the command a user would type to have fincomp read it."""

from __future__ import annotations

import io
import json
import tarfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

from conftest import CORPUS, FIXTURES, REPO, SHARED

OSV = SHARED / "osv" / "pypa-advisory-database" / "vulns"
PYYAML_ADVISORY = OSV / "pyyaml" / "PYSEC-2020-96.yaml"


@dataclass(frozen=True)
class Format:
    name: str
    seed: Callable[[], bytes]
    # where the input is written inside the run's folder, and the command that reads it;
    # {input}, {root} and {db} are filled in per run
    layout: str
    command: tuple[str, ...]
    structure: str | None = None               # "json" or "yaml": values can be swapped
    companions: dict[str, Callable[[], bytes]] = field(default_factory=dict)


def _file(path: Path) -> Callable[[], bytes]:
    return path.read_bytes


def _blocks(path: Path, lines: int) -> Callable[[], bytes]:
    """The first lines of a file, cut back to a blank line so no block is left half."""
    def seed() -> bytes:
        kept = path.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
        text = "".join(kept)
        cut = text.rfind("\n\n")
        return (text[:cut + 1] if cut > 0 else text).encode()
    return seed


def _head(path: Path, lines: int) -> Callable[[], bytes]:
    return lambda: "".join(path.read_text(encoding="utf-8").splitlines(keepends=True)[:lines]
                           ).encode()


def _trimmed(value, keep: int, depth: int = 0):
    """The first `keep` entries of every mapping and list below the top: a small document
    of the same shape as the real one."""
    if isinstance(value, dict):
        items = list(value.items())
        return {k: _trimmed(v, keep, depth + 1)
                for k, v in (items if depth == 0 else items[:keep])}
    if isinstance(value, list):
        return [_trimmed(v, keep, depth + 1) for v in value[:keep]]
    return value


def _json(path: Path, keep: int = 8) -> Callable[[], bytes]:
    return lambda: json.dumps(_trimmed(json.loads(path.read_text(encoding="utf-8")), keep),
                              indent=2).encode()


def _yaml(path: Path, keep: int = 8) -> Callable[[], bytes]:
    return lambda: yaml.safe_dump(_trimmed(yaml.safe_load(path.read_text(encoding="utf-8")),
                                           keep), sort_keys=False).encode()


def _osv_json() -> bytes:
    return json.dumps(yaml.safe_load(PYYAML_ADVISORY.read_text(encoding="utf-8")),
                      indent=2).encode()


def _waivers() -> bytes:
    return (b"waivers:\n"
            b"  - component: pkg:npm/axios\n    versions: '<2'\n    rule: '*'\n"
            b"    reason: vendor patch under review\n    approver: Wang Fang\n"
            b"    expires: 2099-06-30\n    ticket: GRC-101\n"
            b"  - component: pkg:npm/lodash\n    rule: FIN-LIC-UNKNOWN\n"
            b"    reason: licence confirmed by legal\n    approver: Li Na\n"
            b"    expires: 2020-01-01\n")


def _dpkg_status() -> bytes:
    """The first packages of this machine's own dpkg database."""
    return _blocks(Path("/var/lib/dpkg/status"), 120)()


@cache
def image_archive() -> bytes:
    """A `docker save` archive of two layers built from the Alpine fixture: a real apk
    database and os-release, with a whiteout in the second layer."""
    def layer(files: dict[str, bytes]) -> bytes:
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w") as tar:
            for name, data in files.items():
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return buffer.getvalue()

    rootfs = FIXTURES / "alpine-rootfs"
    first = layer({str(p.relative_to(rootfs)): p.read_bytes()
                   for p in sorted(rootfs.rglob("*")) if p.is_file() and p.name != "README.md"})
    second = layer({"etc/.wh.motd": b"", "usr/lib/app/package.json": b"{}"})
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bank/app:1.0"],
                            "Layers": ["one/layer.tar", "two/layer.tar"]}]).encode()
    return layer({"manifest.json": manifest, "config.json": b"{}", "one/layer.tar": first,
                  "two/layer.tar": second})


SBOM = ("sbom", "{input}", "--format", "cyclonedx-json", "-o", "{root}/out.json")
SPDX = ("sbom", "{input}", "--format", "spdx-json", "-o", "{root}/out.json")
GATE = ("scan", "{input}", "--policy", "financial-default", "--format", "sarif",
        "-o", "{root}/out.sarif")
# a manifest is read beside its lockfile: the folder is scanned
FOLDER = ("sbom", "{root}", "--format", "cyclonedx-json", "-o", "{root}/out.json")
CHECK = ("check", "{input}", "--policy", "financial-default", "--format", "junit",
         "-o", "{root}/out.xml")
EXPRESS = CORPUS / "npm/express-app"

FORMATS = [
    Format("requirements.txt", _file(CORPUS / "python/legacy-app/requirements.txt"),
           "requirements.txt", SBOM),
    Format("poetry.lock", _blocks(CORPUS / "python/poetry/poetry.lock", 150), "poetry.lock",
           SPDX),
    Format("pyproject.toml", _file(CORPUS / "python/poetry/pyproject.toml"),
           "pyproject.toml", GATE),
    Format("uv.lock", _blocks(CORPUS / "python/pydantic/uv.lock", 200), "uv.lock", SBOM),
    Format("Pipfile.lock", _json(CORPUS / "python/pipenv/Pipfile.lock"), "Pipfile.lock",
           SBOM, "json"),
    Format("Pipfile", _file(CORPUS / "python/pipenv/Pipfile"), "Pipfile", SPDX),
    Format("pdm.lock", _file(FIXTURES / "pdm-app/pdm.lock"), "pdm.lock", SBOM),
    Format("dist-info METADATA", _file(
        CORPUS / "python/site-packages-fin/urllib3-2.8.0.dist-info/METADATA"),
        "venv/lib/python3.11/site-packages/urllib3-2.8.0.dist-info/METADATA",
        ("sbom", "{root}/venv", "--installed", "--format", "cyclonedx-json",
         "-o", "{root}/out.json")),
    Format("package-lock.json", _json(EXPRESS / "package-lock.json", 12),
           "package-lock.json", GATE, "json"),
    Format("npm-shrinkwrap.json", _file(FIXTURES / "npm-shrinkwrap/npm-shrinkwrap.json"),
           "npm-shrinkwrap.json", SBOM, "json"),
    Format("yarn.lock v1", _blocks(CORPUS / "npm/yarn1-app/yarn.lock", 150), "yarn.lock", SBOM),
    Format("yarn.lock berry", _blocks(CORPUS / "npm/prettier/yarn.lock", 150), "yarn.lock",
           SPDX),
    Format("pnpm-lock.yaml v6", _yaml(CORPUS / "npm/vue2/pnpm-lock.yaml"), "pnpm-lock.yaml",
           SBOM, "yaml"),
    Format("pnpm-lock.yaml v9", _yaml(CORPUS / "npm/vite/pnpm-lock.yaml"), "pnpm-lock.yaml",
           GATE, "yaml"),
    Format("package.json", _json(CORPUS / "npm/prettier/package.json"), "package.json", SBOM,
           "json"),
    Format("Cargo.lock", _blocks(CORPUS / "cargo/ripgrep/Cargo.lock", 150), "Cargo.lock", SBOM),
    Format("composer.lock", _json(CORPUS / "php/bookstack/composer.lock", 6), "composer.lock",
           SBOM, "json"),
    Format("composer.json", _file(CORPUS / "php/bookstack/composer.json"),
           "composer.json", FOLDER, "json",
           companions={"composer.lock": _json(CORPUS / "php/bookstack/composer.lock", 6)}),
    Format("Gemfile.lock", _blocks(CORPUS / "ruby/rubygems-org/Gemfile.lock", 120),
           "Gemfile.lock", SBOM),
    Format("Gemfile", _file(CORPUS / "ruby/rubygems-org/Gemfile"), "Gemfile", FOLDER,
           companions={"Gemfile.lock": _blocks(CORPUS / "ruby/rubygems-org/Gemfile.lock", 60)}),
    Format("pom.xml", _file(CORPUS / "maven/spring-petclinic/pom.xml"), "pom.xml", SBOM),
    Format("dependency-tree.txt", _file(FIXTURES / "jvm/maven-resolved/dependency-tree.txt"),
           "dependency-tree.txt", SPDX),
    Format("gradle.lockfile", _file(FIXTURES / "jvm/gradle-app/gradle.lockfile"),
           "gradle.lockfile", SBOM),
    Format("build.gradle", _file(FIXTURES / "jvm/gradle-app/build.gradle"),
           "build.gradle", SBOM),
    Format("go.mod", _head(CORPUS / "go/prometheus/go.mod", 110), "go.mod", SBOM),
    Format("go.sum", _head(CORPUS / "go/prometheus/go.sum", 60), "go.sum", FOLDER,
           companions={"go.mod": _head(CORPUS / "go/prometheus/go.mod", 110)}),
    Format("packages.lock.json", _file(FIXTURES / "dotnet/Bank.Payments/packages.lock.json"),
           "packages.lock.json", SBOM, "json"),
    Format("csproj", _file(FIXTURES / "dotnet/Bank.Ledger/Bank.Ledger.csproj"),
           "Bank.Ledger.csproj", SPDX),
    Format("dpkg status", _dpkg_status, "rootfs/var/lib/dpkg/status",
           ("sbom", "{root}/rootfs", "--rootfs", "--format", "cyclonedx-json",
            "-o", "{root}/out.json")),
    Format("apk installed", _file(FIXTURES / "alpine-rootfs/lib/apk/db/installed"),
           "rootfs/lib/apk/db/installed",
           ("sbom", "{root}/rootfs", "--rootfs", "--format", "spdx-json",
            "-o", "{root}/out.json")),
    Format("CycloneDX JSON", _file(FIXTURES / "supplier-sboms/legacy-app-1.5.cdx.json"),
           "supplier.cdx.json", CHECK, "json"),
    Format("CycloneDX XML", _file(FIXTURES / "supplier-sboms/legacy-app-1.5.cdx.xml"),
           "supplier.cdx.xml", CHECK),
    Format("SPDX JSON", _file(FIXTURES / "supplier-sboms/spdx-example-2.2.spdx.json"),
           "supplier.spdx.json", CHECK, "json"),
    Format("SPDX tag-value", _file(FIXTURES / "supplier-sboms/spdx-example-2.2.spdx"),
           "supplier.spdx", CHECK),
    Format("policy YAML", _file(REPO / "rules/internal-tools.yaml"), "policy.yaml",
           ("scan", str(EXPRESS), "--policy", "{input}", "--format", "json",
            "-o", "{root}/out.json"), "yaml"),
    Format("waivers YAML", _waivers, "waivers.yaml",
           ("scan", str(EXPRESS), "--policy", "financial-default", "--waivers", "{input}",
            "--format", "junit", "-o", "{root}/out.xml"), "yaml"),
    Format("OSV JSON", _osv_json, "advisory.json",
           ("db", "update", "--from", "{input}", "--db", "{db}"), "json"),
    Format("OSV YAML", _file(PYYAML_ADVISORY), "advisory.yaml",
           ("db", "update", "--from", "{input}", "--db", "{db}"), "yaml"),
    Format("docker save archive", image_archive, "image.tar",
           ("scan", "{input}", "--format", "json", "-o", "{root}/out.json")),
]
