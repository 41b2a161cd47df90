"""The commit and branch of a scanned checkout, read from its .git files (git is not run)."""

from __future__ import annotations

import re
from pathlib import Path

_SHA = re.compile(r"^[0-9a-f]{40}([0-9a-f]{24})?$")


def commit_and_branch(root: Path) -> tuple[str | None, str | None]:
    git = _git_dir(root)
    if git is None:
        return None, None
    try:
        head = (git / "HEAD").read_text(encoding="utf-8", errors="replace").strip()
    except OSError:
        return None, None
    if _SHA.match(head):
        return head, None  # a detached checkout, as CI systems make
    if not head.startswith("ref: "):
        return None, None
    ref = head[5:].strip()
    branch = ref.removeprefix("refs/heads/")
    loose = git / ref
    if loose.is_file() and loose.resolve().is_relative_to(git.resolve()):
        value = loose.read_text(encoding="utf-8", errors="replace").strip()
        return (value if _SHA.match(value) else None), branch
    packed = git / "packed-refs"
    if packed.is_file():
        for line in packed.read_text(encoding="utf-8", errors="replace").splitlines():
            sha, _, name = line.partition(" ")
            if name == ref and _SHA.match(sha):
                return sha, branch
    return None, branch


def checkout_root(path: Path) -> Path | None:
    """The folder of the git checkout (or worktree) that holds `path`: where code hosts
    anchor file paths."""
    start = path.resolve()
    for folder in (start, *start.parents):
        if (folder / ".git").exists():
            return folder
    return None


def _git_dir(root: Path) -> Path | None:
    folder = checkout_root(root)
    if folder is None:
        return None
    candidate = folder / ".git"
    if candidate.is_dir():
        return candidate
    if candidate.is_file():  # a worktree or submodule: "gitdir: PATH"
        text = candidate.read_text(encoding="utf-8", errors="replace").strip()
        if text.startswith("gitdir: "):
            target = (folder / text[8:]).resolve()
            return target if target.is_dir() else None
    return None
