"""Archive fetching and licence detection throughput: the 623 npm packages of
npm/bookstack's package-lock (which records no licences), their tarballs served by a
loopback registry mirror, read by `fincomp scan --online --fetch-archives` with a cold
cache and then a warm one; beside license-checker reading the same packages installed.

The tarballs and the installed tree come from one `npm ci --ignore-scripts` (no package
code runs) against the registry npm is configured with, into a work folder; the mirror
serves npm's own cached tarballs by the lockfile's integrity, and answers 404 for
packuments, so every licence comes from an archive.

    python benchmarks/bench_archives.py [--work DIR] [--runs 3]
"""

from __future__ import annotations

import argparse
import base64
import http.server
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from process import installed_environment

REPO = Path(__file__).resolve().parent.parent
LOCK = REPO.parent / "shared" / "corpus" / "npm" / "bookstack" / "package-lock.json"


def _prepare(work: Path) -> dict[str, Path]:
    """npm ci into `work`; (name, file name) of each tarball -> its file in npm's cache."""
    lock = json.loads(LOCK.read_text())
    root = lock["packages"][""]
    project = work / "installed"
    project.mkdir(parents=True, exist_ok=True)
    # the corpus lockfile's `resolved` addresses are placeholders: npm takes each tarball
    # from the registry it is configured with instead
    installable = json.loads(LOCK.read_text())
    for entry in installable["packages"].values():
        entry.pop("resolved", None)
    (project / "package-lock.json").write_text(json.dumps(installable))
    (project / "package.json").write_text(json.dumps({
        "name": "bookstack", "version": "1.0.0", "dependencies": root.get("dependencies", {}),
        "devDependencies": root.get("devDependencies", {})}))
    if not (project / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--cache", str(work / "npm-cache")], cwd=project, check=True,
                       capture_output=True)
    tarballs = {}
    for key, entry in lock["packages"].items():
        if not key or "integrity" not in entry or entry.get("link"):
            continue
        name = key.rsplit("node_modules/", 1)[1]
        algorithm, _, encoded = entry["integrity"].split()[0].partition("-")
        digest = base64.b64decode(encoded).hex()
        path = work / "npm-cache" / "_cacache" / "content-v2" / algorithm / digest[:2] / \
            digest[2:4] / digest[4:]
        if path.is_file():
            tarballs[f"/{name}/-/{name.rsplit('/', 1)[-1]}-{entry['version']}.tgz"] = path
    return tarballs


class _Mirror(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        path = self.server.tarballs.get(self.path)
        if path is None:
            self.send_response(404)
            self.end_headers()
            return
        body = path.read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _fincomp(project: Path, env: dict[str, str]) -> tuple[float, dict]:
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-m", "fincompliance", "scan", str(project),
                             "--online", "--fetch-archives", "--format", "json"],
                            env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    return seconds, json.loads(result.stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--work", type=Path, help="keep the install and tarballs here")
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    work = options.work or Path(tempfile.mkdtemp(prefix="fincomp-bench-archives-"))
    tarballs = _prepare(work)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Mirror)
    server.tarballs = tarballs
    threading.Thread(target=server.serve_forever, daemon=True).start()
    lockdir = work / "lock-only"
    lockdir.mkdir(exist_ok=True)
    shutil.copy(LOCK, lockdir / "package-lock.json")
    env = installed_environment(FINCOMP_NPM_URL=f"http://127.0.0.1:{server.server_port}",
                                FINCOMP_LEDGER=str(work / "no-ledger.sqlite3"))

    cold, warm = [], []
    for run in range(options.runs):
        cache = work / f"cache-{run}"
        shutil.rmtree(cache, ignore_errors=True)
        seconds, document = _fincomp(lockdir, {**env, "FINCOMP_CACHE_DIR": str(cache)})
        cold.append(seconds)
        seconds, _ = _fincomp(lockdir, {**env, "FINCOMP_CACHE_DIR": str(cache)})
        warm.append(seconds)
    server.shutdown()
    archives = document["analysis"]["archives"]
    concluded = sum(c["concluded_license"]["expression"] != "LicenseRef-fincomp-unknown"
                    for c in document["components"])

    checker = work / "tools" / "node_modules" / ".bin" / "license-checker"
    if not checker.exists():
        subprocess.run(["npm", "install", "--ignore-scripts", "--no-audit", "--no-fund",
                        "--prefix", str(work / "tools"), "license-checker@25"], check=True,
                       capture_output=True)
    peer = []
    for _ in range(options.runs):
        start = time.perf_counter()
        listed = subprocess.run([str(checker), "--json", "--start", str(work / "installed")],
                                capture_output=True, text=True, check=True)
        peer.append(time.perf_counter() - start)
    listed_by = json.loads(listed.stdout)
    peer_known = sum(1 for entry in listed_by.values()
                     if entry.get("licenses") and "UNKNOWN" not in str(entry["licenses"]))
    # the same conclusion as license-checker's reading of the installed package.json
    ours = {f"{c['name']}@{c['version']}": c["concluded_license"]["expression"]
            for c in document["components"]}
    same = sum(1 for key, entry in listed_by.items() if key in ours and
               str(entry.get("licenses", "")).strip("()") == ours[key].strip("()"))

    count = len(document["components"])
    print(f"npm/bookstack: {count} packages, {len(tarballs)} tarballs on the loopback mirror "
          f"(median of {options.runs})")
    print(f"  fincomp --fetch-archives, cold cache: {statistics.median(cold):6.1f} s "
          f"({archives['read'] / statistics.median(cold):5.1f} archives/s; downloaded, "
          "checked against the lockfile's integrity, licence files detected)")
    print(f"  fincomp --fetch-archives, warm cache: {statistics.median(warm):6.1f} s")
    print(f"    archives read {archives['read']}, refused {len(archives['refused'])}, "
          f"not fetched {sum(archives['not_fetched'].values())}; licences concluded "
          f"{concluded}/{count}")
    print(f"  license-checker 25 on the installed tree: {statistics.median(peer):6.1f} s "
          f"({peer_known} packages with a licence; fincomp concludes the same for {same})")


if __name__ == "__main__":
    main()
