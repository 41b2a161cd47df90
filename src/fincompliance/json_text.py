"""JSON documents as fincomp writes them: indented like the standard library's
`json.dumps`, at orjson's speed."""

from __future__ import annotations

import re
from typing import Any

import orjson


def json_text(document: dict[str, Any], indent: int, ascii_only: bool = True) -> str:
    """`json.dumps(document, indent=indent, ensure_ascii=ascii_only)` byte for byte (floats
    aside: orjson writes 1e-05 as 0.00001), at orjson's speed (the standard library's
    encoder is pure Python when it indents: 12 s for 50,000 components).

    orjson indents by two and writes non-ASCII as UTF-8; the SBOM libraries' output, which
    fincomp's documents have always matched, indents by `indent` and escapes as `\\uXXXX`.
    """
    # two spaces in a row, where no value holds them, are always indentation (asked first:
    # the compact text is gone before the indented one is written)
    one_pass = indent != 2 and b"  " not in orjson.dumps(document)
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE)
    if indent != 2:
        text = _widened(text, indent, one_pass)
    decoded = text.decode()
    if ascii_only and not decoded.isascii():
        decoded = _NOT_ASCII.sub(_escaped, decoded)
    return decoded


def _widened(text: bytes, indent: int, one_pass: bool) -> bytes:
    """`text`, indented by two, indented by `indent`: in `one_pass` when every two spaces
    in a row are one level of indentation; otherwise level by level, deepest first, each
    level's spaces turned into tabs (raw tabs never occur in JSON text, strings escape
    them) so that a shallower level does not match them again: a pass for each level."""
    if one_pass:
        return text.replace(b"  ", b" " * indent)
    depth = 0
    while b"\n" + b"  " * (depth + 1) in text:
        depth += 1
    for level in range(depth, 0, -1):
        text = text.replace(b"\n" + b"  " * level, b"\n" + b"\t" * level)
    return text.replace(b"\t", b" " * indent)


_NOT_ASCII = re.compile(r"[^\x00-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000   # a UTF-16 surrogate pair, as the standard library writes it
    return f"\\u{0xd800 | (code >> 10):04x}\\u{0xdc00 | (code & 0x3ff):04x}"
