"""The modules built into a Go executable, from the build information the Go linker embeds
(what `go version -m` prints), read from the file's bytes: the binary is never run.

Since Go 1.18 the build information sits after a 16-byte-aligned `\\xff Go buildinf:`
header as two length-prefixed strings: the Go version and the module information, whose
lines are `path`, `mod` (the main module), `dep` (a module linked in), `=>` (the
replacement of the dep above it) and `build` settings. Older binaries keep pointers into
the data segment instead; they are named, not guessed at. The binary does not record which
module needs which, so every module linked in hangs from the binary's own project."""

from __future__ import annotations

import mmap
import os

from fincompliance.errors import InputError
from fincompliance.model import Graph
from fincompliance.scanners.base import Kind, Scanner, Source
from fincompliance.scanners.go_common import ECOSYSTEM, module_component, module_package

_MAGIC = b"\xff Go buildinf:"
_INLINE_STRINGS = 0x2
_HEADER = 32
_SENTINEL = 16  # the module information is wrapped in 16 bytes of marker on each side
_EXECUTABLE_MAGIC = (b"\x7fELF", b"MZ", b"\xfe\xed\xfa\xce", b"\xfe\xed\xfa\xcf",
                     b"\xce\xfa\xed\xfe", b"\xcf\xfa\xed\xfe")


def is_executable(head: bytes) -> bool:
    """ELF, PE or Mach-O: the files worth looking into for Go build information."""
    return head.startswith(_EXECUTABLE_MAGIC)


def parse(source: Source) -> Graph:
    # Mapped, not read: a tree or image may hold many large executables, and only the few
    # hundred bytes after the header matter.
    with open(source.resolve_inside(source.path), "rb") as handle:
        if os.fstat(handle.fileno()).st_size == 0:
            return Graph()
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
            start = _header_offset(data)
            if start < 0:
                return Graph()  # an executable, but not one built by Go
            go_version, module_info = _build_info(data, start, source.path)
    graph = Graph()
    lines = [line.split("\t") for line in module_info.splitlines()]
    main = next((fields for fields in lines if fields[0] == "mod" and len(fields) >= 3), None)
    main_path = main[1] if main else next((f[1] for f in lines if f[0] == "path"), source.path)
    main_version = _version(main[2:]) if main else None
    project = graph.add_project(source.project(
        main_path, ECOSYSTEM, SCANNER.name, main_version,
        package=module_package(main_path) if main else None))
    modules: list[tuple[list[str], list[str] | None]] = []  # (built, asked for)
    for fields in lines:
        if fields[0] == "dep" and len(fields) >= 3:
            modules.append((fields, None))
        elif fields[0] == "=>" and modules and len(fields) >= 2:
            modules[-1] = (fields, modules[-1][0])  # the replacement is what was built
    for built, asked in modules:
        path, version = (asked or built)[1], _version((asked or built)[2:])
        properties = [("fincomp:go:toolchain", go_version)]
        if len(built) > 3 and built[3]:
            properties.append(("fincomp:go:sum", built[3]))
        replacement = (built[1], _version(built[2:])) if asked else None
        component = graph.add_component(module_component(
            path, version, source.location(), replacement, tuple(properties)))
        graph.add_edge(project.ref, component.ref)
    return graph


def _version(fields: list[str]) -> str | None:
    return fields[0] if fields and fields[0] not in ("", "(devel)") else None


def _header_offset(data: mmap.mmap) -> int:
    at = data.find(_MAGIC)
    while at >= 0 and at % 16:
        at = data.find(_MAGIC, at + 1)
    return at


def _build_info(data: mmap.mmap, start: int, shown_as: str) -> tuple[str, str]:
    flags = data[start + 15] if start + 16 <= len(data) else 0
    if not flags & _INLINE_STRINGS:
        raise InputError(shown_as, "a Go binary built before Go 1.18; its build information "
                         "is not read (rebuild it, or scan its go.mod)")
    offset = start + _HEADER
    version, offset = _string(data, offset, shown_as)
    module_info, _ = _string(data, offset, shown_as)
    if len(module_info) >= 2 * _SENTINEL + 1 and module_info[-_SENTINEL - 1] == "\n":
        module_info = module_info[_SENTINEL:-_SENTINEL]
    return version, module_info


def _string(data: mmap.mmap, offset: int, shown_as: str) -> tuple[str, int]:
    length, shift = 0, 0
    while True:
        if offset >= len(data) or shift > 63:
            raise InputError(shown_as, "Go build information is cut short")
        byte = data[offset]
        offset += 1
        length |= (byte & 0x7F) << shift
        shift += 7
        if not byte & 0x80:
            break
    if offset + length > len(data):
        raise InputError(shown_as, "Go build information is cut short")
    return data[offset:offset + length].decode("utf-8", "replace"), offset + length


SCANNER = Scanner(name="go-binary", ecosystem=ECOSYSTEM, kind=Kind.INSTALLED, parse=parse,
                  sniff=is_executable)
