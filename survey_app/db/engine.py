"""The database engine: built from settings, activated explicitly, one writer at a time on SQLite.

Piccolo finds an engine through each table's ``_meta.db`` and, for migrations, through the
``PICCOLO_CONF`` module. :func:`activate` sets both from one engine object, so that the
composition root (CLI, app factory, test fixture) decides which database is used.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import random
import re
import weakref
from collections.abc import Awaitable, Callable, Sequence
from typing import ParamSpec, TypeVar

import aiosqlite
from asyncpg.exceptions import DeadlockDetectedError, SerializationError
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, SQLiteTransaction, TransactionType, dict_factory
from piccolo.table import Table

from survey_app.db.tables import ALL_TABLES, Study
from survey_app.settings import Settings, get_settings

PICCOLO_CONF_MODULE = "survey_app.db.piccolo_conf"

# Seconds a SQLite connection waits for the write lock before "database is locked".
SQLITE_BUSY_TIMEOUT = 30.0

_active: Engine | None = None


def build_engine(settings: Settings) -> Engine:
    """An engine for ``settings.database_url`` (not yet activated, no pool started)."""
    if settings.database_kind == "sqlite":
        path = settings.sqlite_path
        path.parent.mkdir(parents=True, exist_ok=True)
        return SQLiteEngine(path=str(path), timeout=SQLITE_BUSY_TIMEOUT)
    # extensions=(): Piccolo would otherwise try CREATE EXTENSION, which needs a superuser.
    return PostgresEngine(config={"dsn": settings.database_url}, extensions=())


def activate(engine: Engine) -> None:
    """Make ``engine`` the one every table and the migration machinery use."""
    global _active
    _active = engine
    os.environ["PICCOLO_CONF"] = PICCOLO_CONF_MODULE
    for table in (*ALL_TABLES, Migration):
        table._meta.db = engine


def active_engine() -> Engine:
    """The activated engine; on first use, one built from the process's settings."""
    if _active is None:
        activate(build_engine(get_settings()))
    assert _active is not None
    return _active


def is_sqlite(engine: Engine | None = None) -> bool:
    return isinstance(engine or active_engine(), SQLiteEngine)


_sqlite_writers: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = weakref.WeakKeyDictionary()
# Per event loop, per database file: the one connection this process writes through on SQLite.
_writer_connections: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[str, aiosqlite.Connection]] = (
    weakref.WeakKeyDictionary()
)


async def _writer_connection(engine: SQLiteEngine) -> aiosqlite.Connection:
    connections = _writer_connections.setdefault(asyncio.get_running_loop(), {})
    connection = connections.get(engine.path)
    if connection is None:
        connection = aiosqlite.connect(**engine.connection_kwargs)
        # aiosqlite's worker thread would otherwise keep the process alive at exit if a
        # command ends without close_pool(); nothing is pending between transactions.
        connection._thread.daemon = True
        await connection
        connection.row_factory = dict_factory
        await connection.execute("PRAGMA foreign_keys = 1")
        connections[engine.path] = connection
    return connection


async def _forget_writer_connection(engine: SQLiteEngine) -> None:
    connections = _writer_connections.get(asyncio.get_running_loop(), {})
    connection = connections.pop(engine.path, None)
    if connection is not None:
        await connection.close()


class _WriterTransaction(SQLiteTransaction):
    """A write transaction on the process's one long-lived writer connection.

    Piccolo opens a new connection (and its thread) for every transaction, which cost more
    than the writes on the form's busiest requests (see bench/README.md). Writers of a
    process queue on an asyncio lock anyway (see :func:`write_transaction`), so one
    connection serves them all, with its statement cache kept warm.
    """

    async def get_connection(self):
        return await _writer_connection(self.engine)

    async def __aexit__(self, exception_type, exception, traceback) -> bool:
        try:
            if exception is not None:
                if not self._rolled_back:
                    await self.rollback()
            elif not self._committed and not self._rolled_back:
                await self.commit()
        except BaseException:
            await _forget_writer_connection(self.engine)
            raise
        finally:
            self.engine.current_transaction.reset(self.context)
        return exception is None


@contextlib.asynccontextmanager
async def write_transaction():
    """A transaction for work that writes.

    SQLite: ``BEGIN IMMEDIATE`` takes the write lock up front, so two writers queue on the
    busy timeout instead of failing with "database is locked" when a read lock is upgraded.
    Writers of one process also queue on an asyncio lock first: SQLite's busy handler waits
    by sleeping in steps of milliseconds, which under load costs more than the writes.
    Nested use joins the outer transaction.
    """
    engine = active_engine()
    if not isinstance(engine, SQLiteEngine):
        async with engine.transaction() as transaction:
            yield transaction
        return
    if engine.current_transaction.get() is not None:
        async with engine.transaction() as transaction:
            yield transaction
        return
    lock = _sqlite_writers.setdefault(asyncio.get_running_loop(), asyncio.Lock())
    async with lock, _WriterTransaction(engine, transaction_type=TransactionType.immediate) as transaction:
        yield transaction


# PostgreSQL aborts one of two transactions that wait on each other (deadlock) or that cannot
# be serialised; running the aborted one again is the documented remedy. Lock order makes
# deadlocks rare, retrying makes the rare one invisible to the person.
RETRYABLE_ERRORS = (DeadlockDetectedError, SerializationError)
MAX_TRANSACTION_ATTEMPTS = 6

P = ParamSpec("P")
T = TypeVar("T")


def transactional(func: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run ``func`` in one :func:`write_transaction`, again from the start after a deadlock or
    serialisation failure (with a short random pause, at most ``MAX_TRANSACTION_ATTEMPTS``
    times). Inside an outer transaction it simply joins it: only the outermost may retry.

    ``func`` must have no effect outside the database before it returns, since a retry runs
    it again.
    """

    @functools.wraps(func)
    async def run(*args: P.args, **kwargs: P.kwargs) -> T:
        engine = active_engine()
        nested = engine.current_transaction.get() is not None
        for attempt in range(1, MAX_TRANSACTION_ATTEMPTS + 1):
            try:
                async with write_transaction():
                    return await func(*args, **kwargs)
            except RETRYABLE_ERRORS:
                if nested or attempt == MAX_TRANSACTION_ATTEMPTS:
                    raise
                await asyncio.sleep(random.uniform(0, 0.005 * 2**attempt))
        raise AssertionError("unreachable")

    return run


def row_lock(alias: str, share: bool = False) -> str:
    """``FOR NO KEY UPDATE OF alias`` (or ``FOR SHARE OF alias``) on PostgreSQL; nothing on
    SQLite, whose IMMEDIATE write transaction already makes the caller the only writer.

    NO KEY UPDATE serialises the lockers of a row like FOR UPDATE, but not the inserts that
    only reference it (a foreign key takes KEY SHARE on the row it points to), so a dispatcher
    writing a message or link token of a wave never waits on, or deadlocks with, a locker."""
    if is_sqlite():
        return ""
    return f"FOR SHARE OF {alias}" if share else f"FOR NO KEY UPDATE OF {alias}"


async def open_pool(engine: Engine, max_size: int = 10) -> bool:
    """Start PostgreSQL's connection pool unless one runs (SQLite has none: each query opens
    the file). Returns whether a pool was started."""
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=max_size)
        return True
    return False


async def close_pool(engine: Engine) -> None:
    """Close PostgreSQL's pool, or SQLite's writer connection of this event loop."""
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()
    elif isinstance(engine, SQLiteEngine):
        await _forget_writer_connection(engine)


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


@functools.lru_cache(maxsize=256)
def _compiled(sql: str, postgres: bool) -> str:
    """``sql`` with its ``{}`` markers as the driver wants them: ``$1, $2, ...`` or ``?``."""
    if not postgres:
        return sql.replace("{}", "?")
    parts = sql.split("{}")
    return "".join(part + (f"${n}" if n < len(parts) else "") for n, part in enumerate(parts, start=1))


async def _run(sql: str, values: Sequence[object]) -> list[dict]:
    """Run ``sql`` (``{}`` markers) straight on the driver's connection: the transaction's,
    or one from the pool. Piccolo's query building added a sixth of the event loop's time
    on the form's hot path for statements that are already SQL. Without a pool or a
    transaction (SQLite outside a write), Piccolo runs it."""
    engine = active_engine()
    transaction = engine.current_transaction.get()
    if isinstance(engine, PostgresEngine):
        text = _compiled(sql, postgres=True)
        if transaction is not None:
            return [dict(row) for row in await transaction.connection.fetch(text, *values)]
        if engine.pool is not None:
            async with engine.pool.acquire() as connection:
                return [dict(row) for row in await connection.fetch(text, *values)]
    elif transaction is not None:
        async with transaction.connection.execute(_compiled(sql, postgres=False), list(values)) as cursor:
            return await cursor.fetchall()
    return await Study.raw(sql, *values)


def placeholders(prefix: str, values: Sequence[object]) -> tuple[str, dict[str, object]]:
    """Named placeholders for a list of values in :func:`raw_query`, e.g. for ``IN (...)``:
    ``("{id_0}, {id_1}", {"id_0": 4, "id_1": 7})``."""
    params = {f"{prefix}_{n}": value for n, value in enumerate(values)}
    return ", ".join(f"{{{name}}}" for name in params), params


async def raw_query(sql: str, **params) -> list[dict]:
    """A raw SQL query with named ``{placeholders}``; returns its rows as dicts.

    For the few hot or set-based statements where the ORM's query building costs more than
    the database work, and for claims that need ``FOR UPDATE SKIP LOCKED``.
    """
    names = _PLACEHOLDER.findall(sql)
    return await _run(_PLACEHOLDER.sub("{}", sql), [params[name] for name in names])


async def insert_rows(
    table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[object]], suffix: str = ""
) -> list[dict]:
    """One multi-row ``INSERT`` into ``table`` without building ORM objects; ``suffix`` may
    add an ``ON CONFLICT`` clause (the same syntax on SQLite and PostgreSQL)."""
    row_placeholders = "(" + ", ".join("{}" for _ in columns) + ")"
    sql = (
        f"INSERT INTO {table._meta.tablename} ({', '.join(columns)}) "
        f"VALUES {', '.join(row_placeholders for _ in rows)} {suffix}"
    )
    return await _run(sql, [value for row in rows for value in row])
