"""A job specialist's caseload: their own job seekers, wave states and latest scores."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from survey_app.db.tables import Answer, OutgoingMessage, Participant, ParticipantIdentity, Wave
from survey_app.i18n import N_
from survey_app.services.answering import decode_value
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import NotFound
from survey_app.services.message_history import MessageRow, load_messages, unresolved_problem
from survey_app.services.wave_states import wave_state

NOT_IN_CASELOAD = N_("No job seeker with this study ID in your caseload.")


@dataclass(frozen=True)
class WaveView:
    id: int
    label: str
    months: int
    state: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    submitted_at: dt.datetime | None
    mode: str | None
    work_capacity: int | None
    work_capacity_band: str | None
    coping_beliefs: float | None
    rtw_expectation: int | None
    rtw_expectation_dont_know: bool | None
    # The wave's last e-mail was refused by the mail server, or its delivery is unknown (see
    # ``message_history.unresolved_problem``): the specialist has to act.
    undeliverable: bool
    delivery_unknown: bool


@dataclass(frozen=True)
class CaseloadEntry:
    participant_id: int
    study_id: str
    name: str
    programme: str
    contact_mode: str
    status: str
    enrolled_on: dt.date
    waves: tuple[WaveView, ...]

    @property
    def answered(self) -> tuple[WaveView, ...]:
        return tuple(w for w in self.waves if w.state == "answered")

    @property
    def latest(self) -> WaveView | None:
        return self.answered[-1] if self.answered else None

    @property
    def work_capacity_change(self) -> int | None:
        """Latest work capacity minus the first answered one (None until two answers exist)."""
        scored = [w.work_capacity for w in self.answered if w.work_capacity is not None]
        return scored[-1] - scored[0] if len(scored) >= 2 else None

    @property
    def mail_problem(self) -> str | None:
        """``undeliverable`` or ``unknown`` while an e-mail of a wave did not get through to
        someone who takes part by e-mail (undeliverable first: it is certain)."""
        if self.status != "active" or self.contact_mode != "email":
            return None
        if any(w.undeliverable for w in self.waves):
            return "undeliverable"
        return "unknown" if any(w.delivery_unknown for w in self.waves) else None

    @property
    def needs_attention(self) -> bool:
        return self.mail_problem is not None


async def _waves(participant_ids: list[int], now: dt.datetime) -> dict[int, list[WaveView]]:
    if not participant_ids:
        return {}
    rows = await Wave.select().where(Wave.participant.is_in(participant_ids)).order_by(Wave.opens_at)
    messages: dict[int, list[MessageRow]] = defaultdict(list)
    for message in await load_messages(OutgoingMessage.participant.is_in(participant_ids)):
        messages[message.wave].append(message)
    by_participant: dict[int, list[WaveView]] = defaultdict(list)
    for row in rows:
        sent = any(message.status == "sent" for message in messages[row["id"]])
        problem = unresolved_problem(row["status"], messages[row["id"]])
        by_participant[row["participant"]].append(
            WaveView(
                id=row["id"],
                label=row["label"],
                months=row["months"],
                state=wave_state(row["status"], row["opens_at"], row["closes_at"], now, sent),
                opens_at=row["opens_at"],
                closes_at=row["closes_at"],
                submitted_at=row["submitted_at"],
                mode=row["mode"],
                work_capacity=row["work_capacity"],
                work_capacity_band=row["work_capacity_band"],
                coping_beliefs=row["coping_beliefs"],
                rtw_expectation=row["rtw_expectation"],
                rtw_expectation_dont_know=row["rtw_expectation_dont_know"],
                undeliverable=problem is not None and problem.status == "undeliverable",
                delivery_unknown=problem is not None and problem.status == "unknown",
            )
        )
    return by_participant


_ENTRY_COLUMNS = (
    ParticipantIdentity.name,
    ParticipantIdentity.participant.id,
    ParticipantIdentity.participant.study_id,
    ParticipantIdentity.participant.programme,
    ParticipantIdentity.participant.contact_mode,
    ParticipantIdentity.participant.status,
    ParticipantIdentity.participant.enrolled_on,
)


def _entry(row: dict, waves: list[WaveView]) -> CaseloadEntry:
    participant = row["participant"]
    return CaseloadEntry(
        participant_id=participant["id"],
        study_id=participant["study_id"],
        name=row["name"],
        programme=participant["programme"],
        contact_mode=participant["contact_mode"],
        status=participant["status"],
        enrolled_on=participant["enrolled_on"],
        waves=tuple(waves),
    )


async def caseload(specialist_id: int, now: dt.datetime | None = None) -> list[CaseloadEntry]:
    """The specialist's own job seekers, active first, then by name."""
    now = now or utcnow()
    rows = (
        await ParticipantIdentity.select(*_ENTRY_COLUMNS)
        .where(ParticipantIdentity.participant.specialist == specialist_id)
        .output(nested=True)
    )
    waves = await _waves([row["participant"]["id"] for row in rows], now)
    entries = [_entry(row, waves.get(row["participant"]["id"], [])) for row in rows]
    return sorted(entries, key=lambda e: (e.status != "active", e.name.casefold()))


@dataclass(frozen=True)
class ParticipantDetail:
    entry: CaseloadEntry
    email: str | None
    phone: str | None
    language: str
    consent_date: dt.date
    consent_version: str
    # wave label -> item id -> value (None = skipped); submitted waves only
    answers: dict[str, dict[str, object]]


async def participant_detail(specialist_id: int, study_id: str, now: dt.datetime | None = None) -> ParticipantDetail:
    """One of the specialist's job seekers. Someone else's, or nobody's, is :class:`NotFound`
    alike, so the page cannot be used to learn which study IDs exist."""
    now = now or utcnow()
    if not looks_like_study_id(study_id):
        raise NotFound(NOT_IN_CASELOAD)
    row = (
        await ParticipantIdentity.select(
            *_ENTRY_COLUMNS,
            ParticipantIdentity.email,
            ParticipantIdentity.phone,
            ParticipantIdentity.participant.language,
            ParticipantIdentity.participant.consent_date,
            ParticipantIdentity.participant.consent_version,
        )
        .where(
            (ParticipantIdentity.participant.study_id == study_id)
            & (ParticipantIdentity.participant.specialist == specialist_id)
        )
        .output(nested=True)
        .first()
    )
    if row is None:
        raise NotFound(NOT_IN_CASELOAD)
    participant_id = row["participant"]["id"]
    waves = (await _waves([participant_id], now)).get(participant_id, [])
    # What a job seeker has not sent in yet is theirs: staff see only that a wave was started.
    labels = {wave.id: wave.label for wave in waves if wave.state == "answered"}
    answers: dict[str, dict[str, object]] = {wave.label: {} for wave in waves}
    if labels:
        for answer in await Answer.select(Answer.wave, Answer.item_id, Answer.value_json).where(
            Answer.wave.is_in(list(labels))
        ):
            answers[labels[answer["wave"]]][answer["item_id"]] = decode_value(answer["value_json"])
    return ParticipantDetail(
        entry=_entry(row, waves),
        email=row["email"],
        phone=row["phone"],
        language=row["participant"]["language"],
        consent_date=row["participant"]["consent_date"],
        consent_version=row["participant"]["consent_version"],
        answers=answers,
    )


async def participant_id_in_caseload(specialist_id: int, study_id: str) -> int:
    if not looks_like_study_id(study_id):
        raise NotFound(NOT_IN_CASELOAD)
    row = (
        await Participant.select(Participant.id)
        .where((Participant.study_id == study_id) & (Participant.specialist == specialist_id))
        .first()
    )
    if row is None:
        raise NotFound(NOT_IN_CASELOAD)
    return row["id"]


async def message_ids_of_caseload(specialist_id: int) -> set[int]:
    """Ids of the messages sent to the specialist's job seekers (to filter the outbox)."""
    rows = await OutgoingMessage.select(OutgoingMessage.id).where(
        OutgoingMessage.participant.specialist == specialist_id
    )
    return {row["id"] for row in rows}
