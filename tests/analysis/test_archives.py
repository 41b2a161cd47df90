"""`--online` reads the licence files of the archive of each Python and npm package whose
metadata names no licence precisely (`--fetch-archives`: of every package), from a real HTTP
server on loopback serving archives recorded from the real registries
(tests/fixtures/registry), checked against the digests the mirror lists and the lockfile
records."""

from __future__ import annotations

import io
import json
import shutil
import tarfile
import zipfile
from pathlib import Path

import pytest

from fincompliance.analysis import archives

from conftest import CORPUS, REGISTRY, run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples/payments-service/backend"
EXPRESS = CORPUS / "npm/express-app/package-lock.json"
# Checked by hand against each archive's licence file: Django REST framework's LICENSE.md and
# pytest-django's LICENSE are the BSD 3-clause text; python-dateutil's LICENSE puts later
# contributions under Apache 2.0 and the rest under BSD 3-clause; psycopg2's LICENSE is the
# LGPL 3 or later with an OpenSSL linking exception, and the zlib licence for included code.
FROM_ARCHIVES = {
    "djangorestframework": "BSD-3-Clause",
    "pytest-django": "BSD-3-Clause",
    "python-dateutil": "Apache-2.0 AND BSD-3-Clause",
    "psycopg2-binary": "LGPL-3.0-or-later WITH LicenseRef-scancode-openssl-exception-lgpl3.0plus"
                       " AND Zlib",
}


def _scan(target, env, *extra):
    result = run_cli("scan", str(target), "--format", "json", "--online", *extra, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def _by_name(document):
    return {c["name"]: c for c in document["components"]}


def _digest(name, version, filename):
    answer = json.loads((REGISTRY / "pypi" / f"{name}.json").read_text())
    return next(f["digests"]["sha256"] for f in answer["releases"][version]
                if f["filename"] == filename)


def test_every_pin_of_the_example_concludes_a_licence(mirror):
    server, env = mirror
    document = _scan(EXAMPLE, env)
    report = document["analysis"]["archives"]
    assert report["asked"] == report["read"] == 5 and report["refused"] == {}
    components = _by_name(document)
    for name, expression in FROM_ARCHIVES.items():
        concluded = components[name]["concluded_license"]
        assert (concluded["expression"], concluded["method"]) == (expression, "detected"), name
    # mysql-connector-python's LICENSE.txt is its own licence and every bundled library's
    mysql = components["mysql-connector-python"]["concluded_license"]
    assert "GPL-2.0-only WITH Universal-FOSS-exception-1.0" in mysql["expression"]
    assert all(not c["concluded_license"]["expression"].startswith("LicenseRef-fincomp-unknown")
               for c in document["components"])
    # where each conclusion came from: the archive, its sha256, the member read
    drf = components["djangorestframework"]
    source = dict((p["name"], p["value"]) for p in drf["properties"])
    filename = "djangorestframework-3.15.2.tar.gz"
    assert source["fincomp:licence-files-from"] == \
        f"{filename} sha256:{_digest('djangorestframework', '3.15.2', filename)}"
    assert any(e.startswith(f"{filename}:djangorestframework-3.15.2/LICENSE.md: BSD-3-Clause")
               for e in drf["concluded_license"]["evidence"])
    # only the archives of vaguely declared packages were fetched
    fetched = [r for r in server.requests if r.endswith((".whl", ".tar.gz"))]
    assert len(fetched) == 5 and not any("Django" in r for r in fetched)

    again = _scan(EXAMPLE, env, "--policy", "financial-default")
    assert again["analysis"]["archives"]["from_cache"] == 5
    # The licence files name every bundled library: the newest release's declared licence
    # is not compared with them (no "relicensed"), and a non-open finding says which term.
    mysql_findings = {f["rule"]: f["why"] for f in again["findings"]
                      if f["name"] == "mysql-connector-python"}
    assert "FIN-REL-RELICENSED" not in mysql_findings
    assert "LicenseRef-scancode-proprietary-license (Proprietary License) is proprietary" in \
        " ".join(mysql_findings["FIN-LIC-NON-OPEN"])
    assert len([r for r in server.requests if r.endswith((".whl", ".tar.gz"))]) == 5
    assert _by_name(again)["python-dateutil"]["concluded_license"]["expression"] == \
        FROM_ARCHIVES["python-dateutil"]


def test_an_archive_that_is_not_the_one_listed_is_refused(mirror):
    server, env = mirror
    answer = json.loads((REGISTRY / "pypi/pytest-django.json").read_text())
    (wheel,) = [f for f in answer["releases"]["4.9.0"] if f["filename"].endswith(".whl")]
    server.tamper = {"/" + wheel["url"].split("://", 1)[1].split("/", 1)[1]}
    document = _scan(EXAMPLE, env)
    refused = document["analysis"]["archives"]["refused"]
    assert refused["pytest-django@4.9.0"].startswith(
        f"{wheel['filename']} has sha256 ") and refused["pytest-django@4.9.0"].endswith(
        f"not the {wheel['digests']['sha256']} expected; not used")
    assert _by_name(document)["pytest-django"]["concluded_license"]["expression"] == \
        "LicenseRef-fincomp-unknown"
    assert any(n.startswith("archive of pytest-django@4.9.0 refused: ")
               for n in document["analysis"]["notes"])


def test_a_lockfile_hash_no_listed_archive_has_is_refused(mirror, tmp_path):
    """requirements.txt pins by hash: an archive the lock does not name is never used."""
    _, env = mirror
    project = tmp_path / "backend"
    shutil.copytree(EXAMPLE, project)
    pins = (project / "requirements.txt").read_text()
    (project / "requirements.txt").write_text(pins.replace(
        "python-dateutil==2.9.0.post0",
        "python-dateutil==2.9.0.post0 --hash=sha256:" + "0" * 64))
    document = _scan(project, env)
    assert document["analysis"]["archives"]["refused"]["python-dateutil@2.9.0.post0"] == \
        "no archive of this version has a digest the lockfile records"
    assert _by_name(document)["python-dateutil"]["concluded_license"]["expression"] == \
        "LicenseRef-fincomp-unknown"


def test_archives_are_fetched_only_online(tmp_path):
    result = run_cli("scan", str(EXAMPLE), "--fetch-archives")
    assert result.returncode == 2
    assert result.stderr.strip() == \
        "fincomp: error: --fetch-archives asks the configured mirrors: add --online"


def _zip(members):
    data = io.BytesIO()
    with zipfile.ZipFile(data, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return data.getvalue()


def _tar(members):
    data = io.BytesIO()
    with tarfile.open(fileobj=data, mode="w:gz") as archive:
        for name, kind, content in members:
            info = tarfile.TarInfo(name)
            info.type = kind
            if kind == tarfile.SYMTYPE:
                info.linkname = "/etc/passwd"
                archive.addfile(info)
            else:
                info.size = len(content)
                archive.addfile(info, io.BytesIO(content))
    return data.getvalue()


def test_hostile_archives_are_bounded():
    """Only licence files are read; never a link, a name climbing out, or more than a licence
    file's bytes; a file that is no archive is refused, not a traceback."""
    wheel = _zip([("pkg-1.0.dist-info/LICENSE", b"MIT License"),
                  ("pkg-1.0.dist-info/../../LICENSE", b"climbing"),
                  ("pkg-1.0.dist-info/licenses/NOTICE", b"notice"),
                  ("pkg/LICENSE", b"not in the dist-info"),
                  ("pkg-1.0.dist-info/COPYING", b"\0" * (archives.MAX_LICENCE_FILE_BYTES + 1))])
    assert archives._licence_members(wheel, "pkg-1.0-py3-none-any.whl", "wheel") == ([
        ("pkg-1.0.dist-info/LICENSE", b"MIT License"),
        ("pkg-1.0.dist-info/licenses/NOTICE", b"notice")], [])
    sdist = _tar([("pkg-1.0/LICENSE", tarfile.SYMTYPE, b""),
                  ("pkg-1.0/COPYING", tarfile.REGTYPE, b"GPL"),
                  ("pkg-1.0/sub/LICENSE", tarfile.REGTYPE, b"vendored, not the package's"),
                  ("../LICENSE", tarfile.REGTYPE, b"outside")])
    assert archives._licence_members(sdist, "pkg-1.0.tar.gz", "sdist") == (
        [("pkg-1.0/COPYING", b"GPL")], [])
    with pytest.raises(archives._Refused, match="not a readable archive"):
        archives._licence_members(b"<html>not found</html>", "pkg-1.0.tar.gz", "sdist")


TARBALLS = REGISTRY / "npm-tarballs"


def _npm_lock(tmp_path):
    """express-app's lockfile cut to the packages whose real tarballs are recorded, each
    with the integrity npm wrote and its `license` taken out (kept aside: npm wrote it from
    the registry, an independent statement of what the tarball's package.json declares)."""
    lock = json.loads(EXPRESS.read_text())
    recorded = {folder.name.replace("%2f", "/") for folder in TARBALLS.iterdir()}
    packages, declared = {"": {"name": "app", "version": "1.0.0", "dependencies": {}}}, {}
    for key, entry in lock["packages"].items():
        name = key.rsplit("node_modules/", 1)[-1]
        if key and name in recorded and key == f"node_modules/{name}":
            declared[name] = entry.pop("license")
            packages[key] = entry
            packages[""]["dependencies"][name] = entry["version"]
    assert set(declared) == recorded
    project = tmp_path / "app"
    project.mkdir()
    (project / "package-lock.json").write_text(json.dumps(
        {"name": "app", "version": "1.0.0", "lockfileVersion": 3, "packages": packages}))
    return project, declared


def test_npm_tarballs_are_checked_against_the_lockfile_and_conclude_licences(mirror, tmp_path):
    server, env = mirror
    server.packuments = False      # a mirror that proxies tarballs only: the archive decides
    project, declared = _npm_lock(tmp_path)
    document = _scan(project, env)
    report = document["analysis"]["archives"]
    assert report["asked"] == report["read"] == len(declared) == 11
    assert report["refused"] == {}
    concluded = {c["name"]: c["concluded_license"] for c in document["components"]}
    assert {name: c["expression"] for name, c in concluded.items()} == declared
    # package.json declares; the licence file, where the tarball has one, confirms
    methods = {name: c["method"] for name, c in concluded.items()}
    assert set(methods.values()) == {"declared", "declared-confirmed"}
    assert methods["ms"] == "declared-confirmed" and methods["agent-base"] == "declared"

    # the same names with other bytes: refused, named, and nothing read from them
    server.tamper = {f"/npm/ms/-/ms-{_version(project, 'ms')}.tgz"}
    cold = {**env, "FINCOMP_CACHE_DIR": str(tmp_path / "cold")}
    document = _scan(project, cold)
    refused = document["analysis"]["archives"]["refused"]
    assert list(refused) == [f"ms@{_version(project, 'ms')}"]
    assert refused[f"ms@{_version(project, 'ms')}"].startswith(
        f"ms-{_version(project, 'ms')}.tgz has sha512 ")
    assert _by_name(document)["ms"]["concluded_license"]["expression"] == \
        "LicenseRef-fincomp-unknown"


def test_fetch_archives_reads_the_archives_of_precisely_declared_packages_too(mirror, tmp_path):
    """With the packuments served every licence is declared precisely: --online reads no
    tarball, --fetch-archives reads them all and sets each declaration beside its files."""
    server, env = mirror
    project, declared = _npm_lock(tmp_path)
    assert _scan(project, env)["analysis"]["archives"]["asked"] == 0
    assert not any(r.endswith(".tgz") for r in server.requests)
    document = _scan(project, env, "--fetch-archives")
    report = document["analysis"]["archives"]
    assert report["asked"] == report["read"] == 11 and report["refused"] == {}
    concluded = {c["name"]: c["concluded_license"] for c in document["components"]}
    assert {name: c["expression"] for name, c in concluded.items()} == declared
    assert concluded["ms"]["method"] == "declared-confirmed"


def _version(project, name):
    lock = json.loads((project / "package-lock.json").read_text())
    return lock["packages"][f"node_modules/{name}"]["version"]


def test_copyright_lines_of_the_archives_flow_into_the_notice(mirror):
    """`fincomp notice --online --fetch-archives`: every component's archive is asked for
    (a notice carries all copyright lines, not only the vague components')."""
    server, env = mirror
    result = run_cli("notice", str(EXAMPLE), "--online", "--fetch-archives", env=env)
    assert result.returncode == 0, result.stderr
    # Django REST framework's LICENSE.md, read out of its recorded archive
    assert "  Copyright (c) 2011-present, Encode OSS Ltd (https://www.encode.io/)" in \
        result.stdout.splitlines()
    # the archives of components whose metadata named a licence precisely were asked too
    assert any(r.startswith("/packages/") and "django" in r.lower() and r.endswith(".whl")
               for r in server.requests if "djangorestframework" not in r)
