"""Waivers: approved, expiring exceptions to findings, kept with the project
(`.fincomp/waivers.yaml`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fnmatch import fnmatch
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet

from fincompliance.errors import InputError
from fincompliance.model import package_of
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.loader import read_checked
from fincompliance.version_ranges import satisfies

DEFAULT_LOCATION = Path(".fincomp") / "waivers.yaml"
FILE_PREFIX = "file:"   # how a waiver by file (`file: GLOB`) names what it covers


@dataclass(frozen=True)
class Waiver:
    component: str
    versions: str | None
    rule: str
    reason: str
    approver: str
    expires: date
    ticket: str | None
    defined_at: str

    def covers(self, finding: Finding) -> bool:
        if self.rule not in ("*", finding.rule):
            return False
        if self.component.startswith(FILE_PREFIX):   # a release review's finding in a file
            return not finding.purl and finding.location is not None and fnmatch(
                finding.location.path, self.component.removeprefix(FILE_PREFIX))
        base, _, version = self.component.partition("@")
        if package_of(finding.purl) != base:
            return False
        if version:
            return finding.version == version
        if self.versions:
            return satisfies(finding.version, self.versions)
        return True

    def justification(self) -> str:
        """Why a finding is set aside, as code hosts and CI servers show it: the reason,
        who approved it, the ticket and when it lapses."""
        ticket = f"; ticket {self.ticket}" if self.ticket else ""
        return (f"{self.reason} (approved by {self.approver}{ticket}; expires "
                f"{self.expires.isoformat()}; {self.defined_at})")


@dataclass(frozen=True)
class WaiverUse:
    waiver: Waiver
    findings: tuple[str, ...]     # ids of the findings it covers
    expired: bool


def load_waivers(path: Path) -> list[Waiver]:
    data, lines = read_checked(path, str(path), "waivers.schema.json", "waivers file")
    waivers = []
    for index, entry in enumerate(data["waivers"]):
        where = f"{path}:{lines.get(('waivers', index), '?')}"
        try:
            expires = date.fromisoformat(entry["expires"])
        except ValueError:
            raise InputError(str(path), f"waivers[{index}].expires: {entry['expires']!r} is not "
                             "a date", lines.get(("waivers", index, "expires"))) from None
        if entry.get("versions"):
            try:
                SpecifierSet(entry["versions"])
            except InvalidSpecifier:
                raise InputError(str(path), f"waivers[{index}].versions: "
                                 f"{entry['versions']!r} is not a version range",
                                 lines.get(("waivers", index, "versions"))) from None
        component = entry.get("component") or FILE_PREFIX + entry["file"]
        waivers.append(Waiver(component, entry.get("versions"), entry["rule"],
                              entry["reason"], entry["approver"], expires, entry.get("ticket"),
                              where))
    return waivers


def apply_waivers(findings: list[Finding], waivers: list[Waiver], on: date
                  ) -> tuple[set[str], list[WaiverUse]]:
    """Ids of the findings an active waiver covers, and how every waiver was used."""
    waived: set[str] = set()
    uses = []
    by_package: dict[str, list[Finding]] = {}
    for finding in findings:
        by_package.setdefault(package_of(finding.purl), []).append(finding)
    for waiver in waivers:
        candidates = by_package.get("" if waiver.component.startswith(FILE_PREFIX)
                                    else waiver.component.partition("@")[0], [])
        covered = tuple(f.id for f in candidates if waiver.covers(f))
        expired = waiver.expires < on
        if not expired:
            waived.update(covered)
        uses.append(WaiverUse(waiver, covered, expired))
    return waived, uses
