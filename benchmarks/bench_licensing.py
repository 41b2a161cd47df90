"""Licence engine throughput: normalisations per second; licence detection in the licence
files of an installed tree, fincomp (reference texts first, ScanCode for the rest) beside
ScanCode's own command line on the same files, each in a fresh process with empty caches
(CPU seconds and peak memory); and a cold `fincomp sbom` of that tree.

Run: python benchmarks/bench_licensing.py [--tree FOLDER]
`--tree` measures detection in the licence files anywhere under another folder (unpacked
npm tarballs, a vendor directory) instead of site-packages-fin's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process import installed_environment

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared")) / "corpus"
INSTALLED = (CORPUS / "python/site-packages-fin").resolve()

DETECT = """
import json, sys
from fincompliance.licensing import detect
found = detect.detect_files(json.load(open(sys.argv[1])))
by_method = {}
for detection in found.values():
    method = detection.method if detection else "nothing found"
    by_method[method] = by_method.get(method, 0) + 1
print(json.dumps(by_method))
"""


_NAMES = ("licen", "copying", "notice")


def licence_files(tree: Path = INSTALLED) -> list[str]:
    if tree == INSTALLED:   # what the installed scanner reads: the dist-info's licence files
        return sorted(str(p) for p in INSTALLED.glob("*.dist-info/**/*") if p.is_file()
                      and (p.name.lower().startswith(_NAMES) or "licenses" in p.parts))
    return sorted(str(p) for p in tree.rglob("*")
                  if p.is_file() and p.name.lower().startswith(_NAMES))


def measured(command: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """(CPU seconds of the process and its children, peak MiB, standard output)."""
    before = os.times()
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    after = os.times()
    cpu = (after.children_user - before.children_user) + (
        after.children_system - before.children_system)
    import resource
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return cpu, peak, done.stdout


def normalisations() -> None:
    from fincompliance.licensing.normalise import _normalise, normalise, parse_spdx
    from fincompliance.scan import scan

    declared = [(d.text, d.field) for c in scan(INSTALLED).graph.components.values()
                for d in c.declared_licenses]
    declared += [(t, "license") for t in ("Apache 2.0", "MIT License", "GPLv3+", "New BSD",
                                          "MIT/Apache-2.0", "LGPL-2.1", "Mulan PSL v2")]
    normalise("MIT")  # load the knowledge and the parser once
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        _normalise.cache_clear()   # each string's first reading, not the memo of it
        parse_spdx.cache_clear()
        for text, field in declared:
            normalise(text, field)
    elapsed = time.perf_counter() - started
    print(f"normalise: {rounds * len(declared) / elapsed:,.0f} declared strings/s "
          f"({len(declared)} real strings x {rounds})")


def cold_sbom(folder: str) -> None:
    sbom_cpu, sbom_peak, _ = measured(
        [sys.executable, "-m", "fincompliance", "sbom", str(INSTALLED), "-o", os.devnull],
        installed_environment(FINCOMP_CACHE_DIR=f"{folder}/cache-sbom"))
    print(f"fincomp sbom of the installed tree ({INSTALLED.name}), cold caches: "
          f"{sbom_cpu:.1f} s CPU, {sbom_peak:.0f} MiB peak")


def detections(tree: Path) -> None:
    """Each run in a fresh process, so that peak memory is its own (RUSAGE_CHILDREN keeps the
    largest child so far: ScanCode's CLI runs last)."""
    files = licence_files(tree)
    with tempfile.TemporaryDirectory() as folder:
        listed = Path(folder) / "files.json"
        listed.write_text(json.dumps(files))
        env = installed_environment(FINCOMP_CACHE_DIR=f"{folder}/cache")
        cpu, peak, out = measured([sys.executable, "-c", DETECT, str(listed)], env)
        print(f"fincomp, {len(files)} licence files, empty result cache: {cpu:.1f} s CPU, "
              f"{peak:.0f} MiB peak; read by {out.strip()}")
        warm_cpu, _, _ = measured([sys.executable, "-c", DETECT, str(listed)], env)
        print(f"fincomp, the same files again (result cache): {warm_cpu:.2f} s CPU")
        if tree == INSTALLED:
            cold_sbom(folder)
        scancode = shutil.which("scancode", path=str(Path(sys.executable).parent))
        if scancode is None:
            print("ScanCode's command line not found beside this Python: no comparison")
            return
        copies = Path(folder) / "files"
        for number, path in enumerate(files):
            target = copies / str(number) / Path(path).name
            target.parent.mkdir(parents=True)
            shutil.copy(path, target)
        peer_cpu, peer_peak, _ = measured(
            [scancode, "--license", "--processes", "2", "--quiet", "--json",
             f"{folder}/scancode.json", str(copies)], env)
        print(f"ScanCode CLI, the same {len(files)} files: {peer_cpu:.1f} s CPU, "
              f"{peer_peak:.0f} MiB peak; fincomp {peer_cpu / cpu:.1f}x its throughput")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tree", type=Path, default=INSTALLED,
                        help="a folder whose licence files to read (default: site-packages-fin)")
    arguments = parser.parse_args()
    normalisations()
    detections(arguments.tree.resolve())
