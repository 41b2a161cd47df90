"""Opening the ledger (SQLite file by default, PostgreSQL by URL), bringing its schema up to
date with Alembic, and appending hash-chained entries one writer at a time."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import orjson
from sqlalchemy import (
    Connection,
    Engine,
    create_engine,
    event,
    insert,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.exc import ArgumentError, OperationalError

from fincompliance import __version__
from fincompliance.errors import FincompError, UsageError
from fincompliance.ledger.schema import chain_head, ledger_entries
from fincompliance.locations import default_ledger, ledger_file

T = TypeVar("T")
GENESIS = "0" * 64
_WRITES = "fincomp_writes"
_MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# pg_advisory_xact_lock key taken while the schema is brought up to date ("fincomp" in ASCII).
_MIGRATION_LOCK = 0x66696E636F6D70


class LedgerBusy(FincompError):
    exit_code = 2

    def __str__(self) -> str:
        return ("ledger busy: another fincomp process is writing to it; run the command again "
                "(it waited " + self.args[0] + ")")


def open_ledger(url: str | None = None, migrate: bool = True, create: bool = True) -> Engine:
    """An engine on the ledger, its schema brought to the current revision. With `create`
    False (every command that only reads) a ledger that is not there is an error: a
    mistyped path must not leave an empty database behind and answer "nothing found"."""
    url = url or default_ledger()
    path = ledger_file(url)
    if "://" not in url:  # a plain path means a SQLite file
        url = f"sqlite:///{path}"
    try:
        if path is not None:
            if not create and not path.is_file():
                raise UsageError(f"ledger {path}: no such ledger (record a scan into it with "
                                 "`fincomp scan --record`, or name another with --ledger or "
                                 "FINCOMP_LEDGER)")
            path.parent.mkdir(parents=True, exist_ok=True)
            engine = create_engine(url, connect_args={"timeout": 5})
            _sqlite_writes_lock_at_begin(engine)
        else:
            engine = create_engine(url, pool_pre_ping=True)
    except (ArgumentError, ImportError) as exc:
        raise UsageError(f"--ledger {url}: not a database URL fincomp can open ({exc})") \
            from None
    shown = engine.url.render_as_string(hide_password=True)
    try:
        if not create and not inspect(engine).has_table("alembic_version"):
            raise UsageError(f"ledger {shown}: holds no fincomp ledger (record a scan into it "
                             "with `fincomp scan --record` first)")
        if migrate:
            try:
                upgrade(engine)
            except UsageError as exc:
                raise UsageError(f"ledger {shown}: {exc}") from None
    except OperationalError as exc:
        raise UsageError(f"ledger {shown}: cannot open: {exc.orig}") from None
    return engine


def _sqlite_writes_lock_at_begin(engine: Engine) -> None:
    # pysqlite begins transactions lazily, so two recorders could both read the chain head
    # before either writes. BEGIN IMMEDIATE takes the write lock up front.
    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None
        dbapi_connection.execute("PRAGMA foreign_keys = ON")

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        writes = connection.get_execution_options().get(_WRITES, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from alembic.util import CommandError

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.connect().execution_options(**{_WRITES: True}) as connection, \
            connection.begin():
        if connection.dialect.name == "postgresql":
            # Many CI jobs may open a new shared ledger at once: one migrates, the others
            # wait here and then find the schema current (without this, concurrent CREATE
            # TABLEs collide in PostgreSQL's catalogue). SQLite's BEGIN IMMEDIATE does the same.
            connection.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                               {"key": _MIGRATION_LOCK})
        config.attributes["connection"] = connection
        try:
            command.upgrade(config, revision)
        except CommandError:
            found = connection.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if found in {script.revision for script in
                         ScriptDirectory.from_config(config).walk_revisions()}:
                raise   # not the ledger's revision: a fault of fincomp's own
            raise UsageError(f"its schema is revision {found}, which this fincomp "
                             f"{__version__} does not know (a later fincomp wrote it): open "
                             "it with that fincomp or a later one") from None


def write(engine: Engine, work: Callable[[Connection], T], attempts: int = 6) -> T:
    """Run `work` in one transaction, retrying while another writer holds a SQLite ledger."""
    waited = 0.0
    for attempt in range(attempts):
        try:
            with engine.connect().execution_options(**{_WRITES: True}) as connection, \
                    connection.begin():
                return work(connection)
        except OperationalError as exc:
            if "locked" not in str(exc.orig) and "busy" not in str(exc.orig):
                raise
            pause = 0.2 * 2 ** attempt
            time.sleep(pause)
            waited += pause + 5  # the driver's own timeout, then ours
    raise LedgerBusy(f"{waited:.0f} s")


@contextmanager
def locked_head(connection: Connection) -> Iterator[dict[str, Any]]:
    """The chain head, locked until the transaction ends (one appender at a time)."""
    query = select(chain_head).where(chain_head.c.id == 1)
    if connection.dialect.name == "postgresql":
        query = query.with_for_update()
    row = connection.execute(query).mappings().one()
    yield dict(row)


def canonical(document: Any) -> bytes:
    """The bytes an entry's digest is taken over: `json.dumps(document, sort_keys=True,
    separators=(",", ":"), ensure_ascii=False)` in UTF-8, as every ledger entry has been
    digested, written by orjson at five times the speed (`ledger verify` writes every row).
    The two agree on strings, integers, booleans, nulls, lists and objects — what the
    ledger's columns hold (a test holds them to each other on every code point) — but not on
    every float, so no ledger column stores one (a test holds the schema to that)."""
    return orjson.dumps(document, option=orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS)


def digest(document: Any) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


def entry_hash(prev_hash: str, seq: int, kind: str, subject_id: int, at: str,
               content_digest: str) -> str:
    return digest([prev_hash, seq, kind, subject_id, at, content_digest])


def append(connection: Connection, kind: str, subject_id: int, at: str,
           content_digest: str, head: dict[str, Any]) -> int:
    seq = head["seq"] + 1
    new_hash = entry_hash(head["hash"], seq, kind, subject_id, at, content_digest)
    connection.execute(insert(ledger_entries).values(
        seq=seq, kind=kind, subject_id=subject_id, at=at, digest=content_digest,
        prev_hash=head["hash"], hash=new_hash))
    connection.execute(update(chain_head).where(chain_head.c.id == 1).values(
        seq=seq, hash=new_hash))
    head.update(seq=seq, hash=new_hash)
    return seq
