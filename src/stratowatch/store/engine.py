"""Engines for SQLite (the embedded default) and PostgreSQL, and the two kinds of transaction.

SQLite runs in WAL mode so readers never wait for the ingest writer. ``synchronous=FULL`` (the
default) syncs the WAL on every commit: an acknowledged batch survives a power cut, not only a
killed process. ``NORMAL`` skips that sync (a killed process still loses nothing; a power cut may
lose the last commits) and is faster when commits are small and frequent.

Writes that allocate the ingest sequence take a lock (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: a
transaction-scoped advisory lock) so that sequence order is commit order and a reader paging by
sequence can never skip a row committed late.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Table, event, text
from sqlalchemy.engine import URL, Connection, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError
from sqlalchemy.pool import StaticPool

from stratowatch.errors import ConfigError, MissingExtraError

DEFAULT_URL = "sqlite:///stratowatch.db"
_INGEST_LOCK_KEY = 0x5717A70  # any constant: the advisory lock that serialises ingest on PostgreSQL
_SYNC_MODES = ("OFF", "NORMAL", "FULL", "EXTRA")


def parse_url(url: str | URL) -> URL:
    """A checked SQLAlchemy URL; ``postgresql://`` means psycopg 3 here."""
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError) as exc:
        raise ConfigError(f"not a database URL: {url!r} ({exc})") from exc
    backend, _, driver = parsed.drivername.partition("+")
    if backend == "sqlite" and driver in ("", "pysqlite"):
        return parsed.set(drivername="sqlite")
    if backend in ("postgresql", "postgres") and driver in ("", "psycopg"):
        return parsed.set(drivername="postgresql+psycopg")
    raise ConfigError(
        f"unsupported database URL {parsed.render_as_string(hide_password=True)!r}: use "
        "sqlite:///PATH or postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE"
    )


def describe(url: URL) -> str:
    """The URL with any password hidden, for messages and logs."""
    return url.render_as_string(hide_password=True)


def make_engine(url: str | URL = DEFAULT_URL, *, sqlite_synchronous: str = "FULL",
                pool_size: int = 8) -> Engine:
    """An engine for ``url``, checked by connecting once; a ConfigError says why it cannot be used.

    A ``synchronous=...`` query parameter on a SQLite URL overrides ``sqlite_synchronous``. An
    in-memory SQLite database (``sqlite://``) is one connection shared by all threads: for
    single-threaded tests only.
    """
    parsed = parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = _sqlite_engine(parsed, sqlite_synchronous)
    else:
        engine = _postgres_engine(parsed, pool_size)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    except DBAPIError as exc:
        engine.dispose()
        reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
        raise ConfigError(f"cannot open database {describe(parsed)}: {reason}") from exc
    return engine


def is_sqlite(engine: Engine | Connection) -> bool:
    """True for SQLite, whose writers serialise on the file and whose SQL differs a little."""
    return engine.dialect.name == "sqlite"


@contextlib.contextmanager
def write_transaction(engine: Engine, *, ingest_lock: bool = False) -> Iterator[Connection]:
    """A read-write transaction; ``ingest_lock`` also serialises it with every other ingest."""
    with engine.connect() as conn:
        conn.execution_options(stratowatch_write=True)
        with conn.begin():
            if ingest_lock and not is_sqlite(engine):
                conn.execute(text("SELECT pg_advisory_xact_lock(:key)"),
                             {"key": _INGEST_LOCK_KEY})
            yield conn


@contextlib.contextmanager
def read_transaction(engine: Engine) -> Iterator[Connection]:
    """A connection for reading.

    SQLite: one deferred transaction, a consistent snapshot for the few queries of a page, at no
    cost. PostgreSQL: autocommit, sparing the BEGIN and COMMIT round trips; each statement sees
    the data committed when it starts, which paging by sequence does not need more than.
    """
    with engine.connect() as conn:
        if is_sqlite(engine):
            with conn.begin():
                yield conn
        else:
            conn.execution_options(isolation_level="AUTOCOMMIT")
            yield conn


def bulk_insert(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert many rows of the same keys in the connection's transaction, at driver speed."""
    if rows:
        names = list(rows[0])
        insert_tuples(conn, table, names, [tuple(row[name] for name in names) for row in rows])


def insert_tuples(conn: Connection, table: Table, names: Sequence[str],
                  rows: Sequence[Sequence[Any]]) -> None:
    """Insert rows given as tuples in ``names`` order, in the connection's transaction.

    PostgreSQL: COPY (one INSERT per row is 3-4 times slower). SQLite: the driver's own
    executemany of one prepared statement (SQLAlchemy's per-row parameter handling would cost
    as much as the insert).
    """
    if not rows:
        return
    columns = ", ".join(f'"{name}"' for name in names)
    raw: Any = conn.connection.driver_connection
    if is_sqlite(conn):
        marks = ", ".join("?" * len(names))
        raw.executemany(f'INSERT INTO "{table.name}" ({columns}) VALUES ({marks})', rows)
        return
    with raw.cursor() as cursor, cursor.copy(
            f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
        write = copy.write_row
        for row in rows:
            write(row)


def _sqlite_engine(url: URL, synchronous: str) -> Engine:
    sync = str(url.query.get("synchronous", synchronous)).upper()
    if sync not in _SYNC_MODES:
        raise ConfigError(f"synchronous={sync!r}: use one of {', '.join(_SYNC_MODES)}")
    url = url.difference_update_query(["synchronous"])
    memory = url.database in (None, "", ":memory:")
    kwargs: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30.0}}
    if memory:
        kwargs["poolclass"] = StaticPool
    else:
        folder = Path(str(url.database)).expanduser().resolve().parent
        if not folder.is_dir():
            raise ConfigError(f"cannot open database {describe(url)}: no directory {folder}")
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN itself (pysqlite's own is lazy and deferred).
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        if not memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={sync}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA temp_store=MEMORY")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        write = conn.get_execution_options().get("stratowatch_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _postgres_engine(url: URL, pool_size: int) -> Engine:
    try:
        import psycopg  # noqa: F401
    except ImportError as exc:
        raise MissingExtraError(
            "PostgreSQL needs psycopg 3: pip install 'stratowatch[postgres]'"
        ) from exc
    try:
        return create_engine(url, pool_size=pool_size, max_overflow=2 * pool_size)
    except NoSuchModuleError as exc:  # pragma: no cover - psycopg imported above
        raise MissingExtraError("pip install 'stratowatch[postgres]'") from exc
