"""The audit report's PDF, printed from its HTML page by WeasyPrint.

Why WeasyPrint: it installs from PyPI (with the Pango library every Linux desktop and
Debian's libpango-1.0-0 carry), runs in-process with no browser to start, sandbox or
script engine, and implements CSS paged media: A4 pages, page numbers, a table of contents
with page numbers, and PDF bookmarks from the section headings. It fetches nothing here:
its URL fetcher refuses every request, so a hostile value in the ledger cannot make a
report reach the network. Fonts come from the system (fontconfig); Chinese text needs a
CJK font installed (Debian: fonts-noto-cjk, SIL OFL 1.1; or fonts-wqy-microhei, Apache
2.0), which is checked before rendering so that no character prints as a blank box."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from fincompliance.errors import UsageError

_CJK = re.compile(r"[\u3000-\u303f\u3400-\u4dbf\u4e00-\u9fff\uff00-\uffef]")


def write(html: str, path: Path) -> None:
    if _CJK.search(html):
        _require_cjk_font()
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango or its libraries are not installed
        raise UsageError(f"PDF output needs the Pango library (Debian: libpango-1.0-0, "
                         f"libpangoft2-1.0-0): {exc}") from None

    def refuse(url: str, *args, **kwargs):
        raise ValueError(f"an audit report fetches nothing ({url})")

    try:
        HTML(string=html, url_fetcher=refuse).write_pdf(path)
    except OSError as exc:
        raise UsageError(f"{path}: cannot write the PDF: {exc.strerror or exc}") from None


def _require_cjk_font() -> None:
    if shutil.which("fc-list") is None:
        return  # fontconfig's tools are not installed; the library still finds fonts
    found = subprocess.run(["fc-list", ":lang=zh-cn", "family"], capture_output=True,
                           text=True, timeout=30, check=False).stdout.strip()
    if not found:
        raise UsageError("the report has Chinese text but no installed font covers Chinese: "
                         "install one (Debian: fonts-noto-cjk or fonts-wqy-microhei) and "
                         "run again")
