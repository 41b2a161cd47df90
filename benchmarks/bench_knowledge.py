"""What the licence knowledge store adds to a warm scan of npm/vite (1,405 components):
`fincomp scan --format json` with no ledger, then with a ledger whose store holds a
conclusion for every one of them (each used, since the lockfile declares none), medians of
paired runs in fresh processes. Target: under 1 s added.

    python benchmarks/bench_knowledge.py [--runs 7]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process import installed_environment

REPO = Path(__file__).resolve().parent.parent
VITE = REPO.parent / "shared" / "corpus" / "npm" / "vite"


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "fincompliance", *args], env=env,
                          capture_output=True, text=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        base = installed_environment(FINCOMP_CACHE_DIR=str(Path(folder, "cache")),
                                     FINCOMP_LEDGER=str(Path(folder, "absent.sqlite3")))
        scan = _run(base, "scan", str(VITE), "--format", "json")
        components = json.loads(scan.stdout)["components"]
        # a store that knows every component (what earlier online scans would have kept)
        entries = [{"purl": c["purl"], "artifact": "", "expression": "MIT", "method": "declared",
                    "confidence": 0.95, "source": "registry", "reason": None,
                    "evidence": ["license: 'MIT' -> MIT (spdx)"],
                    "concluded_at": "2026-11-28T00:00:00+00:00"} for c in components]
        from fincompliance.ledger.known import FORMAT, FORMAT_VERSION, _checksum

        export = Path(folder, "knowledge.json")
        export.write_text(json.dumps({"format": FORMAT, "version": FORMAT_VERSION,
                                      "entries": entries, "checksum": _checksum(entries)}))
        ledger = str(Path(folder, "ledger.sqlite3"))
        _run(base, "scan", str(VITE), "--ledger", ledger, "--record", "--format", "json")
        imported = _run(base, "knowledge", "import", str(export), "--actor", "bench",
                        "--ledger", ledger)
        print(imported.stderr.strip())
        without, with_store = [], []
        for _ in range(options.runs):
            for env, times in ((base, without), ({**base, "FINCOMP_LEDGER": ledger}, with_store)):
                start = time.perf_counter()
                result = _run(env, "scan", str(VITE), "--format", "json")
                times.append(time.perf_counter() - start)
        applied = json.loads(result.stdout)["analysis"]["knowledge_store"]["applied"]
    print(f"npm/vite, {len(components):,} components, scan --format json "
          f"(median of {options.runs}):")
    print(f"  no ledger:                          {statistics.median(without):6.2f} s")
    print(f"  ledger knowing every component:     {statistics.median(with_store):6.2f} s "
          f"({applied:,} licences from the store)")
    print(f"  added by the knowledge store:       "
          f"{statistics.median(with_store) - statistics.median(without):+6.2f} s (target < 1 s)")


if __name__ == "__main__":
    main()
