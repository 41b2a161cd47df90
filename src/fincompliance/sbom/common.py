"""What both SBOM formats need: stable identity, build time, licence ids, ecosystems."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

import orjson

from fincompliance import __version__
from fincompliance.model import PURL_TYPES, Graph

TOOL_NAME = "fincomp"
TOOL_VERSION = __version__
PROPERTY_PREFIX = "fincomp:"
ECOSYSTEM_BY_PURL_TYPE = {purl_type: ecosystem for ecosystem, purl_type in PURL_TYPES.items()}


def graph_digest(graph: Graph) -> str:
    """A digest of what the graph says, so the same scan gets the same document identity."""
    digest = hashlib.sha256()
    for ref in sorted(graph.projects):
        digest.update(f"P {ref}\n".encode())
    for component in graph.sorted_components():
        digest.update(f"C {component.ref} {component.scope.value} "
                      f"{component.declared_license}\n".encode())
    for source in sorted(graph.edges):
        for target in sorted(graph.edges[source]):
            digest.update(f"E {source} {target}\n".encode())
    return digest.hexdigest()


def document_uuid(graph: Graph, name: str) -> uuid.UUID:
    return uuid.uuid5(uuid.NAMESPACE_URL, f"fincomp:{name}:{graph_digest(graph)}")


def json_text(document: dict[str, Any], indent: int) -> str:
    """`json.dumps(document, indent=indent)` byte for byte, at orjson's speed (the standard
    library's encoder is pure Python when it indents: 12 s for 50,000 components).

    orjson indents by two and writes non-ASCII as UTF-8; the SBOM libraries' output, which
    fincomp's documents have always matched, indents by `indent` and escapes as `\\uXXXX`.
    Raw tabs never occur in JSON text (strings escape them), so they mark each level while
    the indentation is widened.
    """
    text = orjson.dumps(document, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE
                        ).decode()
    if indent != 2:
        depth = 0
        while f"\n{'  ' * (depth + 1)}" in text:
            depth += 1
        for level in range(depth, 0, -1):  # deepest first: a shallower prefix is now tabs
            text = text.replace("\n" + "  " * level, "\n" + "\t" * level)
        text = text.replace("\t", " " * indent)
    if not text.isascii():
        text = _NOT_ASCII.sub(_escaped, text)
    return text


_NOT_ASCII = re.compile(r"[^\x00-\x7e]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000   # a UTF-16 surrogate pair, as the standard library writes it
    return f"\\u{0xd800 | (code >> 10):04x}\\u{0xdc00 | (code & 0x3ff):04x}"
