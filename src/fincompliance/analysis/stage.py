"""The analysis stage of a scan: vulnerabilities from the local database (offline, when one
has been imported) and, only when asked, registry facts from the configured mirrors."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fincompliance.analysis.config import load_settings
from fincompliance.locations import knowledge_ledger, vulnerability_db
from fincompliance.model import Graph
from fincompliance.supply_chain import NO_INTERNAL_PACKAGES, InternalPackages

if TYPE_CHECKING:
    # advisory matching loads univers' version schemes: only when a database is there
    from fincompliance.analysis.archives import ArchiveReport
    from fincompliance.analysis.registry import EnrichmentReport, NamesakeReport
    from fincompliance.analysis.vulndb import Status
    from fincompliance.analysis.vulnerabilities import Checked
    from fincompliance.ledger.known import KnowledgeReport

NOT_ONLINE = "no --online"


@dataclass(frozen=True)
class Unchecked:
    """Something a verdict does not cover, which every output giving one says."""

    check: str      # vulnerabilities, public-registry
    what: str       # for vulnerabilities
    which: str      # 82 npm components (no advisories of their ecosystem in the database)
    condition: tuple[str, ...]  # the policy condition these facts feed, e.g. ("vulnerability",)

    @property
    def text(self) -> str:
        return f"not checked {self.what}: {self.which}"


@dataclass
class AnalysisReport:
    database: Status | None = None      # None: no database imported yet
    checked: Checked | None = None      # what matching covered (None: nothing matched)
    online: bool = False
    registries: list[str] = field(default_factory=list)
    enrichment: EnrichmentReport | None = None
    namesakes: NamesakeReport | None = None   # None: the policy lists no internal packages
    archives: ArchiveReport | None = None     # None: not online
    # licence files read out of archives, by component ref: (name shown, cached file)
    archive_files: dict[str, list[tuple[str, str]]] = field(default_factory=dict)
    knowledge: KnowledgeReport | None = None   # None: no ledger to keep knowledge in
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
        checked = self.checked
        if checked is None:
            from fincompliance.analysis.vulnerabilities import Checked

            checked = Checked()
        parts = [f"{count:,} {kind}" for kind, count in sorted(checked.not_covered.items())]
        if parts:
            parts[-1] += " components (no advisories of their ecosystem in the database)"
        if checked.unversioned:
            parts.append(f"{checked.unversioned:,} without a version")
        return ", ".join(parts)

    def not_checked(self) -> list[Unchecked]:
        found = []
        vulnerabilities = self.not_checked_for_vulnerabilities()
        if vulnerabilities:
            found.append(Unchecked("vulnerabilities", "for vulnerabilities", vulnerabilities,
                                   ("vulnerability",)))
        namesakes = self.namesakes
        if namesakes is not None and (namesakes.not_asked or namesakes.unanswered):
            reasons = dict(namesakes.not_asked)
            if namesakes.unanswered:
                reasons["registry unreachable"] = namesakes.unanswered
            count = sum(reasons.values())
            found.append(Unchecked(
                "public-registry", "against a public registry",
                f"{count:,} of the institution's own packages ("
                + "; ".join(f"{n:,}: {why}" if len(reasons) > 1 else why
                            for why, n in sorted(reasons.items())) + ")",
                ("internal", "public_namesake")))
        return found

    def checks(self) -> dict[str, Any]:
        """What this analysis checked, as the ledger keeps it with the scan: the advisory
        database and what matching covered; how many components registry facts were asked
        for and found (None: the scan did not go online)."""
        enrichment = self.enrichment
        return {"advisories": None if self.database is None else {
                    **self.database.summary(),
                    **(self.checked.as_dict() if self.checked else {})},
                "registry_facts": None if enrichment is None else {
                    "asked": enrichment.asked, "enriched": enrichment.enriched},
                **({} if self.namesakes is None else {"public_namesakes": {
                    "asked": self.namesakes.asked, "public": len(self.namesakes.public),
                    "not_asked": sum(self.namesakes.not_asked.values())
                    + self.namesakes.unanswered}})}


def enrich_online(graph: Graph, root: Path, internal: InternalPackages = NO_INTERNAL_PACKAGES,
                  every_archive: bool = False) -> AnalysisReport:
    """Registry facts (before licences are concluded: they may add declared licences),
    whether the public registries hold names of the institution's own packages, and the
    licence files of the archives of packages whose metadata still names no licence
    precisely: a Go module or an old wheel says it nowhere else. With `every_archive`, every
    component's archive is read (declared against detected for all, and a notice wants all
    copyright lines)."""
    settings = load_settings(root)
    report = AnalysisReport(online=True, registries=list(settings.sources))
    if internal:
        from fincompliance.analysis.registry import ask_public_registries

        report.namesakes = ask_public_registries(graph, settings, internal)
        report.notes += report.namesakes.notes()
    if not (settings.pypi or settings.npm or settings.maven or settings.cargo
            or settings.goproxy or settings.rubygems or settings.composer or settings.nuget):
        report.notes.append("--online: no registry mirror configured (FINCOMP_PYPI_URL, "
                            "FINCOMP_NPM_URL, FINCOMP_MAVEN_URL, FINCOMP_CARGO_URL, "
                            "FINCOMP_GOPROXY, FINCOMP_RUBYGEMS_URL, FINCOMP_COMPOSER_URL, "
                            "FINCOMP_NUGET_URL, the fincomp config file, or the package "
                            "managers' own settings); no registry facts gathered")
        return report
    # httpx loads only when a scan goes online.
    from fincompliance.analysis.registry import enrich, with_flat_container

    if any(c.ecosystem == "nuget" for c in graph.components.values()):
        settings, why = with_flat_container(settings)
        report.notes += [why] if why else []

    from fincompliance.analysis.archives import fetch_licence_files

    listings: dict = {}
    report.enrichment = enrich(graph, settings, listings)
    report.notes += report.enrichment.notes()
    report.archives, report.archive_files = fetch_licence_files(graph, listings, settings,
                                                                every_archive)
    report.notes += report.archives.notes()
    return report


def consult_knowledge(graph: Graph, ledger: str | None, origin: str, create: bool = False
                      ) -> KnowledgeReport | None:
    """The licence knowledge store of the ledger named (`--ledger`, FINCOMP_LEDGER) or of the
    default one when it exists (`create`: a recorded scan makes it), for what this scan could
    not conclude; None when there is no ledger. The database layer loads only when there is
    one: a CI job with none does not pay for it."""
    url = knowledge_ledger(ledger, create)
    if url is None:
        return None
    from fincompliance.ledger.known import consult

    return consult(graph, url, origin, create)


def analyse(graph: Graph, report: AnalysisReport | None = None,
            internal: InternalPackages = NO_INTERNAL_PACKAGES) -> AnalysisReport:
    """Vulnerabilities from the local database, offline."""
    report = report or AnalysisReport()
    if internal and report.namesakes is None:
        from fincompliance.analysis.registry import NamesakeReport

        own = sum(1 for component in graph.components.values() if internal.owns(component))
        report.namesakes = NamesakeReport(not_asked={NOT_ONLINE: own} if own else {})
    path = vulnerability_db()
    if not path.is_file():
        report.notes.append("no vulnerability database: import one with "
                            "`fincomp db update --from PATH` (OSV files or archives)")
        return report
    from fincompliance.analysis.vulndb import VulnerabilityDatabase
    from fincompliance.analysis.vulnerabilities import match_graph

    with VulnerabilityDatabase(path) as database:
        report.database = database.status()
        report.checked = match_graph(graph, database, report.advisory_ecosystems)
    return report
