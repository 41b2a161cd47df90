"""The vulnerability database's status, for people."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table

from fincompliance.analysis.vulndb import Status


def age_in_days(imported_at: str, on: date) -> int:
    return (on - date.fromisoformat(imported_at[:10])).days


def render_status(status: Status, on: date, console: Console) -> None:
    table = Table(title=f"Vulnerability database {status.path}", title_justify="left")
    for column in ("source", "advisories", "imported", "age (days)"):
        table.add_column(column, overflow="fold")
    for source in status.sources:
        table.add_row(source.name, f"{source.advisories:,}", source.imported_at,
                      str(age_in_days(source.imported_at, on)))
    console.print(table)
    ecosystems = ", ".join(f"{name} {count:,}" for name, count in status.ecosystems.items())
    console.print(f"{status.advisories:,} advisories ({status.withdrawn:,} withdrawn) about "
                  f"{status.packages:,} packages: {ecosystems}")
