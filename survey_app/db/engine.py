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

from asyncpg.exceptions import DeadlockDetectedError, SerializationError
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.base import Engine
from piccolo.engine.postgres import PostgresEngine
from piccolo.engine.sqlite import SQLiteEngine, TransactionType
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
    async with lock, engine.transaction(transaction_type=TransactionType.immediate) as transaction:
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


def row_lock(alias: str) -> str:
    """``FOR UPDATE OF alias`` on PostgreSQL; nothing on SQLite, whose IMMEDIATE write
    transaction already makes the caller the only writer."""
    return "" if is_sqlite() else f"FOR UPDATE OF {alias}"


async def open_pool(engine: Engine, max_size: int = 10) -> bool:
    """Start PostgreSQL's connection pool unless one runs (SQLite has none: each query opens
    the file). Returns whether a pool was started."""
    if isinstance(engine, PostgresEngine) and engine.pool is None:
        await engine.start_connection_pool(min_size=1, max_size=max_size)
        return True
    return False


async def close_pool(engine: Engine) -> None:
    if isinstance(engine, PostgresEngine) and engine.pool is not None:
        await engine.close_connection_pool()


_PLACEHOLDER = re.compile(r"\{([a-z_][a-z0-9_]*)\}")


def raw_query(sql: str, **params):
    """A raw SQL query with named ``{placeholders}`` (Piccolo's own take positional ``{}``).

    For the few hot or set-based statements where the ORM's query building costs more than
    the database work, and for claims that need ``FOR UPDATE SKIP LOCKED``.
    """
    names = _PLACEHOLDER.findall(sql)
    return Study.raw(_PLACEHOLDER.sub("{}", sql), *(params[name] for name in names))


def insert_rows(table: type[Table], columns: Sequence[str], rows: Sequence[Sequence[object]], suffix: str = ""):
    """One multi-row ``INSERT`` into ``table`` without building ORM objects; ``suffix`` may
    add an ``ON CONFLICT`` clause (the same syntax on SQLite and PostgreSQL)."""
    row_placeholders = "(" + ", ".join("{}" for _ in columns) + ")"
    sql = (
        f"INSERT INTO {table._meta.tablename} ({', '.join(columns)}) "
        f"VALUES {', '.join(row_placeholders for _ in rows)} {suffix}"
    )
    return table.raw(sql, *(value for row in rows for value in row))
