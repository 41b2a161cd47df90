"""Audit reports for compliance officers: the ledger's state for one scan, one project or
the whole estate over a period, as an HTML page, its PDF, or a workbook, in Chinese or
English (`fincomp report`)."""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from pathlib import Path

from sqlalchemy import Engine

from fincompliance import __version__
from fincompliance.clock import build_time
from fincompliance.ledger.audit import Scope, collect
from fincompliance.report.audit import html, pdf, xlsx
from fincompliance.report.audit.locale import Locale
from fincompliance.report.audit.sections import Meta, Report, build


class Format(StrEnum):
    html = "html"
    pdf = "pdf"
    xlsx = "xlsx"


def prepare(engine: Engine, scope: Scope, language: str, institution: str,
            today: date, prepared_by: str | None = None, reviewed_by: str | None = None
            ) -> tuple[Report, Locale]:
    locale = Locale(language)
    data = collect(engine, scope, today)
    meta = Meta(institution, build_time(), __version__, prepared_by, reviewed_by)
    return build(data, meta, locale), locale


def write(report: Report, locale: Locale, output_format: Format, output: Path | None
          ) -> str | None:
    """Write the report to OUTPUT; an HTML page without OUTPUT is returned instead."""
    if output_format is Format.xlsx:
        xlsx.write(report, locale, output)
        return None
    page = html.render(report, locale)
    if output_format is Format.pdf:
        pdf.write(page, output)
        return None
    if output is None:
        return page
    output.write_text(page, encoding="utf-8")
    return None
