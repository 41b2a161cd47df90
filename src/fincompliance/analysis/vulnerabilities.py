"""Matching components against the local vulnerability database, offline.

Advisories about the same issue under several ids (PYSEC, GHSA, CVE) become one
vulnerability: its id is one of them, the others its aliases; its severity the highest any
of them gives; its fix the lowest version that resolves all of them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from packageurl import PackageURL

from fincompliance.analysis.osv import (
    OSV_ECOSYSTEMS,
    Advisory,
    affects,
    lowest_fix,
    newest,
    package_key,
    purl_ecosystem,
)
from fincompliance.analysis.vulndb import VulnerabilityDatabase
from fincompliance.model import (
    SEVERITY_ORDER,
    Component,
    Graph,
    Vulnerability,
    name_from_purl,
    purl_parts,
    purl_type,
)

# Which of several ids names the merged vulnerability: the reviewed databases first.
_ID_PREFERENCE = ("GHSA-", "PYSEC-", "GO-", "RUSTSEC-", "CVE-")


def osv_package(component: Component) -> tuple[str, str] | None:
    """(OSV ecosystem, package key) of a component, or None for what OSV does not cover."""
    # read once per package (a distribution's package also by its qualifiers)
    return _osv_package(component.purl if purl_type(component.purl) in ("deb", "apk")
                        else component.package)


@lru_cache(maxsize=65536)
def _osv_package(purl_text: str) -> tuple[str, str] | None:
    kind, namespace, name = purl_parts(purl_text)
    ecosystem = OSV_ECOSYSTEMS.get(kind)
    if ecosystem is None:
        return None
    if kind not in ("deb", "apk"):
        # split without parsing it whole: fincomp's purls are canonical, and this runs for
        # every package of every scan
        return ecosystem, package_key(ecosystem, name_from_purl(kind, namespace, name))
    try:
        purl = PackageURL.from_string(purl_text)
    except ValueError:
        return None
    # distributions publish advisories per source package; the binary package's purl
    # names it in `upstream` when the two differ
    qualifiers = purl.qualifiers if isinstance(purl.qualifiers, dict) else {}
    source = str(qualifiers.get("upstream") or purl.name).split("@")[0]
    return ecosystem, package_key(ecosystem, source)


@dataclass(frozen=True)
class Checked:
    """What matching covered: a component is checked only when it has a version and the
    database holds advisories of its ecosystem; the rest are counted, never called safe."""

    vulnerable: int = 0
    checked: int = 0
    not_covered: dict[str, int] = field(default_factory=dict)  # purl type -> components
    unversioned: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {"vulnerable": self.vulnerable, "checked": self.checked,
                "not_covered": dict(sorted(self.not_covered.items())),
                "unversioned": self.unversioned}


# What matching could say of a component: its advisories were looked up, or not because
# the database has none of its ecosystem, or not because it has no exact version.
MATCHED, NOT_COVERED, UNVERSIONED = "matched", "not-covered", "unversioned"


def coverage_of(purl: str, version: str | None, covered: frozenset[str]) -> str:
    """Whether a component is (or was) matched against a database whose advisories cover
    the OSV ecosystems `covered`: the one rule for matching, scores and the register."""
    if purl_ecosystem(purl) not in covered:
        return NOT_COVERED
    return UNVERSIONED if version is None else MATCHED


def match_graph(graph: Graph, database: VulnerabilityDatabase,
                covered: frozenset[str]) -> Checked:
    """Set `vulnerabilities` on every component `coverage_of` says is matched (`covered`:
    the ecosystems of `Status.ecosystems`); count the rest, which nothing was looked up
    for."""
    vulnerable = checked = unversioned = 0
    not_covered: Counter[str] = Counter()
    known: dict[tuple[str, tuple[str, str]], tuple[Vulnerability, ...]] = {}
    for component in graph.components.values():
        coverage = coverage_of(component.purl, component.version, covered)
        package = osv_package(component)
        if coverage == NOT_COVERED or package is None:
            not_covered[purl_type(component.purl)] += 1
            continue
        if coverage == UNVERSIONED:
            unversioned += 1
            continue
        key = (component.version, package)  # the same package and version in many places
        if key not in known:
            known[key] = match(component.version, package, database.advisories_for(*package),
                               source=database.path.name)
        found = known[key]
        component.vulnerabilities = found
        checked += 1
        vulnerable += bool(found)
    return Checked(vulnerable, checked, dict(not_covered), unversioned)


def match(version: str, package: tuple[str, str], advisories: list[Advisory],
          source: str = "") -> tuple[Vulnerability, ...]:
    hits: list[tuple[Advisory, str | None]] = []
    for advisory in advisories:
        entries = [a for a in advisory.affected if (a.ecosystem, a.name) == package]
        affecting = [a for a in entries if affects(a, version)]
        if affecting:
            fixes = [lowest_fix(a, version) for a in affecting]
            hits.append((advisory, None if None in fixes else newest(package[0], fixes)))
    return tuple(sorted((_merged(group, package[0], source) for group in _by_alias(hits)),
                        key=lambda v: (-SEVERITY_ORDER.index(v.severity), v.id)))


def _by_alias(hits: list[tuple[Advisory, str | None]]) -> list[list[tuple[Advisory, str | None]]]:
    """Group advisories that share an id or alias (transitively)."""
    groups: list[tuple[set[str], list[tuple[Advisory, str | None]]]] = []
    for advisory, fix in hits:
        names = {advisory.id, *advisory.aliases}
        joined = [g for g in groups if g[0] & names]
        merged_names, merged_hits = set(names), [(advisory, fix)]
        for group in joined:
            merged_names |= group[0]
            merged_hits += group[1]
            groups.remove(group)
        groups.append((merged_names, merged_hits))
    return [hits for _, hits in groups]


def _merged(group: list[tuple[Advisory, str | None]], ecosystem: str,
            source: str) -> Vulnerability:
    advisories = [advisory for advisory, _ in group]
    ids = sorted({a.id for a in advisories})
    primary = min(ids, key=lambda i: (next((n for n, p in enumerate(_ID_PREFERENCE)
                                            if i.startswith(p)), len(_ID_PREFERENCE)), i))
    aliases = sorted({name for a in advisories for name in (a.id, *a.aliases)} - {primary})
    worst = max(advisories, key=lambda a: (SEVERITY_ORDER.index(a.severity), a.score or 0))
    fixes = [fix for _, fix in group]
    first = min((a.published for a in advisories if a.published), default=None)
    return Vulnerability(
        id=primary, aliases=tuple(aliases),
        summary=next((a.summary for a in advisories if a.id == primary and a.summary),
                     worst.summary),
        severity=worst.severity, score=worst.score, vector=worst.vector,
        fixed=None if None in fixes else newest(ecosystem, fixes),
        published=first[:10] if first else None, source=source)
