"""The job seeker's side: the personal link, saving answers page by page, submitting, leaving.

A link is valid while its wave is open and the participant takes part. Unknown, expired,
not-yet-open and withdrawn links all raise the same :class:`LinkInvalid`, so a guessed token
learns nothing. A submitted wave stays readable through its link (to say "done") but no longer
changes: the conditional update on ``wave.status`` lets exactly one submission through.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from instruments import Instrument, Item, ValidationResult, load_instrument, score_wave, validate_answers
from survey_app.db.engine import insert_rows, raw_query, write_transaction
from survey_app.db.tables import Answer, OutgoingMessage, Participant, Wave
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
    """Some items did not validate; nothing was stored. Carries what the page needs to be
    shown again: the form state (when raised for a link) and the values as submitted."""

    def __init__(
        self, result: ValidationResult, state: FormState | None = None, values: Mapping[str, object] | None = None
    ) -> None:
        super().__init__(f"{len(result.errors)} item error(s)")
        self.result = result
        self.state = state
        self.values = dict(values or {})


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
    wave_language: str | None
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


# One round trip for the link, its wave, the participant, the study and the answers saved so
# far (one row per answer, or one row with no answer): this runs on every request of the form,
# where building the same joins through the ORM costs more than the query itself.
_LINK_SQL = """
    SELECT w.id AS wave_id, w.label, w.months, w.status AS wave_status, w.opens_at, w.closes_at,
           w.instrument_version AS wave_instrument, w.language AS wave_language,
           p.id AS participant_id, p.study_id, p.status AS participant_status, p.language,
           s.instrument_version, a.item_id, a.value_json
    FROM link_token t
    JOIN wave w ON w.id = t.wave
    JOIN participant p ON p.id = w.participant
    JOIN study s ON s.id = p.study
    LEFT JOIN answer a ON a.wave = w.id
    WHERE t.token_hash = {token_hash}
"""


async def open_link(token: str, now: dt.datetime | None = None) -> FormState:
    """The wave behind ``token``. Raises :class:`LinkInvalid` unless it can be answered or was."""
    if not looks_like_token(token):
        raise LinkInvalid()
    now = now or utcnow()
    rows = await raw_query(_LINK_SQL, token_hash=hash_token(token))
    if not rows:
        raise LinkInvalid()
    row = rows[0]
    answered = row["wave_status"] == "answered"
    open_now = row["opens_at"] <= now < row["closes_at"]
    if row["participant_status"] != "active" or row["wave_status"] == "withdrawn" or not (answered or open_now):
        raise LinkInvalid()
    return FormState(
        wave_id=row["wave_id"],
        participant_id=row["participant_id"],
        study_id=row["study_id"],
        wave_label=row["label"],
        wave_months=row["months"],
        status=row["wave_status"],
        closes_at=row["closes_at"],
        language=row["language"],
        wave_language=row["wave_language"],
        instrument=load_instrument(row["wave_instrument"] or row["instrument_version"]),
        saved={r["item_id"]: decode_value(r["value_json"]) for r in rows if r["item_id"] is not None},
    )


def section_ids(state: FormState) -> list[str]:
    """The form's pages for this wave, in order (background questions only at T1)."""
    return [section.id for section in state.instrument.sections_for_wave(state.wave_label)]


def form_values(items: Sequence[Item], fields: Mapping[str, Sequence[str]]) -> dict[str, object]:
    """Submitted form fields as validation wants them: every value of a multi-select item,
    one value otherwise (several values for a single-choice item are left for validation to
    refuse)."""
    values: dict[str, object] = {}
    for item in items:
        submitted = list(fields.get(item.id, ()))
        if item.kind == "multi":
            values[item.id] = submitted
        elif submitted:
            values[item.id] = submitted[0] if len(submitted) == 1 else submitted
    return values


@dataclass(frozen=True)
class PageSaved:
    sections: list[str]
    position: int


async def save_page(
    token: str,
    section_id: str,
    fields: Mapping[str, Sequence[str]],
    chosen_language: str | None,
    moving_on: bool = True,
    now: dt.datetime | None = None,
) -> PageSaved:
    """Validate and store one page (section) of answers as a draft.

    ``fields`` are the form's fields (each with its list of values); error messages are in
    ``chosen_language`` or else the participant's language. A question answered with the
    "skip" option is stored as skipped. One left empty is stored as skipped when the person
    goes on to the next page (``moving_on``), but stays unanswered when they go back or stop
    for now, so that the link resumes on this page. Questions that do not apply (their
    condition is not met) lose any earlier answer. Raises :class:`InvalidAnswers` and stores
    nothing when an item is invalid, and :class:`LinkInvalid` for a page the wave lacks.
    """
    now = now or utcnow()
    async with write_transaction():
        state = await open_link(token, now)
        if state.submitted:
            raise AlreadySubmitted()
        sections = section_ids(state)
        if section_id not in sections:
            raise LinkInvalid()
        language = chosen_language or state.language
        items = state.instrument.section_items(section_id, state.wave_label)
        item_ids = [item.id for item in items]
        values = form_values(items, fields)
        result = validate_answers(
            state.instrument, values, wave=state.wave_label, lang=language, item_ids=item_ids, context=state.saved
        )
        if not result.ok:
            raise InvalidAnswers(result, state, values)
        kept = {
            item_id: answer
            for item_id, answer in result.answers.items()
            if moving_on or not answer.skipped or _explicitly_skipped(state.instrument.item(item_id), fields)
        }
        cleared = [item_id for item_id in item_ids if item_id not in kept and item_id in state.saved]
        if cleared:
            await Answer.delete().where((Answer.wave == state.wave_id) & Answer.item_id.is_in(cleared))
        await _store_answers(
            state.wave_id,
            {item_id: answer.value for item_id, answer in kept.items()},
            state.instrument.version,
            MODE_WEB,
            now,
            overwrite=True,
        )
        if state.status == "pending" or state.wave_language != language:
            changes = {
                Wave.status: "in_progress",
                Wave.instrument_version: state.instrument.version,
                Wave.language: language,
            }
            if state.status == "pending":
                changes[Wave.started_at] = now
            await Wave.update(changes).where((Wave.id == state.wave_id) & (Wave.status != "answered"))
    return PageSaved(sections=sections, position=sections.index(section_id))


# Questions answered with radio buttons offer an explicit "skip this question" choice,
# which arrives as an empty value; an untouched radio group sends nothing at all.
_RADIO_KINDS = frozenset({"scale", "single", "yes_no"})


def _explicitly_skipped(item: Item, fields: Mapping[str, Sequence[str]]) -> bool:
    return item.kind in _RADIO_KINDS and list(fields.get(item.id, ())) == [""]


_ANSWER_COLUMNS = ("wave", "item_id", "status", "value_json", "instrument_version", "mode", "answered_at", "updated_at")


async def _store_answers(
    wave_id: int,
    values: Mapping[str, object],
    instrument_version: str,
    mode: str,
    now: dt.datetime,
    *,
    overwrite: bool,
) -> None:
    """Write answers (None = skipped) in one statement; ``overwrite`` updates existing drafts,
    otherwise existing rows are left as they are.

    A multi-row INSERT written out directly: building one ORM object per answer cost more
    than the database work on the form's busiest requests (see ``bench/answer_form.py``).
    """
    if not values:
        return
    rows = [
        (
            wave_id,
            item_id,
            "skipped" if value is None else "answered",
            None if value is None else json.dumps(list(value) if isinstance(value, tuple) else value),
            instrument_version,
            mode,
            now,
            now,
        )
        for item_id, value in values.items()
    ]
    conflict = (
        "ON CONFLICT (wave, item_id) DO UPDATE SET status = excluded.status, "
        "value_json = excluded.value_json, updated_at = excluded.updated_at"
        if overwrite
        else "ON CONFLICT DO NOTHING"
    )
    await insert_rows(Answer, _ANSWER_COLUMNS, rows, conflict)


@dataclass(frozen=True)
class Submitted:
    wave_label: str
    first_time: bool


async def submit(token: str, chosen_language: str | None, now: dt.datetime | None = None) -> Submitted:
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
            language=chosen_language or state.language,
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
            already_stored=None,
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
    already_stored: set[str] | None,
    mode: str,
    language: str,
    actor: audit.Actor,
    now: dt.datetime,
) -> bool:
    """Mark the wave answered with its scores and store what is not stored yet: the answers in
    ``values`` (None = skipped) and a skipped row for every other item that applied.
    ``already_stored=None`` means ``values`` is the whole response: any draft is replaced.

    The conditional update lets exactly one caller through; the others get False.
    """
    scores = score_wave({item_id: value for item_id, value in values.items() if value is not None})
    claimed = await raw_query(
        """
        UPDATE wave SET status = 'answered', submitted_at = {now}, mode = {mode}, language = {language},
            instrument_version = {version}, started_at = COALESCE(started_at, {now}),
            work_capacity = {work_capacity}, work_capacity_band = {band}, coping_beliefs = {coping},
            coping_beliefs_items = {coping_items}, rtw_expectation = {expectation},
            rtw_expectation_dont_know = {dont_know}
        WHERE id = {wave_id} AND status <> 'answered'
        RETURNING id
        """,
        now=now,
        mode=mode,
        language=language,
        version=instrument.version,
        work_capacity=scores.work_capacity,
        band=scores.work_capacity_band,
        coping=scores.coping_beliefs,
        coping_items=scores.coping_beliefs_items_answered,
        expectation=scores.rtw_expectation,
        dont_know=scores.rtw_expectation_dont_know,
        wave_id=wave_id,
    )
    if not claimed:
        return False
    if already_stored is None:
        await Answer.delete().where(Answer.wave == wave_id)
        already_stored = set()
    missing = {
        item.id: values.get(item.id)
        for item in instrument.items_for_wave(wave_label)
        if item.id not in already_stored and item.applies(values)
    }
    await _store_answers(wave_id, missing, instrument.version, mode, now, overwrite=False)
    # Queued reminders for this wave need no update here: a dispatcher never claims a message
    # of an answered wave, and its next pass marks them cancelled.
    await audit.record(actor, "wave.submit", "participant", study_id, {"wave": wave_label, "mode": mode})
    return True


def first_unseen_section(state: FormState) -> str | None:
    """The first page with a question the person has not seen yet (where to resume)."""
    for section_id in section_ids(state):
        for item in state.instrument.section_items(section_id, state.wave_label):
            if item.id not in state.saved and item.applies(state.saved):
                return section_id
    return None


async def withdraw_participant(participant_id: int, actor: audit.Actor, now: dt.datetime | None = None) -> None:
    """Stop everything at once: no further messages, open links stop working, audit entry."""
    now = now or utcnow()
    async with write_transaction():
        row = (
            await Participant.select(Participant.study_id, Participant.status)
            .where(Participant.id == participant_id)
            .first()
        )
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
