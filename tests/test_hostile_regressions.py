"""The minimal inputs that crashed fincomp or made it answer wrongly (issue 19), each with
the one line it must now print; found by fuzzing and by comparing with other tools."""

from __future__ import annotations

import gzip
import io
import json
import os
import signal
import subprocess
import sys
import tarfile
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from fincompliance.errors import InputError
from fincompliance.inputs import load_yaml

from conftest import CORPUS, FIXTURES, SHARED, run_cli

EXPRESS = CORPUS / "npm/express-app/package-lock.json"


def _one_line_error(result, *fragments):
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("fincomp: error: "), result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def _lock(tmp_path, **package) -> Path:
    document = {"name": "app", "lockfileVersion": 3, "packages": {
        "": {"name": "app", "dependencies": {"left-pad": "^1.3.0"}},
        "node_modules/left-pad": {"version": "1.3.0", **package}}}
    target = tmp_path / "package-lock.json"
    target.write_text(json.dumps(document))
    return target


# -- values of the wrong type or unencodable text never reach a writer -----------------

@pytest.mark.parametrize("output", ["cyclonedx-json", "spdx-json"])
def test_a_lone_surrogate_is_refused_where_it_is_read(tmp_path, output):
    target = tmp_path / "package-lock.json"
    target.write_text(json.dumps({"lockfileVersion": 3, "packages": {
        "": {"name": "app"}, "node_modules/a": {"version": "1.0.0", "license": "\ud800"}}}))
    _one_line_error(run_cli("sbom", str(target), "--format", output),
                    "package-lock.json:1:", "lone UTF-16 surrogate")


@pytest.mark.parametrize("version, found", [(1, "int"), ({"x": 1}, "dict")])
def test_a_version_that_is_not_text(tmp_path, version, found):
    _one_line_error(run_cli("sbom", str(_lock(tmp_path, version=version)), "--format",
                            "cyclonedx-json"), "package-lock.json", f"found {found}")


def test_a_composer_shasum_that_is_a_list(tmp_path):
    lock = json.loads((CORPUS / "php/bookstack/composer.lock").read_text())
    lock["packages"][0]["dist"]["shasum"] = ["a", "b"]
    (tmp_path / "composer.lock").write_text(json.dumps(lock))
    _one_line_error(run_cli("sbom", str(tmp_path / "composer.lock")), "composer.lock",
                    "should be text, found list")


def _set_property(component: dict, name: str, value: str) -> None:
    component["properties"] = [p for p in component["properties"] if p["name"] != name] + [
        {"name": name, "value": value}]


@pytest.mark.parametrize("edit, fragment", [
    (lambda c: _set_property(c, "fincomp:concluded-confidence", "high"), "could not convert"),
    (lambda c: _set_property(c, "fincomp:concluded", " "), "the concluded licence is empty"),
    (lambda c: c.update(purl="pkg:npm/a\u0000b@1.0.0"), "control character"),
], ids=["confidence-not-a-number", "empty-conclusion", "nul-in-purl"])
def test_check_refuses_what_scan_refuses(tmp_path, edit, fragment):
    made = run_cli("sbom", str(EXPRESS), "--format", "cyclonedx-json")
    document = json.loads(made.stdout)
    edit(document["components"][0])
    sbom = tmp_path / "supplier.cdx.json"
    sbom.write_text(json.dumps(document))
    line = _one_line_error(run_cli("check", str(sbom), "--policy", "financial-default"),
                           "supplier.cdx.json")
    assert fragment in line
    _one_line_error(run_cli("scan", str(tmp_path)), "supplier.cdx.json")


# -- advisories of the wrong shape ------------------------------------------------------

def _advisory(**affected) -> dict:
    return {"id": "TEST-1", "modified": "2024-01-01T00:00:00Z",
            "affected": [{"package": {"ecosystem": "PyPI", "name": "a"}, **affected}]}


@pytest.mark.parametrize("document, fragment", [
    (_advisory(ranges=[{"type": "ECOSYSTEM", "events": [[{"introduced": "0"}]]}]),
     "each event should be a mapping, found list"),
    (_advisory(ranges=[{"type": "ECOSYSTEM", "events": "introduced"}]),
     "events should be a list, found str"),
    (_advisory(versions=1.5), "versions should be a list, found float"),
    ({"id": "TEST-1", "modified": "2024-01-01T00:00:00Z", "affected": 5},
     "affected should be a list, found int"),
])
def test_osv_records_of_the_wrong_shape(tmp_path, document, fragment):
    source = tmp_path / "advisory.json"
    source.write_text(json.dumps(document))
    _one_line_error(run_cli("db", "update", "--from", str(source), "--db",
                            str(tmp_path / "db.sqlite3")), "advisory.json", fragment)


def _zip_with(data: bytes, method=zipfile.ZIP_STORED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("PYSEC-1.json", data)
    return buffer.getvalue()


def test_an_encrypted_zip_member(tmp_path):
    raw = bytearray(_zip_with(json.dumps(_advisory()).encode()))
    raw[6] |= 1                                           # local header: encrypted
    central = raw.find(b"PK\x01\x02")
    raw[central + 8] |= 1                                 # central directory: encrypted
    (tmp_path / "osv.zip").write_bytes(bytes(raw))
    _one_line_error(run_cli("db", "update", "--from", str(tmp_path / "osv.zip"), "--db",
                            str(tmp_path / "db.sqlite3")), "osv.zip", "encrypted")


def test_a_corrupt_zip_member(tmp_path):
    text = json.dumps(_advisory()).encode()
    raw = _zip_with(text).replace(b'"TEST-1"', b'"TEST-2"')   # content no longer its CRC
    (tmp_path / "osv.zip").write_bytes(raw)
    _one_line_error(run_cli("db", "update", "--from", str(tmp_path / "osv.zip"), "--db",
                            str(tmp_path / "db.sqlite3")), "osv.zip", "CRC")


def test_listed_versions_compare_by_the_ecosystem_equality(tmp_path):
    # PYSEC-2024-1 lists gratient "0.5"; a requirements pin of 0.5.0 is the same release.
    db = tmp_path / "db.sqlite3"
    advisory = SHARED / "osv/pypa-advisory-database/vulns/gratient/PYSEC-2024-1.yaml"
    assert run_cli("db", "update", "--from", str(advisory), "--db", str(db)).returncode == 0
    (tmp_path / "requirements.txt").write_text("gratient==0.5.0\n")
    result = run_cli("scan", str(tmp_path), "--format", "json", env={"FINCOMP_DB": str(db)})
    component = json.loads(result.stdout)["components"][0]
    assert [v["id"] for v in component["vulnerabilities"]] == ["PYSEC-2024-1"]


# -- docker save archives ---------------------------------------------------------------

def _tar(files: dict[str, bytes | None]) -> bytes:
    """A tar of files (None: a folder); executables where the name says bin/."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as tar:
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            if data is None:
                info.type = tarfile.DIRTYPE
                tar.addfile(info)
                continue
            info.size, info.mode = len(data), 0o755 if "/bin/" in name else 0o644
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def _image(tmp_path, layers: list[bytes], manifest=None) -> Path:
    names = [f"{n}/layer.tar" for n in range(len(layers))]
    manifest = manifest if manifest is not None else json.dumps(
        [{"Config": "c.json", "RepoTags": ["bank/app:1"], "Layers": names}]).encode()
    archive = tmp_path / "image.tar"
    archive.write_bytes(_tar({"manifest.json": manifest, "c.json": b"{}",
                              **dict(zip(names, layers, strict=True))}))
    return archive


APK = (FIXTURES / "alpine-rootfs/lib/apk/db/installed").read_bytes()


@pytest.mark.parametrize("manifest, fragment", [
    (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
    (json.dumps([{"Layers": 5}]).encode(), "Layers should be a list, found int"),
    (json.dumps([{"Layers": [5]}]).encode(), "should be a string, found int"),
], ids=["deep", "layers-a-number", "a-layer-a-number"])
def test_a_malformed_image_manifest(tmp_path, manifest, fragment):
    archive = _image(tmp_path, [_tar({"lib/apk/db/installed": APK})], manifest)
    _one_line_error(run_cli("scan", str(archive)), "image.tar", fragment)


def test_a_truncated_or_corrupt_compressed_layer(tmp_path):
    layer = gzip.compress(_tar({"lib/apk/db/installed": APK}), mtime=0)
    cut = _image(tmp_path, [layer[: len(layer) // 2]])
    _one_line_error(run_cli("scan", str(cut)), "image.tar")
    corrupt = bytearray(layer)
    corrupt[-8] ^= 0xFF                                   # the gzip trailer's CRC
    bad = _image(tmp_path, [bytes(corrupt)])
    _one_line_error(run_cli("scan", str(bad)), "image.tar", "CRC")


@pytest.mark.parametrize("name", ["yarn.lock", "packages.lock.json"])
def test_two_bytes_of_gzip_magic_are_not_taken_for_an_image(tmp_path, name):
    # found by the long fuzz run: the image probe tried every compression, and gzip's
    # EOFError became Click's bare "Aborted."
    target = tmp_path / name
    target.write_bytes(b"\x1f\x8b")
    _one_line_error(run_cli("sbom", str(target)), f"{name}:1: not valid UTF-8")


def test_a_megabyte_word_in_a_build_script_is_read_in_one_pass(tmp_path):
    # found by the long fuzz run: configuration names were matched from every letter of a
    # word (quadratic: 40 KB took a minute); the bound here is a hang, not a speed target
    seed = (FIXTURES / "jvm" / "gradle-app" / "build.gradle").read_bytes()
    (tmp_path / "build.gradle").write_bytes(b"x" * 1_000_000 + seed)
    result = run_cli("sbom", str(tmp_path / "build.gradle"), timeout=120)
    assert result.returncode == 0, result.stderr
    names = {c["name"] for c in json.loads(result.stdout)["components"]}
    assert names == {"guava", "commons-io", "slf4j-api", "commons-lang3", "junit"}


def test_a_file_then_a_folder_of_the_same_name_and_a_long_name(tmp_path):
    first = _tar({"lib/apk/db/installed": APK, "usr/bin/tool": b"\x7fELF"})
    second = _tar({"usr/bin/tool/node_modules/x/package.json":
                   b'{"name": "x", "version": "1.0.0", "license": "MIT"}',
                   "usr/lib/node_modules/" + "a" * 300 + "/package.json": b"{}"})
    result = run_cli("scan", str(_image(tmp_path, [first, second])), "--format", "json")
    assert result.returncode == 0, result.stderr
    names = {c["name"] for c in json.loads(result.stdout)["components"]}
    assert "x" in names and "musl" in names


def test_an_image_scan_stopped_with_sigterm_removes_its_files(tmp_path):
    archive = _image(tmp_path, [_tar({"lib/apk/db/installed": APK})])
    script = ("import os, signal, sys, time\n"
              "from pathlib import Path\n"
              "from fincompliance.image import unpack_for_scanning\n"
              "image = unpack_for_scanning(Path(sys.argv[1]))\n"
              "print(image.root, flush=True)\n"
              "time.sleep(60)\n")
    process = subprocess.Popen([sys.executable, "-c", script, str(archive)],
                               stdout=subprocess.PIPE, text=True)
    unpacked = Path(process.stdout.readline().strip())
    assert (unpacked / "lib/apk/db/installed").is_file()
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 128 + signal.SIGTERM
    assert not unpacked.exists()


# -- YAML with a budget, confined extends, literal one-line errors ------------------------

BOMB = "\n".join(["a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"] + [
    f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]) + "\n"


@pytest.mark.parametrize("kind", ["policy", "waivers", "OSV advisory"])
def test_a_500_byte_yaml_bomb_is_refused_in_a_second_and_little_memory(tmp_path, kind):
    text = {"policy": "policy: bomb\nversion: 1\n", "waivers": "waivers: []\n",
            "OSV advisory": "id: X-1\nmodified: '2024-01-01T00:00:00Z'\n"}[kind] + BOMB
    assert len(text.encode()) < 600
    tracemalloc.start()
    started = time.monotonic()
    with pytest.raises(InputError, match="refused: YAML aliases expand"):
        load_yaml(text, f"{kind}.yaml")
    elapsed, (_, peak) = time.monotonic() - started, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1 and peak < 100 * 1024 ** 2
    target = tmp_path / "bomb.yaml"
    target.write_text(text)
    command = {"policy": ("policy", "validate", str(target)),
               "waivers": ("scan", str(EXPRESS), "--policy", "financial-default",
                           "--waivers", str(target)),
               "OSV advisory": ("db", "update", "--from", str(target), "--db",
                                str(tmp_path / "db.sqlite3"))}[kind]
    _one_line_error(run_cli(*command, timeout=60), "bomb.yaml", "refused: YAML aliases")


def test_extends_outside_the_allowed_folders_is_refused_without_reading(tmp_path):
    # A named pipe outside the policy's folder: reading it would block until the timeout.
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.mkfifo(outside / "shared.yaml")
    policies = tmp_path / "policies"
    policies.mkdir()
    (policies / "team.yaml").write_text(
        "policy: team\nversion: 1\nextends: ../elsewhere/shared.yaml\nrules: []\n")
    line = _one_line_error(run_cli("policy", "validate", str(policies / "team.yaml"),
                                   timeout=20), "team.yaml", "refused")
    assert "FINCOMP_POLICY_PATH" in line
    (policies / "passwd.yaml").write_text(
        "policy: p\nversion: 1\nextends: /etc/passwd\nrules: []\n")
    line = _one_line_error(run_cli("policy", "validate", str(policies / "passwd.yaml")))
    assert "root:" not in line
    # the institution's shared folder, once configured, is allowed
    (outside / "shared.yaml").unlink()
    (outside / "shared.yaml").write_text("policy: shared\nversion: 1\nrules: []\n")
    allowed = run_cli("policy", "validate", str(policies / "team.yaml"),
                      env={"FINCOMP_POLICY_PATH": str(outside)})
    assert allowed.returncode == 0, allowed.stderr


def test_a_policy_that_is_not_yaml_is_not_echoed(tmp_path):
    target = tmp_path / "policy.yaml"
    target.write_text("secret-token-" + "s" * 200 + "\n")
    line = _one_line_error(run_cli("policy", "validate", str(target)))
    assert "secret-token" not in line


def test_errors_are_printed_literally(tmp_path):
    line = _one_line_error(run_cli("scan", "proj:x:backup"))
    assert line == "fincomp: error: proj:x:backup: no such file or folder"
    (tmp_path / "[bold]").mkdir()
    line = _one_line_error(run_cli("scan", str(tmp_path / "[bold]" / "missing")))
    assert "[bold]" in line


def test_a_yaml_control_character_is_one_line_with_its_line(tmp_path):
    target = tmp_path / "policy.yaml"
    target.write_text("policy: p\nversion: 1\nrules:\x01 []\n")
    _one_line_error(run_cli("policy", "validate", str(target)), "policy.yaml:3:",
                    "control characters are not allowed")


def test_a_long_value_is_not_echoed_whole_and_a_refused_path_is_one_line():
    # The system refuses a 5,000-character name (ENAMETOOLONG): one line, cut in its middle
    # with both ends kept, instead of a traceback.
    line = _one_line_error(run_cli("scan", "a" * 4_990 + "-tail"))
    assert len(line) <= 420 and "[…]" in line and "File name too long" in line


# -- names and identities ---------------------------------------------------------------

def test_cyclonedx_keeps_the_npm_name_as_the_package_spells_it():
    made = run_cli("sbom", str(CORPUS / "npm/vue2/pnpm-lock.yaml"), "--format",
                   "cyclonedx-json")
    components = json.loads(made.stdout)["components"]
    stream = [c for c in components if c["purl"] == "pkg:npm/jsonstream@1.3.5"]
    assert [c["name"] for c in stream] == ["JSONStream"]
    spdx = json.loads(run_cli("sbom", str(CORPUS / "npm/vue2/pnpm-lock.yaml"), "--format",
                              "spdx-json").stdout)
    assert "JSONStream" in {p["name"] for p in spdx["packages"]}


def test_a_package_from_a_folder_or_a_repository_is_not_the_registry_package(tmp_path):
    target = tmp_path / "package-lock.json"
    target.write_text(json.dumps({"name": "app", "lockfileVersion": 3, "packages": {
        "": {"name": "app", "dependencies": {"left-pad": "file:vendor/left-pad-1.3.0.tgz",
                                             "debug": "github:debug-js/debug#4.3.4"}},
        "node_modules/left-pad": {"version": "1.3.0",
                                  "resolved": "file:vendor/left-pad-1.3.0.tgz"},
        "node_modules/debug": {"version": "4.3.4",
                               "resolved": "git+ssh://git@github.com/debug-js/debug.git#abc"}}}))
    purls = {c["purl"] for c in json.loads(run_cli("scan", str(target), "--format",
                                                   "json").stdout)["components"]}
    assert purls == {"pkg:npm/left-pad@1.3.0?file=vendor/left-pad-1.3.0.tgz",
                     "pkg:npm/debug@4.3.4?vcs_url=git%2Bssh://git%40github.com/debug-js/"
                     "debug.git%23abc"}


def test_keep_going_still_writes_what_could_be_read(tmp_path):
    good = tmp_path / "web"
    good.mkdir()
    (good / "package-lock.json").write_text(EXPRESS.read_text())
    bad = tmp_path / "api"
    bad.mkdir()
    _lock(bad, version=1)
    out = tmp_path / "sbom.json"
    result = run_cli("sbom", str(tmp_path), "--keep-going", "--format", "cyclonedx-json",
                     "-o", str(out))
    assert result.returncode == 2 and "api/package-lock.json" in result.stderr
    assert len(json.loads(out.read_text())["components"]) == 82
