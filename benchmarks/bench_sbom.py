"""Time `fincomp sbom` on every corpus entry, on each format the corpus has no row for
(the test fixtures of Maven tree output, Gradle, .NET, Alpine and older supplier SBOMs),
on this machine's own Debian package database as a root filesystem and as a `docker save`
archive, and on a generated 50,000-package lockfile.

Prints wall time and peak memory (max RSS of the fincomp process) per file and format.
With cdxgen installed (`npm install --ignore-scripts @cyclonedx/cdxgen`, then `--cdxgen
PATH` or cdxgen on PATH), first compares `fincomp sbom` with `cdxgen -t js` on the npm
corpus rows: CPU seconds (user + system) of each process, median of `--runs`, and the ratio.
Run: python benchmarks/bench_sbom.py [--formats cyclonedx-json,spdx-json] [--size 50000]
     [--cdxgen PATH] [--runs 5] [--peer-only]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

from generated import generated_lockfile
from process import installed_environment

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests/fixtures"
# formats with no corpus row: (label, path under tests/fixtures)
EXTRA = [("mvn dependency:tree (text, reactor)", "jvm/maven-resolved/dependency-tree.txt"),
         ("mvn dependency:tree (DOT)", "jvm/maven-resolved/dependency-tree.dot"),
         ("mvn dependency:tree (JSON)", "jvm/maven-resolved/dependency-tree.json"),
         ("mvn dependency:list", "jvm/maven-resolved/dependency-list.txt"),
         ("gradle dependencies output", "jvm/gradle-resolved"),
         ("gradle.lockfile + build.gradle", "jvm/gradle-app"),
         ("packages.lock.json + csproj", "dotnet"),
         ("Alpine lib/apk/db/installed", "alpine-rootfs"),
         ("CycloneDX 1.4 JSON (cyclonedx-py)", "supplier-sboms/legacy-app-1.4.cdx.json"),
         ("CycloneDX 1.5 XML (cyclonedx-py)", "supplier-sboms/legacy-app-1.5.cdx.xml"),
         ("SPDX 2.2 tag-value (SPDX example)", "supplier-sboms/spdx-example-2.2.spdx")]


def debian_rootfs(folder: Path) -> Path:
    """This machine's dpkg status, os-release and copyright files as a root filesystem."""
    root = folder / "rootfs"
    (root / "var/lib/dpkg").mkdir(parents=True)
    shutil.copy("/var/lib/dpkg/status", root / "var/lib/dpkg/status")
    (root / "etc").mkdir()
    shutil.copy(Path("/etc/os-release").resolve(), root / "etc/os-release")
    for copyright_file in Path("/usr/share/doc").glob("*/copyright"):
        if copyright_file.is_file():
            target = root / "usr/share/doc" / copyright_file.parent.name / "copyright"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(copyright_file, target)
    return root


def docker_archive(root: Path, folder: Path) -> Path:
    """`root` as the single gzip layer of a `docker save` archive."""
    layer = folder / "layer.tar.gz"
    with tarfile.open(layer, "w:gz") as archive:
        archive.add(root, arcname=".")
    image = folder / "image.tar"
    manifest = json.dumps([{"Config": "config.json", "RepoTags": ["bench:1"],
                            "Layers": ["layer.tar.gz"]}]).encode()
    with tarfile.open(image, "w") as archive:
        info = tarfile.TarInfo("manifest.json")
        info.size = len(manifest)
        archive.addfile(info, io.BytesIO(manifest))
        archive.add(layer, arcname="layer.tar.gz")
    return image
CORPUS = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared")) / "corpus"
# as in a CI job: no ledger (one that exists would lend its licence knowledge to the scan)
ENVIRONMENT = installed_environment(SOURCE_DATE_EPOCH="1700000000",
                                    FINCOMP_LEDGER="/nonexistent/fincomp-ledger.sqlite3")


def run(target: Path, fmt: str) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one `fincomp sbom` in a fresh interpreter."""
    seconds, _, peak, code = measure(
        [sys.executable, "-m", "fincompliance", "sbom", str(target), "--format", fmt,
         "--output", os.devnull])
    return seconds, peak, code


def measure(command: list[str]) -> tuple[float, float, float, int]:
    """(wall seconds, CPU seconds, peak MiB, exit code) of one process."""
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                               env=ENVIRONMENT)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return (elapsed, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,
            os.waitstatus_to_exitcode(status))


def beside_cdxgen(cdxgen: str, rows: list[dict[str, str]], runs: int) -> None:
    """fincomp and cdxgen on each npm corpus row, CycloneDX JSON, CPU seconds."""
    print(f"{'npm corpus row':40} {'fincomp CPU s':>13} {'MiB':>5} {'cdxgen CPU s':>12} "
          f"{'MiB':>5} {'cdxgen/fincomp':>14}")
    with tempfile.TemporaryDirectory() as folder:
        for row in rows:
            if row["ecosystem"] != "npm" or not row["expected_components"]:
                continue
            lockfile = CORPUS / row["path"]
            ours = [measure([sys.executable, "-m", "fincompliance", "sbom", str(lockfile),
                             "--output", os.devnull]) for _ in range(runs)]
            theirs = [measure([cdxgen, "-t", "js", "--no-install-deps", "-o",
                               f"{folder}/bom.json", str(lockfile.parent)])
                      for _ in range(runs)]
            if any(code for *_, code in ours + theirs):
                print(f"{row['path']:40} failed")
                continue
            cpu, peer_cpu = (statistics.median(m[1] for m in ms) for ms in (ours, theirs))
            peak, peer_peak = (max(m[2] for m in ms) for ms in (ours, theirs))
            print(f"{row['path']:40} {cpu:13.2f} {peak:5.0f} {peer_cpu:12.2f} "
                  f"{peer_peak:5.0f} {peer_cpu / cpu:13.1f}x", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="cyclonedx-json,cyclonedx-xml,spdx-json,spdx-tv")
    parser.add_argument("--size", type=int, default=50_000)
    parser.add_argument("--cdxgen", default=shutil.which("cdxgen"),
                        help="cdxgen to compare with on the npm rows (default: on PATH)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--peer-only", action="store_true",
                        help="only the comparison with cdxgen")
    args = parser.parse_args()
    formats = args.formats.split(",")
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    if args.cdxgen:
        beside_cdxgen(args.cdxgen, rows, args.runs)
    else:
        print("cdxgen not found (--cdxgen PATH): no comparison")
    if args.peer_only:
        return
    print(f"{'input':48} {'format':15} {'seconds':>8} {'peak MiB':>9}  status")
    for row in rows:
        for fmt in formats:
            seconds, peak, code = run(CORPUS / row["path"], fmt)
            status = "ok" if code == 0 else f"exit {code} (format not read yet)"
            print(f"{row['path']:48} {fmt:15} {seconds:8.2f} {peak:9.0f}  {status}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        extra = [(label, FIXTURES / path) for label, path in EXTRA]
        if Path("/var/lib/dpkg/status").is_file():
            root = debian_rootfs(Path(folder))
            count = (root / "var/lib/dpkg/status").read_text().count("\nPackage: ") + 1
            extra += [(f"Debian rootfs, dpkg ({count} packages)", root),
                      ("the same as a docker save archive", docker_archive(root, Path(folder)))]
        for label, target in extra:
            for fmt in formats:
                seconds, peak, code = run(target, fmt)
                print(f"{label:48} {fmt:15} {seconds:8.2f} {peak:9.0f}  "
                      f"{'ok' if code == 0 else f'exit {code}'}", flush=True)
        lockfile = generated_lockfile(Path(folder), args.size)
        label = f"generated package-lock ({args.size:,} packages)"
        for fmt in formats:
            seconds, peak, code = run(lockfile, fmt)
            print(f"{label:48} {fmt:15} {seconds:8.2f} {peak:9.0f}  "
                  f"{'ok' if code == 0 else f'exit {code}'}", flush=True)


if __name__ == "__main__":
    main()
