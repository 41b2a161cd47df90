"""Baselines: a previous `fincomp scan --format json` of the same project. Its findings are
the ones that were already there (only new ones fail), and its components are the previous
state every component is compared with (new packages, dev-to-runtime moves, licence
changes). A previous `fincomp release-check --format json` is a baseline of findings only."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from fincompliance.errors import InputError
from fincompliance.inputs import load_json, read_text
from fincompliance.model import PreviousState, Scope, package_of


@dataclass(frozen=True)
class Baseline:
    source: str
    finding_ids: frozenset[str] = frozenset()
    packages: dict[str, PreviousState] = field(default_factory=dict)  # by purl sans version


def load_baseline(path: Path) -> Baseline:
    shown = str(path)
    document = load_json(read_text(path, shown), shown)
    if isinstance(document, dict) and str(document.get("schema", "")).startswith(
            "fincomp-release-review/") and isinstance(document.get("findings"), list):
        # a previous release review: its findings only (it lists no components)
        return Baseline(shown, frozenset(f["id"] for f in document["findings"]
                                         if isinstance(f, dict) and "id" in f))
    if not isinstance(document, dict) or not str(document.get("schema", "")).startswith(
            "fincomp-scan/") or not isinstance(document.get("components"), list):
        raise InputError(shown, "not a fincomp scan JSON (make one with "
                         "`fincomp scan --format json`, with --policy for its findings)")
    findings = document.get("findings") or []
    ids = frozenset(f["id"] for f in findings if isinstance(f, dict) and "id" in f)
    packages: dict[str, PreviousState] = {}
    for index, entry in enumerate(document["components"]):
        try:
            package = package_of(entry["purl"])
            scope = Scope(entry["scope"])
            licence = (entry.get("concluded_license") or {}).get("expression")
            version = entry.get("version")
        except (KeyError, TypeError, ValueError, AttributeError):
            raise InputError(shown, f"components[{index}] is not a fincomp component "
                             "(purl, scope)") from None
        known = packages.get(package)
        packages[package] = PreviousState(
            scope=known.scope.strongest(scope) if known else scope,
            licence=known.licence if known and known.licence else licence,
            versions=tuple(sorted({*(known.versions if known else ()), *(
                [version] if version else [])})))
    return Baseline(shown, ids, packages)
