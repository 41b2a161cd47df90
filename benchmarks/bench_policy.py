"""Policy evaluation on a generated lockfile of 50,000 packages with 30 rules.

Prints the time of each stage in one process (scan, licence conclusions, licence review,
rule evaluation, waivers) and then the whole `fincomp scan --policy --format json` in a
fresh interpreter with its peak memory.
Run: python benchmarks/bench_policy.py [--size 50000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

from generated import generated_lockfile

from fincompliance.licensing.conclude import conclude_graph
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.licensing.review import review
from fincompliance.policy.evaluate import evaluate
from fincompliance.policy.loader import load_policy
from fincompliance.policy.waivers import Waiver, apply_waivers
from fincompliance.scan import scan

POLICY = Path(__file__).with_name("policy-30-rules.yaml")


def _timed(label: str, work):
    started = time.perf_counter()
    value = work()
    print(f"  {label:34} {time.perf_counter() - started:8.2f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=50_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        lockfile = generated_lockfile(root, args.size)
        policy = load_policy(POLICY)
        print(f"{args.size:,} packages, {len(policy.rules)} rules (policy {policy.digest[:12]})")
        knowledge = load_knowledge()
        result = _timed("scan (read the lockfile)", lambda: scan(lockfile))
        _timed("licence conclusions", lambda: conclude_graph(result.graph, result.root,
                                                             knowledge))
        outcome = _timed("licence review", lambda: review(
            result.graph, result.root, policy.outbound, policy.distribution,
            knowledge=knowledge))
        findings = _timed("rule evaluation", lambda: evaluate(
            result.graph, outcome, policy, knowledge, date(2026, 11, 23)))
        waivers = [Waiver(f"pkg:npm/pkg-{i}", None, "*", "bench", "bench", date(2099, 1, 1),
                          None, "bench") for i in range(0, args.size, 100)]
        _timed(f"{len(waivers)} waivers applied", lambda: apply_waivers(
            findings, waivers, date(2026, 11, 23)))
        print(f"  findings: {len(findings):,}")

        started = time.perf_counter()
        process = subprocess.Popen(
            [sys.executable, "-m", "fincompliance", "scan", str(lockfile), "--policy",
             str(POLICY), "--format", "json", "--output", os.devnull, "--fail-on",
             "never"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(process.pid, 0)
        print(f"fincomp scan --policy --format json, fresh process: "
              f"{time.perf_counter() - started:.1f} s, peak {usage.ru_maxrss / 1024:.0f} MiB, "
              f"exit {os.waitstatus_to_exitcode(status)}")


if __name__ == "__main__":
    main()
