"""A package's lifecycle state in the institution: the newest decision whose version range
covers the version (proposed, approved, in-use, deprecated, retired, rejected), or
"unregistered" when nobody decided anything. Ranges compare in the package's own
ecosystem's version order."""

from __future__ import annotations

import re
from typing import Any

from fincompliance.analysis.osv import purl_ecosystem, satisfies

UNREGISTERED = "unregistered"
_COMPARISON = re.compile(r"^(<=|>=|==|!=|<|>)?\s*[\w.+!~:-]+$")


def valid_range(versions: str) -> bool:
    return versions == "*" or all(_COMPARISON.match(part.strip())
                                  for part in versions.split(",") if part.strip())


def state_of(events: list[dict[str, Any]], package: str, version: str | None) -> str:
    decision = decision_of(events, package, version)
    return decision["state"] if decision else UNREGISTERED


def decision_of(events: list[dict[str, Any]], package: str, version: str | None
                ) -> dict[str, Any] | None:
    """The decision in force for this version: who decided what, why and when."""
    found = None
    for event in events:  # oldest first: the newest that applies wins
        if event["package"] == package and _covers(event["versions"], package, version):
            found = event
    return found


def _covers(versions: str, package: str, version: str | None) -> bool:
    if versions == "*":
        return True
    ecosystem = purl_ecosystem(package)
    return bool(version and ecosystem and satisfies(ecosystem, version, versions))


def apply_states(graph, events: list[dict[str, Any]]) -> None:
    """Give every component its lifecycle state, for policy rules and reports."""
    for component in graph.components.values():
        component.lifecycle = state_of(events, component.package, component.version)
