"""Apply the Piccolo migrations to the active database (``mestring migrate``)."""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass

from piccolo.apps.migrations.commands.forwards import run_forwards
from piccolo.apps.migrations.tables import Migration
from piccolo.engine.sqlite import SQLiteEngine

from survey_app.db.engine import active_engine

APP_NAME = "survey_app"


class MigrationFailed(RuntimeError):
    """Piccolo reported a failure; the message carries its output."""


@dataclass(frozen=True)
class MigrationReport:
    applied: tuple[str, ...]
    already_applied: int


async def _applied_ids() -> set[str]:
    if not await Migration.table_exists():
        return set()
    return set(await Migration.get_migrations_which_ran(app_name=APP_NAME))


async def migrate() -> MigrationReport:
    """Bring the active database's schema up to date.

    A new SQLite database is switched to WAL journaling first: the setting is stored in the
    file, so doing it once lets readers carry on while the dispatcher or a form writes.
    """
    engine = active_engine()
    if isinstance(engine, SQLiteEngine):
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
