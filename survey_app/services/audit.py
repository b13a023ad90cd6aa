"""The audit log: who did what to which record, without identifying data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey_app.db.engine import insert_rows
from survey_app.db.tables import AuditEvent
from survey_app.services.calendar import utcnow


@dataclass(frozen=True)
class Actor:
    """Who acts: a staff member (``staff_id``), or a label such as ``job_seeker``, ``system``."""

    label: str
    staff_id: int | None = None

    @classmethod
    def staff(cls, staff_id: int) -> Actor:
        return cls(label=f"staff:{staff_id}", staff_id=staff_id)


SYSTEM = Actor("system")
JOB_SEEKER = Actor("job_seeker")
COMMAND_LINE = Actor("command_line")
# Someone at the login page who is not (yet) known to be the account's owner.
LOGIN = Actor("login_attempt")


async def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one event. Call inside the transaction of the change it describes.

    Written as a plain INSERT: every submission records one, and the ORM object cost more
    than the write."""
    await insert_rows(
        AuditEvent,
        ("at", "actor_staff", "actor", "action", "subject_type", "subject_id", "details_json"),
        [
            (
                utcnow(),
                actor.staff_id,
                actor.label,
                action,
                subject_type,
                str(subject_id),
                json.dumps(dict(details or {}), default=str, sort_keys=True),
            )
        ],
    )
