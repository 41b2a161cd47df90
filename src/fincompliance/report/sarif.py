"""Policy findings as SARIF 2.1.0, so code hosts annotate the pull request at the manifest
line that brought each component in. Only what needs action is a result: info findings are
left out, waived ones are marked suppressed with the waiver's reason, approver, ticket and
expiry, baselined ones `unchanged`.

Paths are relative to the repository root (`%SRCROOT%`), which is what code hosts anchor
annotations to: scanning `backend/` in a monorepo gives `backend/requirements.txt`. Files
that could not be read are tool execution notifications, and the run is marked
unsuccessful, so a partial scan is visible in code scanning rather than silently clean."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from fincompliance import __version__
from fincompliance.errors import FincompError, InputError
from fincompliance.model import Location
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.gate import Judgement

if TYPE_CHECKING:
    from fincompliance.analysis.stage import Unchecked

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def render(judgement: Judgement | None, errors: Sequence[FincompError] = (),
           base: str = "", not_checked: Sequence[Unchecked] = ()) -> str:
    """The SARIF log of one run. `judgement` is None when the scan stopped at a bad input
    (the log then carries only that error); `base` is the scanned folder relative to the
    repository root; each of `not_checked` (what the verdict does not cover) is a note
    beside the results, so that no alert does not read as no risk."""
    run: dict[str, Any] = {
        "tool": {"driver": {"name": "fincomp", "version": __version__,
                            "semanticVersion": __version__, "rules": []}},
        "invocations": [_invocation(errors, base, not_checked)],
        "originalUriBaseIds": {"%SRCROOT%": {"description": {
            "text": "The repository root (the scanned folder when it is not in a git "
                    "checkout)"}}},
        "results": [],
    }
    if judgement is not None:
        policy = judgement.policy
        actionable = judgement.reported
        rule_ids = sorted({f.rule for f in actionable})
        run["tool"]["driver"]["rules"] = [{
            "id": rule.id,
            "shortDescription": {"text": rule.message or rule.id},
            "help": {"text": rule.remediation or rule.message or rule.id},
            "defaultConfiguration": {"level": _LEVELS[rule.severity]},
            "properties": {"article": rule.article, "action": rule.action,
                           "policy": policy.name}}
            for rule in (policy.rules[rule_id] for rule_id in rule_ids)]
        run["results"] = [_result(f, rule_ids.index(f.rule), judgement, base)
                          for f in actionable]
        run["properties"] = {"policy": policy.name, "policyDigest": policy.digest}
    document = {"$schema": SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _invocation(errors: Sequence[FincompError], base: str, not_checked: Sequence[Unchecked]
                ) -> dict[str, Any]:
    invocation: dict[str, Any] = {"executionSuccessful": not errors}
    notifications = [_notification(e, base) for e in errors]
    notifications += [{"level": "note", "message": {"text": unchecked.text}}
                      for unchecked in not_checked]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return invocation


def _notification(error: FincompError, base: str) -> dict[str, Any]:
    if not isinstance(error, InputError):
        return {"level": "error", "message": {"text": str(error)}}
    return {"level": "error", "message": {"text": str(error)},
            "locations": [_location(Location(error.path, error.line).under(base))]}


def _location(location: Location) -> dict[str, Any]:
    if location.path.startswith("/"):   # a file named on the command line
        artifact = {"uri": PurePosixPath(location.path).as_uri()}
    else:
        artifact = {"uri": location.path, "uriBaseId": "%SRCROOT%"}
    physical: dict[str, Any] = {"artifactLocation": artifact}
    if location.line:
        physical["region"] = {"startLine": location.line}
    return {"physicalLocation": physical}


def _result(finding: Finding, rule_index: int, judgement: Judgement, base: str
            ) -> dict[str, Any]:
    status = judgement.status(finding)
    text = finding.message + (" " + "; ".join(finding.why) if finding.why else "")
    result: dict[str, Any] = {
        "ruleId": finding.rule, "ruleIndex": rule_index, "level": _LEVELS[finding.severity],
        "message": {"text": f"{' '.join(filter(None, (finding.name, finding.version)))}: "
                            f"{text}"},
        "partialFingerprints": {"fincompFinding/v1": finding.id},
        "baselineState": "unchanged" if status == "baselined" else "new",
        "properties": {"purl": finding.purl, "article": finding.article,
                       "paths": [" > ".join(p) for p in finding.paths],
                       "remediation": finding.remediation},
    }
    if finding.location is not None:
        result["locations"] = [_location(finding.location.under(base))]
    waiver = judgement.waiver_of(finding) if status == "waived" else None
    if waiver is not None:
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": waiver.justification()}]
    return result
