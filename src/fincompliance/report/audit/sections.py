"""The audit report as sections of facts, charts and tables, in no language yet: cells are
values (numbers, dates, names) or catalogue messages, so that the HTML page, its PDF and
the workbook show the same rows, each in the reader's language and number formats.

Each section names the articles of 银办发〔2021〕146号 it evidences."""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from fincompliance.clock import days_since
from fincompliance.ledger.audit import AuditData, ScannedProject
from fincompliance.ledger.lifecycle import state_of
from fincompliance.licensing.knowledge import Category, Knowledge
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.licensing.normalise import UNKNOWN
from fincompliance.report.audit.locale import N_, Abridged, Article, Locale, Share, Text, text

EXPIRING_WITHIN_DAYS = 30   # a waiver this close to its expiry is flagged
STALE_AFTER_DAYS = 730      # no release for two years: a closure signal
PRINT_LIMIT = 50            # longest ranking printed; the workbook has every row


Cell = str | int | float | date | datetime | Share | Text | Article | None


@dataclass(frozen=True)
class Column:
    key: str
    # text; long (prose); number; date; code (purls, paths, hashes: may break anywhere);
    # id (ids, versions, component@version) and label (severity, status, article): never
    # broken on screen; ids: a list of ids, each never broken
    kind: str = "text"
    on_page: bool = True    # False: in the workbook only (a page says it once elsewhere)


@dataclass
class Table:
    id: str
    columns: tuple[Column, ...]
    rows: list[tuple[Cell, ...]]
    empty: Text
    title: Text | None = None
    print_limit: int | None = None
    in_workbook: bool = True    # False: a page's summary of rows the workbook has whole


@dataclass(frozen=True)
class Bar:
    label: Cell
    value: int
    tone: str               # bad, warn, ok, neutral


@dataclass(frozen=True)
class Chart:
    title: Text
    bars: tuple[Bar, ...]


@dataclass
class Section:
    id: str
    title: str                         # catalogue key
    articles: tuple[Article, ...]
    intro: Text
    facts: list[tuple[Text, Cell]] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    notes: list[Text] = field(default_factory=list)
    page_notes: list[Text] = field(default_factory=list)   # about the page, not the data

    @property
    def wide(self) -> bool:
        """Printed on landscape pages."""
        return self.id in WIDE_SECTIONS


@dataclass(frozen=True)
class Meta:
    institution: str
    generated_at: datetime
    tool_version: str
    # who prepares and who reviews the report, printed in its sign-off block (blank lines
    # to fill in by hand where not given)
    prepared_by: str | None = None
    reviewed_by: str | None = None

    def sign_off(self) -> list[tuple[str, str | None]]:
        """(role message, name) for each line of the sign-off block."""
        return [(N_("signoff.prepared"), self.prepared_by),
                (N_("signoff.reviewed"), self.reviewed_by)]


SECTIONS = {  # id: (title, introduction, articles it evidences)
    "summary": (N_("section.summary"), N_("intro.summary"), (7,)),
    "licences": (N_("section.licences"), N_("intro.licences"), (10,)),
    "findings": (N_("section.findings"), N_("intro.findings"), (10,)),
    "waivers": (N_("section.waivers"), N_("intro.waivers"), (5,)),
    "vulnerabilities": (N_("section.vulnerabilities"), N_("intro.vulnerabilities"), (7, 11)),
    "lifecycle": (N_("section.lifecycle"), N_("intro.lifecycle"), (5,)),
    "changes": (N_("section.changes"), N_("intro.changes"), (7,)),
    "maturity": (N_("section.maturity"), N_("intro.maturity"), (9,)),
    "coverage": (N_("section.coverage"), N_("intro.coverage"), ()),
}
# Sections whose tables need landscape pages.
WIDE_SECTIONS = frozenset({"findings", "waivers", "vulnerabilities"})
# The articles of the Opinions addressed to financial institutions about using open source,
# in the order of the text; each message quotes the article's own words.
INSTITUTION_ARTICLES = {4: N_("article.4"), 5: N_("article.5"), 6: N_("article.6"),
                        7: N_("article.7"), 9: N_("article.9"), 10: N_("article.10"),
                        11: N_("article.11"), 12: N_("article.12"), 13: N_("article.13"),
                        20: N_("article.20")}
# Why a scan ledger holds no evidence of these: they ask for organisation, strategy,
# contracts and contributions, which no dependency scan records.
NOT_EVIDENCED = {4: N_("not-evidenced.4"), 6: N_("not-evidenced.6"),
                 12: N_("not-evidenced.12")}

# What the evidence must show before a report says more than "insufficient evidence".
UNKNOWN_LICENCES_TOLERATED = 0.05   # share of components whose licence is not concluded
DATABASE_STALE_AFTER_DAYS = 30      # advisories imported longer before the scan than this

CATEGORIES = {  # most open first: the order of the chart
    Category.PUBLIC_DOMAIN: (N_("category.public-domain"), "ok"),
    Category.PERMISSIVE: (N_("category.permissive"), "ok"),
    Category.WEAK_COPYLEFT: (N_("category.weak-copyleft"), "neutral"),
    Category.STRONG_COPYLEFT: (N_("category.strong-copyleft"), "warn"),
    Category.NETWORK_COPYLEFT: (N_("category.network-copyleft"), "bad"),
    Category.SOURCE_AVAILABLE: (N_("category.source-available"), "bad"),
    Category.PROPRIETARY: (N_("category.proprietary"), "bad"),
    Category.UNKNOWN: (N_("category.unknown"), "warn"),
}
FINDING_SEVERITIES = {"error": (N_("severity.error"), "bad"),
                      "warning": (N_("severity.warning"), "warn"),
                      "note": (N_("severity.note"), "neutral")}
FINDING_STATUSES = {"open": N_("status.open"), "waived": N_("status.waived"),
                    "baselined": N_("status.baselined")}
VULNERABILITY_SEVERITIES = {"critical": (N_("severity.critical"), "bad"),
                            "high": (N_("severity.high"), "bad"),
                            "medium": (N_("severity.medium"), "warn"),
                            "low": (N_("severity.low"), "neutral"),
                            "unknown": (N_("severity.unknown"), "neutral")}
LIFECYCLE_STATES = {"proposed": N_("state.proposed"), "approved": N_("state.approved"),
                    "in-use": N_("state.in-use"), "deprecated": N_("state.deprecated"),
                    "retired": N_("state.retired"), "rejected": N_("state.rejected")}
WAIVER_STATES = {"expired": (N_("waiver.expired"), "bad"),
                 "expiring": (N_("waiver.expiring"), "warn"),
                 "active": (N_("waiver.active"), "ok")}
CHANGE_KINDS = {"added": N_("change.added"), "removed": N_("change.removed"),
                "upgraded": N_("change.upgraded"), "downgraded": N_("change.downgraded"),
                "licence": N_("change.licence"),
                "new_vulnerability": N_("change.new-vulnerability"),
                "fixed_vulnerability": N_("change.fixed-vulnerability")}
SIGNALS = {"deprecated": N_("signal.deprecated"), "yanked": N_("signal.yanked"),
           "relicensed": N_("signal.relicensed"), "stale": N_("signal.stale")}
VERDICTS = {"fail": (N_("verdict.fail"), "bad"),
            "insufficient": (N_("verdict.insufficient"), "warn"),
            "pass": (N_("verdict.pass"), "ok")}
COVERAGE_STATES = {"covered": N_("coverage.covered"), "partial": N_("coverage.partial"),
                   "not-covered": N_("coverage.not-covered")}
NOT_ASSESSED = N_("grade.not-assessed")
WITHHELD = N_("grade.withheld")


@dataclass(frozen=True)
class Report:
    meta: Meta
    data: AuditData
    verdict: str
    sections: tuple[Section, ...]


def build(data: AuditData, meta: Meta, locale: Locale,
          knowledge: Knowledge | None = None) -> Report:
    knowledge = knowledge or load_knowledge()
    index = _Index(data, locale, knowledge)
    verdict, reasons = _verdict(index)
    sections = (
        _summary(index, meta, verdict, reasons), _licences(index), _findings(index),
        _waivers(index), _vulnerabilities(index), _lifecycle(index), _changes(index),
        _maturity(index), _coverage(index))
    return Report(meta, data, verdict, sections)


def _section(section_id: str, cites: Iterable[int] = (), **parts: Any) -> Section:
    """A section citing its own articles and those its rows cite (`cites`)."""
    title, intro, articles = SECTIONS[section_id]
    return Section(section_id, title, tuple(Article(a) for a in sorted({*articles, *cites})),
                   text(intro), **parts)


class _Index:
    """The scope's rows, grouped once for every section."""

    def __init__(self, data: AuditData, locale: Locale, knowledge: Knowledge) -> None:
        self.data, self.locale, self.knowledge = data, locale, knowledge
        # package@version -> the component row (the first seen) and the projects using it
        self.components: dict[str, dict[str, Any]] = {}
        self.used_by: dict[str, set[str]] = defaultdict(set)
        for project in data.projects:
            for row in project.components:
                key = _key(row)
                self.components.setdefault(key, row)
                self.used_by[key].add(project.name)
        self.categories = {key: self.category(row["licence"])
                           for key, row in self.components.items()}
        self.evidence = _Evidence.of(data)
        # advisory id -> the vulnerability as recorded (the same for every component)
        self.advisories = {v["id"]: v for row in self.components.values()
                           for v in row["vulnerabilities"]}

    def category(self, expression: str | None) -> Category:
        return self.knowledge.category_of(expression) if expression else Category.UNKNOWN

    def projects(self, names: set[str]) -> str:
        return self.locale.join(sorted(names, key=self.locale.sort_key))

    def open_findings(self) -> list[tuple[ScannedProject, dict]]:
        return [(p, f) for p in self.data.projects for f in p.findings
                if f["status"] == "open" and f["action"] != "info"]


@dataclass(frozen=True)
class _ScanChecks:
    """What one project's scan in scope was checked against, as it recorded it."""

    project: str
    policy: str | None
    checks: dict[str, Any] | None      # None: recorded before fincomp kept it
    recorded_at: str
    components: int                    # component uses
    concluded: int                     # of them with a licence concluded

    @property
    def advisories(self) -> dict[str, Any] | None:
        return (self.checks or {}).get("advisories")

    @property
    def not_covered(self) -> dict[str, int]:
        return (self.advisories or {}).get("not_covered", {})

    @property
    def unversioned(self) -> int:
        return (self.advisories or {}).get("unversioned", 0)

    @property
    def matched(self) -> int:
        return (self.advisories or {}).get("checked", 0)

    @property
    def registry(self) -> dict[str, int] | None:
        """Registry facts asked for and found (None: the scan did not go online)."""
        return (self.checks or {}).get("registry_facts")

    @property
    def stale(self) -> bool:
        imported = max((s["imported_at"] for s in self.advisories["sources"]), default=None)
        return imported is None or (datetime.fromisoformat(self.recorded_at)
                                    - datetime.fromisoformat(imported)).days \
            > DATABASE_STALE_AFTER_DAYS


@dataclass(frozen=True)
class _Evidence:
    """The scans in scope and what each was checked against: the ground for every verdict
    and every "none found" the report prints."""

    scans: tuple[_ScanChecks, ...]

    @classmethod
    def of(cls, data: AuditData) -> _Evidence:
        return cls(tuple(_ScanChecks(
            p.name, p.scan["policy_name"] if p.scan["policy_digest"] else None,
            p.scan["checks"], p.scan["recorded_at"], len(p.components),
            sum(1 for c in p.components if _concluded(c))) for p in data.projects))

    def _names(self, keep) -> list[str]:
        return [s.project for s in self.scans if keep(s)]

    @property
    def projects(self) -> int:
        return len(self.scans)

    @property
    def judged(self) -> int:
        return sum(1 for s in self.scans if s.policy)

    @property
    def matched_projects(self) -> int:
        return sum(1 for s in self.scans if s.advisories is not None)

    @property
    def with_registry_facts(self) -> int:
        return sum(1 for s in self.scans if s.registry and s.registry["enriched"])

    @property
    def components(self) -> int:
        return sum(s.components for s in self.scans)

    @property
    def concluded(self) -> int:
        return sum(s.concluded for s in self.scans)

    @property
    def checked(self) -> int:
        return sum(s.matched for s in self.scans)

    @property
    def not_covered(self) -> Counter[str]:
        return sum((Counter(s.not_covered) for s in self.scans), Counter())

    @property
    def unversioned(self) -> int:
        return sum(s.unversioned for s in self.scans)

    def insufficient(self, locale: Locale) -> list[Text]:
        """Why the scans cannot carry a "passed": each gap with its figures."""
        reasons = []
        for key, names in (
                (N_("reason.no-policy"), self._names(lambda s: not s.policy)),
                (N_("reason.checks-unrecorded"), self._names(lambda s: s.checks is None)),
                (N_("reason.no-database"), self._names(
                    lambda s: s.checks is not None and s.advisories is None)),
                (N_("reason.stale-database"), self._names(
                    lambda s: s.advisories is not None and s.stale))):
            if names:
                reasons.append(text(key, count=len(names), projects=locale.join(names),
                                    days=DATABASE_STALE_AFTER_DAYS))
        if self.not_covered:
            reasons.append(text(N_("reason.ecosystems-not-covered"),
                                count=sum(self.not_covered.values()),
                                ecosystems=_by_ecosystem(self.not_covered, locale)))
        if self.unversioned:
            reasons.append(text(N_("reason.unversioned"), count=self.unversioned))
        unknown = self.components - self.concluded
        if self.components and unknown / self.components > UNKNOWN_LICENCES_TOLERATED:
            reasons.append(text(N_("reason.unknown-licences"), count=unknown,
                                total=self.components, share=Share(unknown / self.components),
                                tolerated=Share(UNKNOWN_LICENCES_TOLERATED)))
        return reasons

    def no_findings(self) -> Text:
        """"No finding", said only of the scans a policy judged."""
        if not self.judged:
            return text(N_("empty.findings-unjudged"))
        if self.judged < self.projects:
            return text(N_("empty.findings-partly"), judged=self.judged,
                        projects=self.projects)
        return text(N_("empty.findings"))

    def no_vulnerabilities(self) -> Text:
        """"No known vulnerability", said only of the components matched."""
        if not self.checked:
            return text(N_("empty.vulnerabilities-unchecked"))
        return text(N_("empty.vulnerabilities"), checked=self.checked,
                    unchecked=self.components - self.checked)


def _by_ecosystem(counts: dict[str, int], locale: Locale) -> str:
    """"npm 82、cargo 3": component counts by package type."""
    return locale.join([f"{kind} {locale.value(count)}"
                        for kind, count in sorted(counts.items())])


def _rated(severity: str) -> str:
    """The severity as the report ranks it: anything a source wrote that is not one of its
    levels counts as unrated."""
    return severity if severity in VULNERABILITY_SEVERITIES else "unknown"


def _concluded(row: dict[str, Any]) -> bool:
    return bool(row["licence"]) and row["licence"] != UNKNOWN


def _ranked(keyed: list[tuple[tuple, tuple[Cell, ...]]]) -> list[tuple[Cell, ...]]:
    """Rows in the order of the keys they were built with."""
    return [row for _, row in sorted(keyed, key=lambda pair: pair[0])]


def _key(row: dict[str, Any]) -> str:
    return f"{row['package']}@{row['version'] or ''}"


def _label(row: dict[str, Any]) -> str:
    return row["name"] + (f"@{row['version']}" if row["version"] else "")


def _waiver_state(waiver: dict[str, Any], as_of: date) -> str:
    expires = date.fromisoformat(waiver["expires"])
    if expires < as_of:
        return "expired"
    return "expiring" if expires <= as_of + timedelta(days=EXPIRING_WITHIN_DAYS) else "active"


def _verdict(index: _Index) -> tuple[str, list[Text]]:
    """Failed on what was found; else insufficient evidence where the scans could not
    check enough to say; else passed. Every reason is listed, whatever the verdict."""
    data = index.data
    failing, attention = [], []
    if not data.chain.ok:
        failing.append(text(N_("reason.chain-broken"), problem=data.chain.problem))
    by_severity = Counter(f["severity"] for _, f in index.open_findings())
    if by_severity["error"]:
        failing.append(text(N_("reason.open-errors"), count=by_severity["error"]))
    if by_severity["warning"]:
        attention.append(text(N_("reason.open-warnings"), count=by_severity["warning"]))
    states = Counter(_waiver_state(w, data.as_of) for p in data.projects for w in p.waivers)
    if states["expired"]:
        attention.append(text(N_("reason.expired-waivers"), count=states["expired"]))
    if states["expiring"]:
        attention.append(text(N_("reason.expiring-waivers"), count=states["expiring"],
                              days=EXPIRING_WITHIN_DAYS))
    severities = Counter(_rated(v["severity"]) for v in index.advisories.values())
    serious = severities["critical"] + severities["high"]
    if serious:
        attention.append(text(N_("reason.serious-vulnerabilities"), count=serious))
    unrated = severities["unknown"]
    if unrated:
        attention.append(text(N_("reason.unrated-vulnerabilities"), count=unrated))
    retired = [key for key, row in index.components.items()
               if state_of(data.lifecycle_all, row["package"], row["version"])
               in ("retired", "rejected")]
    if retired:
        attention.append(text(N_("reason.retired-in-use"), count=len(retired)))
    insufficient = index.evidence.insufficient(index.locale)
    if failing:
        return "fail", failing + insufficient + attention
    if insufficient:
        return "insufficient", insufficient + attention
    return "pass", attention or [text(N_("reason.none"))]


def _summary(index: _Index, meta: Meta, verdict: str, reasons: list[Text]) -> Section:
    data = index.data
    scope = data.scope
    if scope.scan is not None:
        scope_text = text(N_("scope.scan"), scan=scope.scan, project=data.projects[0].name)
    elif scope.project:
        scope_text = text(N_("scope.project"), project=scope.project)
    else:
        scope_text = text(N_("scope.ledger"))
    period = (text(N_("period.range"), since=scope.since, until=data.as_of) if scope.since
              else text(N_("period.until"), until=data.as_of))
    policies = sorted({(s.scan["policy_name"], s.scan["policy_digest"])
                       for s in data.projects if s.scan["policy_digest"]})
    chain = (text(N_("chain.verified"), entries=data.chain.entries) if data.chain.ok
             else text(N_("chain.broken"), entries=data.chain.entries,
                       problem=data.chain.problem))
    findings = index.open_findings()
    vulnerable = [row for row in index.components.values() if row["vulnerabilities"]]
    waivers = [w for p in data.projects for w in p.waivers]
    label, _ = VERDICTS[verdict]
    facts = [
        (text(N_("meta.institution")), meta.institution),
        (text(N_("meta.scope")), scope_text),
        (text(N_("meta.period")), period),
        (text(N_("meta.generated-at")), meta.generated_at),
        (text(N_("meta.tool-version")), f"fincomp {meta.tool_version}"),
        *((text(role), name) for role, name in meta.sign_off() if name),
        (text(N_("meta.policy")), "; ".join(f"{name} sha256:{digest}"
                                            for name, digest in policies)
         or text(N_("value.no-policy"))),
        (text(N_("meta.chain")), chain),
        (text(N_("meta.chain-head")), data.chain.head),
        (text(N_("meta.verdict")), text(label)),
        (text(N_("count.projects")), len(data.projects)),
        (text(N_("count.components")), len(index.components)),
        (text(N_("count.component-uses")), sum(len(p.components) for p in data.projects)),
        (text(N_("count.direct")), sum(1 for p in data.projects for c in p.components
                                       if c["direct"])),
        (text(N_("count.licences")), len({row["licence"] for row in index.components.values()
                                          if row["licence"]})),
        (text(N_("count.open-findings")), len(findings)),
        (text(N_("count.waivers")), len(waivers)),
        (text(N_("count.vulnerabilities")), _matched_count(len(
            {v["id"] for row in vulnerable for v in row["vulnerabilities"]}), index)),
        (text(N_("count.vulnerable-components")), _matched_count(len(vulnerable), index)),
        (text(N_("count.lifecycle-events")), len(data.lifecycle)),
    ]
    open_by_project = Counter(p.name for p, _ in findings)
    # A count only where something was looked for: a scan no policy judged has no findings
    # to count, one matched against no advisories no vulnerabilities.
    rows = [(p.name, p.business_system, p.owner, p.scan["id"], _when(p.scan["recorded_at"]),
             # the commit abbreviated as git does (whole in `ledger show`), so that it fits
             # its column on a printed page unbroken
             (p.scan["commit_id"] or "")[:10] or None, len(p.components),
             open_by_project[p.name] if checked.policy else text(N_("value.no-policy")),
             sum(len(c["vulnerabilities"]) for c in p.components)
             if checked.advisories is not None else text(N_("value.unmatched")))
            for p, checked in zip(data.projects, index.evidence.scans, strict=True)]
    table = Table("projects", (
        Column(N_("column.project")), Column(N_("column.business-system")),
        Column(N_("column.owner")), Column(N_("column.scan"), "number"),
        Column(N_("column.recorded-at"), "date"), Column(N_("column.commit"), "id"),
        Column(N_("column.components"), "number"), Column(N_("column.open-findings"), "number"),
        Column(N_("column.vulnerabilities"), "number")),
        sorted(rows, key=lambda r: index.locale.sort_key(r[0])),
        text(N_("empty.projects")), text(N_("table.projects")))
    return _section("summary", facts=facts, tables=[table, _checked_against(index)],
                    notes=list(reasons))


def _matched_count(count: int, index: _Index) -> Cell:
    """A vulnerability count, with the component uses it could not include: a 0 never
    stands for components no advisory was looked up for."""
    unmatched = index.evidence.components - index.evidence.checked
    if not index.evidence.matched_projects:
        return text(N_("value.unmatched"))
    return text(N_("value.count-with-unmatched"), count=count, unmatched=unmatched) \
        if unmatched else count


def _checked_against(index: _Index) -> Table:
    """Per project, what its scan was checked against: the ground of the verdict."""
    locale, rows = index.locale, []
    for scan in index.evidence.scans:
        not_recorded = text(N_("value.not-recorded"))
        if scan.checks is None:
            database = not_matched = not_recorded
        elif scan.advisories is None:
            database, not_matched = text(N_("value.no-database")), None
        else:
            database = locale.join([f"{s['name']} ({s['imported_at'][:10]})"
                                    for s in scan.advisories["sources"]])
            gaps = [_by_ecosystem(scan.not_covered, locale)] if scan.not_covered else []
            if scan.unversioned:
                gaps.append(locale.text(N_("value.unversioned"), count=scan.unversioned))
            not_matched = locale.join(gaps) or 0
        registry = scan.registry
        rows.append((scan.project, scan.policy or text(N_("value.no-policy")), database,
                     not_matched,
                     Share(scan.concluded / scan.components) if scan.components else None,
                     not_recorded if scan.checks is None else
                     text(N_("value.registry-facts"), **registry) if registry else False))
    return Table("checked", (
        Column(N_("column.project")), Column(N_("column.policy")),
        Column(N_("column.advisory-database"), "code"),
        Column(N_("column.not-matched"), "code"), Column(N_("column.licences-concluded")),
        Column(N_("column.registry-facts"))),
        sorted(rows, key=lambda r: locale.sort_key(r[0])), text(N_("empty.projects")),
        text(N_("table.checked")))


def _when(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso).replace(microsecond=0) if iso else None


def _licences(index: _Index) -> Section:
    by_category = Counter(index.categories.values())
    chart = Chart(text(N_("chart.licence-categories")), tuple(
        Bar(text(label), by_category[category], tone)
        for category, (label, tone) in CATEGORIES.items() if by_category[category]))
    groups: dict[tuple[Category, str], list[str]] = defaultdict(list)
    for key, row in index.components.items():
        groups[(index.categories[key], row["licence"] or "")].append(key)
    order = list(CATEGORIES)
    rows = _ranked([((order.index(category), -len(keys), licence),
                     (text(CATEGORIES[category][0]), licence or text(N_("value.none")),
                      len(keys), len(set().union(*(index.used_by[k] for k in keys)))))
                    for (category, licence), keys in groups.items()])
    table = Table("licences", (
        Column(N_("column.category")), Column(N_("column.licence"), "code"),
        Column(N_("column.components"), "number"), Column(N_("column.projects"), "number")),
        rows, text(N_("empty.licences")))
    return _section("licences", charts=[chart], tables=[table])


def _findings(index: _Index) -> Section:
    """The rules that found something, each with its message and remediation once; then
    one row per rule, component and status, with the projects and the path that brings
    the component in (the prose repeated on every row made a page hold five findings)."""
    grouped: dict[tuple[str, str, str], dict[str, Any]] = {}
    for project in index.data.projects:
        rows = {c["ref"]: c for c in project.components}
        for finding in project.findings:
            if finding["action"] == "info":
                continue
            group = grouped.setdefault(
                (finding["rule"], finding["component_ref"], finding["status"]),
                {"finding": finding, "component": rows.get(finding["component_ref"]),
                 "projects": set()})
            group["projects"].add(project.name)
    ranks = list(FINDING_SEVERITIES)
    keyed, rules, cited = [], {}, set()
    for (rule, ref, status), group in grouped.items():
        finding, component = group["finding"], group["component"] or {}
        name = _label(component) if component else ref
        rank, article = ranks.index(finding["severity"]), Article.cited(finding["article"])
        rules.setdefault(rule, (rank, finding, Counter()))[2][status] += 1
        if isinstance(article, Article):
            cited.add(article.number)
        keyed.append(((rank, rule, index.locale.sort_key(name), status),
                      (text(FINDING_SEVERITIES[finding["severity"]][0]), rule,
                       text(FINDING_STATUSES[status]), name,
                       index.projects(group["projects"]), component.get("path"),
                       *_rule_texts(finding, index.locale.language), article)))
    opened = Counter(f["severity"] for _, f in index.open_findings())
    chart = Chart(text(N_("chart.open-findings")), tuple(
        Bar(text(label), opened[severity], tone)
        for severity, (label, tone) in FINDING_SEVERITIES.items()))
    rule_rows = [(text(FINDING_SEVERITIES[finding["severity"]][0]), rule,
                  *_rule_texts(finding, index.locale.language),
                  Article.cited(finding["article"]), statuses["open"], sum(statuses.values()))
                 for rule, (_, finding, statuses) in sorted(
                     rules.items(), key=lambda item: (item[1][0], item[0]))]
    rules_table = Table("rules", (
        Column(N_("column.severity"), "label"), Column(N_("column.rule"), "id"),
        Column(N_("column.message"), "long"), Column(N_("column.remediation"), "long"),
        Column(N_("column.article"), "label"), Column(N_("column.open-findings"), "number"),
        Column(N_("column.findings-total"), "number")), rule_rows,
        index.evidence.no_findings(), title=text(N_("table.rules")), in_workbook=False)
    table = Table("findings", (
        Column(N_("column.severity"), "label"), Column(N_("column.rule"), "id"),
        Column(N_("column.status"), "label"), Column(N_("column.component"), "id"),
        Column(N_("column.projects"), "ids"), Column(N_("column.path"), "code"),
        Column(N_("column.message"), "long", on_page=False),
        Column(N_("column.remediation"), "long", on_page=False),
        Column(N_("column.article"), "label")), _ranked(keyed), index.evidence.no_findings(),
        title=text(N_("table.findings")) if keyed else None)
    return _section("findings", cites=cited, charts=[chart],
                    tables=[rules_table, table] if keyed else [table])


def _rule_texts(finding: dict[str, Any], language: str) -> tuple[str, str | None]:
    """The finding's message and remediation in the report's language where its rule has
    them (recorded with the scan), else as the rule wrote them."""
    texts = json.loads(finding["texts"]).get(language, {}) if finding.get("texts") else {}
    return (texts.get("message") or finding["message"],
            texts.get("remediation") or finding.get("remediation"))


def _waivers(index: _Index) -> Section:
    as_of = index.data.as_of
    grouped: dict[tuple, dict[str, Any]] = {}
    for project in index.data.projects:
        for waiver in project.waivers:
            key = (waiver["component"], waiver["versions"], waiver["rule"], waiver["approver"],
                   waiver["expires"], waiver["reason"], waiver["ticket"])
            group = grouped.setdefault(key, {"waiver": waiver, "projects": set(),
                                             "findings": set()})
            group["projects"].add(project.name)
            group["findings"].update(waiver["findings"])
    order = list(WAIVER_STATES)
    keyed, counts = [], Counter()
    for group in grouped.values():
        waiver = group["waiver"]
        state = _waiver_state(waiver, as_of)
        counts[state] += 1
        keyed.append(((order.index(state), waiver["expires"], waiver["component"],
                       waiver["rule"]),
                      (text(WAIVER_STATES[state][0]), waiver["component"],
                       waiver["versions"] or "*", waiver["rule"], waiver["approver"],
                       waiver["reason"], date.fromisoformat(waiver["expires"]),
                       waiver["ticket"], index.projects(group["projects"]),
                       len(group["findings"]))))
    rows = _ranked(keyed)
    chart = Chart(text(N_("chart.waivers")), tuple(
        Bar(text(label), counts[state], tone) for state, (label, tone) in WAIVER_STATES.items()))
    table = Table("waivers", (
        Column(N_("column.waiver-state"), "label"), Column(N_("column.component"), "id"),
        Column(N_("column.versions"), "id"), Column(N_("column.rule"), "id"),
        Column(N_("column.approver")), Column(N_("column.reason"), "long"),
        Column(N_("column.expires"), "date"), Column(N_("column.ticket"), "code"),
        Column(N_("column.projects"), "ids"), Column(N_("column.findings-covered"), "number")),
        rows, text(N_("empty.waivers")))
    return _section("waivers", charts=[chart], tables=[table],
                    notes=[text(N_("note.expiring"), days=EXPIRING_WITHIN_DAYS, as_of=as_of)])


def _vulnerabilities(index: _Index) -> Section:
    """One row per advisory and component, grouped by component (the most severe first):
    what an owner upgrades is a component; summaries abridged on the page."""
    ranks = list(VULNERABILITY_SEVERITIES)
    keyed, severities = [], {}
    for key, row in index.components.items():
        rated = {v["id"]: _rated(v["severity"]) for v in row["vulnerabilities"]}
        if not rated:
            continue
        worst = min(ranks.index(severity) for severity in rated.values())
        label = _label(row)
        for vulnerability in row["vulnerabilities"]:
            advisory = vulnerability["id"]
            severities[advisory] = rated[advisory]
            summary = vulnerability.get("summary")
            keyed.append(((worst, index.locale.sort_key(label), ranks.index(rated[advisory]),
                           advisory),
                          (label, text(VULNERABILITY_SEVERITIES[rated[advisory]][0]), advisory,
                           index.locale.join([a for a in vulnerability.get("aliases", [])
                                              if a != advisory]) or None,
                           vulnerability.get("fixed") or text(N_("value.no-fix")),
                           Abridged(summary) if summary else None,
                           index.projects(index.used_by[key]))))
    rows = _ranked(keyed)
    counts = Counter(severities.values())
    chart = Chart(text(N_("chart.vulnerabilities")), tuple(
        Bar(text(label), counts[severity], tone)
        for severity, (label, tone) in VULNERABILITY_SEVERITIES.items()))
    table = Table("vulnerabilities", (
        Column(N_("column.component"), "id"), Column(N_("column.severity"), "label"),
        Column(N_("column.advisory"), "id"), Column(N_("column.aliases"), "ids"),
        Column(N_("column.fixed-in"), "id"), Column(N_("column.summary"), "long"),
        Column(N_("column.projects"), "ids")), rows, index.evidence.no_vulnerabilities())
    return _section("vulnerabilities", charts=[chart], tables=[table],
                    notes=[text(N_("note.severity-levels"))],
                    page_notes=[text(N_("note.summaries-abridged"), limit=Abridged.limit)])


def _lifecycle(index: _Index) -> Section:
    events = index.data.lifecycle
    rows = [(_when(e["at"]), e["package"], e["versions"], text(LIFECYCLE_STATES[e["state"]]),
             e["actor"], e["reason"]) for e in events]
    counts = Counter(e["state"] for e in events)
    chart = Chart(text(N_("chart.lifecycle")), tuple(
        Bar(text(label), counts[state], "neutral") for state, label in LIFECYCLE_STATES.items()))
    table = Table("lifecycle", (
        Column(N_("column.at"), "date"), Column(N_("column.package"), "code"),
        Column(N_("column.versions"), "id"), Column(N_("column.state")),
        Column(N_("column.actor")), Column(N_("column.reason"), "long")),
        rows, text(N_("empty.lifecycle")))
    return _section("lifecycle", charts=[chart], tables=[table])


def _changes(index: _Index) -> Section:
    keyed: list[tuple[tuple, tuple[Cell, ...]]] = []
    counts: Counter[str] = Counter()
    compared = 0
    order = list(CHANGE_KINDS)
    for project in index.data.projects:
        diff = project.changes
        if diff is None:
            continue
        compared += 1
        previous = project.previous
        kinds = (("added", diff.added, lambda c: (None, c["version"])),
                 ("removed", diff.removed, lambda c: (c["version"], None)),
                 ("upgraded", diff.upgraded, lambda c: (c["from"], c["to"])),
                 ("downgraded", diff.downgraded, lambda c: (c["from"], c["to"])),
                 ("licence", diff.licence_changes, lambda c: (c["from"], c["to"])),
                 ("new_vulnerability", diff.new_vulnerabilities, lambda c: (None, c["id"])),
                 ("fixed_vulnerability", diff.fixed_vulnerabilities,
                  lambda c: (c["id"], None)))
        for kind, changes, values in kinds:
            counts[kind] += len(changes)
            for change in changes:
                before, after = values(change)
                # The version is the change's subject only where it did not change itself.
                name = change["name"] + (f"@{change['version']}" if change.get("version") and
                                         kind in _VERSION_KEPT else "")
                keyed.append(((index.locale.sort_key(project.name), order.index(kind),
                               index.locale.sort_key(name)),
                              (project.name, previous["id"], text(CHANGE_KINDS[kind]), name,
                               before, after)))
    rows = _ranked(keyed)
    changes = Table("changes", (
        Column(N_("column.project")), Column(N_("column.compared-scan"), "number"),
        Column(N_("column.change")), Column(N_("column.component"), "id"),
        Column(N_("column.before"), "id"), Column(N_("column.after"), "id")),
        rows, text(N_("empty.changes")), text(N_("table.changes")))
    chart = Chart(text(N_("chart.changes")), tuple(
        Bar(text(label), counts[kind], "neutral") for kind, label in CHANGE_KINDS.items()))
    signals = Table("signals", (
        Column(N_("column.signal")), Column(N_("column.component"), "id"),
        Column(N_("column.detail"), "long"), Column(N_("column.projects"), "ids")),
        _closure_signals(index), text(N_("empty.signals"),
                                      registry=index.evidence.with_registry_facts,
                                      projects=index.evidence.projects),
        text(N_("table.signals")))
    notes = [text(N_("note.compared"), compared=compared, total=len(index.data.projects))]
    return _section("changes", charts=[chart], tables=[changes, signals], notes=notes)


_VERSION_KEPT = ("licence", "new_vulnerability", "fixed_vulnerability")


def _closure_signals(index: _Index) -> list[tuple[Cell, ...]]:
    order = list(SIGNALS)
    keyed = []
    for key, row in index.components.items():
        release = row["release"] or {}
        latest = release.get("latest_licence")
        days = days_since(release.get("last_release"), index.data.as_of)
        found = []
        if release.get("deprecated"):
            found.append(("deprecated", release["deprecated"]))
        if release.get("yanked") is not None:     # "" is a yank without a reason
            found.append(("yanked", release["yanked"] or None))
        if latest and row["licence"] and latest != row["licence"]:
            found.append(("relicensed", text(
                N_("detail.relicensed"), version=release.get("latest_version") or "?",
                licence=latest, category=text(CATEGORIES[index.category(latest)][0]))))
        if days is not None and days > STALE_AFTER_DAYS:
            found.append(("stale", text(N_("detail.stale"),
                                        day=date.fromisoformat(release["last_release"][:10]))))
        for signal, detail in found:
            keyed.append(((order.index(signal), index.locale.sort_key(_label(row))),
                          (text(SIGNALS[signal]), _label(row), detail,
                           index.projects(index.used_by[key]))))
    return _ranked(keyed)


def _maturity(index: _Index) -> Section:
    graded = [(key, row, row["assessment"]) for key, row in index.components.items()]
    counts = Counter(_grade(a) for _, _, a in graded)
    grades = sorted(g for g in counts if g not in (NOT_ASSESSED, WITHHELD))
    tones = {grade: tone for grade, tone in zip(grades, ("ok", "ok", "warn", "bad"),
                                                 strict=False)}
    chart = Chart(text(N_("chart.grades")), tuple(
        [Bar(grade, counts[grade], tones.get(grade, "bad")) for grade in grades]
        + [Bar(text(key), counts[key], "neutral") for key in (WITHHELD, NOT_ASSESSED)
           if counts[key] or key == NOT_ASSESSED]))
    scored = [(key, row, a) for key, row, a in graded if a and a.get("total") is not None]
    scored.sort(key=lambda item: (item[2]["total"], index.locale.sort_key(item[1]["name"])))
    rows = [(_label(row), a["total"], a.get("grade") or text(WITHHELD), Share(a["coverage"]),
             a["model"], index.projects(index.used_by[key])) for key, row, a in scored]
    table = Table("maturity", (
        Column(N_("column.component"), "id"), Column(N_("column.score"), "number"),
        Column(N_("column.grade")), Column(N_("column.coverage"), "number"),
        Column(N_("column.model"), "id"), Column(N_("column.projects"), "ids")),
        rows, text(N_("empty.maturity")), text(N_("table.maturity")), PRINT_LIMIT)
    return _section("maturity", charts=[chart], tables=[table])


def _grade(assessment: dict[str, Any] | None) -> str:
    """The grade, or why there is none: not assessed, or withheld by the model (a score
    resting on too little of it)."""
    if not assessment or assessment.get("total") is None:
        return NOT_ASSESSED
    return assessment.get("grade") or WITHHELD


def _coverage(index: _Index) -> Section:
    """Each article addressed to institutions, in the article's own words, with what this
    report evidences of it in figures, or why it evidences nothing."""
    rows = []
    for number, words in INSTITUTION_ARTICLES.items():
        state, evidence = _ARTICLE_EVIDENCE.get(number, _not_evidenced)(index, number)
        rows.append((Article(number), text(words), text(COVERAGE_STATES[state]), evidence))
    table = Table("coverage", (
        Column(N_("column.article"), "label"), Column(N_("column.article-words"), "long"),
        Column(N_("column.coverage-state"), "label"), Column(N_("column.evidence"), "long")),
        rows, text(N_("empty.coverage")))
    return _section("coverage", tables=[table])


def _not_evidenced(index: _Index, number: int) -> tuple[str, Text]:
    return "not-covered", text(NOT_EVIDENCED[number])


def _lifecycle_evidence(index: _Index, number: int) -> tuple[str, Text]:
    data = index.data
    waivers = {(w["component"], w["rule"], w["approver"], w["expires"])
               for p in data.projects for w in p.waivers}
    if not data.lifecycle_all and not waivers:
        return "not-covered", text(N_("evidence.5.none"))
    return "partial", text(N_("evidence.5"), decisions=len(data.lifecycle_all),
                           in_period=len(data.lifecycle), waivers=len(waivers))


def _register_evidence(index: _Index, number: int) -> tuple[str, Text]:
    evidence = index.evidence
    compared = sum(1 for p in index.data.projects if p.changes is not None)
    # Covered only where every project's every component was matched and had its
    # registry facts (licence changes, deprecation, releases) looked up.
    complete = all(s.advisories is not None and s.matched == s.components and s.registry
                   and s.registry["enriched"] == s.components for s in evidence.scans)
    return ("covered" if complete else "partial"), text(
        N_("evidence.7"), projects=evidence.projects, components=len(index.components),
        compared=compared, matched=evidence.matched_projects,
        registry=evidence.with_registry_facts)


def _assessment_evidence(index: _Index, number: int) -> tuple[str, Text]:
    assessments = [row["assessment"] for row in index.components.values() if row["assessment"]]
    if not assessments:
        return "not-covered", text(N_("evidence.9.none"))
    coverage = sum(a["coverage"] for a in assessments) / len(assessments)
    graded = sum(1 for a in assessments if a.get("grade"))
    return "partial", text(N_("evidence.9"), assessed=len(assessments),
                           components=len(index.components), coverage=Share(coverage),
                           graded=graded)


def _licence_evidence(index: _Index, number: int) -> tuple[str, Text]:
    evidence = index.evidence
    if not evidence.judged:
        return "not-covered", text(N_("evidence.10.none"), projects=evidence.projects)
    paths = sum(1 for p in index.data.projects for c in p.components if c["path"])
    # Partly at best: copyright, patent and trademark notices are not reviewed.
    return "partial", text(
        N_("evidence.10"), judged=evidence.judged, projects=evidence.projects,
        concluded=evidence.concluded, components=evidence.components, paths=paths)


def _emergency_evidence(index: _Index, number: int) -> tuple[str, Text]:
    evidence = index.evidence
    if not evidence.checked:
        return "not-covered", text(N_("evidence.11.none"))
    fixable = sum(1 for v in index.advisories.values() if v.get("fixed"))
    return "partial", text(N_("evidence.11"), checked=evidence.checked,
                           vulnerabilities=len(index.advisories), fixable=fixable)


_RELEASE_EVIDENCE = {13: (N_("evidence.13"), N_("evidence.13.none")),
                     20: (N_("evidence.20"), N_("evidence.20.none"))}


def _release_evidence(index: _Index, number: int) -> tuple[str, Text]:
    """Art. 13 (lawful, compliant release) and art. 20 (copyright, marks) from the release
    reviews recorded: partial at best, since taking part in communities (13) and patents
    and IP rules (20) are not in the ledger."""
    releases = index.data.releases
    found, none = _RELEASE_EVIDENCE[number]
    if not releases:
        return "not-covered", text(none)
    latest = releases[-1]

    def checked(check: str) -> int:
        return sum(1 for r in releases if check not in r["facts"].get("not_checked_checks", ()))

    return "partial", text(
        found, reviews=len(releases),
        projects=len({r["project"] for r in releases}),
        passed=sum(1 for r in releases if r["result"] == "pass"),
        project=latest["project"], outbound=latest["outbound"],
        commit=(latest["commit_id"] or "-")[:12], signer=latest["signed_off_by"],
        holders=checked("copyright"), names=checked("trademark"),
        hosts=checked("internal-host"),
        sign_offs=checked("sign-off"))


def _supply_chain_evidence(index: _Index, number: int) -> tuple[str, Text]:
    """Art. 12 asks for providers' obligations in contracts: the register shows at most
    which component uses have a supplier and a contract reference stated."""
    uses = [index.data.facts.of(p.name, row["package"])
            for p in index.data.projects for row in p.components]
    supplied = sum(1 for facts in uses if facts["supplier"])
    contracted = sum(1 for facts in uses if facts["contract"])
    if not supplied and not contracted:
        return _not_evidenced(index, number)
    return "partial", text(N_("evidence.12"), uses=len(uses), supplied=supplied,
                           contracted=contracted)


_ARTICLE_EVIDENCE = {5: _lifecycle_evidence, 7: _register_evidence, 9: _assessment_evidence,
                     10: _licence_evidence, 11: _emergency_evidence,
                     12: _supply_chain_evidence, 13: _release_evidence,
                     20: _release_evidence}
