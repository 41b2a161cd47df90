"""The audit report as one self-contained HTML page: styles inline, charts as inline SVG,
no script, no font, image or link that would be fetched (a Content-Security-Policy says
so to the browser too). The same page prints to A4 and is what the PDF is made from."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from fincompliance.report.audit.locale import Locale, Text, display_width
from fincompliance.report.audit.sections import VERDICTS, Cell, Chart, Column, Report, Table

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render(report: Report, locale: Locale) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                              autoescape=select_autoescape(default=True), trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)

    environment.filters["code_spans"] = _code_spans
    environment.filters["whole_items"] = lambda listed: _whole_items(listed, locale)
    label, tone = VERDICTS[report.verdict]
    return environment.get_template("report.html").render(
        report=report, language=locale.language, _=locale.text,
        show=locale.value, svg=lambda chart: _svg(chart, locale.value),
        on_page=lambda table, wide: _on_page(table, locale, wide),
        verdict=Text(label),
        verdict_tone=tone, stylesheet=Markup((TEMPLATES / "report.css").read_text()))


# Kinds whose cells are never broken (ids, versions, severities, dates, numbers), and how
# many character widths (a Chinese character two) a page gives a table: 9 pt type on A4
# holds about 105 across a portrait page and 160 across a landscape one, cell padding
# counted as two.
_WHOLE = frozenset({"id", "label", "date", "number"})
_PAGE = {False: 105, True: 160}
_LONGEST_WORD = 40     # a longer purl or expression breaks rather than take the page
_HEADER = 10           # a header up to five Chinese characters stays on one line


@dataclass(frozen=True)
class _PageTable:
    columns: list[tuple[Column, float]]    # each with its share of a printed page
    rows: list[tuple[Cell, ...]]


def _on_page(table: Table, locale: Locale, wide: bool) -> _PageTable:
    """The columns and rows a page shows (a workbook has every column and row)."""
    shown = [number for number, column in enumerate(table.columns) if column.on_page]
    rows = [tuple(row[n] for n in shown) for row in
            (table.rows[:table.print_limit] if table.print_limit else table.rows)]
    columns = [table.columns[n] for n in shown]
    return _PageTable(list(zip(columns, print_widths(columns, rows, locale, wide),
                               strict=True)), rows)


def print_widths(columns: list[Column], rows: list[tuple[Cell, ...]], locale: Locale,
                 wide: bool = False) -> list[float]:
    """Each column's share of a printed page (percent), from its content: at least its
    longest unbroken value (a whole id, the longest word of prose), the rest of the page
    shared out by how much more each column's longest value would take. A fixed table
    layout (which is what keeps long tables fast to print) cannot measure cells itself."""
    least, most = [], []
    for number, column in enumerate(columns):
        cells = [locale.value(row[number]) for row in rows]
        header = locale.text(column.key)
        whole = column.kind in _WHOLE
        if column.kind == "ids":      # each id whole
            unbroken = [display_width(part) for cell in cells
                        for part in cell.split(locale.separator)]
        else:
            unbroken = [display_width(cell) if whole else min(_longest_word(cell), _LONGEST_WORD)
                        for cell in cells]
        # a header is set in bold, a fifth wider
        narrowest = max([min(display_width(header), _HEADER), math.ceil(
            _longest_word(header) * 1.2), *unbroken])
        least.append(narrowest + 2)                       # the cell's padding
        most.append(max([narrowest, *(display_width(cell) for cell in cells)]) + 2)
    spare = max(_PAGE[wide] - sum(least), 0)
    wanted = sum(m - n for m, n in zip(most, least, strict=True)) or 1
    widths = [n + min(m - n, spare * (m - n) / wanted) for m, n in zip(most, least, strict=True)]
    total = sum(widths)
    return [round(100 * w / total, 1) for w in widths]


_WORD = re.compile(r"[^\s\u2E80-\uFFFF]+")
_WIDE_CHARACTER = re.compile(r"[\u2E80-\uFFFF]")


def _longest_word(text: str) -> int:
    """The widest part of a text that does not break: Latin words and ids whole, Chinese
    characters one by one (two columns each)."""
    longest = max((display_width(word) for word in _WORD.findall(text)), default=0)
    return max(longest, 2) if _WIDE_CHARACTER.search(text) else longest


def _whole_items(listed: str, locale: Locale) -> Markup:
    """A list of ids (an advisory's aliases) broken only between ids, never at an id's
    hyphens."""
    separator = locale.separator
    return Markup(escape(separator).join(
        Markup('<span class="whole">{}</span>').format(item) for item in listed.split(separator)))


_CODE_SPAN = re.compile(r"`([^`\n]+)`")


def _code_spans(text: str) -> Markup:
    """Prose that quotes commands the way policies write them (`fincomp ledger history`):
    escaped, with each quoted command set as code rather than between backticks."""
    return Markup(_CODE_SPAN.sub(lambda m: f"<code>{m.group(1)}</code>", str(escape(text))))


_ROW, _LABEL_WIDTH, _BAR_WIDTH = 24, 190, 300
# As attributes, not classes: PDF renderers style inline SVG from its own attributes only.
_TONES = {"bad": "#b03a2e", "warn": "#b9770e", "ok": "#1e8449", "neutral": "#566573"}


def _svg(chart: Chart, show) -> Markup:
    top = max((bar.value for bar in chart.bars), default=0) or 1
    height = _ROW * len(chart.bars) + 8
    title = show(chart.title)
    # labels are right-aligned against the bars: room for the longest (12 px type, about
    # 7 px a Latin character and 13 a Chinese one, with room to spare)
    labels = [show(bar.label) for bar in chart.bars]
    left = max([_LABEL_WIDTH, *(round(display_width(label) * 7.5) + 16 for label in labels)])
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {left + _BAR_WIDTH + 70} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for row, (bar, label) in enumerate(zip(chart.bars, labels, strict=True)):
        y = 4 + row * _ROW
        width = round(_BAR_WIDTH * bar.value / top, 1)
        value = show(bar.value)
        parts.append(
            f'<text x="{left - 8}" y="{y + 15}" text-anchor="end">{escape(label)}</text>'
            f'<rect fill="{_TONES[bar.tone]}" x="{left}" y="{y + 3}" width="{width}" '
            f'height="{_ROW - 8}" rx="2"/>'
            f'<text x="{left + width + 6}" y="{y + 15}">{escape(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
