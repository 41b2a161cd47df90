"""`--fetch-archives` for Rust crates and Go modules, against a cargo sparse index and a Go
module proxy served on loopback, built at test time from real files Debian's packages
install: the crates of `librust-*-dev` (/usr/share/cargo/registry) and the modules Go's own
source tree vendors with their licence files (/usr/lib/go/src/**/vendor, listed with their
versions in modules.txt). Go's `h1:` hashes in the go.sum the tests write are the ones the
go command itself computes from the proxy's zips, not fincomp's."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import subprocess
import tarfile
import zipfile
from pathlib import Path

from fincompliance.analysis.archives import go_h1, go_private

from conftest import CORPUS, run_cli

CRATES = Path("/usr/share/cargo/registry")
GO_VENDOR = [Path("/usr/lib/go/src/cmd/vendor"), Path("/usr/lib/go/src/vendor")]
# Checked by hand: each crate's Cargo.toml `license` as its authors wrote it, and the
# expression fincomp concludes from it ("/" is the old cargo spelling of OR).
CRATE_LICENCES = {
    "aho-corasick": "Unlicense OR MIT", "bstr": "MIT OR Apache-2.0",
    "cfg-if": "MIT OR Apache-2.0", "encoding_rs": "(Apache-2.0 OR MIT) AND BSD-3-Clause",
    "fnv": "Apache-2.0 OR MIT", "globset": "Unlicense OR MIT", "itoa": "MIT OR Apache-2.0",
    "lazy_static": "MIT OR Apache-2.0", "log": "MIT OR Apache-2.0",
    "memchr": "Unlicense OR MIT", "regex": "MIT OR Apache-2.0",
    "regex-syntax": "MIT OR Apache-2.0", "ryu": "Apache-2.0 OR BSL-1.0",
    "same-file": "Unlicense OR MIT", "termcolor": "Unlicense OR MIT",
    "unicode-ident": "MIT OR Apache-2.0", "walkdir": "Unlicense OR MIT",
}
# Checked by hand against each module's LICENSE: the Go project's BSD 3-clause text for
# golang.org/x and demangle, the Apache License 2.0 for pprof.
MODULE_LICENCES = {
    "github.com/google/pprof": "Apache-2.0",
    "github.com/ianlancetaylor/demangle": "BSD-3-Clause",
    "golang.org/x/arch": "BSD-3-Clause", "golang.org/x/crypto": "BSD-3-Clause",
    "golang.org/x/mod": "BSD-3-Clause", "golang.org/x/net": "BSD-3-Clause",
    "golang.org/x/sync": "BSD-3-Clause", "golang.org/x/sys": "BSD-3-Clause",
    "golang.org/x/term": "BSD-3-Clause", "golang.org/x/text": "BSD-3-Clause",
    "golang.org/x/tools": "BSD-3-Clause",
}
# crates.io's source as Cargo.lock names it, read from the corpus's real lockfile
CRATES_IO = re.search(r'^source = "(registry\+[^"]+)"$', (
    CORPUS / "cargo/ripgrep/Cargo.lock").read_text(), re.MULTILINE).group(1)


def _installed(folder: Path, package: str) -> None:
    assert folder.is_dir(), f"{folder} is missing: .ci/tools installs {package}"


def _crate(folder: Path) -> bytes:
    """A .crate as cargo packages one: a gzipped tar of NAME-VERSION/ (Debian's own files,
    its debian/ folder and checksum list, left out)."""
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for path in sorted(folder.rglob("*")):
            relative = path.relative_to(folder)
            if relative.parts[0] in ("debian", ".cargo-checksum.json") or not path.is_file():
                continue
            archive.add(path, f"{folder.name}/{relative}", recursive=False)
    return data.getvalue()


def _crate_registry(serve, tmp_path, names=tuple(CRATE_LICENCES)):
    _installed(CRATES, "librust-*-dev")
    files: dict[str, object] = {"/index/config.json": lambda port: json.dumps(
        {"dl": f"http://127.0.0.1:{port}/api/v1/crates"}).encode()}
    lock = ["version = 3", ""]
    for folder in sorted(CRATES.iterdir()):
        name, _, version = folder.name.rpartition("-")
        if name not in names:
            continue
        crate = _crate(folder)
        files[f"/api/v1/crates/{name}/{version}/download"] = crate
        lock += ["[[package]]", f'name = "{name}"', f'version = "{version}"',
                 f'source = "{CRATES_IO}"',
                 f'checksum = "{hashlib.sha256(crate).hexdigest()}"', ""]
    lock += ["[[package]]", 'name = "app"', 'version = "0.1.0"', "dependencies = ["]
    lock += [f' "{name}",' for name in sorted(names)] + ["]", ""]
    project = tmp_path / "app"
    project.mkdir()
    (project / "Cargo.lock").write_text("\n".join(lock))
    server, base = serve(files)
    return server, project, {"FINCOMP_CARGO_URL": f"sparse+{base}/index/",
                             "FINCOMP_CACHE_DIR": str(tmp_path / "cache")}


def _scan(project, env, *extra):
    result = run_cli("scan", str(project), "--format", "json", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def test_every_crate_concludes_its_licence_from_its_archive(serve, tmp_path):
    server, project, env = _crate_registry(serve, tmp_path)
    offline = _scan(project, env)
    assert {c["concluded_license"]["expression"] for c in offline["components"]} == {
        "LicenseRef-fincomp-unknown"}
    assert server.requests == []

    document = _scan(project, env, "--online")
    report = document["analysis"]["archives"]
    assert report["asked"] == report["read"] == len(CRATE_LICENCES)
    assert report["refused"] == {}
    for component in document["components"]:
        concluded = component["concluded_license"]
        assert concluded["expression"] == CRATE_LICENCES[component["name"]], component["name"]
        assert concluded["method"] in ("declared", "declared-confirmed"), component["name"]
        assert {"name": "fincomp:declared-licence-from", "value": "archive"} in \
            component["properties"], component["name"]
    # the licence files were read too: regex's two texts confirm its declaration
    regex = next(c for c in document["components"] if c["name"] == "regex")
    assert regex["concluded_license"]["method"] == "declared-confirmed"

    # a second scan reads the cache by checksum: nothing is downloaded again
    downloads = [r for r in server.requests if r.endswith("/download")]
    again = _scan(project, env, "--online")
    assert again["analysis"]["archives"]["from_cache"] == len(CRATE_LICENCES)
    assert [r for r in server.requests if r.endswith("/download")] == downloads


def test_a_crate_that_is_not_the_one_cargo_lock_pins_is_refused(serve, tmp_path):
    server, project, env = _crate_registry(serve, tmp_path, ("log", "memchr"))
    path = next(p for p in server.files if p.startswith("/api/v1/crates/log/"))
    server.files[path] = _crate(CRATES / "memchr-2.5.0")   # another crate's bytes
    document = _scan(project, env, "--online")
    refused = document["analysis"]["archives"]["refused"]
    assert list(refused) == ["log@0.4.17"]
    assert "not the" in refused["log@0.4.17"] and "expected; not used" in refused["log@0.4.17"]
    components = {c["name"]: c["concluded_license"]["expression"]
                  for c in document["components"]}
    assert components == {"log": "LicenseRef-fincomp-unknown", "memchr": "Unlicense OR MIT"}


def test_cargo_source_replacement_names_the_mirror(serve, tmp_path):
    """No FINCOMP_CARGO_URL: the sparse index comes from the project's .cargo/config.toml,
    as cargo itself would replace crates.io."""
    server, project, env = _crate_registry(serve, tmp_path, ("log",))
    index = env.pop("FINCOMP_CARGO_URL")
    (project / ".cargo").mkdir()
    (project / ".cargo/config.toml").write_text(
        '[source.crates-io]\nreplace-with = "bank"\n\n'
        f'[source.bank]\nregistry = "{index}"\n')
    document = _scan(project, {**env, "CARGO_HOME": str(tmp_path / "cargo-home")},
                     "--online")
    assert any("cargo index from" in source and "config.toml" in source
               for source in document["analysis"]["registries"])
    [component] = document["components"]
    assert component["concluded_license"]["expression"] == "MIT OR Apache-2.0"


def _vendored_modules() -> dict[str, tuple[str, Path]]:
    """Module path -> (version, folder) for each module Go's source tree vendors."""
    found = {}
    for vendor in GO_VENDOR:
        _installed(vendor, "golang-go")
        for line in (vendor / "modules.txt").read_text().splitlines():
            parts = line.split()
            if len(parts) == 3 and parts[0] == "#" and parts[1] in MODULE_LICENCES \
                    and parts[1] not in found:
                found[parts[1]] = (parts[2], vendor / parts[1])
    assert set(found) == set(MODULE_LICENCES)
    return found


def _module_zip(path: str, version: str, folder: Path) -> bytes:
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, f"{path}@{version}/{file.relative_to(folder)}")
    return data.getvalue()


def _escaped(text: str) -> str:
    return "".join(f"!{c.lower()}" if c.isupper() else c for c in text)


def _go_proxy(serve, tmp_path):
    files: dict[str, bytes] = {}
    modules = _vendored_modules()
    for path, (version, folder) in modules.items():
        prefix = f"/{_escaped(path)}/@v/{_escaped(version)}"
        files[f"{prefix}.info"] = json.dumps({"Version": version,
                                               "Time": "2022-07-29T23:21:43Z"}).encode()
        files[f"{prefix}.mod"] = f"module {path}\n".encode()
        files[f"{prefix}.zip"] = _module_zip(path, version, folder)
    server, base = serve(files)
    # go.sum as the go command writes it, from the proxy's zips
    sums = []
    for path, (version, _) in sorted(modules.items()):
        result = subprocess.run(
            ["go", "mod", "download", "-json", f"{path}@{version}"], capture_output=True,
            text=True, check=True, cwd=tmp_path, env={
                **os.environ, "GOPROXY": base, "GOSUMDB": "off", "GOFLAGS": "-mod=mod",
                "GOPATH": str(tmp_path / "gopath"), "GOCACHE": str(tmp_path / "gocache"),
                "GO111MODULE": "on"})
        answer = json.loads(result.stdout)
        sums += [f"{path} {version} {answer['Sum']}",
                 f"{path} {version}/go.mod {answer['GoModSum']}"]
    project = tmp_path / "service"
    project.mkdir()
    (project / "go.mod").write_text(
        "module example.internal/service\n\ngo 1.19\n\nrequire (\n"
        + "".join(f"\t{path} {version}\n" for path, (version, _) in sorted(modules.items()))
        + ")\n")
    (project / "go.sum").write_text("\n".join(sums) + "\n")
    return server, project, {"FINCOMP_GOPROXY": base,
                             "FINCOMP_CACHE_DIR": str(tmp_path / "cache")}


def test_every_module_concludes_its_licence_from_its_zip(serve, tmp_path):
    server, project, env = _go_proxy(serve, tmp_path)
    document = _scan(project, env, "--online")
    report = document["analysis"]["archives"]
    assert report["asked"] == report["read"] == len(MODULE_LICENCES)
    assert report["refused"] == {}
    for component in document["components"]:
        concluded = component["concluded_license"]
        assert (concluded["expression"], concluded["method"]) == (
            MODULE_LICENCES[component["name"]], "detected"), component["name"]
    # fincomp's h1: is the go command's for every zip the proxy served
    for line in (project / "go.sum").read_text().splitlines():
        path, version, checksum = line.split()
        if version.endswith("/go.mod"):
            continue
        body = server.files[f"/{_escaped(path)}/@v/{_escaped(version)}.zip"]
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            files = [(i.filename, archive.read(i)) for i in archive.infolist()]
        assert go_h1(files) == checksum, path


def test_a_module_zip_go_sum_does_not_vouch_for_is_refused_and_private_modules_not_asked(
        serve, tmp_path):
    server, project, env = _go_proxy(serve, tmp_path)
    path = next(p for p in server.files if p.startswith("/golang.org/x/term/")
                and p.endswith(".zip"))
    server.files[path] = _module_zip(
        "golang.org/x/term", path.split("/@v/")[1][:-4],
        GO_VENDOR[0] / "golang.org/x/sync")   # the right name, another module's files
    server.requests.clear()   # the go command's, while go.sum was written
    document = _scan(project, {**env, "GOPRIVATE": "github.com/google/*,github.com/ian*"},
                     "--online")
    archives = document["analysis"]["archives"]
    [(package, why)] = archives["refused"].items()
    assert package.startswith("golang.org/x/term@") and "go.sum records; not used" in why
    assert archives["not_fetched"] == {"private modules (GONOPROXY/GOPRIVATE)": 2}
    assert not any("pprof" in r or "demangle" in r for r in server.requests)


def test_goprivate_patterns_match_as_the_go_command_does():
    assert go_private("github.com/bank/payments", ("github.com/bank",))
    assert go_private("github.com/bank/payments/v2", ("*.internal", "github.com/b*/payments"))
    assert not go_private("github.com/bankers/x", ("github.com/bank",))
    assert not go_private("github.com/bank", ("github.com/bank/payments",))
