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


def default_ledger() -> str:
    """`FINCOMP_LEDGER`, else the SQLite file in `$XDG_DATA_HOME/fincomp` (or
    `~/.local/share/fincomp`)."""
    configured = os.environ.get("FINCOMP_LEDGER")
    if configured:
        return configured
    base = os.environ.get("XDG_DATA_HOME") or os.path.expanduser("~/.local/share")
    return f"sqlite:///{Path(base, 'fincomp', 'ledger.sqlite3')}"


def ledger_file(url: str) -> Path | None:
    """The SQLite file a ledger address names (a plain path is one); None for a database
    server's address."""
    if "://" not in url:
        return Path(url).resolve()
    return Path(url.removeprefix("sqlite:///")) if url.startswith("sqlite:///") else None


def knowledge_ledger(url: str | None, create: bool = False) -> str | None:
    """The ledger whose licence knowledge a scan uses: the one named, else the default one
    when it exists (`create`: the scan is being recorded and makes it); None when there is
    none. Decided without the database layer, which a scan with no ledger never loads."""
    url = url or default_ledger()
    path = ledger_file(url)
    if path is not None and not create and not path.is_file():
        return None
    return url
