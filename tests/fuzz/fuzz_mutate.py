"""Mutations of a real input, as Hypothesis strategies: cut short, bytes flipped, hostile
tokens inserted (NUL, invalid UTF-8, lone surrogate escapes, YAML anchors, XML entities,
10,000 levels of nesting), lines duplicated (duplicate keys), ranges deleted, and, for JSON
and YAML, any value swapped for one of another type."""

from __future__ import annotations

import json
from typing import Any

import yaml
from hypothesis import strategies as st

TOKENS = [
    b"\x00", b"\xff\xfe\xfd", b"\xc3", b'"\\ud800"', b"\\udfff", b"\n", b"\r\n", b"\t",
    b"{", b"}", b"[", b"]", b",", b":", b": ", b"- ", b"&a ", b"*a", b"!!python/object:os.system",
    b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]>", b"&e;", b"'", b'"', b"=", b"@",
    b"#", b"../../../../etc/passwd", b"9" * 40, b"-1", b"1e999", b"\xe2\x80\xae", b"\xef\xbb\xbf",
    b"[" * 10_000, b"{\"a\":" * 5_000, b"- " * 3_000, b"<a>" * 5_000, b"x" * 70_000,
    b"${project.version}", b"file:", b"link:../..", b"workspace:*", b"npm:", b"git+ssh://",
    b":x:", b"[bold]", b"\x1b[31m",
]

ODD_VALUES: list[Any] = [
    1, 1.5, -1, 0, True, None, [], {}, [1, [2]], {"a": {"b": 1}}, "\ud800", "", " ",
    "x" * 5_000, "\x00", "../../etc/passwd", "*", "1.0.0 || 2", ["a", 1, None],
    {"1": 2, "version": {"nested": True}},
]


def _nodes(value: Any, path: tuple = ()) -> list[tuple]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _nodes(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _nodes(item, path + (index,))
    return found


def _replaced(document: Any, path: tuple, value: Any) -> Any:
    if not path:
        return value
    head, rest = path[0], path[1:]
    if isinstance(document, dict):
        return {k: (_replaced(v, rest, value) if k == head else v) for k, v in document.items()}
    return [(_replaced(v, rest, value) if i == head else v) for i, v in enumerate(document)]


def _swap_value(draw, data: bytes, structure: str) -> bytes:
    try:
        document = json.loads(data) if structure == "json" else yaml.safe_load(data)
        path = draw(st.sampled_from(_nodes(document)))
        changed = _replaced(document, path, draw(st.sampled_from(ODD_VALUES)))
        if structure == "json":
            return json.dumps(changed).encode()           # surrogates become escapes
        return yaml.safe_dump(changed, allow_unicode=False).encode()
    except Exception:  # noqa: BLE001 - an earlier mutation broke it: mutate the bytes instead
        return data


@st.composite
def mutated(draw, seed: bytes, structure: str | None) -> bytes:
    kinds = ["truncate", "flip", "insert", "delete", "duplicate"]
    if structure:
        kinds += ["swap", "swap"]
    data = seed
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(kinds))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "truncate":
            data = data[:at]
        elif kind == "flip" and data:
            data = data[:at] + bytes([data[at] ^ draw(st.integers(1, 255))]) + data[at + 1:]
        elif kind == "insert":
            token = draw(st.one_of(st.sampled_from(TOKENS), st.binary(min_size=1, max_size=8)))
            data = data[:at] + token + data[at:]
        elif kind == "delete":
            data = data[:at] + data[at + draw(st.integers(1, 200)):]
        elif kind == "duplicate":
            start = data.rfind(b"\n", 0, at) + 1
            end = data.find(b"\n", at)
            end = len(data) if end < 0 else end + 1
            data = data[:end] + data[start:end] + data[end:]
        elif kind == "swap":
            data = _swap_value(draw, data, structure)
    return data
