"""Bounded, hostile-input-safe reading and decoding of the files scanners parse.

Every scanner reads through these functions so that size limits, encoding checks and
parser failures turn into one `InputError` naming the file and line, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from fincompliance.errors import InputError

DEFAULT_MAX_FILE_BYTES = 128 * 1024 * 1024


def max_file_bytes() -> int:
    """The largest file fincomp reads; `FINCOMP_MAX_FILE_SIZE` (bytes) overrides it."""
    configured = os.environ.get("FINCOMP_MAX_FILE_SIZE")
    if configured and configured.isdigit():
        return int(configured)
    return DEFAULT_MAX_FILE_BYTES


def read_text(path: Path, shown_as: str, limit: int | None = None) -> str:
    """Read a UTF-8 text file, refusing ones that are too large or not UTF-8."""
    limit = max_file_bytes() if limit is None else limit
    try:
        size = path.stat().st_size
        if size > limit:
            raise InputError(shown_as, f"file is {size:,} bytes, over the {limit:,}-byte limit "
                             "(set FINCOMP_MAX_FILE_SIZE to raise it)")
        with path.open("rb") as handle:
            data = handle.read(limit + 1)
    except OSError as exc:
        raise InputError(shown_as, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:  # the file grew while we read it
        raise InputError(shown_as, f"file is over the {limit:,}-byte limit")
    return decode_utf8(data, shown_as)


def decode_utf8(data: bytes, shown_as: str) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(shown_as, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start})", line) from None


def load_json(text: str, shown_as: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(shown_as, f"invalid JSON: {exc.msg} (column {exc.colno})",
                         exc.lineno) from None
    except RecursionError:
        raise InputError(shown_as, "invalid JSON: nested too deeply") from None


_TOML_POSITION = re.compile(r"\(at line (\d+), column (\d+)\)")


def load_toml(text: str, shown_as: str) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        found = _TOML_POSITION.search(message)
        line = int(found.group(1)) if found else None
        reason = _TOML_POSITION.sub("", message).strip() or "syntax error"
        raise InputError(shown_as, f"invalid TOML: {reason}", line) from None
    except RecursionError:
        raise InputError(shown_as, "invalid TOML: nested too deeply") from None


_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Every scalar as text: version lists such as `- 2.10` must not turn into the float 2.1.
_YAML_TEXT_LOADER = getattr(yaml, "CBaseLoader", yaml.BaseLoader)


def load_yaml(text: str, shown_as: str, all_text: bool = False) -> Any:
    """Parse YAML with the safe loader (no object construction, no code)."""
    try:
        return yaml.load(text, Loader=_YAML_TEXT_LOADER if all_text  # noqa: S506 - safe
                         else _YAML_LOADER)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        raise InputError(shown_as, f"invalid YAML: {exc.problem or exc.context}", line) from None
    except yaml.YAMLError as exc:
        raise InputError(shown_as, f"invalid YAML: {exc}") from None
    except (ValueError, TypeError) as exc:  # a value the safe constructor rejects (2027-13-01)
        raise InputError(shown_as, f"invalid YAML value: {exc}") from None
    except RecursionError:
        raise InputError(shown_as, "invalid YAML: nested too deeply") from None


def load_xml(text: str, shown_as: str, strip_namespaces: bool = False):
    """Parse XML refusing DTDs and entities (billion laughs, external entities) with
    defusedxml; returns the root element, its tags without `{namespace}` if asked (for
    formats whose files carry the namespace or not, like pom.xml and MSBuild)."""
    import defusedxml.ElementTree as SafeElementTree
    from defusedxml import DefusedXmlException

    try:
        root = SafeElementTree.fromstring(text, forbid_dtd=True)
    except DefusedXmlException as exc:
        raise InputError(shown_as, f"refused: XML with {type(exc).__name__} "
                         "(entities and DTDs are not allowed)") from None
    except SafeElementTree.ParseError as exc:
        line = exc.position[0] if getattr(exc, "position", None) else None
        raise InputError(shown_as, f"invalid XML: {exc}", line) from None
    if strip_namespaces:
        for element in root.iter():
            if isinstance(element.tag, str) and element.tag.startswith("{"):
                element.tag = element.tag.split("}", 1)[1]
    return root


def xml_text(element: Any, path: str) -> str | None:
    """The stripped text of the first element at `path` below `element`; None when the
    element is missing or empty."""
    found = element.find(path) if element is not None else None
    value = (found.text or "").strip() if found is not None else ""
    return value or None


def expect(value: Any, kind: type | tuple[type, ...], shown_as: str, what: str,
           line: int | None = None) -> Any:
    """Check the shape of parsed data, so a wrong type is an input error, not a crash."""
    if not isinstance(value, kind):
        names = " or ".join(k.__name__ for k in (kind if isinstance(kind, tuple) else (kind,)))
        raise InputError(shown_as, f"{what} should be {_article(names)}, "
                         f"found {type(value).__name__}", line)
    return value


def _article(names: str) -> str:
    return {"dict": "a mapping", "list": "a list", "str": "a string"}.get(names, names)
