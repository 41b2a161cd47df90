"""The files a release publishes: what git tracks in the checkout (what a push or an
archive of the commit carries), else every file under the folder; the policy's exclusions
left out. Text is read bounded: binary files and files over the size limit are counted as
not read, never scanned in part."""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

from fincompliance.inputs import max_file_bytes
from fincompliance.release import git

# Folders no release carries as its own files when git does not say what is tracked.
_NOT_RELEASED = frozenset({".git", ".hg", ".svn", "node_modules", "__pycache__", ".venv",
                           "venv", ".tox", ".mypy_cache", ".pytest_cache"})
_SNIFFED = 8192


@dataclass
class ReleaseFiles:
    root: Path
    paths: list[str]                     # relative, '/'-separated, sorted
    from_git: bool
    unread: dict[str, str] = field(default_factory=dict)   # path -> why it was not read

    @property
    def not_read(self) -> Counter[str]:
        return Counter(self.unread.values())

    def lines(self, path: str) -> list[str] | None:
        """The file's lines, or None (noted once) when it is binary, too large, a link or
        unreadable."""
        full = self.root / path
        try:
            if full.is_symlink() or full.stat().st_size > max_file_bytes():
                self.unread[path] = "over the size limit or a link"
                return None
            data = full.read_bytes()
        except OSError:
            self.unread[path] = "unreadable"
            return None
        if b"\0" in data[:_SNIFFED]:
            self.unread[path] = "binary"
            return None
        return data.decode("utf-8", "replace").splitlines()


def release_files(root: Path, exclude: tuple[str, ...]) -> ReleaseFiles:
    from_git = git.is_checkout(root)
    if from_git:
        listed = [p for p in git.run(root, "ls-files", "-z", "--cached").split("\0") if p]
    else:
        listed = list(_walk(root))
    kept = sorted(p for p in listed if not _excluded(p, exclude) and (root / p).is_file())
    return ReleaseFiles(root, kept, from_git)


def _walk(root: Path):
    for folder, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in _NOT_RELEASED)
        base = Path(folder).relative_to(root)
        for name in files:
            yield (base / name).as_posix()


def _excluded(path: str, patterns: tuple[str, ...]) -> bool:
    return any(fnmatch(path, pattern) or path.startswith(pattern.rstrip("*").rstrip("/") + "/")
               and pattern.endswith("/**") for pattern in patterns)
