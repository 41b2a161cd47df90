"""The audit report as one self-contained HTML page: styles inline, charts as inline SVG,
no script, no font, image or link that would be fetched (a Content-Security-Policy says
so to the browser too). The same page prints to A4 and is what the PDF is made from."""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from fincompliance.report.audit.locale import Locale, Text
from fincompliance.report.audit.sections import VERDICTS, Chart, Report

TEMPLATES = Path(__file__).resolve().parent / "templates"


def render(report: Report, locale: Locale) -> str:
    environment = Environment(loader=FileSystemLoader(TEMPLATES), undefined=StrictUndefined,
                              autoescape=select_autoescape(default=True), trim_blocks=True,
                              lstrip_blocks=True, keep_trailing_newline=True)

    environment.filters["code_spans"] = _code_spans
    label, tone = VERDICTS[report.verdict]
    return environment.get_template("report.html").render(
        report=report, language=locale.language, _=locale.text,
        show=locale.value, svg=lambda chart: _svg(chart, locale.value), verdict=Text(label),
        verdict_tone=tone, stylesheet=Markup((TEMPLATES / "report.css").read_text()))


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
    parts = [f'<svg class="chart" role="img" aria-label="{escape(title)}" '
             f'viewBox="0 0 {_LABEL_WIDTH + _BAR_WIDTH + 70} {height}" '
             f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>']
    for row, bar in enumerate(chart.bars):
        y = 4 + row * _ROW
        width = round(_BAR_WIDTH * bar.value / top, 1)
        value = show(bar.value)
        parts.append(
            f'<text x="{_LABEL_WIDTH - 8}" y="{y + 15}" text-anchor="end">'
            f'{escape(show(bar.label))}</text>'
            f'<rect fill="{_TONES[bar.tone]}" x="{_LABEL_WIDTH}" y="{y + 3}" width="{width}" '
            f'height="{_ROW - 8}" rx="2"/>'
            f'<text x="{_LABEL_WIDTH + width + 6}" y="{y + 15}">{escape(value)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
