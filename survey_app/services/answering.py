"""The job seeker's side: the personal link, saving answers page by page, submitting, leaving.

A link is valid while its wave is open and the participant takes part. Unknown, expired,
not-yet-open and withdrawn links all raise the same :class:`LinkInvalid`, so a guessed token
learns nothing. A submitted wave stays readable through its link (to say "done") but no longer
changes: the conditional update on ``wave.status`` lets exactly one submission through.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass

from instruments import Instrument, ValidationResult, load_instrument, score_wave, validate_answers
from survey_app.db.engine import write_transaction
from survey_app.db.tables import Answer, LinkToken, OutgoingMessage, Participant, Wave
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, NotFound
from survey_app.services.studies import study_by_id
from survey_app.services.tokens import hash_token, looks_like_token

MODE_WEB = "web"


class LinkInvalid(NotFound):
    """Unknown, expired, not yet open, or the person has left the study."""

    def __init__(self) -> None:
        super().__init__(N_("This link does not work."))


class AlreadySubmitted(Conflict):
    def __init__(self) -> None:
        super().__init__(N_("You have already sent in this questionnaire."))


class InvalidAnswers(Exception):
    """Some items did not validate; nothing was stored."""

    def __init__(self, result: ValidationResult) -> None:
        super().__init__(f"{len(result.errors)} item error(s)")
        self.result = result


@dataclass(frozen=True)
class FormState:
    """One wave as seen through its link."""

    wave_id: int
    participant_id: int
    study_id: str
    wave_label: str
    wave_months: int
    status: str
    closes_at: dt.datetime
    language: str
    study_languages: tuple[str, ...]
    instrument: Instrument
    saved: dict[str, object]  # item id -> clean value; None means skipped

    @property
    def submitted(self) -> bool:
        return self.status == "answered"


def decode_value(value_json: str | None) -> object:
    """Stored JSON back to the clean value (lists become tuples, as validation returns them)."""
    if value_json is None:
        return None
    value = json.loads(value_json)
    return tuple(value) if isinstance(value, list) else value


async def saved_answers(wave_id: int) -> dict[str, object]:
    rows = await Answer.select(Answer.item_id, Answer.value_json).where(Answer.wave == wave_id)
    return {row["item_id"]: decode_value(row["value_json"]) for row in rows}


async def open_link(token: str, now: dt.datetime | None = None) -> FormState:
    """The wave behind ``token``. Raises :class:`LinkInvalid` unless it can be answered or was."""
    if not looks_like_token(token):
        raise LinkInvalid()
    now = now or utcnow()
    row = (
        await LinkToken.select(
            LinkToken.wave.id,
            LinkToken.wave.label,
            LinkToken.wave.months,
            LinkToken.wave.status,
            LinkToken.wave.opens_at,
            LinkToken.wave.closes_at,
            LinkToken.wave.instrument_version,
            LinkToken.wave.participant.id,
            LinkToken.wave.participant.study_id,
            LinkToken.wave.participant.status,
            LinkToken.wave.participant.language,
            LinkToken.wave.participant.study,
        )
        .where(LinkToken.token_hash == hash_token(token))
        .output(nested=True)
        .first()
    )
    if row is None:
        raise LinkInvalid()
    wave, participant = row["wave"], row["wave"]["participant"]
    answered = wave["status"] == "answered"
    open_now = wave["opens_at"] <= now < wave["closes_at"]
    if participant["status"] != "active" or wave["status"] == "withdrawn" or not (answered or open_now):
        raise LinkInvalid()
    study = await study_by_id(participant["study"])
    return FormState(
        wave_id=wave["id"],
        participant_id=participant["id"],
        study_id=participant["study_id"],
        wave_label=wave["label"],
        wave_months=wave["months"],
        status=wave["status"],
        closes_at=wave["closes_at"],
        language=participant["language"],
        study_languages=study.languages,
        instrument=load_instrument(wave["instrument_version"] or study.instrument_version),
        saved=await saved_answers(wave["id"]),
    )


def _not_submitted(state: FormState) -> None:
    if state.submitted:
        raise AlreadySubmitted()


async def save_page(
    token: str,
    section_id: str,
    submitted: Mapping[str, object],
    language: str,
    now: dt.datetime | None = None,
) -> FormState:
    """Validate and store one page (section) of answers as a draft.

    Items left empty are stored as skipped; items that do not apply (their condition is not
    met) lose any earlier answer. Raises :class:`InvalidAnswers` and stores nothing when an
    item is invalid.
    """
    now = now or utcnow()
    async with write_transaction():
        state = await open_link(token, now)
        _not_submitted(state)
        items = state.instrument.section_items(section_id, state.wave_label)
        item_ids = [item.id for item in items]
        result = validate_answers(
            state.instrument,
            submitted,
            wave=state.wave_label,
            lang=language,
            item_ids=item_ids,
            context=state.saved,
        )
        if not result.ok:
            raise InvalidAnswers(result)
        not_applicable = [item_id for item_id in item_ids if item_id not in result.answers]
        if not_applicable:
            await Answer.delete().where((Answer.wave == state.wave_id) & Answer.item_id.is_in(not_applicable))
        rows = [
            Answer(
                wave=state.wave_id,
                item_id=answer.item_id,
                status="skipped" if answer.skipped else "answered",
                value_json=None if answer.skipped else json.dumps(_jsonable(answer.value)),
                instrument_version=state.instrument.version,
                mode=MODE_WEB,
                answered_at=now,
                updated_at=now,
            )
            for answer in result.answers.values()
        ]
        if rows:
            await Answer.insert(*rows).on_conflict(
                target=(Answer.wave, Answer.item_id),
                action="DO UPDATE",
                values=[Answer.status, Answer.value_json, Answer.updated_at],
            )
        await Wave.update(
            {Wave.status: "in_progress", Wave.instrument_version: state.instrument.version, Wave.language: language}
        ).where((Wave.id == state.wave_id) & (Wave.status != "answered"))
        await _mark_started(state.wave_id, now)
    return await open_link(token, now)


async def _mark_started(wave_id: int, now: dt.datetime) -> None:
    await Wave.update({Wave.started_at: now}).where((Wave.id == wave_id) & Wave.started_at.is_null())


def _jsonable(value: object) -> object:
    return list(value) if isinstance(value, tuple) else value


@dataclass(frozen=True)
class Submitted:
    wave_label: str
    first_time: bool


async def submit(token: str, language: str, now: dt.datetime | None = None) -> Submitted:
    """Send in the wave: unanswered items become skipped, scores are computed and stored.

    Idempotent: a second submission (double click, resent form, another tab) changes nothing
    and reports ``first_time=False``.
    """
    now = now or utcnow()
    async with write_transaction():
        state = await open_link(token, now)
        if state.submitted:
            return Submitted(state.wave_label, first_time=False)
        first_time = await _finish_wave(
            wave_id=state.wave_id,
            study_id=state.study_id,
            wave_label=state.wave_label,
            instrument=state.instrument,
            values=state.saved,
            already_stored=set(state.saved),
            mode=MODE_WEB,
            language=language,
            actor=audit.JOB_SEEKER,
            now=now,
        )
    return Submitted(state.wave_label, first_time=first_time)


async def record_complete_response(
    wave_id: int,
    submitted: Mapping[str, object],
    *,
    mode: str,
    language: str,
    actor: audit.Actor,
    now: dt.datetime | None = None,
) -> bool:
    """Store a whole wave's answers at once (a paper form typed in, or demo data).

    Raises :class:`InvalidAnswers` (nothing stored) when an item is invalid; returns False
    when the wave was already answered.
    """
    now = now or utcnow()
    async with write_transaction():
        row = (
            await Wave.select(Wave.label, Wave.instrument_version, Wave.participant.study_id, Wave.participant.study)
            .where(Wave.id == wave_id)
            .output(nested=True)
            .first()
        )
        if row is None:
            raise NotFound(N_("No such wave."))
        study = await study_by_id(row["participant"]["study"])
        instrument = load_instrument(row["instrument_version"] or study.instrument_version)
        result = validate_answers(instrument, submitted, wave=row["label"], lang=language)
        if not result.ok:
            raise InvalidAnswers(result)
        return await _finish_wave(
            wave_id=wave_id,
            study_id=row["participant"]["study_id"],
            wave_label=row["label"],
            instrument=instrument,
            values=result.values,
            already_stored=set(),
            mode=mode,
            language=language,
            actor=actor,
            now=now,
        )


async def _finish_wave(
    *,
    wave_id: int,
    study_id: str,
    wave_label: str,
    instrument: Instrument,
    values: Mapping[str, object],
    already_stored: set[str],
    mode: str,
    language: str,
    actor: audit.Actor,
    now: dt.datetime,
) -> bool:
    """Mark the wave answered with its scores and store what is not stored yet: the answers in
    ``values`` (None = skipped) and a skipped row for every other item that applied.

    The conditional update lets exactly one caller through; the others get False.
    """
    scores = score_wave({item_id: value for item_id, value in values.items() if value is not None})
    claimed = await Wave.update(
        {
            Wave.status: "answered",
            Wave.submitted_at: now,
            Wave.mode: mode,
            Wave.language: language,
            Wave.instrument_version: instrument.version,
            Wave.work_capacity: scores.work_capacity,
            Wave.work_capacity_band: scores.work_capacity_band,
            Wave.coping_beliefs: scores.coping_beliefs,
            Wave.coping_beliefs_items: scores.coping_beliefs_items_answered,
            Wave.rtw_expectation: scores.rtw_expectation,
            Wave.rtw_expectation_dont_know: scores.rtw_expectation_dont_know,
        }
    ).where((Wave.id == wave_id) & (Wave.status != "answered")).returning(Wave.id)
    if not claimed:
        return False
    await _mark_started(wave_id, now)
    rows = [
        Answer(
            wave=wave_id,
            item_id=item.id,
            status="skipped" if values.get(item.id) is None else "answered",
            value_json=None if values.get(item.id) is None else json.dumps(_jsonable(values[item.id])),
            instrument_version=instrument.version,
            mode=mode,
            answered_at=now,
            updated_at=now,
        )
        for item in instrument.items_for_wave(wave_label)
        if item.id not in already_stored and _applies(item, values)
    ]
    if rows:
        await Answer.insert(*rows).on_conflict(action="DO NOTHING")
    await OutgoingMessage.update({OutgoingMessage.status: "cancelled"}).where(
        (OutgoingMessage.wave == wave_id) & (OutgoingMessage.status == "queued")
    )
    await audit.record(actor, "wave.submit", "participant", study_id, {"wave": wave_label, "mode": mode})
    return True


def _applies(item, saved: Mapping[str, object]) -> bool:
    condition = item.shown_if
    return condition is None or saved.get(condition.item) == condition.equals


async def withdraw_participant(participant_id: int, actor: audit.Actor, now: dt.datetime | None = None) -> None:
    """Stop everything at once: no further messages, open links stop working, audit entry."""
    now = now or utcnow()
    async with write_transaction():
        row = await Participant.select(Participant.study_id, Participant.status).where(
            Participant.id == participant_id
        ).first()
        if row is None:
            raise NotFound(N_("No such job seeker."))
        if row["status"] == "withdrawn":
            return
        await Participant.update({Participant.status: "withdrawn", Participant.withdrawn_at: now}).where(
            Participant.id == participant_id
        )
        await Wave.update({Wave.status: "withdrawn"}).where(
            (Wave.participant == participant_id) & Wave.status.is_in(["pending", "in_progress"])
        )
        await OutgoingMessage.update({OutgoingMessage.status: "cancelled"}).where(
            (OutgoingMessage.participant == participant_id) & (OutgoingMessage.status == "queued")
        )
        await audit.record(actor, "participant.withdraw", "participant", row["study_id"])


async def withdraw_by_link(token: str, now: dt.datetime | None = None) -> None:
    state = await open_link(token, now)
    await withdraw_participant(state.participant_id, audit.JOB_SEEKER, now)
