"""`fincomp release-check` on a repository of 5,000 files and 2,000 commits (the size issue
18 names), with and without `--history`, beside detect-secrets' own `scan` of the same tree
(the part of the review a peer does alone). Prints wall time and peak memory (max RSS).

The repository is generated: source files in five languages with licence headers, some
without, documents and data files; the history written with `git fast-import`, each commit
changing three files, so `--history` reads about 6,000 changed files' added lines.

    python benchmarks/bench_release.py [--files 5000] [--commits 2000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from fincompliance.licensing.attribution import licence_text

_SUFFIXES = (".py", ".java", ".go", ".ts", ".c", ".md", ".csv")
_HEADER = {".py": "# ", ".java": "// ", ".go": "// ", ".ts": "// ", ".c": "// "}


def _content(rng: random.Random, path: str, revision: int) -> str:
    suffix = Path(path).suffix
    lines = []
    if suffix in _HEADER and rng.random() < 0.9:
        lines.append(f"{_HEADER[suffix]}SPDX-License-Identifier: MulanPSL-2.0")
        lines.append(f"{_HEADER[suffix]}Copyright (c) 2026 Example Bank Co., Ltd.")
    for number in range(rng.randint(20, 120)):
        word = rng.choice(("ledger", "account", "posting", "balance", "settlement"))
        lines.append(f"value_{number} = '{word}-{revision}-{rng.randint(0, 10**6)}'"
                     if suffix != ".csv" else f"{word},{number},{rng.randint(0, 10**6)}")
    return "\n".join(lines) + "\n"


def generate(root: Path, files: int, commits: int) -> None:
    rng = random.Random(18)
    paths = [f"src/module_{i // 100:03d}/file_{i:05d}{_SUFFIXES[i % len(_SUFFIXES)]}"
             for i in range(files)]
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    stream = []
    mark = 0
    for commit in range(commits):
        changed = paths if commit == 0 else rng.sample(paths, 3)
        author = rng.choice(("alice@example-bank.com", "bob@example-bank.com",
                             "carol@partner.example"))
        message = f"change {commit}\n\nSigned-off-by: Dev <{author}>\n".encode()
        stream.append(f"commit refs/heads/main\nmark :{mark + 1}\n"
                      f"author Dev <{author}> {1_700_000_000 + commit * 60} +0800\n"
                      f"committer Dev <{author}> {1_700_000_000 + commit * 60} +0800\n"
                      f"data {len(message)}\n".encode() + message)
        if commit:
            stream.append(f"from :{mark}\n".encode())
        mark += 1
        files = [(path, _content(rng, path, commit)) for path in changed]
        if commit == 0:
            files.append(("LICENSE", "Copyright (c) 2026 Example Bank Co., Ltd.\n\n"
                          + licence_text("MulanPSL-2.0")))
        for path, text in files:
            data = text.encode()
            stream.append(f"M 100644 inline {path}\ndata {len(data)}\n".encode() + data + b"\n")
        stream.append(b"\n")
    subprocess.run(["git", "-C", str(root), "fast-import", "--quiet"], input=b"".join(stream),
                   check=True)
    subprocess.run(["git", "-C", str(root), "checkout", "-q", "main"], check=True)


def timed(command: list[str], cwd: Path) -> tuple[float, int, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    completed = subprocess.run(command, capture_output=True, cwd=cwd)
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, max(peak, before) // 1024, completed.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=5_000)
    parser.add_argument("--commits", type=int, default=2_000)
    parser.add_argument("--keep", type=Path, help="generate the repository here and keep it")
    options = parser.parse_args()
    folder = options.keep or Path(tempfile.mkdtemp(prefix="fincomp-bench-release-"))
    root = folder / "repository"
    if not root.exists():
        started = time.perf_counter()
        generate(root, options.files, options.commits)
        print(f"generated {options.files:,} files and {options.commits:,} commits in "
              f"{time.perf_counter() - started:.1f} s")
    fincomp = [sys.executable, "-m", "fincompliance", "release-check", str(root),
               "--format", "json", "-o", str(folder / "review.json")]
    # detect-secrets scans what git tracks in the folder it runs in, as the review does
    detect_secrets = [str(Path(sys.executable).with_name("detect-secrets")), "scan"]
    # RUSAGE_CHILDREN keeps the largest child seen so far: the smallest run goes first.
    for label, command in (("detect-secrets scan (secrets alone)", detect_secrets),
                           ("fincomp release-check", fincomp),
                           ("fincomp release-check --history", [*fincomp, "--history"])):
        seconds, peak, code = timed(command, root)
        print(f"{label}: {seconds:.1f} s, peak {peak} MiB, exit {code}")
    if options.keep is None:
        shutil.rmtree(folder)


if __name__ == "__main__":
    main()
