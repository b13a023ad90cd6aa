"""An index of the queued messages in the order dispatchers claim them (hand-written).

A partial index (``WHERE status = 'queued'``) stays as small as the queue, whatever the number
of messages sent over the years; SQLite and PostgreSQL both have them, Piccolo's column
options do not.
"""

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-11-23T18:00:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "partial index of queued messages by due time"

NAME = "outgoing_message_queued_due"


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="survey_app", description=DESCRIPTION)

    async def create_index():
        await engine_finder().run_ddl(
            f"CREATE INDEX {NAME} ON outgoing_message (due_at, id) WHERE status = 'queued'"
        )

    async def drop_index():
        await engine_finder().run_ddl(f"DROP INDEX {NAME}")

    manager.add_raw(create_index)
    manager.add_raw_backwards(drop_index)
    return manager
