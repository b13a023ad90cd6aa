"""Possible duplicate enrolments, for an administrator to resolve.

A specialist who enrols an address that belongs to another specialist's job seeker is not
told so (that would reveal someone else's caseload): the enrolment goes through, and the pair
shows up here. The administrator decides: the same person (the newer enrolment is withdrawn as
a duplicate, audited) or two people sharing an address (the pair is dismissed for good).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.db.engine import insert_rows, placeholders, raw_query, transactional
from survey_app.db.tables import DuplicateDismissal
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.answering import withdraw_participant
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import NotFound

NOT_LISTED = N_("These two enrolments are not listed as a possible duplicate.")


@dataclass(frozen=True)
class EnrolmentSummary:
    """What tells two enrolments apart, without the person's name or address."""

    participant_id: int
    study_id: str
    specialist: str
    programme: str
    contact_mode: str
    enrolled_on: dt.date
    waves_answered: int


@dataclass(frozen=True)
class PossibleDuplicate:
    older: EnrolmentSummary
    newer: EnrolmentSummary


_PAIRS_SQL = """
    SELECT a.participant AS a_id, b.participant AS b_id
    FROM participant_identity a
    JOIN participant_identity b
      ON b.email_normalised = a.email_normalised AND b.participant > a.participant
    JOIN participant pa ON pa.id = a.participant
    JOIN participant pb ON pb.id = b.participant
    WHERE a.email_normalised IS NOT NULL
      AND pa.status = 'active' AND pb.status = 'active' AND pa.study = pb.study
      AND NOT EXISTS (
        SELECT 1 FROM duplicate_dismissal d
        WHERE d.participant_a = a.participant AND d.participant_b = b.participant)
"""

_SUMMARY_SQL = """
    SELECT p.id, p.study_id, s.display_name AS specialist, p.programme, p.contact_mode, p.enrolled_on,
           (SELECT COUNT(*) FROM wave w WHERE w.participant = p.id AND w.status = 'answered') AS waves_answered
    FROM participant p JOIN staff s ON s.id = p.specialist
    WHERE p.id IN ({ids})
"""


async def possible_duplicates() -> list[PossibleDuplicate]:
    """Active enrolments of one study that share an e-mail address and were not dismissed,
    as pairs (older first), oldest pair first."""
    pairs = await raw_query(_PAIRS_SQL)
    if not pairs:
        return []
    ids = sorted({row["a_id"] for row in pairs} | {row["b_id"] for row in pairs})
    listed, params = placeholders("id", ids)
    rows = await raw_query(_SUMMARY_SQL.replace("{ids}", listed), **params)
    summaries = {
        row["id"]: EnrolmentSummary(
            participant_id=row["id"],
            study_id=row["study_id"],
            specialist=row["specialist"],
            programme=row["programme"],
            contact_mode=row["contact_mode"],
            enrolled_on=row["enrolled_on"],
            waves_answered=row["waves_answered"],
        )
        for row in rows
    }
    return sorted(
        (PossibleDuplicate(summaries[row["a_id"]], summaries[row["b_id"]]) for row in pairs),
        key=lambda pair: (pair.older.participant_id, pair.newer.participant_id),
    )


async def _pair(older_study_id: str, newer_study_id: str) -> PossibleDuplicate:
    if not (looks_like_study_id(older_study_id) and looks_like_study_id(newer_study_id)):
        raise NotFound(NOT_LISTED)
    for pair in await possible_duplicates():
        if (pair.older.study_id, pair.newer.study_id) == (older_study_id, newer_study_id):
            return pair
    raise NotFound(NOT_LISTED)


@transactional
async def dismiss(older_study_id: str, newer_study_id: str, actor: audit.Actor) -> None:
    """Two different people share the address: stop listing the pair."""
    pair = await _pair(older_study_id, newer_study_id)
    # The unique index on the pair makes a double click (two requests at once) record it once.
    decided = await insert_rows(
        DuplicateDismissal,
        ("participant_a", "participant_b", "decided_by", "decided_at"),
        [(pair.older.participant_id, pair.newer.participant_id, actor.staff_id, utcnow())],
        "ON CONFLICT DO NOTHING RETURNING id",
    )
    if not decided:
        return
    await audit.record(
        actor, "duplicate.dismiss", "participant", pair.newer.study_id, {"other_study_id": pair.older.study_id}
    )


@transactional
async def withdraw_newer(older_study_id: str, newer_study_id: str, actor: audit.Actor) -> None:
    """The same person was enrolled twice: the newer enrolment is withdrawn as a duplicate."""
    pair = await _pair(older_study_id, newer_study_id)
    await withdraw_participant(pair.newer.participant_id, actor, details={"duplicate_of": pair.older.study_id})
