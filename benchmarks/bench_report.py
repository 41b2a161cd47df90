"""Audit reports at portfolio size: a SQLite ledger of 1,000 projects (500 components each,
drawn from a shared pool as in bench_ledger), then the whole-ledger report timed as HTML,
XLSX and PDF, in Chinese, from collecting the rows (ledger verify included) to the file.

Run: python benchmarks/bench_report.py [--projects 1000] [--components 500]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from datetime import date
from pathlib import Path

from bench_ledger import portfolio_graph

from fincompliance.ledger.audit import Scope
from fincompliance.ledger.record import ProjectInfo, ScanInfo, record_scan
from fincompliance.ledger.store import open_ledger
from fincompliance.report.audit import Format, prepare, write


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--projects", type=int, default=1_000)
    parser.add_argument("--components", type=int, default=500)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        engine = open_ledger(f"sqlite:///{Path(folder) / 'ledger.sqlite3'}")
        rng = random.Random(11)
        started = time.perf_counter()
        for project in range(args.projects):
            record_scan(engine, ProjectInfo(f"system-{project}", business_system="核心系统"),
                        ScanInfo("bench"), portfolio_graph(project, args.components, rng))
        print(f"ledger of {args.projects:,} projects x {args.components} components recorded "
              f"in {time.perf_counter() - started:.1f} s", flush=True)
        for output_format in (Format.html, Format.xlsx, Format.pdf):
            output = Path(folder) / f"report.{output_format.value}"
            started = time.perf_counter()
            report, locale = prepare(engine, Scope(), "zh-CN", "示例银行", date.today())
            prepared = time.perf_counter() - started
            write(report, locale, output_format, output)
            total = time.perf_counter() - started
            print(f"  report --format {output_format.value}: {total:.1f} s "
                  f"(ledger read, verified and summarised {prepared:.1f} s; "
                  f"{output.stat().st_size / 1e6:.1f} MB)", flush=True)


if __name__ == "__main__":
    main()
