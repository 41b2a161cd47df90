"""Time `fincomp sbom` on every corpus entry and on a generated 50,000-package lockfile.

Prints wall time and peak memory (max RSS of the fincomp process) per file and format.
Run: python benchmarks/bench_sbom.py [--formats cyclonedx-json,spdx-json] [--size 50000]
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generated import generated_lockfile

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared")) / "corpus"


def run(target: Path, fmt: str) -> tuple[float, float, int]:
    """(seconds, peak MiB, exit code) of one `fincomp sbom` in a fresh interpreter."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "fincompliance", "sbom", str(target), "--format", fmt,
         "--output", os.devnull], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        env={**os.environ, "SOURCE_DATE_EPOCH": "1700000000"})
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    return elapsed, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--formats", default="cyclonedx-json,cyclonedx-xml,spdx-json,spdx-tv")
    parser.add_argument("--size", type=int, default=50_000)
    args = parser.parse_args()
    formats = args.formats.split(",")
    with (CORPUS / "MANIFEST.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle, delimiter="\t"))
    print(f"{'input':48} {'format':15} {'seconds':>8} {'peak MiB':>9}  status")
    for row in rows:
        for fmt in formats:
            seconds, peak, code = run(CORPUS / row["path"], fmt)
            status = "ok" if code == 0 else f"exit {code} (format not read yet)"
            print(f"{row['path']:48} {fmt:15} {seconds:8.2f} {peak:9.0f}  {status}", flush=True)
    with tempfile.TemporaryDirectory() as folder:
        lockfile = generated_lockfile(Path(folder), args.size)
        label = f"generated package-lock ({args.size:,} packages)"
        for fmt in formats:
            seconds, peak, code = run(lockfile, fmt)
            print(f"{label:48} {fmt:15} {seconds:8.2f} {peak:9.0f}  "
                  f"{'ok' if code == 0 else f'exit {code}'}", flush=True)


if __name__ == "__main__":
    main()
