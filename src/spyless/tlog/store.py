"""Durable storage of a log: one SQL schema, served by SQLite (default) or PostgreSQL.

Tables: ``tlog_meta`` (origin and committed tree size), ``tlog_entries`` (the entries),
``tlog_tiles`` (C2SP tiles of hashes: level-0 tiles are leaf hashes, level-L tiles hold the
roots of full tiles below; the rightmost tile of each level is partial and grows) and
``tlog_checkpoints`` (every signed checkpoint, by size). An append is one transaction under
an exclusive write lock (SQLite ``BEGIN IMMEDIATE``, PostgreSQL ``SELECT ... FOR UPDATE``
on the meta row); SQLite runs in WAL mode with ``synchronous=FULL`` so a committed append
survives a crash or power loss. Each thread gets its own connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from spyless.tlog.interface import StorageError


class Cursor(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Any: ...
    def fetchone(self) -> Any: ...
    def fetchall(self) -> list[Any]: ...


@dataclass(frozen=True, slots=True)
class Dialect:
    """What differs between the SQL engines: DDL, placeholders, how to lock, errors."""

    name: str
    ddl: tuple[str, ...]
    placeholder: str
    begin_write: tuple[str, ...]
    errors: tuple[type[Exception], ...]


def _ddl(blob: str, integer_key: str) -> tuple[str, ...]:
    return (
        "CREATE TABLE IF NOT EXISTS tlog_meta (id INTEGER PRIMARY KEY CHECK (id = 1), "
        "origin TEXT NOT NULL, size BIGINT NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS tlog_entries (idx {integer_key}, data {blob} NOT NULL)",
        f"CREATE TABLE IF NOT EXISTS tlog_tiles (level INTEGER NOT NULL, idx BIGINT NOT NULL, "
        f"hashes {blob} NOT NULL, PRIMARY KEY (level, idx))",
        "CREATE TABLE IF NOT EXISTS tlog_checkpoints (size BIGINT PRIMARY KEY, "
        "note TEXT NOT NULL)",
    )


SQLITE = Dialect(
    name="sqlite",
    # INTEGER PRIMARY KEY makes the index the rowid: no second b-tree for 10^6 entries.
    ddl=_ddl("BLOB", "INTEGER PRIMARY KEY"),
    placeholder="?",
    begin_write=("BEGIN IMMEDIATE",),
    errors=(sqlite3.Error,),
)


def postgres_dialect() -> Dialect:
    """The PostgreSQL dialect (psycopg 3 is imported only when asked for)."""
    try:
        import psycopg  # noqa: PLC0415 - optional dependency for operators only
    except ImportError as e:
        raise StorageError("PostgreSQL storage needs psycopg 3: pip install 'psycopg[binary]'"
                           ) from e
    return Dialect(
        name="postgresql",
        ddl=_ddl("BYTEA", "BIGINT PRIMARY KEY"),
        placeholder="%s",
        begin_write=("BEGIN", "SELECT size FROM tlog_meta WHERE id = 1 FOR UPDATE"),
        errors=(psycopg.Error,),
    )


class Transaction:
    """Reads and writes inside one open transaction (or autocommit reads)."""

    def __init__(self, cursor: Cursor, dialect: Dialect) -> None:
        self._cursor = cursor
        self._dialect = dialect

    def _sql(self, sql: str) -> str:
        return sql.replace("?", self._dialect.placeholder)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(sql), params)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        self._cursor.execute(self._sql(sql), params)
        return self._cursor.fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        self._cursor.execute(self._sql(sql), params)
        return self._cursor.fetchall()

    def size(self) -> int:
        row = self.one("SELECT size FROM tlog_meta WHERE id = 1")
        if row is None:
            raise StorageError("the database holds no log (run 'spyless log init')")
        return int(row[0])

    def origin(self) -> str:
        row = self.one("SELECT origin FROM tlog_meta WHERE id = 1")
        if row is None:
            raise StorageError("the database holds no log (run 'spyless log init')")
        return str(row[0])

    def tile(self, level: int, index: int) -> bytes:
        row = self.one("SELECT hashes FROM tlog_tiles WHERE level = ? AND idx = ?",
                       (level, index))
        return b"" if row is None else bytes(row[0])

    def entries(self, start: int, end: int) -> list[bytes]:
        rows = self.all("SELECT data FROM tlog_entries WHERE idx >= ? AND idx < ? ORDER BY idx",
                        (start, end))
        return [bytes(r[0]) for r in rows]

    def put_entries(self, start: int, entries: Sequence[bytes]) -> None:
        sql = self._sql("INSERT INTO tlog_entries (idx, data) VALUES (?, ?)")
        params = [(start + i, e) for i, e in enumerate(entries)]
        if hasattr(self._cursor, "executemany"):
            self._cursor.executemany(sql, params)
        else:
            for p in params:
                self._cursor.execute(sql, p)

    def put_tile(self, level: int, index: int, hashes: bytes) -> None:
        self.execute("INSERT INTO tlog_tiles (level, idx, hashes) VALUES (?, ?, ?) "
                     "ON CONFLICT (level, idx) DO UPDATE SET hashes = excluded.hashes",
                     (level, index, hashes))

    def set_size(self, size: int) -> None:
        self.execute("UPDATE tlog_meta SET size = ? WHERE id = 1", (size,))

    def put_checkpoint(self, size: int, note: str) -> None:
        self.execute("INSERT INTO tlog_checkpoints (size, note) VALUES (?, ?) "
                     "ON CONFLICT (size) DO UPDATE SET note = excluded.note", (size, note))


class Store:
    """A database holding one log; thread-safe, and safe across processes."""

    def __init__(self, connect: Callable[[], Any], dialect: Dialect, where: str) -> None:
        self._connect = connect
        self.dialect = dialect
        self.where = where
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._all: list[Any] = []
        self._all_lock = threading.Lock()

    def _connection(self) -> Any:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            try:
                conn = self._connect()
            except self.dialect.errors as e:
                raise StorageError(f"cannot open the log database {self.where}: {e}") from e
            self._local.conn = conn
            with self._all_lock:
                self._all.append(conn)
        return conn

    @contextlib.contextmanager
    def read(self) -> Iterator[Transaction]:
        try:
            yield Transaction(self._connection().cursor(), self.dialect)
        except self.dialect.errors as e:
            raise StorageError(f"reading the log database {self.where} failed: {e}") from e

    @contextlib.contextmanager
    def write(self) -> Iterator[Transaction]:
        """One transaction under the exclusive write lock; committed when the block ends."""
        with self._write_lock:
            cursor = self._connection().cursor()
            try:
                for statement in self.dialect.begin_write:
                    cursor.execute(statement)
            except self.dialect.errors as e:
                raise StorageError(f"cannot lock the log database {self.where}: {e}") from e
            try:
                yield Transaction(cursor, self.dialect)
            except BaseException as e:
                with contextlib.suppress(*self.dialect.errors):
                    cursor.execute("ROLLBACK")
                if isinstance(e, self.dialect.errors):
                    raise StorageError(f"writing the log database {self.where} failed: {e}"
                                       ) from e
                raise
            try:
                cursor.execute("COMMIT")
            except self.dialect.errors as e:
                raise StorageError(f"committing to the log database {self.where} failed: {e}"
                                   ) from e

    def initialise(self, origin: str) -> None:
        """Create the schema and record the origin (idempotent for the same origin)."""
        conn = self._connection()
        cursor = conn.cursor()
        try:
            for statement in self.dialect.ddl:
                cursor.execute(statement)
        except self.dialect.errors as e:
            raise StorageError(f"cannot create the log schema in {self.where}: {e}") from e
        with self.write() as tx:
            row = tx.one("SELECT origin FROM tlog_meta WHERE id = 1")
            if row is None:
                tx.execute("INSERT INTO tlog_meta (id, origin, size) VALUES (1, ?, 0)", (origin,))
            elif row[0] != origin:
                raise StorageError(f"{self.where} already holds the log {row[0]!r}")

    def close(self) -> None:
        with self._all_lock:
            for conn in self._all:
                with contextlib.suppress(Exception):
                    conn.close()
            self._all.clear()
        self._local = threading.local()


def sqlite_store(path: Path) -> Store:
    """A store in an SQLite file (WAL, synchronous=FULL)."""

    def connect() -> sqlite3.Connection:
        conn = sqlite3.connect(path, timeout=30.0, isolation_level=None,
                               check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        # FULL: the WAL is fsynced at every commit, so an acknowledged append is on disk.
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA busy_timeout=30000")
        return conn

    return Store(connect, SQLITE, str(path))


def postgres_store(dsn: str) -> Store:
    """A store in a PostgreSQL database given by a libpq connection string or URL."""
    dialect = postgres_dialect()
    import psycopg  # noqa: PLC0415 - optional dependency, checked by postgres_dialect

    def connect() -> Any:
        return psycopg.connect(dsn, autocommit=True)

    return Store(connect, dialect, "postgresql database")


def open_store(location: str | Path) -> Store:
    """``postgresql://...`` / ``postgres://...`` selects PostgreSQL, anything else SQLite."""
    text = str(location)
    if text.startswith(("postgresql://", "postgres://")):
        return postgres_store(text)
    return sqlite_store(Path(text))
