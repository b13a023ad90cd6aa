"""A specialist's requests about their job seeker's e-mails: send a reminder now, send again.

Both only write the queue; the dispatcher sends at its next pass outside the quiet hours, as
for any message. A row with ``requested_by`` set is never taken back under the policy, and
a message is never sent again unless a specialist asks (``unknown`` ones may have arrived).
Each request locks the wave's row first, so two clicks at once queue one message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.db.engine import insert_rows, raw_query, row_lock, transactional
from survey_app.db.tables import OutgoingMessage
from survey_app.services import audit
from survey_app.services.access import NOT_IN_CASELOAD
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import Conflict, NotFound
from survey_app.services.message_history import (
    PROBLEMS,
    REMIND_NOW_ACTION,
    SEND_AGAIN_ACTION,
    STILL_PENDING,
    MessageRow,
    WaveRow,
    expected_send_time,
    load_messages,
    reminder_refusal,
    send_again_refusal,
)
from survey_app.services.studies import current_study
from survey_app.services.validation import fits_row_id


class Refused(Conflict):
    """The request cannot be done now; ``message`` says why. Nothing was written."""


@dataclass(frozen=True)
class Requested:
    message_id: int
    wave_label: str
    kind: str
    # When it is expected to go; None means at the dispatcher's next pass.
    goes_at: dt.datetime | None
    # It was "unknown": the job seeker may have got it already.
    was_unknown: bool


_LOCKED_WAVE = """
    SELECT w.id, w.label, w.status, w.opens_at, w.closes_at,
        p.id AS participant, p.study_id, p.status AS participant_status, p.contact_mode
    FROM wave w JOIN participant p ON p.id = w.participant
    WHERE p.study_id = {{study_id}} AND p.specialist = {{specialist}} AND {condition}
    {lock}
"""


async def _locked_wave(specialist_id: int, study_id: str, condition: str, **params) -> tuple[dict, WaveRow]:
    if not looks_like_study_id(study_id) or any("\x00" in str(value) for value in params.values()):
        raise NotFound(NOT_IN_CASELOAD)
    rows = await raw_query(
        _LOCKED_WAVE.format(condition=condition, lock=row_lock("w")),
        study_id=study_id,
        specialist=specialist_id,
        **params,
    )
    if not rows:
        raise NotFound(NOT_IN_CASELOAD)
    row = rows[0]
    return row, WaveRow(row["id"], row["label"], row["status"], row["opens_at"], row["closes_at"])


_INSERT_COLUMNS = (
    "participant",
    "wave",
    "kind",
    "sequence",
    "status",
    "due_at",
    "attempts",
    "requested_by",
    "created_at",
)


@transactional
async def send_reminder_now(
    specialist_id: int, study_id: str, wave_label: str, now: dt.datetime | None = None
) -> Requested:
    """Queue a reminder for one wave of the specialist's own job seeker, due at once.

    It gets the wave's next free reminder number; the dispatcher counts it among the
    reminders of the policy, so the job seeker does not get the next planned one on top of
    it. Audited with the specialist as actor.

    Raises
    ------
    NotFound
        Not the specialist's job seeker, or no such wave.
    Refused
        Why no reminder may go now (see :func:`survey_app.services.message_history.reminder_refusal`).
    """
    now = now or utcnow()
    row, wave = await _locked_wave(specialist_id, study_id, "w.label = {label}", label=wave_label)
    messages = await load_messages(OutgoingMessage.wave == wave.id)
    study = await current_study()
    refusal = reminder_refusal(
        row["participant_status"], row["contact_mode"], wave, messages, len(study.reminder_days), now
    )
    if refusal:
        raise Refused(refusal)
    sequence = max((m.sequence for m in messages if m.kind == "reminder"), default=0) + 1
    values = (row["participant"], wave.id, "reminder", sequence, "queued", now, 0, specialist_id, now)
    # A dispatcher that has just written this wave's next reminder holds the number: then
    # that one is on its way, and no second one is written.
    written = await insert_rows(OutgoingMessage, _INSERT_COLUMNS, [values], "ON CONFLICT DO NOTHING RETURNING id")
    if not written:
        raise Refused(STILL_PENDING)
    message_id = written[0]["id"]
    await audit.record(
        audit.Actor.staff(specialist_id),
        REMIND_NOW_ACTION,
        "participant",
        study_id,
        {"wave": wave.label, "message": message_id, "sequence": sequence},
    )
    return Requested(message_id, wave.label, "reminder", expected_send_time(now, None, study, now), was_unknown=False)


@transactional
async def send_again(specialist_id: int, study_id: str, message_id: int, now: dt.datetime | None = None) -> Requested:
    """Put an undeliverable or unknown message of the specialist's own job seeker back in the
    queue, due at once, as the same row with a fresh count of attempts (a message that used up
    its attempts would otherwise get a single try, without backoff); the audit entry keeps what
    became of it before, without the server's error text (it may quote the address).

    Raises
    ------
    NotFound
        Not the specialist's job seeker, or no such message.
    Refused
        Why it may not be sent again now (see :func:`survey_app.services.message_history.send_again_refusal`).
    """
    now = now or utcnow()
    if not fits_row_id(message_id):
        raise NotFound(NOT_IN_CASELOAD)
    row, wave = await _locked_wave(
        specialist_id, study_id, "w.id = (SELECT wave FROM outgoing_message WHERE id = {message})", message=message_id
    )
    messages = await load_messages(OutgoingMessage.wave == wave.id)
    message = next((m for m in messages if m.id == message_id), None)
    if message is None:  # taken back by a dispatcher meanwhile
        raise NotFound(NOT_IN_CASELOAD)
    refusal = send_again_refusal(row["participant_status"], row["contact_mode"], wave, message, messages, now)
    if refusal:
        raise Refused(refusal)
    requeued = (
        await OutgoingMessage.update(
            {
                OutgoingMessage.status: "queued",
                OutgoingMessage.retry_at: None,
                OutgoingMessage.claim_token: None,
                OutgoingMessage.claimed_at: None,
                OutgoingMessage.lease_expires_at: None,
                OutgoingMessage.last_error: None,
                OutgoingMessage.attempts: 0,
                OutgoingMessage.requested_by: specialist_id,
            }
        )
        .where((OutgoingMessage.id == message_id) & OutgoingMessage.status.is_in(list(PROBLEMS)))
        .returning(OutgoingMessage.id)
    )
    if not requeued:  # a concurrent request got there first
        raise Refused(STILL_PENDING)
    actor = audit.Actor.staff(specialist_id)
    await audit.record(actor, SEND_AGAIN_ACTION, "participant", study_id, _before(message, wave))
    study = await current_study()
    return Requested(
        message_id, wave.label, message.kind, expected_send_time(now, None, study, now), message.status == "unknown"
    )


def _before(message: MessageRow, wave: WaveRow) -> dict:
    """What the audit entry keeps of a message about to be sent again."""
    return {
        "wave": wave.label,
        "message": message.id,
        "kind": message.kind,
        "sequence": message.sequence,
        "status_before": message.status,
        "attempts": message.attempts,
        "due_at": message.due_at,
    }
