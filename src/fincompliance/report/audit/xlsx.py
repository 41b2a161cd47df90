"""The audit report as a workbook for officers who filter and sort: one sheet a section,
its facts first, then each table with a header row; numbers and dates stay numbers and
dates. The same SOURCE_DATE_EPOCH gives the same bytes."""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fincompliance.report.audit.locale import (
    Abridged,
    Article,
    Locale,
    Share,
    Text,
    display_width,
)
from fincompliance.report.audit.sections import Report

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def sheet_name(number: int, title: str) -> str:
    return _SHEET_FORBIDDEN.sub(" ", f"{number}. {title}")[:31]


def write(report: Report, locale: Locale, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for number, section in enumerate(report.sections, start=1):
        sheet = book.create_sheet(sheet_name(number, locale.text(section.title)))
        for label, value in section.facts:
            _append(sheet, (label, value), locale)
            sheet.cell(sheet.max_row, 1).font = bold
        for note in section.notes:
            _append(sheet, (note,), locale)
        filtered = False
        tables = [table for table in section.tables if table.in_workbook]
        for table in tables:
            if section.facts or section.notes or table is not tables[0]:
                sheet.append([])
            if table.title is not None and len(tables) > 1:   # alone, the sheet names it
                _append(sheet, (table.title,), locale)
                sheet.cell(sheet.max_row, 1).font = bold
            sheet.append([locale.text(column.key) for column in table.columns])
            header = sheet.max_row
            for cell in sheet[header]:
                cell.font = bold
            for row in table.rows:
                _append(sheet, row, locale)
            if not table.rows:   # what the page says in its place ("no changes since ...")
                _append(sheet, (table.empty,), locale)
            if not filtered and table.rows:
                last = sheet.cell(sheet.max_row, len(table.columns)).coordinate
                sheet.auto_filter.ref = f"A{header}:{last}"
                filtered = True
            if header == 1:
                sheet.freeze_panes = "A2"
        size_columns(sheet)
    created = report.meta.generated_at.replace(tzinfo=None)
    book.properties.creator = f"fincomp {report.meta.tool_version}"
    book.properties.created = book.properties.modified = created
    buffer = io.BytesIO()
    book.save(buffer)
    path.write_bytes(_fixed_times(buffer.getvalue(), created))


_FORMATS = ((datetime, "yyyy-mm-dd hh:mm:ss"), (date, "yyyy-mm-dd"), (Share, "0%"))


WIDEST = 60   # characters: a longer cell (a reason, a purl, a summary) wraps in its column


def size_columns(sheet, first_row: int = 1) -> None:
    """Every column as wide as its widest value (Chinese characters count two) up to
    WIDEST, where longer values wrap; a row with one value (a note, a table's title) is
    not a column's."""
    from openpyxl.styles import Alignment

    widths: dict[str, int] = {}
    long: dict[str, list] = {}
    for row in sheet.iter_rows(min_row=first_row):
        filled = [cell for cell in row if cell.value is not None]
        if len(filled) < 2 and sheet.max_column > 1:
            continue
        for cell in filled:
            value = cell.value
            width = 19 if isinstance(value, datetime) else display_width(str(value))
            widths[cell.column_letter] = max(widths.get(cell.column_letter, 0), width)
            if width > WIDEST:
                long.setdefault(cell.column_letter, []).append(cell)
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = min(width, WIDEST) + 2
    for cells in long.values():
        for cell in cells:
            cell.alignment = Alignment(wrap_text=True, vertical="top")


def _append(sheet, values, locale: Locale) -> None:
    sheet.append([_cell(value, locale) for value in values])
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        cell.number_format = next((f for kind, f in _FORMATS if isinstance(value, kind)),
                                  cell.number_format)


def _cell(value: Any, locale: Locale) -> Any:
    if isinstance(value, Text | Article | bool):
        return locale.value(value)
    if isinstance(value, Share):
        return value.value
    if isinstance(value, Abridged):
        return value.full
    if isinstance(value, datetime):
        return value.replace(tzinfo=None)   # Excel has no time zones; ledger times are UTC
    return value


def _fixed_times(data: bytes, when: datetime) -> bytes:
    # openpyxl stamps each zip member, and the "modified" property, with the current time;
    # the report's time instead.
    modified = rb"\g<1>" + f"{when.isoformat()}Z".encode() + rb"\g<2>"
    stamp = (max(when.year, 1980), when.month, when.day, when.hour, when.minute, when.second)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(member.filename)
            if member.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                                 modified, content)
            target.writestr(info, content)
    return out.getvalue()
