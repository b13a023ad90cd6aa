"""Many job seekers with an open wave at once, written in bulk, for the dispatcher's load
tests and benchmark (``tests/integration/test_dispatch_processes.py``, ``bench/dispatch.py``):
enrolling thousands one by one takes minutes, and they need only what a dispatcher reads."""

from __future__ import annotations

import datetime as dt

from survey_app.db.engine import insert_rows
from survey_app.db.tables import Participant, ParticipantIdentity, Wave
from survey_app.services.studies import StudyConfig

# Rows per statement, within every database's limit of parameters (11 columns at most).
_CHUNK = 2000
_PARTICIPANT_COLUMNS = (
    "study",
    "study_id",
    "programme",
    "specialist",
    "contact_mode",
    "language",
    "consent_date",
    "consent_version",
    "enrolled_on",
    "status",
    "created_at",
)


async def add_open_waves(
    study: StudyConfig, specialist_id: int, count: int, label: str, now: dt.datetime
) -> dict[int, str]:
    """``count`` active e-mail participants, each with a T1 that opened a day before ``now``
    and stays open 20 days; ``label`` makes their study IDs and addresses unique. Returns
    participant id -> e-mail address."""
    ids: list[int] = []
    for start in range(0, count, _CHUNK):
        rows = await insert_rows(
            Participant,
            _PARTICIPANT_COLUMNS,
            [
                (
                    study.id,
                    f"{label}{n:07d}",
                    "kvp",
                    specialist_id,
                    "email",
                    "nb",
                    now.date(),
                    "1",
                    now.date(),
                    "active",
                    now,
                )
                for n in range(start, min(start + _CHUNK, count))
            ],
            "RETURNING id",
        )
        ids += [row["id"] for row in rows]
    addresses = {pid: f"{label.lower()}{pid}@example.no" for pid in ids}
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start : start + _CHUNK]
        await insert_rows(
            ParticipantIdentity,
            ("participant", "name", "email", "email_normalised"),
            [(pid, f"Person {pid}", addresses[pid], addresses[pid]) for pid in chunk],
        )
        await insert_rows(
            Wave,
            ("participant", "label", "months", "opens_at", "closes_at", "status"),
            [(pid, "T1", 0, now - dt.timedelta(days=1), now + dt.timedelta(days=20), "pending") for pid in chunk],
        )
    return addresses
