"""The audit report's PDF, printed from its HTML page by WeasyPrint.

Why WeasyPrint: it installs from PyPI (with the Pango library every Linux desktop and
Debian's libpango-1.0-0 carry), runs in-process with no browser to start, sandbox or
script engine, and implements CSS paged media: A4 pages, page numbers, a table of contents
with page numbers, and PDF bookmarks from the section headings. It fetches nothing here:
its URL fetcher refuses every request but for fincomp's own font file, so a hostile value
in the ledger cannot make a report reach the network. Fonts come from the system
(fontconfig) first; for Chinese text on a machine with no Chinese font, fincomp carries
Noto Sans CJK SC cut to GB 2312 (fonts/, SIL OFL 1.1; ci/build_cjk_font.py), which
WeasyPrint subsets into the PDF. A character neither covers stops the report before
rendering, naming it, so that none prints as a blank box."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from fincompliance.errors import UsageError

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")
FONT = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-Regular-GB2312.otf"
# The family report.css names last before the generic one.
_FONT_FACE = f'@font-face {{ font-family: "fincomp CJK"; src: url("{FONT.as_uri()}"); }}'


def write(html: str, path: Path) -> None:
    if _CJK.search(html):
        _require_cjk_font(html)
    try:
        from weasyprint import CSS, HTML
        from weasyprint.text.fonts import FontConfiguration
        from weasyprint.urls import URLFetcher
    except OSError as exc:  # Pango or its libraries are not installed
        raise UsageError(f"PDF output needs the Pango library (Debian: libpango-1.0-0, "
                         f"libpangoft2-1.0-0): {exc}") from None

    class OwnFontOnly(URLFetcher):
        def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
            if url != FONT.as_uri():
                raise ValueError(f"an audit report fetches nothing ({url})")
            return super().fetch(url, headers)

    fetcher, fonts = OwnFontOnly(allowed_protocols=("file",)), FontConfiguration()
    try:
        HTML(string=html, url_fetcher=fetcher).write_pdf(
            path, font_config=fonts,
            stylesheets=[CSS(string=_FONT_FACE, url_fetcher=fetcher, font_config=fonts)])
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the PDF: {exc.strerror or exc}") from None


def _require_cjk_font(html: str) -> None:
    """Every Chinese character has a font: an installed one, else fincomp's own."""
    if shutil.which("fc-list") is not None and subprocess.run(
            ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30,
            check=False).stdout.strip():
        return
    from fontTools.ttLib import TTFont

    covered = TTFont(FONT, lazy=True).getBestCmap()
    missing = sorted({c for c in _CJK.findall(html) if ord(c) not in covered})
    if missing:
        raise UsageError(
            f"the report has {len(missing)} Chinese characters ({''.join(missing[:10])}) that "
            "fincomp's font (GB 2312) lacks and no installed font covers: install one "
            "(Debian: fonts-noto-cjk) and run again")
