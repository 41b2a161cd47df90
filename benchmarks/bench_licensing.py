"""Licence engine throughput: normalisations per second, and file detections per second with
a cold index (first load in a fresh process), a warm index, and the result cache.

Run: python benchmarks/bench_licensing.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path(os.environ.get("FINCOMP_SHARED", REPO.parent / "shared")) / "corpus"
INSTALLED = CORPUS / "python/site-packages-fin"

DETECT = """
import sys, time
from pathlib import Path
from fincompliance.licensing import detect
files = [str(p) for p in Path(sys.argv[1]).glob("*.dist-info/**/*") if p.is_file()
         and (p.name.lower().startswith(("licen", "copying", "notice")) or "licenses" in p.parts)]
started = time.perf_counter()
detect.warm()
loaded = time.perf_counter()
detect.detect_files(files)
done = time.perf_counter()
print(len(files), loaded - started, done - loaded)
"""


def normalisations() -> None:
    from fincompliance.licensing.normalise import normalise
    from fincompliance.scan import scan

    declared = [(d.text, d.field) for c in scan(INSTALLED).graph.components.values()
                for d in c.declared_licenses]
    declared += [(t, "license") for t in ("Apache 2.0", "MIT License", "GPLv3+", "New BSD",
                                          "MIT/Apache-2.0", "LGPL-2.1", "Mulan PSL v2")]
    normalise("MIT")  # load the knowledge and the parser once
    rounds = 20
    started = time.perf_counter()
    for _ in range(rounds):
        for text, field in declared:
            normalise(text, field)
    elapsed = time.perf_counter() - started
    print(f"normalise: {rounds * len(declared) / elapsed:,.0f} declared strings/s "
          f"({len(declared)} real strings x {rounds})")


def detections() -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "FINCOMP_CACHE_DIR": cache}
        for label in ("empty result cache", "filled result cache"):
            out = subprocess.run([sys.executable, "-c", DETECT, str(INSTALLED)], env=env,
                                 capture_output=True, text=True, check=True).stdout.split()
            files, load, detect = int(out[0]), float(out[1]), float(out[2])
            print(f"detect ({label}): index load {load:.1f} s (cold process); "
                  f"{files} licence files in {detect:.1f} s = {files / detect:,.1f} files/s "
                  "with the index warm")


if __name__ == "__main__":
    normalisations()
    detections()
