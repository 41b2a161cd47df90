"""What `go.mod`, `go.work` and a Go binary's build information share: the directive
grammar of the module files, and how a module becomes a component."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fincompliance.errors import InputError
from fincompliance.model import Component, Location, make_purl

ECOSYSTEM = "golang"
_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|`[^`]*`|\S+')


@dataclass(frozen=True)
class Directive:
    verb: str                  # require, replace, exclude, retract, use, module, go, ...
    arguments: tuple[str, ...]
    comment: str               # the text after `//` on the line (`indirect` for example)
    line: int


def directives(text: str, shown_as: str) -> list[Directive]:
    """Every directive of a go.mod or go.work file; a block `verb ( ... )` gives one
    directive per line inside it."""
    found: list[Directive] = []
    block: str | None = None
    for number, raw in enumerate(text.splitlines(), start=1):
        code, _, comment = raw.partition("//")
        tokens = [_unquote(t) for t in _TOKEN.findall(code)]
        if not tokens:
            continue
        if block is not None:
            if tokens == [")"]:
                block = None
            else:
                found.append(Directive(block, tuple(tokens), comment.strip(), number))
            continue
        if tokens[-1] == "(" and len(tokens) == 2:
            block = tokens[0]
        elif tokens == [")"]:
            raise InputError(shown_as, "a closing parenthesis without a block", number)
        else:
            found.append(Directive(tokens[0], tuple(tokens[1:]), comment.strip(), number))
    if block is not None:
        raise InputError(shown_as, f"the {block} block is never closed")
    return found


def _unquote(token: str) -> str:
    if len(token) >= 2 and token[0] == token[-1] and token[0] in "\"`":
        return token[1:-1]
    return token


def is_local_path(path: str) -> bool:
    """A replacement that points into the file system rather than at a module version."""
    return path.startswith(("./", "../", "/")) or path in (".", "..")


def module_component(path: str, version: str | None, location: Location,
                     replacement: tuple[str, str | None] | None = None,
                     properties: tuple[tuple[str, str], ...] = ()) -> Component:
    """A required module as built: a module replacement is the code that ships (the
    original is kept as a property); a folder replacement keeps the module's identity, so
    a workspace module in the tree links to its project."""
    extra = []
    if replacement is not None and is_local_path(replacement[0]):
        extra = [("fincomp:go:replaced-by", replacement[0]),
                 ("fincomp:source", f"path+{replacement[0]}")]
    elif replacement is not None and replacement != (path, version):
        extra = [("fincomp:go:replaces", f"{path}@{version}")]
        path, version = replacement
    purl = make_purl(ECOSYSTEM, path, version)
    return Component(ref=purl, ecosystem=ECOSYSTEM, name=path, version=version,
                     purl=purl, locations=(location,),
                     properties=tuple(sorted((*properties, *extra))))


def module_package(path: str) -> str:
    """The purl (without version) a module publishes, to recognise workspace modules."""
    return make_purl(ECOSYSTEM, path, None)
