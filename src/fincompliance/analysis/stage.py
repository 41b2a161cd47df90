"""The analysis stage of a scan: vulnerabilities from the local database (offline, when one
has been imported) and, only when asked, registry facts from the configured mirrors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fincompliance.analysis.vulndb import Status, VulnerabilityDatabase
from fincompliance.analysis.vulnerabilities import match_graph
from fincompliance.locations import vulnerability_db
from fincompliance.model import Graph


@dataclass
class AnalysisReport:
    database: Status | None = None      # None: no database imported yet
    vulnerable: int = 0
    notes: list[str] = field(default_factory=list)


def analyse(graph: Graph, database_path: Path | None = None) -> AnalysisReport:
    report = AnalysisReport()
    path = database_path or vulnerability_db()
    if not path.is_file():
        report.notes.append("no vulnerability database: import one with "
                            "`fincomp db update --from PATH` (OSV files or archives)")
        return report
    with VulnerabilityDatabase(path) as database:
        report.database = database.status()
        report.vulnerable = match_graph(graph, database)
    return report
