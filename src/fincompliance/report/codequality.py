"""Policy findings as a GitLab code quality report (a JSON array of issues), which merge
requests show beside the changed lines. Only what needs action is reported, as in SARIF;
waived and baselined findings are left out (GitLab has no notion of a suppressed issue)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fincompliance.errors import FincompError
from fincompliance.model import Location
from fincompliance.policy.gate import Judgement

if TYPE_CHECKING:
    from fincompliance.analysis.stage import Unchecked

_SEVERITIES = {"error": "major", "warning": "minor", "note": "info"}


def render(judgement: Judgement | None, errors: Sequence[FincompError] = (),
           base: str = "", not_checked: Sequence[Unchecked] = ()) -> str:
    """Unreadable inputs first, then the findings to act on; each of `not_checked` (what
    the verdict does not cover) is an info issue on the scanned folder."""
    issues = [_issue("fincomp input", "blocker", str(error), f"fincomp-input-{index}",
                     Location(getattr(error, "path", "") or ".", getattr(error, "line", None)),
                     base) for index, error in enumerate(errors)]
    issues += [_issue("fincomp coverage", "info", unchecked.text,
                      f"fincomp-not-checked-{unchecked.check}", Location("."), base)
               for unchecked in not_checked]
    for finding in judgement.actionable if judgement else ():
        why = "; ".join(finding.why[:2]) or finding.message
        version = f" {finding.version}" if finding.version else ""
        issues.append(_issue(
            finding.rule, _SEVERITIES[finding.severity],
            f"{finding.name}{version}: {why} ({finding.article}). {finding.remediation}",
            finding.id, finding.location or Location("."), base))
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"


def _issue(check: str, severity: str, description: str, fingerprint: str,
           location: Location, base: str) -> dict[str, Any]:
    where = location.under(base)
    return {"type": "issue", "check_name": check, "severity": severity,
            "description": description, "fingerprint": fingerprint,
            "location": {"path": where.path, "lines": {"begin": where.line or 1}}}
