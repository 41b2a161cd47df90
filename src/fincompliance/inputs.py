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
from typing import TYPE_CHECKING, Any

from fincompliance.errors import InputError

if TYPE_CHECKING:
    import yaml

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
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(shown_as, f"invalid JSON: {exc.msg} (column {exc.colno})",
                         exc.lineno) from None
    except RecursionError:
        raise InputError(shown_as, "invalid JSON: nested too deeply") from None
    _refuse_lone_surrogates(text, document, shown_as)
    return document


# A `\ud800` escape: JSON and YAML readers accept one alone, but no UTF-8 writer can.
_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}|\\U0000[dD][89a-fA-F]")


def _refuse_lone_surrogates(text: str, document: Any, shown_as: str) -> None:
    """Escapes of UTF-16 surrogates are legal only in pairs (an emoji written `\\ud83d\\ude00`);
    the text is searched first so that documents without any pay nothing more."""
    if _SURROGATE_ESCAPE.search(text) is None:
        return
    pending = [document]
    while pending:
        value = pending.pop()
        if isinstance(value, dict):
            pending.extend(value.keys())
            pending.extend(value.values())
        elif isinstance(value, list):
            pending.extend(value)
        elif isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise InputError(shown_as, "a string holds a lone UTF-16 surrogate escape "
                                 "(\\ud800-\\udfff), which is not text",
                                 _lone_surrogate_line(text)) from None


_SURROGATE_PAIR = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}\\u[dD][c-fC-F][0-9a-fA-F]{2}")


def _lone_surrogate_line(text: str) -> int | None:
    # Pairs hold no newline, so removing them keeps every line where it was.
    unpaired = _SURROGATE_PAIR.sub("", text)
    found = _SURROGATE_ESCAPE.search(unpaired)
    if found is not None:
        return unpaired.count("\n", 0, found.start()) + 1
    return None


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


# Aliases may add this many nodes to a document beyond the ones written in it: enough for
# every real use (shared settings in a policy), far below what an alias bomb expands to.
YAML_ALIAS_BUDGET = 100_000
# An anchor, which every alias needs: documents without one skip the expansion count.
_YAML_ANCHOR = re.compile(r"(?:^|[\s\[{,:])&", re.M)


def load_yaml(text: str, shown_as: str, all_text: bool = False) -> Any:
    """Parse YAML with the safe loader (no object construction, no code), refusing documents
    whose aliases would expand past `YAML_ALIAS_BUDGET` before anything is constructed.
    `all_text`: every scalar as text (version lists such as `- 2.10` must not turn into
    the float 2.1)."""
    import yaml  # loaded when a YAML file is read, not for every command line

    loader = (getattr(yaml, "CBaseLoader", yaml.BaseLoader) if all_text
              else getattr(yaml, "CSafeLoader", yaml.SafeLoader))(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _YAML_ANCHOR.search(text):
            _check_expansion(node, shown_as)
        document = loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        line = exc.problem_mark.line + 1 if exc.problem_mark else None
        problem = exc.problem or exc.context or "syntax error"
        raise InputError(shown_as, f"invalid YAML: {problem}", line) from None
    except yaml.reader.ReaderError as exc:
        raise InputError(shown_as, f"invalid YAML: {exc.reason} ({_char_name(exc.character)})",
                         text.count("\n", 0, max(exc.position, 0)) + 1) from None
    except yaml.YAMLError as exc:
        raise InputError(shown_as, f"invalid YAML: {exc}") from None
    except (ValueError, TypeError) as exc:  # a value the safe constructor rejects (2027-13-01)
        raise InputError(shown_as, f"invalid YAML value: {exc}") from None
    except RecursionError:
        raise InputError(shown_as, "invalid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    _refuse_lone_surrogates(text, document, shown_as)
    return document


def _char_name(character: str | int) -> str:
    return f"byte 0x{character:02x}" if isinstance(character, int) \
        else f"character U+{ord(character):04X}"


def _children(node: yaml.Node) -> list[yaml.Node]:
    import yaml

    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return node.value
    return []


def _check_expansion(root: yaml.Node, shown_as: str) -> None:
    """Count the nodes the document expands to, each alias as the whole subtree it names,
    without expanding anything (sizes are memoised per node): an alias bomb of a few hundred
    bytes that would build gigabytes is refused here, as is an alias to its own ancestor."""
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    pending: list[tuple[yaml.Node, bool]] = [(root, False)]
    while pending:
        node, children_done = pending.pop()
        key = id(node)
        if children_done:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes[id(child)] for child in _children(node))
        elif key not in sizes:
            if key in on_path:
                raise InputError(shown_as, "refused: a YAML alias refers to a node that "
                                 "contains it", node.start_mark.line + 1)
            on_path.add(key)
            pending.append((node, True))
            pending.extend((child, False) for child in _children(node)
                           if id(child) not in sizes)
    if sizes[id(root)] > len(sizes) + YAML_ALIAS_BUDGET:
        raise InputError(shown_as, f"refused: YAML aliases expand {len(sizes):,} nodes to "
                         f"{sizes[id(root)]:,} (at most {YAML_ALIAS_BUDGET:,} more are allowed)")


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
