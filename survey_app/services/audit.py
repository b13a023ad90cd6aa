"""The audit log: who did what to which record, without identifying data."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from survey_app.db.tables import AuditEvent


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


async def record(
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: object,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one event. Call inside the transaction of the change it describes."""
    await AuditEvent.insert(
        AuditEvent(
            actor_staff=actor.staff_id,
            actor=actor.label,
            action=action,
            subject_type=subject_type,
            subject_id=str(subject_id),
            details_json=json.dumps(dict(details or {}), default=str, sort_keys=True),
        )
    )
