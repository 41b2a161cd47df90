"""`Gemfile.lock` (Ruby, Bundler): the GEM, GIT and PATH sections' specs (platform builds of
one version are one component), their dependencies, and DEPENDENCIES for what is direct;
the `Gemfile` beside it, read as text (never run), says which gems are development or test
only and which sit in optional groups."""

from __future__ import annotations

import re

from fincompliance.model import Component, Graph, Scope, make_purl, widen_scope
from fincompliance.scanners.base import Kind, Scanner, Source

ECOSYSTEM = "gem"
_SPEC = re.compile(r"^    (\S+) \(([^)]+)\)$")
_DEPENDENCY = re.compile(r"^      (\S+)(?: \(.*\))?$")
_DIRECT = re.compile(r"^  (\S+?)(?: \(.*\))?!?$")
_GEM = re.compile(r"""^\s*gem\s+["']([^"']+)["']""")
_GROUP = re.compile(r"^\s*group\s+(.+?)\s+do\b")
_BLOCK_START = re.compile(r"\bdo\s*(\|[^|]*\|)?\s*(#.*)?$")
_DEV_GROUPS = {"development", "test"}


def parse(source: Source) -> Graph:
    graph = Graph()
    project = graph.add_project(source.project(None, ECOSYSTEM, SCANNER.name))
    refs: dict[str, str] = {}
    dependencies: dict[str, list[str]] = {}
    direct: list[str] = []
    section, remote, current = "", "", None
    for number, line in enumerate(source.text().splitlines(), start=1):
        if line and not line.startswith(" "):
            section, current = line.strip(), None
            continue
        if section in ("GEM", "GIT", "PATH"):
            if line.startswith("  remote: "):
                remote = line.split(": ", 1)[1].strip()
            elif (spec := _SPEC.match(line)):
                name, version = spec.group(1), _without_platform(spec.group(2))
                current = name
                if name not in refs:
                    purl = make_purl(ECOSYSTEM, name, version)
                    refs[name] = graph.add_component(Component(
                        ref=purl, ecosystem=ECOSYSTEM, name=name,
                        version=version, purl=purl, locations=(source.location(number),),
                        properties=((("fincomp:source", f"{section.lower()}+{remote}"),)
                                    if section != "GEM" else ()))).ref
                dependencies.setdefault(name, [])
            elif current and (dependency := _DEPENDENCY.match(line)):
                dependencies[current].append(dependency.group(1))
        elif section == "DEPENDENCIES" and (entry := _DIRECT.match(line)):
            direct.append(entry.group(1))
    for name, needed in dependencies.items():
        for dependency in needed:
            if dependency in refs:
                graph.add_edge(refs[name], refs[dependency])
    groups = _gemfile_groups(source)
    scopes: dict[str, Scope] = {}
    for name in direct:
        if name in refs:
            graph.add_edge(project.ref, refs[name])
            widen_scope(scopes, refs[name], _scope(groups.get(name)))
    if groups:
        graph.propagate_scopes(scopes)
    return graph


def _without_platform(version: str) -> str:
    """`1.18.10-x86_64-linux-gnu` is version 1.18.10 built for a platform."""
    return re.split(r"-(?=[a-z])", version, maxsplit=1)[0]


def _scope(groups: set[str] | None) -> Scope:
    if not groups:
        return Scope.REQUIRED
    if groups <= _DEV_GROUPS:
        return Scope.DEV
    return Scope.OPTIONAL if "optional" in groups else Scope.REQUIRED


def _gemfile_groups(source: Source) -> dict[str, set[str]]:
    """Gem name -> the groups it is declared in (empty set: the default group)."""
    gemfile = source.sibling("Gemfile")
    if gemfile is None:
        return {}
    found: dict[str, set[str]] = {}
    stack: list[set[str] | None] = []
    for line in gemfile.text().splitlines():
        # A trailing comment can say "do" without opening a block; "#" inside a quoted
        # string (a git URL's fragment) is not a comment, so only " #" after code counts.
        stripped = re.sub(r"(^|\s)#.*$", "", line).strip()
        if (group := _GROUP.match(stripped)):
            names = set(re.findall(r":(\w+)", group.group(1).split("optional:")[0]))
            if re.search(r"optional:\s*true", group.group(1)):
                names.add("optional")
            stack.append(names)
        elif _BLOCK_START.search(stripped):
            stack.append(None)  # a `source ... do` or other block: no group of its own
        elif stripped == "end" and stack:
            stack.pop()
        elif (gem := _GEM.match(stripped)):
            name = gem.group(1)
            groups = set().union(*(g for g in stack if g))
            if name in found and (not found[name] or not groups):
                found[name] = set()  # declared in the default group somewhere: always needed
            else:
                found[name] = found.get(name, set()) | groups
    return found


SCANNER = Scanner(name="gemfile-lock", ecosystem=ECOSYSTEM, kind=Kind.LOCKFILE, parse=parse,
                  filenames=("Gemfile.lock", "gems.locked"), companions=("Gemfile", "gems.rb"))
