"""The scan stage: discovery, then each scanner on its files, merged into one graph."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from fincompliance import version_ranges
from fincompliance.analysis.stage import AnalysisReport
from fincompliance.discovery import DiscoveryOptions, Task, discover, discover_file
from fincompliance.errors import InputError, reading
from fincompliance.image import Image, is_image_archive, unpack_for_scanning
from fincompliance.model import Component, Graph
from fincompliance.scanners import Source, python_common


@dataclass(frozen=True)
class ScanOptions:
    include_installed: bool = False
    rootfs: bool = False      # the target is an operating system's root filesystem
    keep_going: bool = False
    exclude: tuple[str, ...] = ()


@dataclass
class ScanResult:
    root: Path
    graph: Graph
    tasks: list[Task]
    errors: list[InputError] = field(default_factory=list)
    analysis: AnalysisReport | None = None  # set by the analysis stage
    image: Image | None = None              # when the target was a saved container image


def scan(target: Path, options: ScanOptions = ScanOptions(),
         on_task: Callable[[Task, int, int], None] | None = None) -> ScanResult:
    """Scan a folder, one file, or a saved container image. Raises InputError on the first
    bad file unless `keep_going`, in which case bad files are listed in `errors` and the
    rest is scanned."""
    image = unpack_for_scanning(target) if is_image_archive(target) else None
    if image is not None:
        root = image.root
        tasks = discover(root, DiscoveryOptions(include_installed=True, rootfs=True,
                                                exclude=options.exclude))
    elif target.is_file():
        root, tasks = discover_file(target)
    else:
        root = target
        tasks = discover(root, DiscoveryOptions(
            include_installed=options.include_installed or options.rootfs,
            rootfs=options.rootfs, exclude=options.exclude))
    result = ScanResult(root=root, graph=Graph(), tasks=tasks, image=image)
    for number, task in enumerate(tasks, start=1):
        if on_task is not None:
            on_task(task, number, len(tasks))
        try:
            result.graph.merge(read_task(root, task))
        except InputError as error:
            if not options.keep_going:
                raise
            result.errors.append(error)
    result.graph.link_first_party()
    settle_ranges(result.graph)
    return result


# How each ecosystem tells whether a version is in a manifest's range.
_RANGE_CHECKS: dict[str, Callable[[str | None, str], bool]] = {
    python_common.ECOSYSTEM: version_ranges.satisfies}


def settle_ranges(graph: Graph) -> None:
    """One component per package and version: a manifest's range (pyproject.toml's
    `Django>=4.2,<5`) beside exactly one pin of the same package that satisfies it
    (requirements.txt's `Django==4.2.16`) is that pin, not a second, unpinned component.
    The pin keeps the range and where it was declared; a range no pin (or more than one)
    satisfies stays unpinned, as it is."""
    ranges = sorted(ref for ref, c in graph.components.items()
                    if c.version is None and c.ecosystem in _RANGE_CHECKS)
    if not ranges:
        return
    pins: dict[str, list[Component]] = defaultdict(list)
    for component in graph.components.values():
        if component.version is not None and component.ecosystem in _RANGE_CHECKS:
            pins[component.package].append(component)
    for ref in ranges:
        ranged = graph.components[ref]
        check = _RANGE_CHECKS[ranged.ecosystem]
        matching = [p for p in pins.get(ranged.package, ())
                    if check(p.version, ranged.requirement or "")]
        if len(matching) == 1:
            where = ranged.locations[0] if ranged.locations else "?"
            graph.stand_for(ref, matching[0].ref, (
                "fincomp:constraint", f"{ranged.requirement or '*'} ({where})"))


def read_task(root: Path, task: Task) -> Graph:
    """One scanner on one file; whatever goes wrong inside becomes an InputError for it."""
    with reading(task.path, f"a {task.scanner.name} file"):
        return task.scanner.parse(Source(root, task.path))
