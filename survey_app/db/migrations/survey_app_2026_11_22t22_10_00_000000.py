"""Unique indexes over several columns (hand-written).

Piccolo's ``Unique`` constraint is applied with ``ALTER TABLE ... ADD CONSTRAINT``, which SQLite
lacks; ``CREATE UNIQUE INDEX`` works on SQLite and PostgreSQL alike. These indexes are what make
a wave unique per participant, an answer unique per item (so a resent form cannot store a
second response) and a message unique per wave, kind and sequence (so two dispatchers cannot
queue the same invitation twice).
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-22T22:10:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "unique indexes over several columns"

INDEXES = {
    "wave_participant_label_key": "wave (participant, label)",
    "answer_wave_item_key": "answer (wave, item_id)",
    "outgoing_message_wave_kind_sequence_key": "outgoing_message (wave, kind, sequence)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey_app", description=DESCRIPTION)

    async def create_indexes():
        engine = engine_finder()
        for name, target in INDEXES.items():
            await engine.run_ddl(f"CREATE UNIQUE INDEX {name} ON {target}")

    async def drop_indexes():
        engine = engine_finder()
        for name in INDEXES:
            await engine.run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
