"""Reading a checkout's history with git, without letting the repository run anything:
no hooks, no fsmonitor, no external diff or text conversion, no pager, no system config."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from fincompliance.errors import InputError

_SAFE = ("-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null",
         "-c", "diff.external=", "-c", "core.pager=cat", "--no-pager")


def available() -> bool:
    return shutil.which("git") is not None


def run(root: Path, *args: str, timeout: float = 600) -> str:
    env = {**os.environ, "GIT_CONFIG_NOSYSTEM": "1", "GIT_TERMINAL_PROMPT": "0",
           "GIT_OPTIONAL_LOCKS": "0", "LC_ALL": "C.UTF-8"}
    try:
        completed = subprocess.run(["git", *_SAFE, "-C", str(root), *args],
                                   capture_output=True, env=env, timeout=timeout, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise InputError(str(root), f"git {args[0]} failed: {exc}") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise InputError(str(root), f"git {args[0]}: {message[-1] if message else 'failed'}")
    return completed.stdout.decode("utf-8", "replace")


def is_checkout(root: Path) -> bool:
    if not available():
        return False
    try:
        return run(root, "rev-parse", "--is-inside-work-tree").strip() == "true"
    except InputError:
        return False
