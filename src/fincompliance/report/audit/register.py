"""The register (台账) as the compliance officer opens it: a CSV that Excel on Chinese
Windows reads (UTF-8 with a byte-order mark), or a workbook with real date cells, sized
columns, a frozen header and filters; headers and values in the reader's language."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fincompliance.ledger.lifecycle import UNREGISTERED
from fincompliance.report.audit.locale import N_, Locale
from fincompliance.report.audit.sections import LIFECYCLE_STATES, VULNERABILITY_SEVERITIES
from fincompliance.report.audit.xlsx import size_columns

# (row key, header message, kind): text, date (an ISO time in UTC), flag, state, severity,
# matched (a count of advisories, or None where none were looked up)
COLUMNS = (
    ("project", N_("register.project"), "text"),
    ("department", N_("register.department"), "text"),
    ("business_system", N_("register.business-system"), "text"),
    ("owner", N_("register.owner"), "text"),
    ("repository", N_("register.repository"), "text"),
    ("component", N_("register.component"), "text"),
    ("version", N_("register.version"), "text"),
    ("ecosystem", N_("register.ecosystem"), "text"),
    ("purl", N_("register.purl"), "text"),
    ("licence", N_("register.licence"), "text"),
    ("declared_licence", N_("register.declared-licence"), "text"),
    ("scope", N_("register.scope"), "scope"),
    ("direct", N_("register.direct"), "flag"),
    ("vulnerabilities", N_("register.vulnerabilities"), "matched"),
    ("vulnerability_ids", N_("register.vulnerability-ids"), "text"),
    ("highest_severity", N_("register.highest-severity"), "severity"),
    ("lifecycle", N_("register.lifecycle"), "state"),
    ("decided_by", N_("register.decided-by"), "text"),
    ("decision_reason", N_("register.decision-reason"), "text"),
    ("decided_at", N_("register.decided-at"), "date"),
    ("grade", N_("register.grade"), "text"),
    ("latest_version", N_("register.latest-version"), "text"),
    ("last_release", N_("register.last-release"), "date"),
    ("deprecated", N_("register.deprecated"), "text"),
    ("acquisition_channel", N_("register.acquisition-channel"), "text"),
    ("support_mode", N_("register.support-mode"), "text"),
    ("supplier", N_("register.supplier"), "text"),
    ("contract", N_("register.contract"), "text"),
    ("first_seen", N_("register.first-seen"), "date"),
    ("last_scan", N_("register.last-scan"), "date"),
)
_VALUES = {  # the report's own words for the same values
    "scope": {"required": N_("scope.required"), "optional": N_("scope.optional"),
              "dev": N_("scope.dev")},
    "severity": {severity: label for severity, (label, _) in VULNERABILITY_SEVERITIES.items()},
    "state": {**LIFECYCLE_STATES, UNREGISTERED: N_("state.unregistered")},
}


def headers(locale: Locale) -> list[str]:
    return [locale.text(key) for _, key, _ in COLUMNS]


def _value(row: dict[str, Any], key: str, kind: str, locale: Locale) -> Any:
    value = row[key]
    if kind == "matched" and value is None:   # no advisories looked up: not "0"
        return locale.text(N_("value.unmatched"))
    if value is None or value == "":
        return None
    if kind == "flag":
        return locale.value(bool(value))
    if kind in _VALUES:
        return locale.text(_VALUES[kind][value]) if value in _VALUES[kind] else value
    if kind == "date":
        return _utc(value)
    return value


def _utc(iso: str) -> datetime:
    """A recorded time to the second, in UTC (what the header says)."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    return moment.replace(microsecond=0)


def to_csv(rows: list[dict[str, Any]], locale: Locale) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(headers(locale))
    for row in rows:
        writer.writerow([_text(_value(row, key, kind, locale)) for key, _, kind in COLUMNS])
    # The byte-order mark is how Excel (and WPS) on Chinese Windows know the file is UTF-8.
    return "\ufeff" + buffer.getvalue()


def _text(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S UTC")
    return "" if value is None else value


def to_xlsx(rows: list[dict[str, Any]], locale: Locale, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = locale.text(N_("register.sheet"))
    sheet.append(headers(locale))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [_value(row, key, kind, locale) for key, _, kind in COLUMNS]
        sheet.append([v.replace(tzinfo=None) if isinstance(v, datetime) else v
                      for v in values])
        for index, value in enumerate(values):
            if isinstance(value, datetime):
                sheet.cell(sheet.max_row, index + 1).number_format = "yyyy-mm-dd hh:mm:ss"
    size_columns(sheet)
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    book.save(path)
