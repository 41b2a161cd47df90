"""Which files in a tree belong to which scanner.

Walks without following any directory symlink (so no loop and no escape from the tree),
skips version-control, cache, virtual-environment and `node_modules` folders unless asked,
and prefers a lockfile over the manifest it was resolved from.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatch
from pathlib import Path, PurePosixPath

from fincompliance.errors import InputError, UsageError
from fincompliance.scanners import REGISTRY, Kind, Scanner

_ALWAYS_SKIPPED = frozenset({".git", ".hg", ".svn", "__pycache__", ".tox", ".nox", ".mypy_cache",
                             ".pytest_cache", ".ruff_cache", ".yarn", ".pnpm-store", ".cache"})
DEFAULT_MAX_ENTRIES = 2_000_000
_VIRTUAL = frozenset({"proc", "sys", "dev", "run"})  # at the top of a root filesystem


@dataclass(frozen=True)
class Task:
    path: str          # relative to the scan root, POSIX separators; "" is the root itself
    scanner: Scanner


@dataclass(frozen=True)
class DiscoveryOptions:
    include_installed: bool = False
    rootfs: bool = False    # an operating system's root: skip its virtual file systems
    exclude: tuple[str, ...] = ()
    max_entries: int = DEFAULT_MAX_ENTRIES


def discover(root: Path, options: DiscoveryOptions = DiscoveryOptions(),
             registry: Iterable[Scanner] = REGISTRY) -> list[Task]:
    """Every (file or folder, scanner) pair to read under `root`, in a stable order."""
    registry = tuple(registry)
    if not root.is_dir():
        raise UsageError(f"{root}: not a directory")
    tasks: list[Task] = []
    seen_entries = 0
    stack = [("", root)]
    while stack:
        relative, folder = stack.pop()
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError as exc:
            raise InputError(relative or str(root), f"cannot list folder: {exc.strerror}") from None
        seen_entries += len(entries)
        if seen_entries > options.max_entries:
            raise InputError(str(root), f"more than {options.max_entries:,} files and folders; "
                             "scan a smaller tree or use --exclude")
        names = frozenset(e.name for e in entries)
        folder_name = PurePosixPath(relative).name if relative else root.resolve().name
        claimed = [s for s in registry if s.claims_directory and s.claims_directory(
            folder_name, names)]
        if claimed:  # an installed tree is read by its scanner, not walked file by file
            tasks.extend(Task(relative, s) for s in claimed)
            continue
        for entry in entries:
            child = f"{relative}/{entry.name}" if relative else entry.name
            if _excluded(child, options.exclude):
                continue
            if entry.is_dir(follow_symlinks=False):
                if _descend(entry, options) and not (options.rootfs and child in _VIRTUAL):
                    stack.append((child, Path(entry.path)))
            elif _regular_file_inside(entry, root):
                claimed = [s for s in registry if s.claims_file(child)]
                tasks.extend(Task(child, s) for s in claimed or _sniffed(entry.path, registry))
    return sorted(_prefer_lockfiles(tasks), key=lambda t: (t.path, t.scanner.name))


def discover_file(path: Path, registry: Iterable[Scanner] = REGISTRY) -> tuple[Path, list[Task]]:
    """A single file named on the command line: its folder is the root."""
    registry = tuple(registry)
    scanners = ([s for s in registry if s.claims_file(path.name)]
                or _sniffed(path, registry, executables_only=False))
    if not scanners:
        raise UsageError(f"{path}: not a file format fincomp reads "
                         "(see `fincomp scan --help` for the list)")
    return path.parent, [Task(path.name, s) for s in scanners]


_SNIFFED_BYTES = 8


def _sniffed(path: str | Path, registry: Iterable[Scanner],
             executables_only: bool = True) -> list[Scanner]:
    """Scanners that want a file by its first bytes (Go binaries). In a walked tree only
    executables named like programs (no extension, or `.exe`) are looked at, so a source
    tree costs no extra system call per file; a file named on the command line always is."""
    sniffers = [s for s in registry if s.sniff]
    suffix = PurePosixPath(str(path)).suffix
    if not sniffers or (executables_only and suffix not in ("", ".exe")):
        return []
    try:
        if executables_only and not os.stat(path).st_mode & 0o111:
            return []
        with open(path, "rb") as handle:
            head = handle.read(_SNIFFED_BYTES)
    except OSError:
        return []
    return [s for s in sniffers if s.sniff(head)]


def _descend(entry: os.DirEntry, options: DiscoveryOptions) -> bool:
    if entry.name in _ALWAYS_SKIPPED:
        return False
    if options.include_installed:
        return True
    if entry.name == "node_modules":
        return False
    return not os.path.exists(os.path.join(entry.path, "pyvenv.cfg"))


def _excluded(relative: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch(relative, p) or fnmatch(PurePosixPath(relative).name, p) for p in patterns)


def _regular_file_inside(entry: os.DirEntry, root: Path) -> bool:
    if not entry.is_symlink():
        return entry.is_file(follow_symlinks=False)
    try:
        target = Path(entry.path).resolve(strict=True)
    except (OSError, RuntimeError):  # dangling link or a link loop
        return False
    return target.is_file() and target.is_relative_to(root.resolve())


def _prefer_lockfiles(tasks: list[Task]) -> list[Task]:
    """Drop a manifest that a lockfile or an installed tree in its folder (or a workspace
    lockfile above) covers."""
    covering = [(PurePosixPath(t.path).parent, t.scanner) for t in tasks
                if t.scanner.kind is not Kind.MANIFEST and t.scanner.companions]
    kept = []
    for task in tasks:
        if task.scanner.kind is Kind.MANIFEST:
            folder, name = PurePosixPath(task.path).parent, PurePosixPath(task.path).name
            if any(s.ecosystem == task.scanner.ecosystem
                   and any(fnmatch(name, c) for c in s.companions)
                   and (folder == lock_folder or (s.covers_subtree
                                                  and lock_folder in folder.parents))
                   for lock_folder, s in covering):
                continue
        kept.append(task)
    return kept
