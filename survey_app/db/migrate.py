"""Apply the Piccolo migrations to the active database (``mestring migrate``), and tell
whether a database still needs them."""

from __future__ import annotations

import contextlib
import functools
import io
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from asyncpg.exceptions import UndefinedTableError
from piccolo.apps.migrations.commands.base import BaseMigrationManager
from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.sqlite import SQLiteEngine

from survey_app.db.engine import active_engine
from survey_app.db.piccolo_app import APP_CONFIG
from survey_app.private_files import create_private_file

APP_NAME = APP_CONFIG.app_name

# What a query on a table that does not exist raises, on SQLite and on PostgreSQL.
_MISSING_TABLE_ERRORS = (sqlite3.OperationalError, UndefinedTableError)


class MigrationFailed(RuntimeError):
    """Piccolo reported a failure; the message carries its output."""


@dataclass(frozen=True)
class MigrationReport:
    applied: tuple[str, ...]
    already_applied: int


@functools.cache
def known_migration_ids() -> tuple[str, ...]:
    """The IDs of this version's migration files, oldest first (found the way Piccolo finds them)."""
    modules = BaseMigrationManager().get_migration_modules(APP_CONFIG.resolved_migrations_folder_path)
    return tuple(sorted(modules))


async def _applied_ids() -> set[str]:
    """The migrations the active database has run: one query, and one more only when it fails."""
    try:
        rows = await Migration.select(Migration.name).where(Migration.app_name == APP_NAME)
    except _MISSING_TABLE_ERRORS:
        if await Migration.table_exists():
            raise
        return set()
    return {row["name"] for row in rows}


async def pending_migrations() -> tuple[str, ...]:
    """The migrations of this version that the active database lacks, oldest first.

    Cheap enough for every command and web server to ask at start. A SQLite file that does
    not exist lacks them all, and asking does not create it.
    """
    engine = active_engine()
    if isinstance(engine, SQLiteEngine) and not Path(engine.path).exists():
        return known_migration_ids()
    applied = await _applied_ids()
    return tuple(migration for migration in known_migration_ids() if migration not in applied)


async def migrate() -> MigrationReport:
    """Bring the active database's schema up to date.

    A new SQLite database is created private to this user (its WAL files follow its mode)
    and switched to WAL journaling first: the setting is stored in the file, so doing it once
    lets readers carry on while the dispatcher or a form writes.
    """
    engine = active_engine()
    if isinstance(engine, SQLiteEngine):
        create_private_file(Path(engine.path))
        await engine._run_in_new_connection("PRAGMA journal_mode=WAL")
    before = await _applied_ids()
    # Piccolo prints progress with emoji to stdout; keep it for the error message instead.
    output = io.StringIO()
    with contextlib.redirect_stdout(output):
        result = await run_forwards(APP_NAME)
    if not result.success:
        raise MigrationFailed(f"{result.message}\n{output.getvalue()}")
    after = await _applied_ids()
    return MigrationReport(applied=tuple(sorted(after - before)), already_applied=len(before))
