"""One job seeker's invitations and reminders as their specialist sees them, and the rules
for what the specialist may do about them (``services/message_requests.py`` does it).

Messages are written when they fall due (``services/messaging.py``), so the history lists
what fell due and what became of it; a queued message shows when it is expected to go: at
the dispatcher's next pass, after its retry time, or when the quiet hours end. Who asked for
a reminder or for a message to be sent again comes from the audit log.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from piccolo.columns.combination import Combinable

from survey_app.db.tables import AuditEvent, OutgoingMessage, Participant, Wave
from survey_app.i18n import N_
from survey_app.services.calendar import utcnow
from survey_app.services.messaging import PENDING
from survey_app.services.sending_policy import quiet_hours_end
from survey_app.services.studies import StudyConfig

# Outcomes the specialist has to act on; neither is ever sent again automatically.
PROBLEMS = ("undeliverable", "unknown")
REMIND_NOW_ACTION = "message.remind_now"
SEND_AGAIN_ACTION = "message.send_again"

# Why an action is refused, the first that applies (English msgids).
WITHDRAWN = N_("The job seeker has withdrawn from the study, so no e-mail is sent.")
PAPER = N_("The job seeker answers on paper, so no e-mail is sent.")
ANSWERED = N_("The job seeker has already answered this wave.")
NOT_OPEN = N_("This wave is not open for answers now.")
STILL_PENDING = N_("An e-mail for this wave is still waiting to be sent. Wait until it has gone.")
NO_INVITATION = N_(
    "The invitation to this wave has not gone out, so a reminder would come first. "
    "If the invitation could not be delivered, send it again instead."
)
ALL_REMINDERS_USED = N_(
    "This questionnaire has had all the reminders the study allows. Contact the job seeker in another way."
)
NOT_A_PROBLEM = N_("Only an e-mail that could not be delivered, or whose delivery is unknown, can be sent again.")


@dataclass(frozen=True)
class WaveRow:
    id: int
    label: str
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime


@dataclass(frozen=True)
class MessageRow:
    id: int
    wave: int
    kind: str
    sequence: int
    status: str
    reason: str | None
    last_error: str | None
    due_at: dt.datetime
    retry_at: dt.datetime | None
    sent_at: dt.datetime | None
    attempts: int


_MESSAGE_COLUMNS = tuple(getattr(OutgoingMessage, field.name) for field in dataclasses.fields(MessageRow))


async def load_messages(where: Combinable) -> list[MessageRow]:
    """The messages matching ``where``, in the order they fell due within each wave."""
    rows = (
        await OutgoingMessage.select(*_MESSAGE_COLUMNS)
        .where(where)
        .order_by(OutgoingMessage.sequence, OutgoingMessage.id)
    )
    return [MessageRow(**row) for row in rows]


def _wave_refusal(participant_status: str, contact_mode: str, wave: WaveRow, now: dt.datetime) -> str | None:
    if participant_status != "active":
        return WITHDRAWN
    if contact_mode != "email":
        return PAPER
    if wave.status == "answered":
        return ANSWERED
    if wave.status not in ("pending", "in_progress") or not wave.opens_at <= now < wave.closes_at:
        return NOT_OPEN
    return None


def _pending_refusal(messages: Iterable[MessageRow]) -> str | None:
    return STILL_PENDING if any(message.status in PENDING for message in messages) else None


def reminder_refusal(
    participant_status: str,
    contact_mode: str,
    wave: WaveRow,
    messages: Sequence[MessageRow],
    reminders_allowed: int,
    now: dt.datetime,
) -> str | None:
    """Why a reminder for ``wave`` may not be sent now (an English msgid), or None.

    ``messages`` are all of the wave's messages. A reminder needs an open, unanswered wave
    of an active e-mail participant, an invitation that went out, no message of the wave
    still on its way (the dispatcher writes one at a time, and a double click must not send
    two), and fewer reminders that may have reached the person than the study allows
    (``reminders_allowed``, the policy's number): a job seeker gets at most those, asked for
    or planned.
    """
    refusal = _wave_refusal(participant_status, contact_mode, wave, now) or _pending_refusal(messages)
    if refusal:
        return refusal
    if not any(message.kind == "invitation" and message.status == "sent" for message in messages):
        return NO_INVITATION
    reached = sum(message.kind == "reminder" and message.status in ("sent", "unknown") for message in messages)
    if reached >= reminders_allowed:
        return ALL_REMINDERS_USED
    return None


def send_again_refusal(
    participant_status: str,
    contact_mode: str,
    wave: WaveRow,
    message: MessageRow,
    messages: Sequence[MessageRow],
    now: dt.datetime,
) -> str | None:
    """Why ``message`` may not be sent again now (an English msgid), or None: only an
    undeliverable or unknown message, while its wave is open and unanswered, the person
    takes part by e-mail, and no other message of the wave is on its way."""
    if message.status not in PROBLEMS:
        return NOT_A_PROBLEM
    return _wave_refusal(participant_status, contact_mode, wave, now) or _pending_refusal(messages)


def unresolved_problem(wave_status: str, messages: Iterable[MessageRow]) -> MessageRow | None:
    """The message of a wave that did not get through and still matters: the wave's last
    message with an outcome (sent, undeliverable or unknown), when that outcome is a problem
    and the wave is neither answered nor withdrawn. A later message that was sent shows
    that the address works."""
    if wave_status in ("answered", "withdrawn"):
        return None
    finished = [message for message in messages if message.status in ("sent", *PROBLEMS)]
    if not finished:
        return None
    last = max(finished, key=lambda message: (message.sequence, message.id))
    return last if last.status in PROBLEMS else None


def expected_send_time(
    due_at: dt.datetime, retry_at: dt.datetime | None, study: StudyConfig, now: dt.datetime
) -> dt.datetime | None:
    """When a queued message is expected to go: None for the dispatcher's next pass, else the
    end of its retry wait or of the quiet hours, whichever is later."""
    earliest = max(due_at, retry_at or due_at, now)
    moment = quiet_hours_end(earliest, study.quiet_hours_start, study.quiet_hours_end, study.timezone)
    return None if moment <= now else moment


@dataclass(frozen=True)
class Request:
    """A specialist's "send a reminder now" or "send again"."""

    action: str
    at: dt.datetime
    staff_name: str | None


@dataclass(frozen=True)
class HistoryEntry:
    id: int
    wave_label: str
    kind: str
    sequence: int
    status: str
    # Why it was cancelled or skipped (answered, withdrawn, paper, closed, not open, policy, stale).
    reason: str | None
    # What the mail server or the dispatcher said, for undeliverable and unknown messages
    # (written without any address: see ``mail.transport.describe_error``).
    error: str | None
    due_at: dt.datetime
    sent_at: dt.datetime | None
    # A queued message: when it is expected to go; None means at the dispatcher's next pass.
    goes_at: dt.datetime | None
    attempts: int
    requests: tuple[Request, ...]
    # This is its wave's unresolved problem (see :func:`unresolved_problem`).
    needs_attention: bool
    # None when the specialist may send it again now, else why not.
    send_again_refusal: str | None

    @property
    def asked_for(self) -> Request | None:
        """The specialist's request that wrote this reminder, if one did."""
        return next((request for request in self.requests if request.action == REMIND_NOW_ACTION), None)

    @property
    def sent_again(self) -> tuple[Request, ...]:
        return tuple(request for request in self.requests if request.action == SEND_AGAIN_ACTION)


@dataclass(frozen=True)
class ReminderOption:
    """A wave that is open and unanswered now, and whether a reminder may be sent for it."""

    wave_label: str
    refusal: str | None


@dataclass(frozen=True)
class MessageHistory:
    entries: tuple[HistoryEntry, ...]
    # Empty unless the participant takes part by e-mail.
    reminders: tuple[ReminderOption, ...]

    def entry(self, message_id: int) -> HistoryEntry | None:
        return next((entry for entry in self.entries if entry.id == message_id), None)

    @property
    def problems(self) -> tuple[HistoryEntry, ...]:
        return tuple(entry for entry in self.entries if entry.needs_attention)


async def _requests(study_id: str) -> dict[int, list[Request]]:
    events = (
        await AuditEvent.select(
            AuditEvent.action,
            AuditEvent.at,
            AuditEvent.details_json,
            AuditEvent.actor_staff.display_name.as_alias("staff_name"),
        )
        .where(
            (AuditEvent.subject_type == "participant")
            & (AuditEvent.subject_id == study_id)
            & AuditEvent.action.is_in([REMIND_NOW_ACTION, SEND_AGAIN_ACTION])
        )
        .order_by(AuditEvent.id)
    )
    by_message: dict[int, list[Request]] = defaultdict(list)
    for event in events:
        message_id = json.loads(event["details_json"]).get("message")
        by_message[message_id].append(Request(event["action"], event["at"], event["staff_name"]))
    return by_message


async def message_history(participant_id: int, study: StudyConfig, now: dt.datetime | None = None) -> MessageHistory:
    """Every invitation and reminder of the participant, wave by wave in the order they fell
    due, with what the specialist may do about them at ``now``.

    The caller has checked that the participant is in the specialist's caseload.
    """
    now = now or utcnow()
    participant = (
        await Participant.select(Participant.study_id, Participant.status, Participant.contact_mode)
        .where(Participant.id == participant_id)
        .first()
    )
    waves = [
        WaveRow(**row)
        for row in await Wave.select(Wave.id, Wave.label, Wave.status, Wave.opens_at, Wave.closes_at)
        .where(Wave.participant == participant_id)
        .order_by(Wave.opens_at)
    ]
    by_wave: dict[int, list[MessageRow]] = defaultdict(list)
    for row in await load_messages(OutgoingMessage.participant == participant_id):
        by_wave[row.wave].append(row)
    requests = await _requests(participant["study_id"])
    status, contact_mode = participant["status"], participant["contact_mode"]
    entries = []
    for wave in waves:
        messages = by_wave[wave.id]
        problem = unresolved_problem(wave.status, messages)
        for message in messages:
            refusal = send_again_refusal(status, contact_mode, wave, message, messages, now)
            entries.append(_entry(message, wave, requests.get(message.id, []), message is problem, refusal, study, now))
    reminders = tuple(
        ReminderOption(
            wave.label,
            reminder_refusal(status, contact_mode, wave, by_wave[wave.id], len(study.reminder_days), now),
        )
        for wave in waves
        if _wave_refusal(status, contact_mode, wave, now) is None
    )
    return MessageHistory(entries=tuple(entries), reminders=reminders)


def _entry(
    message: MessageRow,
    wave: WaveRow,
    requests: list[Request],
    needs_attention: bool,
    send_again_refusal: str | None,
    study: StudyConfig,
    now: dt.datetime,
) -> HistoryEntry:
    queued = message.status == "queued"
    return HistoryEntry(
        id=message.id,
        wave_label=wave.label,
        kind=message.kind,
        sequence=message.sequence,
        status=message.status,
        reason=message.reason,
        error=message.last_error if message.status in PROBLEMS else None,
        due_at=message.due_at,
        sent_at=message.sent_at,
        goes_at=expected_send_time(message.due_at, message.retry_at, study, now) if queued else None,
        attempts=message.attempts,
        requests=tuple(requests),
        needs_attention=needs_attention,
        send_again_refusal=send_again_refusal,
    )
