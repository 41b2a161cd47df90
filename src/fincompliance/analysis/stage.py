"""The analysis stage of a scan: vulnerabilities from the local database (offline, when one
has been imported) and, only when asked, registry facts from the configured mirrors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fincompliance.analysis.config import load_settings
from fincompliance.analysis.vulndb import Status, VulnerabilityDatabase
from fincompliance.analysis.vulnerabilities import Checked, match_graph
from fincompliance.locations import vulnerability_db
from fincompliance.model import Graph

if TYPE_CHECKING:
    from fincompliance.analysis.registry import EnrichmentReport


@dataclass
class AnalysisReport:
    database: Status | None = None      # None: no database imported yet
    checked: Checked | None = None      # what matching covered (None: nothing matched)
    online: bool = False
    registries: list[str] = field(default_factory=list)
    enrichment: EnrichmentReport | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def advisory_ecosystems(self) -> frozenset[str] | None:
        """The OSV ecosystems the database has advisories for (None: no database)."""
        return None if self.database is None else frozenset(self.database.ecosystems)

    def not_checked_for_vulnerabilities(self) -> str:
        """The components advisory matching could not vouch for, and why, in words ("" when
        it covered every one)."""
        if self.database is None:
            return "every component (no advisory database)"
        checked = self.checked or Checked()
        parts = [f"{count:,} {kind}" for kind, count in sorted(checked.not_covered.items())]
        if parts:
            parts[-1] += " components (no advisories of their ecosystem in the database)"
        if checked.unversioned:
            parts.append(f"{checked.unversioned:,} without a version")
        return ", ".join(parts)

    def checks(self) -> dict[str, Any]:
        """What this analysis checked, as the ledger keeps it with the scan: the advisory
        database and what matching covered; how many components registry facts were asked
        for and found (None: the scan did not go online)."""
        enrichment = self.enrichment
        return {"advisories": None if self.database is None else {
                    **self.database.summary(),
                    **(self.checked.as_dict() if self.checked else {})},
                "registry_facts": None if enrichment is None else {
                    "asked": enrichment.asked, "enriched": enrichment.enriched}}


def enrich_online(graph: Graph, root: Path) -> AnalysisReport:
    """Registry facts (before licences are concluded: they may add declared licences)."""
    settings = load_settings(root)
    report = AnalysisReport(online=True, registries=list(settings.sources))
    if not settings.pypi and not settings.npm:
        report.notes.append("--online: no registry mirror configured (FINCOMP_PYPI_URL, "
                            "FINCOMP_NPM_URL, the fincomp config file, pip's index-url or "
                            "npm's registry); no registry facts gathered")
        return report
    # httpx loads only when a scan goes online.
    from fincompliance.analysis.registry import enrich

    report.enrichment = enrich(graph, settings)
    report.notes += report.enrichment.notes()
    return report


def analyse(graph: Graph, report: AnalysisReport | None = None) -> AnalysisReport:
    """Vulnerabilities from the local database, offline."""
    report = report or AnalysisReport()
    path = vulnerability_db()
    if not path.is_file():
        report.notes.append("no vulnerability database: import one with "
                            "`fincomp db update --from PATH` (OSV files or archives)")
        return report
    with VulnerabilityDatabase(path) as database:
        report.database = database.status()
        report.checked = match_graph(graph, database, report.advisory_ecosystems)
    return report
