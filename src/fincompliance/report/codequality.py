"""Policy findings as a GitLab code quality report (a JSON array of issues), which merge
requests show beside the changed lines. Only what needs action is reported, as in SARIF;
waived and baselined findings are left out (GitLab has no notion of a suppressed issue)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from fincompliance.errors import FincompError
from fincompliance.policy.gate import Judgement

_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(judgement: Judgement | None, errors: Sequence[FincompError] = (),
           base: str = "") -> str:
    issues = [{
        "type": "issue", "check_name": "fincomp input", "severity": "blocker",
        "description": str(error), "fingerprint": f"fincomp-input-{index}",
        "location": {"path": _path(getattr(error, "path", "") or ".", base),
                     "lines": {"begin": getattr(error, "line", None) or 1}},
    } for index, error in enumerate(errors)]
    for finding in judgement.actionable if judgement else ():
        why = "; ".join(finding.why[:2]) or finding.message
        location = finding.location
        issues.append({
            "type": "issue", "check_name": finding.rule,
            "severity": _SEVERITIES[finding.severity],
            "description": f"{finding.name} {finding.version or ''}: {why} "
                           f"({finding.article}). {finding.remediation}".replace("  ", " "),
            "fingerprint": finding.id,
            "location": {"path": _path(location.path if location else ".", base),
                         "lines": {"begin": (location.line if location else None) or 1}},
        })
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _path(path: str, base: str) -> str:
    return f"{base}/{path}" if base and not path.startswith("/") else path
