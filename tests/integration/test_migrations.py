"""The migrations apply from empty on SQLite and PostgreSQL and match the table classes."""

from __future__ import annotations

import pytest
from piccolo.apps.migrations.commands.new import AutoMigrationManager

from survey_app.db.migrate import migrate
from survey_app.db.piccolo_app import APP_CONFIG
from survey_app.db.tables import ALL_TABLES, Answer, Staff, Wave
from tests.conftest import (
    create_postgres_database,
    drop_postgres_database,
    make_settings,
    postgres_reachable,
    unavailable,
)
from tests.helpers import MIGRATION_COUNT


async def _fresh_migration(settings):
    from survey_app.db.engine import activate, build_engine, close_pool, open_pool

    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine)
    try:
        first = await migrate()
        again = await migrate()
        existing = [await table.table_exists() for table in ALL_TABLES]
        return first, again, existing, engine
    finally:
        await close_pool(engine)


async def test_migrations_apply_from_empty_on_sqlite(tmp_path):
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'fresh.sqlite3'}")
    first, again, existing, engine = await _fresh_migration(settings)
    assert len(first.applied) == MIGRATION_COUNT and first.already_applied == 0
    assert again.applied == () and again.already_applied == MIGRATION_COUNT
    assert all(existing)
    journal = await engine._run_in_new_connection("PRAGMA journal_mode")
    assert journal[0]["journal_mode"] == "wal"


@pytest.mark.postgres
async def test_migrations_apply_from_empty_on_postgresql(tmp_path):
    if not postgres_reachable():
        unavailable("PostgreSQL is not reachable")
    url = await create_postgres_database()
    try:
        first, again, existing, _ = await _fresh_migration(make_settings(tmp_path, url))
        assert len(first.applied) == MIGRATION_COUNT and again.applied == () and all(existing)
    finally:
        await drop_postgres_database(url)


async def test_tables_and_migrations_do_not_drift(db):
    """The committed migrations describe exactly the table classes (else: generate one)."""
    statements = await AutoMigrationManager().get_alter_statements(app_config=APP_CONFIG)
    pending = [s for group in statements for s in group.statements]
    assert pending == []


async def test_unique_indexes_hold(db):
    from tests.helpers import enrol_person, make_staff

    specialist = await make_staff("s@example.com")
    enrolled = await enrol_person(specialist)
    wave = await Wave.select().where(Wave.participant == enrolled.participant_id).first()
    twin = Wave(
        participant=wave["participant"], label="T1", months=0, opens_at=wave["opens_at"], closes_at=wave["closes_at"]
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Wave.insert(twin)
    await Answer.insert(
        Answer(wave=wave["id"], item_id="was", status="answered", value_json="5", instrument_version="v", mode="web")
    )
    with pytest.raises(Exception, match=r"(?i)unique"):
        await Answer.insert(
            Answer(
                wave=wave["id"], item_id="was", status="answered", value_json="6", instrument_version="v", mode="web"
            )
        )
    assert await Staff.count() == 1
