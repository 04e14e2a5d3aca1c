"""Engines and migrations.

SQLite (the no-set-up default) runs in WAL mode with a busy timeout so several gunicorn workers can share the
file; its writers queue for their turn in a lock of our own (``SqliteWriteTurns``) rather than by SQLite's sleeps,
and a thread in each worker checkpoints the log so that no call has to (``start_wal_checkpointer``).
Every write says how durable its commit must be (``write_transaction``): feedback waits for the disk and
survives a power cut; the per-call audit rows and the jti cache survive a killed process but not a power cut in
their last moments, which makes each call's audit write about three times cheaper (issue 6).
Migrations run at start-up through Alembic's API, serialised between processes that start together: a
PostgreSQL advisory lock (works across replicas), or an exclusive file lock beside a SQLite file.
"""

from __future__ import annotations

import fcntl
import logging
import os
import sqlite3
import threading
import time
import weakref
from collections.abc import Iterator
from contextlib import AbstractContextManager, closing, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url

from service import json_writer

log = logging.getLogger(__name__)

MIGRATIONS = Path(__file__).parent / "migrations"
# Any fixed 64-bit number works; this one spells "imnmcds" so a DBA can tell whose lock it is in pg_locks.
ADVISORY_LOCK_KEY = 0x696D6E6D636473


def open_engine(url: str) -> Engine:
    """An engine for ``url``; a SQLite file's directory is created and the file set to WAL on first connect."""
    parsed = make_url(url)
    # JSON columns written as the call path writes them on the driver (service.storage.driver_sql)
    kwargs: dict[str, Any] = {"future": True, "json_serializer": json_writer.dumps}
    if parsed.get_backend_name() != "sqlite":
        kwargs["pool_pre_ping"] = True  # a database server restarts and drops connections; a SQLite file does not
    else:
        database = parsed.database or ""
        if database and database != ":memory:" and not database.startswith("file:"):
            Path(database).expanduser().resolve().parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
    engine = create_engine(url, **kwargs)
    if parsed.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas)
    return engine


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA synchronous = FULL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA wal_autocheckpoint = {WAL_AUTOCHECKPOINT_PAGES}")
    finally:
        cursor.close()


# A commit checkpoints the write-ahead log itself only when the background checkpointer (below) has fallen this far
# behind (or is not running): SQLite's default, 1,000 pages, put a checkpoint in about one call in 200.
WAL_AUTOCHECKPOINT_PAGES = 10_000


def start_wal_checkpointer(engine: Engine, interval_seconds: float = 1.0) -> threading.Thread | None:
    """Copy the write-ahead log of ``engine``'s SQLite file back into the database from a thread of this process.

    Otherwise SQLite does it inside the commit that takes the log past 1,000 pages: that call then also copies
    the pages and waits for the disk (W1 at concurrency 1: p99 ~10.4 ms, ~7 ms with checkpoints off the request
    path; issue 6). A passive checkpoint never blocks readers or writers; every worker may run one. The thread
    ends when the engine is gone; a failed checkpoint is logged and tried again a moment later. None for
    in-memory and URI databases and other dialects. Started by a process's first write (``_turn``), so never in a
    process that forks workers afterwards (a thread inside SQLite at the fork could leave its locks held).
    """
    database = _sqlite_path(engine, "") if engine.dialect.name == "sqlite" else None
    if database is None:
        return None
    alive = weakref.ref(engine)

    def run() -> None:
        connection: sqlite3.Connection | None = None
        try:
            while alive() is not None:
                try:
                    if connection is None and database.exists():  # connecting would create a missing file
                        connection = sqlite3.connect(database, timeout=30, check_same_thread=False)
                    if connection is not None:
                        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
                except sqlite3.Error as exc:  # meanwhile, commits past the safety net checkpoint instead
                    log.warning("background WAL checkpoint of %s failed: %s", database, exc)
                time.sleep(interval_seconds)
        finally:
            if connection is not None:
                connection.close()

    thread = threading.Thread(target=run, name=f"wal-checkpoint {database.name}", daemon=True)
    thread.start()
    return thread


class SqliteWriteTurns:
    """Writers to one SQLite file wait here for their turn, before SQLite's own lock.

    SQLite has one writer at a time, and a writer that finds the file locked sleeps and retries (1 ms, then 2, 5,
    10... ms): under load, the threads and workers writing their audit rows slept far longer than the writes last
    (p99 at concurrency 8 was 150 ms on W3). A thread lock (this process's threads) then an ``flock`` on a file
    beside the database (other processes) hands the turn on the moment the last writer commits. Opened per process,
    since a lock file inherited across ``fork`` would be shared, not exclusive.
    """

    def __init__(self, lock_path: Path | None) -> None:
        self._threads = threading.Lock()
        self._lock_path = lock_path
        self._handle: Any = None
        self._pid = 0

    @contextmanager
    def turn(self) -> Iterator[None]:
        with self._threads:
            handle = self._file()
            if handle is None:
                yield
                return
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _file(self) -> Any:
        if self._lock_path is None:
            return None
        if self._pid != os.getpid():
            try:
                self._handle = open(self._lock_path, "a+")  # noqa: SIM115 - held for the process's lifetime
            except OSError as exc:  # e.g. a read-only directory: SQLite's own lock still keeps writes correct
                log.warning("no write-turn lock file %s (%s); SQLite's busy timeout alone", self._lock_path, exc)
                self._lock_path = None
                return None
            self._pid = os.getpid()
        return self._handle


_write_turns: dict[str, SqliteWriteTurns] = {}  # lock file (or URL) -> its queue
_write_turns_guard = threading.Lock()
# Each engine's queue, found without resolving the file's path again (syscalls on every write of every call).
_engine_turns: weakref.WeakKeyDictionary[Engine, SqliteWriteTurns] = weakref.WeakKeyDictionary()


def _sqlite_path(engine: Engine, suffix: str) -> Path | None:
    """The database file, or with ``suffix`` a file beside it for ``flock`` (None for in-memory and URI
    databases)."""
    database = engine.url.database or ""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    path = Path(database).expanduser().resolve()
    return path.with_name(path.name + suffix)


def write_turns(engine: Engine) -> SqliteWriteTurns:
    """The write queue of the SQLite database behind ``engine`` (shared by every engine on the same file)."""
    turns = _engine_turns.get(engine)
    if turns is not None:
        return turns
    lock_path = _sqlite_path(engine, ".write-lock")
    key = str(lock_path) if lock_path is not None else str(engine.url)  # the file, however its URL spells it
    with _write_turns_guard:
        turns = _write_turns.get(key)
        if turns is None:
            turns = _write_turns[key] = SqliteWriteTurns(lock_path)
        _engine_turns[engine] = turns
        return turns


def _durability(engine: Engine, durable: bool) -> str:
    """The statement that sets how durable this transaction's commit is (see ``write_transaction``)."""
    if engine.dialect.name == "sqlite":
        return f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}"
    # PostgreSQL: set either way, since a server default must not weaken feedback
    return f"SET LOCAL synchronous_commit TO {'ON' if durable else 'OFF'}"


_checkpointed: weakref.WeakKeyDictionary[Engine, int] = weakref.WeakKeyDictionary()  # engine -> process with a thread
_checkpointed_guard = threading.Lock()


def _turn(engine: Engine) -> AbstractContextManager[None]:
    """Wait for the turn to write to a SQLite file (and make sure this process checkpoints it); nothing else."""
    if engine.dialect.name != "sqlite":
        return nullcontext()
    if _checkpointed.get(engine) != os.getpid():
        with _checkpointed_guard:
            if _checkpointed.get(engine) != os.getpid():
                start_wal_checkpointer(engine)
                _checkpointed[engine] = os.getpid()
    return write_turns(engine).turn()


@contextmanager
def write_transaction(engine: Engine, *, durable: bool) -> Iterator[Connection]:
    """A transaction that has committed when the block ends.

    ``durable=True``: the commit waits until the rows are on disk (SQLite ``synchronous=FULL``, PostgreSQL
    ``synchronous_commit=on``), so they survive a power cut: for feedback, acknowledged only once committed.
    ``durable=False``: the commit is atomic and survives a killed worker (it is in the write-ahead log), but not
    an operating-system crash in the next moments (SQLite ``synchronous=NORMAL``, PostgreSQL
    ``synchronous_commit=off``): for the audit row of each call and the jti cache, which sit in the request path.
    SQLite's setting belongs to the connection, so every transaction sets its own before its first write, and
    waits for its turn to write (``SqliteWriteTurns``)."""
    with _turn(engine), engine.begin() as connection:
        connection.exec_driver_sql(_durability(engine, durable))
        yield connection


@contextmanager
def driver_write_transaction(engine: Engine, *, durable: bool) -> Iterator[Any]:
    """``write_transaction`` on the driver's own (DB-API) cursor, for the statements in every call's path
    (``service.storage.driver_sql``); the connection still comes from, and goes back to, SQLAlchemy's pool."""
    with _turn(engine), closing(engine.raw_connection()) as connection:
        cursor = connection.cursor()
        try:
            cursor.execute(_durability(engine, durable))
            yield cursor
            connection.commit()
        except BaseException:
            connection.rollback()
            raise
        finally:
            cursor.close()


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _sqlite_file_lock(engine: Engine) -> Any:
    lock_path = _sqlite_path(engine, ".migrate-lock")
    if lock_path is None:
        yield
        return
    with open(lock_path, "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision``; safe when several workers or replicas start at the same moment.

    The lock is taken before Alembic reads the current revision, so the second process waits, then finds the
    schema already at head and does nothing. A SQLite file's lock comes before even the first connection: opening
    one turns a new file to WAL (``_sqlite_pragmas``), a write that SQLite does not wait for when another process
    is making the same switch, so workers starting together on a new file failed with "database is locked".
    """
    config = alembic_config()
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            connection.commit()
            try:
                config.attributes["connection"] = connection
                command.upgrade(config, revision)
                connection.commit()
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": ADVISORY_LOCK_KEY})
                connection.commit()
    else:
        with _sqlite_file_lock(engine), engine.connect() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            connection.commit()
    log.info("database schema at %s", head_revision())
