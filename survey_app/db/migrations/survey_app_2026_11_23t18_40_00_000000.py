"""Indexes Piccolo's column options cannot express (hand-written).

* The queued messages in the order dispatchers claim them: a partial index (``WHERE status =
  'queued'``) stays as small as the queue, whatever the number of messages sent over the
  years. SQLite and PostgreSQL both have them.
* One decision per pair of possible duplicate enrolments, so that an administrator's double
  click records it once.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T18:40:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial index of queued messages by due time; one dismissal per pair"

INDEXES = {
    "outgoing_message_queued_due": "ON outgoing_message (due_at, id) WHERE status = 'queued'",
    "duplicate_dismissal_pair_key": "ON duplicate_dismissal (participant_a, participant_b)",
}
UNIQUE = {"duplicate_dismissal_pair_key"}


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey_app", description=DESCRIPTION)

    async def create_indexes():
        for name, target in INDEXES.items():
            kind = "UNIQUE INDEX" if name in UNIQUE else "INDEX"
            await engine_finder().run_ddl(f"CREATE {kind} {name} {target}")

    async def drop_indexes():
        for name in INDEXES:
            await engine_finder().run_ddl(f"DROP INDEX {name}")

    manager.add_raw(create_indexes)
    manager.add_raw_backwards(drop_indexes)
    return manager
