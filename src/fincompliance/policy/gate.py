"""The policy stage as CI runs it: licence review, rule evaluation, waivers and baseline,
and which findings fail the build. `scan` and `check` (an existing SBOM) share it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from fincompliance.licensing.knowledge import Knowledge
from fincompliance.licensing.knowledge import load as load_knowledge
from fincompliance.licensing.review import LicenceReview, review
from fincompliance.model import Graph
from fincompliance.policy.baseline import Baseline
from fincompliance.policy.evaluate import SEVERITY_RANK, Finding, evaluate, failing
from fincompliance.policy.loader import Policy
from fincompliance.policy.waivers import Waiver, WaiverUse, apply_waivers
from fincompliance.release import Observation


@dataclass(frozen=True)
class Judgement:
    policy: Policy
    review: LicenceReview
    findings: list[Finding]
    waived: set[str]
    baselined: set[str]
    uses: list[WaiverUse]
    failed: list[Finding]
    fail_on: str
    on: date                      # the day waivers were judged on

    def status(self, finding: Finding) -> str:
        if finding.id in self.waived:
            return "waived"
        return "baselined" if finding.id in self.baselined else "open"

    @property
    def reported(self) -> list[Finding]:
        """Findings reports show as alerts: every one but `info`, whatever its status."""
        return [f for f in self.findings if f.action != "info"]

    @property
    def actionable(self) -> list[Finding]:
        """What someone has to look at: reported, not waived, not already in the baseline."""
        return [f for f in self.reported if self.status(f) == "open"]

    def waiver_of(self, finding: Finding) -> Waiver | None:
        """The waiver in force that covers a waived finding."""
        return next((use.waiver for use in self.uses
                     if not use.expired and finding.id in use.findings), None)

    def expiring(self, within_days: int) -> list[WaiverUse]:
        """Waivers in force that lapse within so many days: renew or fix before the gate
        starts failing on them."""
        return [use for use in self.uses if not use.expired
                and (use.waiver.expires - self.on).days <= within_days]

    def verdict(self) -> str:
        """One line: pass or fail, what is open by severity, and what was set aside (and
        why) so that a count never reads as failing when it does not."""
        severities = Counter(f.severity for f in self.actionable)
        statuses = Counter(self.status(f) for f in self.reported)
        open_counts = ", ".join(_plural(severities[s], s) for s in
                                sorted(SEVERITY_RANK, key=SEVERITY_RANK.get, reverse=True))
        notes = [f"{len(self.failed)} failing at --fail-on {self.fail_on}"] \
            if self.failed else []
        if self.fail_on == "never" and self.actionable:   # a pass that judged nothing
            notes.append("--fail-on never: no severity fails the gate")
        if self.baselined:
            notes.append(f"{statuses['baselined']} already in the baseline")
        if statuses["waived"]:
            notes.append(f"{statuses['waived']} waived")
        return (f"{'FAIL' if self.failed else 'PASS'}: {open_counts} "
                f"{'new ' if self.baselined else ''}open"
                + (f" ({'; '.join(notes)})" if notes else "")
                + f" under policy {self.policy.name} (digest {self.policy.digest[:12]})")


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def judge(graph: Graph, root: Path, policy: Policy, *, waivers: list[Waiver],
          baseline: Baseline | None, fail_on: str, on: date,
          knowledge: Knowledge | None = None, observations: Sequence[Observation] = (),
          language: str = "en") -> Judgement:
    knowledge = knowledge or load_knowledge()
    if baseline is not None:
        graph.compare_with(baseline.packages, baseline.source)
    outcome = review(graph, root, policy.outbound, policy.distribution, knowledge=knowledge)
    findings = evaluate(graph, outcome, policy, knowledge, on, observations, language)
    waived, uses = apply_waivers(findings, waivers, on)
    known = set(baseline.finding_ids) if baseline else set()
    failed = [f for f in failing(findings, fail_on) if f.id not in waived and f.id not in known]
    return Judgement(policy, outcome, findings, waived, known, uses, failed, fail_on,
                     on)

