"""Policy findings as SARIF 2.1.0, so code hosts annotate the pull request at the manifest
line that brought each component in. Only what needs action is a result: info findings are
left out, waived ones are marked suppressed, baselined ones `unchanged`."""

from __future__ import annotations

import json
from typing import Any

from fincompliance import __version__
from fincompliance.policy.evaluate import Finding
from fincompliance.policy.gate import Judgement

SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
_LEVELS = {"error": "error", "warning": "warning", "note": "note"}


def render(judgement: Judgement) -> str:
    policy = judgement.policy
    actionable = judgement.reported
    rule_ids = sorted({f.rule for f in actionable})
    rules = [policy.rules[rule_id] for rule_id in rule_ids]
    document = {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "fincomp", "version": __version__, "semanticVersion": __version__,
                "rules": [{
                    "id": rule.id,
                    "shortDescription": {"text": rule.message or rule.id},
                    "help": {"text": rule.remediation or rule.message or rule.id},
                    "defaultConfiguration": {"level": _LEVELS[rule.severity]},
                    "properties": {"article": rule.article, "action": rule.action,
                                   "policy": policy.name}} for rule in rules]}},
            "originalUriBaseIds": {"%SRCROOT%": {"description": {
                "text": "The folder fincomp scanned"}}},
            "results": [_result(f, rule_ids.index(f.rule), judgement.status(f))
                        for f in actionable],
            "properties": {"policy": policy.name, "policyDigest": policy.digest},
        }],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _result(finding: Finding, rule_index: int, status: str) -> dict[str, Any]:
    text = finding.message + (" " + "; ".join(finding.why) if finding.why else "")
    result: dict[str, Any] = {
        "ruleId": finding.rule, "ruleIndex": rule_index, "level": _LEVELS[finding.severity],
        "message": {"text": f"{finding.name} {finding.version or ''}: {text}".strip()},
        "partialFingerprints": {"fincompFinding/v1": finding.id},
        "baselineState": "unchanged" if status == "baselined" else "new",
        "properties": {"purl": finding.purl, "article": finding.article,
                       "paths": [" > ".join(p) for p in finding.paths],
                       "remediation": finding.remediation},
    }
    if finding.location is not None:
        region = {"startLine": finding.location.line} if finding.location.line else {}
        result["locations"] = [{"physicalLocation": {
            "artifactLocation": {"uri": finding.location.path, "uriBaseId": "%SRCROOT%"},
            **({"region": region} if region else {})}}]
    if status == "waived":
        result["suppressions"] = [{"kind": "external", "status": "accepted",
                                   "justification": "waived in the project's waivers file"}]
    return result
