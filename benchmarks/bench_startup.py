"""Start-up time of `fincomp --help` (what every CI step and every typo pays), in fresh
interpreters: the median of N runs for this tree and, with --against REV, for another
revision checked out in a temporary worktree, so a change can be held to "no slower".

    python benchmarks/bench_startup.py [--runs 15] [--against 99d9a76]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from process import installed_environment

REPO = Path(__file__).resolve().parent.parent


def median_seconds(source: Path, runs: int) -> float:
    env = installed_environment(source, PYTHONPATH=str(source))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "fincompliance", "--help"], env=env,
                       check=True, capture_output=True, cwd=tempfile.gettempdir())
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--against", metavar="REV")
    options = parser.parse_args()
    print(f"this tree: {median_seconds(REPO / 'src', options.runs):.3f} s "
          f"(median of {options.runs})")
    if options.against:
        with tempfile.TemporaryDirectory() as folder:
            worktree = Path(folder) / "tree"
            subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--detach",
                            str(worktree), options.against], check=True, capture_output=True)
            try:
                seconds = median_seconds(worktree / "src", options.runs)
            finally:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force",
                                str(worktree)], check=True)
        print(f"{options.against}: {seconds:.3f} s (median of {options.runs})")


if __name__ == "__main__":
    main()
