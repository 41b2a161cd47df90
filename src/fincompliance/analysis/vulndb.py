"""The local vulnerability database: OSV advisories imported from files the institution
brings in (air-gapped) into an indexed SQLite file.

An import is one transaction: if it is interrupted (killed, disk full, bad file), SQLite
rolls it back and the previous database is what every reader keeps seeing. Imports are
incremental: an advisory whose `modified` time is unchanged is not rewritten. The
institution's own feed of CNVD and CNNVD ids joins them as further aliases.
"""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from fincompliance.analysis.osv import Advisory, parse_record
from fincompliance.errors import InputError, UsageError, reading

SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS source (
    name TEXT PRIMARY KEY, location TEXT NOT NULL, imported_at TEXT NOT NULL,
    advisories INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS advisory (
    id TEXT PRIMARY KEY, source TEXT NOT NULL, modified TEXT NOT NULL, withdrawn TEXT,
    record TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS affected (
    advisory TEXT NOT NULL REFERENCES advisory(id) ON DELETE CASCADE,
    ecosystem TEXT NOT NULL, package TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, package);
CREATE INDEX IF NOT EXISTS affected_advisory ON affected (advisory);
CREATE TABLE IF NOT EXISTS alias (
    advisory TEXT NOT NULL, alias TEXT NOT NULL, source TEXT NOT NULL,
    PRIMARY KEY (advisory, alias));
"""
# The national vulnerability databases' ids an institution's feed maps advisories to
# (`fincomp db aliases`): CNVD-2021-01234, CNNVD-202101-1234.
NATIONAL_IDS = {"cnvd": re.compile(r"CNVD-\d{4}-\d{4,6}\Z"),
                "cnnvd": re.compile(r"CNNVD-\d{6}-\d{1,6}\Z")}


@dataclass(frozen=True)
class ImportReport:
    source: str
    added: int
    updated: int
    unchanged: int
    withdrawn: int


@dataclass(frozen=True)
class SourceStatus:
    name: str
    location: str
    imported_at: str
    advisories: int


@dataclass(frozen=True)
class Status:
    path: str
    sources: list[SourceStatus]
    advisories: int
    withdrawn: int
    packages: int
    ecosystems: dict[str, int]
    newest: str | None          # the latest `modified` time of any advisory: how current

    def summary(self) -> dict[str, Any]:
        """What a scan was matched against, as the scan JSON and the ledger keep it."""
        return {"advisories": self.advisories,
                "sources": [{"name": s.name, "imported_at": s.imported_at,
                             "advisories": s.advisories} for s in self.sources],
                "ecosystems": sorted(self.ecosystems), "newest": self.newest}


class VulnerabilityDatabase:
    def __init__(self, path: Path, create: bool = False) -> None:
        if not create and not path.is_file():
            raise UsageError(f"{path}: no vulnerability database yet (import one with "
                             "`fincomp db update --from PATH`)")
        if create:
            path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._read: dict[tuple[str, str], list[Advisory]] = {}
        self._aliases_present: bool | None = None   # asked once, when first reading
        try:
            # Autocommit mode: transactions are begun explicitly, so an import is one.
            self._connection = sqlite3.connect(path, timeout=30, isolation_level=None)
            self._connection.execute("PRAGMA foreign_keys = ON")
            if create:
                self._connection.executescript(_SCHEMA)
                self._connection.execute(
                    "INSERT OR IGNORE INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            version = self._connection.execute(
                "SELECT value FROM meta WHERE key = 'schema'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise InputError(str(path), f"not a fincomp vulnerability database: {exc}") from None
        if version is None or version[0] != SCHEMA_VERSION:
            raise InputError(str(path), "vulnerability database of another fincomp version: "
                             "import it again into a new file")

    def close(self) -> None:
        self._connection.close()

    def __enter__(self) -> VulnerabilityDatabase:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # -- writing ---------------------------------------------------------------------------

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Cursor]:
        """One write transaction: all of it or, on any failure or interruption, none."""
        cursor = self._connection.cursor()
        cursor.execute("BEGIN IMMEDIATE")
        try:
            yield cursor
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        finally:
            self._read.clear()
            self._aliases_present = None

    def import_records(self, source: str, location: str,
                       records: Iterable[tuple[str, Any]]) -> ImportReport:
        """Import OSV documents as one transaction; a bad document aborts the whole import
        (with its file named) and leaves the database as it was."""
        added = updated = unchanged = withdrawn = 0
        with self._transaction() as cursor:
            for shown, document in records:
                with reading(shown, "an OSV advisory"):
                    advisory = parse_record(document, shown)
                    stored = json.dumps(document, separators=(",", ":"), sort_keys=True)
                known = cursor.execute("SELECT modified FROM advisory WHERE id = ?",
                                       (advisory.id,)).fetchone()
                withdrawn += advisory.withdrawn is not None
                if known is not None and known[0] == advisory.modified:
                    unchanged += 1
                    continue
                if known is not None:
                    cursor.execute("DELETE FROM affected WHERE advisory = ?", (advisory.id,))
                    updated += 1
                else:
                    added += 1
                cursor.execute("INSERT OR REPLACE INTO advisory VALUES (?, ?, ?, ?, ?)",
                               (advisory.id, source, advisory.modified, advisory.withdrawn,
                                stored))
                cursor.executemany("INSERT INTO affected VALUES (?, ?, ?)", sorted(
                    {(advisory.id, a.ecosystem, a.name) for a in advisory.affected}))
            total = added + updated + unchanged
            cursor.execute("INSERT OR REPLACE INTO source VALUES (?, ?, ?, ?)",
                           (source, location, datetime.now(tz=UTC).isoformat(timespec="seconds"),
                            total))
        return ImportReport(source, added, updated, unchanged, withdrawn)

    def import_aliases(self, source: str, rows: Iterable[tuple[str, str]]) -> int:
        """Replace `source`'s aliases ((advisory id or alias, national id) pairs) as one
        transaction; how many pairs it holds now."""
        with self._transaction() as cursor:
            cursor.execute("DELETE FROM alias WHERE source = ?", (source,))
            cursor.executemany("INSERT OR IGNORE INTO alias VALUES (?, ?, ?)",
                               sorted({(advisory, alias, source) for advisory, alias in rows}))
            return cursor.execute("SELECT COUNT(*) FROM alias WHERE source = ?",
                                  (source,)).fetchone()[0]

    # -- reading ---------------------------------------------------------------------------

    def advisories_for(self, ecosystem: str, package: str) -> list[Advisory]:
        """Advisories naming this package, withdrawn ones left out (read once per package:
        a graph holds the same package at many versions)."""
        key = (ecosystem, package)
        if key not in self._read:
            self._read[key] = self._advisories_for(ecosystem, package)
        return self._read[key]

    def _advisories_for(self, ecosystem: str, package: str) -> list[Advisory]:
        rows = self._connection.execute(
            "SELECT DISTINCT advisory.id, advisory.record FROM affected JOIN advisory "
            "ON advisory.id = affected.advisory WHERE affected.ecosystem = ? AND "
            "affected.package = ? AND advisory.withdrawn IS NULL ORDER BY advisory.id",
            (ecosystem, package)).fetchall()
        advisories = [parse_record(json.loads(record), f"{self.path}:{advisory_id}")
                      for advisory_id, record in rows]
        return [self._with_national_ids(advisory) for advisory in advisories]

    def _with_national_ids(self, advisory: Advisory) -> Advisory:
        """The advisory with the CNVD and CNNVD ids the institution's feed gives any of its
        names (a database made before such feeds has none)."""
        if not self._has_aliases():
            return advisory
        names = (advisory.id, *advisory.aliases)
        found = [row[0] for row in self._connection.execute(
            f"SELECT DISTINCT alias FROM alias WHERE advisory IN "
            f"({', '.join('?' * len(names))}) ORDER BY alias", names)]
        extra = tuple(alias for alias in found if alias not in names)
        return replace(advisory, aliases=advisory.aliases + extra) if extra else advisory

    def _has_aliases(self) -> bool:
        if self._aliases_present is None:
            self._aliases_present = self._connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alias' AND "
                "EXISTS (SELECT 1 FROM alias)").fetchone() is not None
        return self._aliases_present

    def status(self) -> Status:
        connection = self._connection
        sources = [SourceStatus(*row) for row in connection.execute(
            "SELECT name, location, imported_at, advisories FROM source ORDER BY name")]
        advisories, withdrawn = connection.execute(
            "SELECT COUNT(*), COUNT(withdrawn) FROM advisory").fetchone()
        packages = connection.execute(
            "SELECT COUNT(*) FROM (SELECT DISTINCT ecosystem, package FROM affected)").fetchone()[0]
        ecosystems = dict(connection.execute(
            "SELECT ecosystem, COUNT(DISTINCT advisory) FROM affected GROUP BY ecosystem "
            "ORDER BY ecosystem").fetchall())
        newest = connection.execute("SELECT MAX(modified) FROM advisory").fetchone()[0]
        return Status(str(self.path), sources, advisories, withdrawn, packages, ecosystems,
                      newest)


def import_national_ids(database_path: Path, feed: Path, name: str | None = None
                        ) -> tuple[str, int]:
    """An institution's feed of CNVD and CNNVD ids: a UTF-8 CSV with a header row naming an
    `id` column (CVE-..., GHSA-..., or any id or alias an advisory has) and a `cnvd` and/or
    `cnnvd` column; a cell may be empty. Every id is checked; a bad row is refused with its
    line and nothing is imported. Returns (source name, pairs now held)."""
    with reading(str(feed), "a CNVD/CNNVD feed"):
        text = feed.read_text(encoding="utf-8-sig")
    rows = csv.DictReader(io.StringIO(text))
    columns = {c.strip().lower(): c for c in rows.fieldnames or ()}
    if "id" not in columns or not columns.keys() & NATIONAL_IDS.keys():
        raise InputError(str(feed), "a CNVD/CNNVD feed needs a header row with an `id` column "
                         "and a `cnvd` and/or `cnnvd` column")
    pairs = []
    for line, row in enumerate(rows, start=2):
        advisory = (row.get(columns["id"]) or "").strip().upper()
        if not advisory:
            raise InputError(str(feed), "no advisory id", line)
        for kind, pattern in NATIONAL_IDS.items():
            value = (row.get(columns.get(kind, "")) or "").strip().upper()
            if value and not pattern.match(value):
                raise InputError(str(feed), f"not a {kind.upper()} id: {value[:40]!r}", line)
            if value:
                pairs.append((advisory, value))
    source = name or str(feed.resolve())
    with VulnerabilityDatabase(database_path, create=True) as database:
        return source, database.import_aliases(source, pairs)


def update(database_path: Path, location: str, name: str | None = None) -> ImportReport:
    """Import OSV data from a folder, a file, a zip archive or a URL (downloaded only
    because the user named it)."""
    from fincompliance.analysis.http import download
    from fincompliance.analysis.osv import read_records

    remote = location.startswith(("http://", "https://"))
    path = download(location) if remote else Path(location)
    try:
        with VulnerabilityDatabase(database_path, create=True) as database:
            shown = location if remote else str(path.resolve())
            return database.import_records(name or shown, shown, read_records(path))
    finally:
        if remote:
            path.unlink(missing_ok=True)
