"""pip requirements files: pins and ranges, hashes, markers, extras, `-r`/`-c` includes,
editable, VCS and URL lines, and pip-compile's `# via` annotations, which record edges."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from fincompliance.errors import InputError
from fincompliance.model import Graph, Location, Scope
from fincompliance.scanners.base import Kind, Scanner, Source, parse_hash
from fincompliance.scanners.python_common import (
    ECOSYSTEM,
    canonical,
    parse_requirement,
    pinned_version,
    python_component,
)

_INCLUDE = {"-r": "requirement", "--requirement": "requirement",
            "-c": "constraint", "--constraint": "constraint"}
_EDITABLE = ("-e", "--editable")
# Options that configure pip, not the set of packages.
_GLOBAL_OPTIONS = ("-i", "--index-url", "--extra-index-url", "-f", "--find-links",
                   "--trusted-host", "--no-index", "--pre", "--prefer-binary", "--require-hashes",
                   "--only-binary", "--no-binary", "--use-feature", "--progress-bar")
_EGG = re.compile(r"[#&]egg=([A-Za-z0-9][A-Za-z0-9._-]*)")
_WHEEL = re.compile(r"(?:^|/)([A-Za-z0-9_.]+)-(\d[^-/]*)(?:-[^-/]+){2,3}\.whl$")
_SDIST = re.compile(r"(?:^|/)([A-Za-z0-9_.-]+?)-(\d[\w.+!]*)\.(?:tar\.gz|zip)$")
_DEV_NAME = re.compile(r"(^|[-_.])(dev|devel|test|tests|testing|lint|docs?|ci|typing)([-_.]|$)")


@dataclass
class Requirement:
    """One package line of a requirements file."""

    name: str
    line: int
    version: str | None = None
    specifier: str = ""
    hashes: list[str] = field(default_factory=list)
    properties: list[tuple[str, str]] = field(default_factory=list)
    via: list[str] = field(default_factory=list)


@dataclass
class Parsed:
    requirements: list[Requirement] = field(default_factory=list)
    includes: list[tuple[str, str, int]] = field(default_factory=list)  # (kind, path, line)
    annotated: bool = False  # pip-compile output: `# via` tells direct from transitive


def logical_lines(text: str) -> list[tuple[int, str]]:
    """Lines with `\\` continuations joined, each with the number of its first line."""
    joined: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        if raw.endswith("\\") and not raw.lstrip().startswith("#"):
            pending += raw[:-1] + " "
            continue
        joined.append((start, pending + raw))
        pending = ""
    if pending:
        joined.append((start, pending))
    return joined


def parse_text(text: str, path: str) -> Parsed:
    parsed = Parsed()
    last: Requirement | None = None
    in_via = False
    for number, line in logical_lines(text):
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = stripped.lstrip("#").strip()
            if last is not None and comment.startswith("via"):
                parsed.annotated = True
                in_via = True
                last.via.extend(comment[3:].split())
            elif last is not None and in_via and comment:
                last.via.append(comment)
            continue
        in_via = False
        body = re.split(r"(?:^|\s)#", line, maxsplit=1)[0].strip()
        if not body:
            continue
        last = _parse_line(body, number, path, parsed)
    return parsed


def _parse_line(body: str, number: int, path: str, parsed: Parsed) -> Requirement | None:
    option, _, rest = body.partition(" ")
    option, eq, value = option.partition("=")
    value = (value if eq else rest).strip()
    if option in _INCLUDE:
        if not value:
            raise InputError(path, f"{option} needs a file name", number)
        parsed.includes.append((_INCLUDE[option], value.split()[0], number))
        return None
    if option in _GLOBAL_OPTIONS:
        return None
    if option in _EDITABLE:
        editable = _direct_reference(value, number, path, editable=True)
        if editable is not None:
            parsed.requirements.append(editable)
        return editable
    if body.startswith("-"):
        raise InputError(path, f"unknown option {option!r}", number)
    requirement_text, *options = re.split(r"\s+(?=--)", body)
    requirement = _requirement(requirement_text.strip(), number, path)
    if requirement is not None:
        for extra in options:
            key, _, val = extra.partition("=")
            if key == "--hash":
                requirement.hashes.append(val.strip())
        parsed.requirements.append(requirement)
    return requirement


def _requirement(text: str, number: int, path: str) -> Requirement | None:
    if "://" in text.split(" @ ")[0] or text.startswith((".", "/")) or text.endswith(
            (".whl", ".tar.gz", ".zip")):
        return _direct_reference(text, number, path, editable=False)
    parsed = parse_requirement(text)
    if parsed is None:
        raise InputError(path, f"invalid requirement {text!r}", number)
    requirement = Requirement(name=parsed.name, line=number, version=pinned_version(parsed),
                              specifier=str(parsed.specifier) or "*")
    if parsed.url:
        requirement.properties.append(("fincomp:source", parsed.url))
        requirement.specifier = f"@ {parsed.url}"
    if parsed.marker:
        requirement.properties.append(("fincomp:marker", str(parsed.marker)))
    if parsed.extras:
        requirement.properties.append(("fincomp:extras", ",".join(sorted(parsed.extras))))
    return requirement


def _direct_reference(target: str, number: int, path: str, *, editable: bool
                      ) -> Requirement | None:
    """An editable, VCS, URL or local-path line. Local folders are first-party: no component."""
    egg = _EGG.search(target)
    artifact = _WHEEL.search(target) or _SDIST.search(target)
    if egg:
        name, version = egg.group(1), None
    elif artifact:
        name, version = artifact.group(1), artifact.group(2)
    elif "://" in target or "+" in target.split(":")[0]:
        raise InputError(path, f"cannot tell the package name of {target!r} "
                         "(add #egg=NAME)", number)
    else:
        return None
    return Requirement(name=name, line=number, version=version, specifier=f"@ {target}",
                       properties=[("fincomp:source", target)]
                       + ([("fincomp:editable", "true")] if editable else []))


def parse(source: Source) -> Graph:
    graph = Graph()
    # Several requirements files often share a folder: the file names the project.
    project = graph.add_project(source.project(
        source.path, ECOSYSTEM, SCANNER.name,
        development=_scope_of_file(source.path) is Scope.DEV))
    requirements, constraints = _collect(source, set())
    annotated = any(r.via for r in requirements)
    by_name = {canonical(r.name): r for r in requirements}
    for requirement in requirements:
        version = requirement.version or constraints.get(canonical(requirement.name))
        component = graph.add_component(python_component(
            requirement.name, version, requirement.location,
            scope=_scope_of_file(requirement.location.path),
            requirement=None if requirement.version else requirement.specifier,
            hashes=(h for raw in requirement.hashes for h in [parse_hash(raw)] if h),
            properties=requirement.properties))
        requirement.ref = component.ref
    for requirement in requirements:
        parents = [by_name[canonical(v)] for v in requirement.via
                   if not v.startswith("-") and canonical(v) in by_name]
        for parent in parents:
            graph.add_edge(parent.ref, requirement.ref)
        if not annotated or not parents or any(v.startswith("-") for v in requirement.via):
            graph.add_edge(project.ref, requirement.ref)
    return graph


def _scope_of_file(path: str) -> Scope:
    """`requirements-dev.txt`, `test-requirements.txt` and the like hold dev tools; a file
    they include keeps the scope its own name gives it."""
    return Scope.DEV if _DEV_NAME.search(PurePosixPath(path).stem.lower()) else Scope.REQUIRED


@dataclass
class _Located(Requirement):
    location: Location = Location("")
    ref: str = ""


def _collect(source: Source, seen: set[str]) -> tuple[list[_Located], dict[str, str]]:
    """The requirements of a file and of the files it includes; pins from constraint files."""
    seen.add(source.path)
    parsed = parse_text(source.text(), source.path)
    requirements = [_Located(**vars(r), location=source.location(r.line))
                    for r in parsed.requirements]
    constraints: dict[str, str] = {}
    for kind, target, line in parsed.includes:
        try:
            included = source.sibling(target)
        except InputError as exc:
            raise InputError(source.path, exc.message, line) from None
        if included is None:
            raise InputError(source.path, f"included file {target!r} does not exist", line)
        if included.path in seen:
            continue
        more, more_constraints = _collect(included, seen)
        constraints.update(more_constraints)
        if kind == "constraint":
            constraints.update({canonical(r.name): r.version for r in more if r.version})
        else:
            requirements.extend(more)
    return requirements, constraints


SCANNER = Scanner(name="requirements", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("requirements*.txt", "*requirements.txt"))
