"""Operating-system packages and container images: a Debian root filesystem made from this
machine's own dpkg database and copyright files (compared with what `dpkg-query` prints), a
real SQLite rpmdb written by Debian's `rpm` (compared with `rpm -qa`), an Alpine database,
`--rootfs`, and `docker save` archives, hostile ones included."""

from __future__ import annotations

import gzip
import io
import json
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from fincompliance.errors import InputError
from fincompliance.scan import ScanOptions, scan

from conftest import FIXTURES, run_cli

IN_CI = os.environ.get("CI") == "true"


@pytest.fixture(scope="module")
def debian_rootfs(tmp_path_factory):
    """This machine's dpkg status, os-release and every package's copyright file."""
    root = tmp_path_factory.mktemp("rootfs")
    (root / "var/lib/dpkg").mkdir(parents=True)
    shutil.copy("/var/lib/dpkg/status", root / "var/lib/dpkg/status")
    (root / "etc").mkdir()
    shutil.copy(Path("/etc/os-release").resolve(), root / "etc/os-release")
    docs = Path("/usr/share/doc")
    for copyright_file in docs.glob("*/copyright"):
        if copyright_file.is_file():
            target = root / "usr/share/doc" / copyright_file.parent.name / "copyright"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(copyright_file, target)
    return root


def _dpkg_query() -> set[tuple[str, str]]:
    printed = subprocess.run(["dpkg-query", "-W", "-f", "${Package}\t${Version}\n"],
                             capture_output=True, text=True, check=True).stdout
    return {tuple(line.split("\t")) for line in printed.splitlines()}


def test_debian_rootfs_scans_to_what_dpkg_query_lists(debian_rootfs):
    graph = scan(debian_rootfs).graph
    assert {(c.name, c.version) for c in graph.components.values()} == _dpkg_query()
    (project,) = graph.projects.values()
    assert project.name.startswith("Debian GNU/Linux")
    assert set(graph.components) == graph.reachable_from(project.ref)
    bash = next(c for c in graph.components.values() if c.name == "bash")
    assert bash.purl.startswith("pkg:deb/debian/bash@") and "distro=debian-" in bash.purl
    assert "GPL-3+" in {d.text for d in bash.declared_licenses}
    assert {d.field for d in bash.declared_licenses} == {"dep5"}


def test_dep5_licences_are_parsed_and_free_form_files_are_noted(debian_rootfs):
    graph = scan(debian_rootfs).graph
    dep5 = [c for c in graph.components.values() if c.declared_licenses]
    noted = [c for c in graph.components.values()
             if any(k == "fincomp:deb:copyright" and "not machine-readable" in v
                    for k, v in c.properties)]
    assert len(dep5) > len(graph.components) / 2
    assert noted and not {c.ref for c in noted} & {c.ref for c in dep5}
    # every DEP-5 package's licences are the License lines of its Files paragraphs
    for component in dep5[:50]:
        text = (debian_rootfs / "usr/share/doc" / component.name / "copyright").read_text()
        for declared in component.declared_licenses:
            first = declared.text.replace(" OR ", " or ").replace(" AND ", " and ")
            assert f"License: {first}" in text or f"License: {declared.text}" in text


def test_dependencies_follow_depends_and_provides(debian_rootfs):
    graph = scan(debian_rootfs).graph
    by_name = {c.name: c.ref for c in graph.components.values()}
    # dpkg Pre-Depends on libc6 on every Debian machine
    assert by_name["libc6"] in graph.edges[by_name["dpkg"]]


@pytest.fixture(scope="module")
def rpm_rootfs(tmp_path_factory):
    if shutil.which("rpmbuild") is None:
        if IN_CI:
            pytest.fail("Debian's rpm is installed by .ci/run")
        pytest.skip("rpm is not installed here")
    top = tmp_path_factory.mktemp("rpmbuild")
    root = tmp_path_factory.mktemp("rpmroot")
    packages = [("bank-crypto", "1.0.3", "MIT", "", "0"),
                ("bank-runtime", "2.4.1", "Apache-2.0", "Requires: bank-crypto", "0"),
                ("bank-tools", "0.9", "GPL-2.0-or-later OR MIT",
                 "Requires: bank-runtime >= 2.0, bank-crypto\nProvides: bank-cli", "2")]
    (top / "SPECS").mkdir()
    for name, version, licence, relations, epoch in packages:
        spec = top / "SPECS" / f"{name}.spec"
        spec.write_text(f"Name: {name}\nVersion: {version}\nRelease: 3.el9\nEpoch: {epoch}\n"
                        f"Summary: {name}\nLicense: {licence}\nBuildArch: noarch\n{relations}\n"
                        "%description\nfincomp test package\n%files\n")
        subprocess.run(["rpmbuild", "--define", f"_topdir {top}", "-bb", str(spec)],
                       check=True, capture_output=True)
    database = ["--root", str(root), "--dbpath", "/var/lib/rpm"]
    subprocess.run(["rpm", *database, "--initdb"], check=True, capture_output=True)
    subprocess.run(["rpm", *database, "-i", "--nodeps", "--noscripts", "--justdb",
                    *map(str, (top / "RPMS/noarch").glob("*.rpm"))],
                   check=True, capture_output=True)
    (root / "etc").mkdir()
    (root / "etc/os-release").write_text('ID="rhel"\nVERSION_ID="9.4"\n'
                                         'PRETTY_NAME="Red Hat Enterprise Linux 9.4"\n')
    listed = subprocess.run(["rpm", *database, "-qa", "--qf",
                             "%{NAME}\t%{EPOCHNUM}:%{VERSION}-%{RELEASE}\t%{LICENSE}\n"],
                            check=True, capture_output=True, text=True).stdout
    return root, listed


def test_sqlite_rpmdb_scans_to_what_rpm_lists(rpm_rootfs):
    root, listed = rpm_rootfs
    graph = scan(root).graph
    expected = set()
    for line in listed.splitlines():
        name, version, licence = line.split("\t")
        expected.add((name, version.removeprefix("0:"), licence))
    assert {(c.name, c.version, c.declared_licenses[0].text)
            for c in graph.components.values()} == expected
    tools = next(c for c in graph.components.values() if c.name == "bank-tools")
    assert tools.version.startswith("2:")
    assert tools.purl.startswith("pkg:rpm/rhel/bank-tools@2:0.9-3.el9?arch=noarch")
    assert "distro=rhel-9.4" in tools.purl
    runtime = next(c.ref for c in graph.components.values() if c.name == "bank-runtime")
    crypto = next(c.ref for c in graph.components.values() if c.name == "bank-crypto")
    assert graph.edges[tools.ref] == {runtime, crypto}
    (project,) = graph.projects
    assert graph.edges[project] == {tools.ref}    # the one package nothing needs


def test_a_damaged_rpmdb_is_a_clear_error(tmp_path):
    (tmp_path / "var/lib/rpm").mkdir(parents=True)
    (tmp_path / "var/lib/rpm/rpmdb.sqlite").write_bytes(b"SQLite format 3\0" + b"\xff" * 600)
    with pytest.raises(InputError, match="not a readable rpmdb"):
        scan(tmp_path)


def test_alpine_installed_database():
    graph = scan(FIXTURES / "alpine-rootfs").graph
    found = {c.name: c for c in graph.components.values()}
    assert len(found) == 6
    assert found["libcrypto3"].purl == ("pkg:apk/alpine/libcrypto3@3.1.4-r5?arch=x86_64"
                                        "&distro=alpine-3.19.1&upstream=openssl")
    assert found["busybox"].declared_licenses[0].text == "GPL-2.0-only"
    # `so:libc.musl-x86_64.so.1` is provided by musl
    assert found["musl"].ref in graph.edges[found["zlib"].ref]
    (project,) = graph.projects
    assert set(graph.components) == graph.reachable_from(project)


def _go_binary() -> Path | None:
    return Path(shutil.which("go")).resolve() if shutil.which("go") else None


def test_rootfs_flag_reads_installed_trees_and_skips_virtual_file_systems(
        debian_rootfs, tmp_path):
    root = tmp_path / "root"
    shutil.copytree(debian_rootfs, root)
    package = root / "usr/lib/node_modules/left-pad"   # a global npm install
    package.mkdir(parents=True)
    (package / "package.json").write_text('{"name": "left-pad", "version": "1.3.0", '
                                          '"license": "WTFPL"}')
    (root / "proc/1").mkdir(parents=True)
    (root / "proc/1/package-lock.json").write_text("not json")  # never read as a rootfs
    with pytest.raises(InputError, match="proc/1/package-lock.json"):
        scan(root)
    without = scan(root, ScanOptions(exclude=("proc",))).graph
    with_flag = scan(root, ScanOptions(rootfs=True)).graph
    assert "pkg:npm/left-pad@1.3.0" in with_flag.components
    assert "pkg:npm/left-pad@1.3.0" not in without.components
    result = run_cli("scan", "--rootfs", str(root), "--format", "json")
    assert result.returncode == 0, result.stderr


def _tar_bytes(entries) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        for info, data in entries:
            archive.addfile(info, io.BytesIO(data) if data is not None else None)
    return buffer.getvalue()


def _file(name: str, data: bytes, mode: int = 0o644):
    info = tarfile.TarInfo(name)
    info.size, info.mode = len(data), mode
    return info, data


def _link(name: str, target: str, kind=tarfile.SYMTYPE):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, target
    return info, None


def _image(path: Path, layers: list[bytes], compress_first: bool = True) -> Path:
    names = []
    members = []
    for number, layer in enumerate(layers):
        name = f"{number}/layer.tar" + (".gz" if compress_first and number == 0 else "")
        data = gzip.compress(layer) if name.endswith(".gz") else layer
        names.append(name)
        members.append(_file(name, data))
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bank/payments:1.0"],
                            "Layers": names}]).encode()
    path.write_bytes(_tar_bytes([_file("manifest.json", manifest),
                                 _file("config.json", b"{}"), *members]))
    return path


def _rootfs_layer(root: Path) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as archive:
        archive.add(root, arcname=".")
    return buffer.getvalue()


def test_docker_save_archive_is_read_through_its_layers(debian_rootfs, tmp_path):
    outside = tmp_path / "outside.txt"
    second = _tar_bytes([
        _file("usr/share/doc/.wh.bash", b""),                      # bash's docs removed
        _link("etc/shadow-link", "/etc/shadow"),                   # links are never made
        _file("../../escape.txt", b"x"),                           # climbs out: skipped
        _file(str(outside), b"absolute"),                          # absolute: skipped
        _link("usr/share/doc/zlib1g/copyright", "/etc/passwd", tarfile.LNKTYPE),
    ])
    image = _image(tmp_path / "image.tar", [_rootfs_layer(debian_rootfs), second])
    result = scan(image)
    graph = result.graph
    assert {(c.name, c.version) for c in graph.components.values()} == _dpkg_query()
    bash = next(c for c in graph.components.values() if c.name == "bash")
    assert bash.declared_licenses == ()
    assert not outside.exists() and not (tmp_path / "escape.txt").exists()
    assert not any(p.is_symlink() for p in result.image.root.rglob("*"))
    assert result.image.tags == ("bank/payments:1.0",)
    written = sum(p.stat().st_size for p in result.image.root.rglob("*") if p.is_file())
    assert written < sum(p.stat().st_size for p in debian_rootfs.rglob("*") if p.is_file())+1


def test_an_image_layer_that_expands_too_far_is_refused(tmp_path):
    bomb = _tar_bytes([_file("var/lib/dpkg/status", b"\0" * (64 * 1024 * 1024))])
    image = _image(tmp_path / "bomb.tar", [bomb])
    with pytest.raises(InputError, match="decompression bomb"):
        scan(image)


def test_an_image_without_a_manifest_is_not_an_image(tmp_path):
    plain = tmp_path / "plain.tar"
    plain.write_bytes(_tar_bytes([_file("hello.txt", b"hi")]))
    result = run_cli("scan", str(plain))
    assert result.returncode == 2 and "not a file format" in result.stderr
