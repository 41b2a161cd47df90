"""Build the Chinese font fincomp prints PDFs with when no system font covers Chinese:
Noto Sans CJK SC Regular (SIL Open Font License 1.1, no reserved font name) cut down to
the characters of GB 2312 (6,763 hanzi and its symbols), ASCII, CJK punctuation and
fullwidth forms, about 2.9 MB instead of 19 MB. WeasyPrint subsets it again into each PDF
to the characters the report uses.

The source is Debian's fonts-noto-cjk package (the upstream release, repackaged):
    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb noto
    python ci/build_cjk_font.py noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

from __future__ import annotations

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

TARGET = (Path(__file__).resolve().parents[1] / "src/fincompliance/report/audit/fonts"
          / "NotoSansSC-Regular-GB2312.otf")
SIMPLIFIED_CHINESE = 2      # the collection's Noto Sans CJK SC


def characters() -> set[int]:
    found = set(range(0x20, 0x7F)) | set(range(0x2010, 0x2070)) | \
        set(range(0x3000, 0x3040)) | set(range(0xFF00, 0xFFF0))
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            try:
                found.add(ord(bytes([high, low]).decode("gb2312")))
            except UnicodeDecodeError:
                continue
    return found


def main(collection: str) -> None:
    font = TTCollection(collection).fonts[SIMPLIFIED_CHINESE]
    options = subset.Options()
    options.layout_features = ["kern", "locl", "palt", "halt", "vert", "vrt2"]
    options.hinting = False
    options.name_IDs = ["*"]          # keep the copyright and licence notices
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=characters())
    subsetter.subset(font)
    font.save(TARGET)
    print(f"{TARGET}: {TARGET.stat().st_size:,} bytes")


if __name__ == "__main__":
    main(sys.argv[1])
