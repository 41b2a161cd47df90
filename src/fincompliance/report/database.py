"""The vulnerability database's status, for people."""

from __future__ import annotations

from datetime import date

from rich.console import Console
from rich.table import Table

from fincompliance.analysis.vulndb import Status
from fincompliance.clock import days_since


def render_status(status: Status, on: date, console: Console) -> None:
    table = Table(title=f"Vulnerability database {status.path}", title_justify="left")
    for column in ("source", "advisories", "imported", "age (days)"):
        table.add_column(column, overflow="fold")
    for source in status.sources:
        table.add_row(source.name, f"{source.advisories:,}", source.imported_at,
                      str(days_since(source.imported_at, on)))
    console.print(table)
    ecosystems = ", ".join(f"{name} {count:,}" for name, count in status.ecosystems.items())
    console.print(f"{status.advisories:,} advisories ({status.withdrawn:,} withdrawn) about "
                  f"{status.packages:,} packages: {ecosystems}")
