"""Uniqueness for paper mode (hand-written: Piccolo's column options cannot express it).

* The first print of a wave's form, or of its n-th reminder letter, is recorded once: two
  people printing the due forms at once claim each form once (reprints are not limited).
* One first entry, one second entry and one resolution per returned form.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-24T00:08:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "one first print per wave and letter; one paper entry per wave and round"

INDEXES = {
    "paper_print_first_key": "ON paper_print (wave, kind, sequence) WHERE reprint = false",
    "paper_entry_round_key": "ON paper_entry (wave, round)",
}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey_app", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            await engine_finder().run_ddl(f"CREATE UNIQUE INDEX {name} {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
