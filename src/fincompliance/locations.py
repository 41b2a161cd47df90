"""Where fincomp keeps what it caches and imports, each place overridable for CI and tests."""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    """`FINCOMP_CACHE_DIR`, else `$XDG_CACHE_HOME/fincomp`, else `~/.cache/fincomp`."""
    configured = os.environ.get("FINCOMP_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path(os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "fincomp")


def vulnerability_db() -> Path:
    """`FINCOMP_DB`, else `vulndb.sqlite3` in the cache folder."""
    configured = os.environ.get("FINCOMP_DB")
    return Path(configured) if configured else cache_dir() / "vulndb.sqlite3"
