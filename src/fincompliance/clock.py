"""The two clocks fincomp reads, each pinnable so that audits and tests can be re-run as of
a moment: `SOURCE_DATE_EPOCH` for timestamps written into documents (reproducible builds),
`FINCOMP_TODAY` for the day rules are judged on (waiver expiry, release age)."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime

from fincompliance.errors import InputError


def build_time() -> datetime:
    """`SOURCE_DATE_EPOCH` when set, else now; whole seconds, UTC."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch.isdigit():
        return datetime.fromtimestamp(int(epoch), tz=UTC)
    return datetime.now(tz=UTC).replace(microsecond=0)


def days_since(iso_date: str | None, on: date) -> int | None:
    """Whole days from an ISO date or timestamp to `on`; None when there is none to read."""
    try:
        return (on - date.fromisoformat(iso_date[:10])).days if iso_date else None
    except ValueError:
        return None


def today() -> date:
    """`FINCOMP_TODAY` (YYYY-MM-DD) when set, else the system date."""
    pinned = os.environ.get("FINCOMP_TODAY")
    if pinned:
        try:
            return date.fromisoformat(pinned)
        except ValueError:
            raise InputError("FINCOMP_TODAY", f"{pinned!r} is not a date (YYYY-MM-DD)") from None
    return date.today()
