"""Ledger answers for people (tables) and machines (JSON), and the register export."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, is_dataclass
from typing import Any

from rich.console import Console
from rich.table import Table


def to_json(value: Any) -> str:
    return json.dumps(asdict(value) if is_dataclass(value) else value, indent=2,
                      ensure_ascii=False, default=str) + "\n"


def table(rows: list[dict[str, Any]], columns: list[str], title: str,
          console: Console) -> None:
    view = Table(title=title, title_justify="left")
    for column in columns:
        view.add_column(column.replace("_", " "), overflow="fold")
    for row in rows:
        view.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(view)
    if not rows:
        console.print("(none)")


# A recorded time as the ledger stores it (UTC, to the microsecond)
_RECORDED = re.compile(r"^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?\+00:00$")


def _cell(value: Any) -> str:
    """A cell as people read it: recorded times to the second, saying UTC."""
    if value is None:
        return ""
    found = _RECORDED.match(value) if isinstance(value, str) else None
    return f"{found[1]} {found[2]} UTC" if found else str(value)


def render_diff(diff, console: Console) -> None:
    console.print(f"{diff.project}: scan {diff.before} -> scan {diff.after}", highlight=False)
    sections = (
            ("Added", diff.added, ["name", "version", "licence"]),
            ("Removed", diff.removed, ["name", "version", "licence"]),
            ("Upgraded", diff.upgraded, ["name", "from", "to"]),
            ("Downgraded", diff.downgraded, ["name", "from", "to"]),
            ("Licence changes", diff.licence_changes, ["name", "version", "from", "to"]),
            ("New vulnerabilities", diff.new_vulnerabilities,
             ["name", "version", "id", "severity"]),
            ("Fixed vulnerabilities", diff.fixed_vulnerabilities, ["name", "version", "id"]),
            ("New findings", diff.new_findings, ["rule", "severity", "component_ref"]))
    if not any(rows for _, rows, _ in sections):
        # what the comparison covers; findings resolved since are not part of it
        console.print("no components added, removed or changed in version or licence, no "
                      "new or fixed vulnerabilities, no new findings", highlight=False)
    for title, rows, columns in sections:
        if rows:
            table(rows, columns, title, console)
