"""What the institution states about its open source for the register (台账), beyond what a
scan can see: which department uses it, in which business system, how it was acquired,
how it is supported, from which supplier under which contract (art. 12 asks for providers'
obligations in contracts; JR/T 0290-2024 practice lists the rest).

A statement is about a project (every component it uses), a package (in every project), or
a package in one project. For each field the newest statement of the most specific subject
wins: package in the project, then the package, then the project. A project's own business
system is kept with the project (its row, set by `scan --record --business-system` or
`ledger set --project P --business-system`): the default under all of them."""

from __future__ import annotations

import json
from typing import Any

# The fields, in the register's order.
FIELDS = ("department", "business_system", "acquisition_channel", "support_mode",
          "supplier", "contract")


class RegisterFacts:
    """The statements recorded, merged per subject (oldest first, so the newest wins)."""

    def __init__(self, statements: list[dict[str, Any]]) -> None:
        self._by_subject: dict[tuple[str | None, str | None], dict[str, str]] = {}
        for statement in statements:
            subject = self._by_subject.setdefault(
                (statement["project"], statement["package"]), {})
            for field, value in json.loads(statement["facts"]).items():
                if value is None:   # cleared: a less specific subject's value shows again
                    subject.pop(field, None)
                else:
                    subject[field] = value

    def of(self, project: str, package: str | None, business_system: str | None = None
           ) -> dict[str, str | None]:
        """Every field's value for `package` as used by `project` (for the project itself
        without a package)."""
        found: dict[str, str | None] = dict.fromkeys(FIELDS)
        found["business_system"] = business_system
        subjects = [(project, None)] if package is None else \
            [(project, None), (None, package), (project, package)]
        for subject in subjects:
            found.update(self._by_subject.get(subject, {}))
        return found
