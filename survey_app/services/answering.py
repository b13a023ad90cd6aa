"""The job seeker's side: the personal link, saving answers page by page, submitting, leaving.

A link is valid while its wave is open and the participant takes part. Unknown, expired,
not-yet-open and withdrawn links all raise the same :class:`LinkInvalid`, so a guessed token
learns nothing. A submitted wave stays readable through its link (to say "done") but no longer
changes: every change to a wave locks its row first and checks its status under that lock, so
page saves, the submission and staff entry of one wave run one after another, in one lock
order (wave, answers, audit), and a save that comes after the submission is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from instruments import Instrument, Item, ValidationResult, load_instrument, score_wave, validate_answers
from survey_app.db.engine import insert_rows, raw_query, row_lock, transactional
from survey_app.db.tables import Answer, OutgoingMessage, Participant, ParticipantIdentity, Wave
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, NotFound
from survey_app.services.studies import study_by_id
from survey_app.services.tokens import hash_token, looks_like_token
from survey_app.services.withdrawal import WITHDRAW_ACTION, check_reason

MODE_WEB = "web"


class LinkInvalid(NotFound):
    """Unknown, expired, not yet open, or the person has left the study.

    ``language`` is the person's own language when the link was theirs (so the page that says
    the link no longer works speaks it); None for a link nobody has.
    """

    def __init__(self, language: str | None = None) -> None:
        super().__init__(N_("This link does not work."))
        self.language = language


class AlreadySubmitted(Conflict):
    def __init__(self) -> None:
        super().__init__(N_("You have already sent in this questionnaire."))


class InvalidAnswers(Exception):
    """Some items did not validate; nothing was stored. ``result`` says which and why."""

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
    # Most stored answers are whole numbers on a scale: reading them without the JSON parser
    # makes a large export about a third faster (json.dumps writes them as plain ASCII digits).
    if value_json.isascii() and value_json.isdigit():
        return int(value_json)
    value = json.loads(value_json)
    return tuple(value) if isinstance(value, list) else value


_STATE_COLUMNS = """
    w.id AS wave_id, w.label, w.months, w.status AS wave_status, w.opens_at, w.closes_at,
    w.instrument_version AS wave_instrument, w.language AS wave_language,
    p.id AS participant_id, p.study_id, p.status AS participant_status, p.language,
    s.instrument_version
"""
_STATE_JOINS = """
    FROM link_token t
    JOIN wave w ON w.id = t.wave
    JOIN participant p ON p.id = w.participant
    JOIN study s ON s.id = p.study
"""
# One round trip for the link, its wave, the participant, the study and the answers saved so
# far (one row per answer, or one row with no answer): this runs on every request of the form,
# where building the same joins through the ORM costs more than the query itself.
_LINK_SQL = f"""
    SELECT {_STATE_COLUMNS}, a.item_id, a.value_json
    {_STATE_JOINS}
    LEFT JOIN answer a ON a.wave = w.id
    WHERE t.token_hash = {{token_hash}}
"""


def _form_state(rows: Sequence[Mapping], saved: Mapping[str, object], now: dt.datetime) -> FormState:
    if not rows:
        raise LinkInvalid()
    row = rows[0]
    answered = row["wave_status"] == "answered"
    open_now = row["opens_at"] <= now < row["closes_at"]
    if row["participant_status"] != "active" or row["wave_status"] == "withdrawn" or not (answered or open_now):
        raise LinkInvalid(language=row["language"])
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
        saved=dict(saved),
    )


def _saved(rows: Sequence[Mapping]) -> dict[str, object]:
    return {r["item_id"]: decode_value(r["value_json"]) for r in rows if r["item_id"] is not None}


async def open_link(token: str, now: dt.datetime | None = None) -> FormState:
    """The wave behind ``token``, for reading. Raises :class:`LinkInvalid` unless it can be
    answered or was."""
    if not looks_like_token(token):
        raise LinkInvalid()
    rows = await raw_query(_LINK_SQL, token_hash=hash_token(token))
    return _form_state(rows, _saved(rows), now or utcnow())


async def _open_link_for_writing(token: str, now: dt.datetime) -> FormState:
    """:func:`open_link` for a change, inside its write transaction.

    The wave row is locked first, so every change to one wave (page saves, the submission,
    staff entry) takes its locks in the same order (wave, then answers) and runs one after
    another. The answers are read only after the lock is held: under READ COMMITTED a
    statement that waited for a row lock still sees the other tables as they were when it
    started, so reading them in the locking statement could miss the writer it waited for.
    """
    if not looks_like_token(token):
        raise LinkInvalid()
    rows = await raw_query(
        f"SELECT {_STATE_COLUMNS} {_STATE_JOINS} WHERE t.token_hash = {{token_hash}} {row_lock('w')}",
        token_hash=hash_token(token),
    )
    state = _form_state(rows, {}, now)
    answers = await raw_query("SELECT item_id, value_json FROM answer WHERE wave = {wave}", wave=state.wave_id)
    return dataclasses.replace(state, saved=_saved(answers))


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


@transactional
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
    state = await _open_link_for_writing(token, now)
    if state.submitted:
        raise AlreadySubmitted()
    sections = section_ids(state)
    if section_id not in sections:
        raise LinkInvalid()
    language = chosen_language or state.language
    items, _, result = _checked_page(state, section_id, fields, language)
    if not result.ok:
        raise InvalidAnswers(result)
    item_ids = [item.id for item in items]
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
        await Wave.update(changes).where(Wave.id == state.wave_id)
    return PageSaved(sections=sections, position=sections.index(section_id))


def _checked_page(
    state: FormState, section_id: str, fields: Mapping[str, Sequence[str]], language: str
) -> tuple[list[Item], dict[str, object], ValidationResult]:
    items = state.instrument.section_items(section_id, state.wave_label)
    values = form_values(items, fields)
    result = validate_answers(
        state.instrument,
        values,
        wave=state.wave_label,
        lang=language,
        item_ids=[item.id for item in items],
        context=state.saved,
    )
    return items, values, result


def recheck_page(
    state: FormState, section_id: str, fields: Mapping[str, Sequence[str]], language: str
) -> tuple[dict[str, object], Mapping]:
    """The values and errors of a page that :func:`save_page` refused, for showing it again
    after the redirect (the same check, so the same errors, in ``language``)."""
    _, values, result = _checked_page(state, section_id, fields, language)
    return values, result.errors


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


@transactional
async def submit(token: str, chosen_language: str | None, now: dt.datetime | None = None) -> Submitted:
    """Send in the wave: unanswered items become skipped, scores are computed and stored.

    Idempotent: a second submission (double click, resent form, another tab) changes nothing
    and reports ``first_time=False``.
    """
    now = now or utcnow()
    state = await _open_link_for_writing(token, now)
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


@transactional
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
    rows = await raw_query(
        f"""
        SELECT w.label, w.instrument_version, p.study_id, p.study
        FROM wave w JOIN participant p ON p.id = w.participant
        WHERE w.id = {{wave_id}} {row_lock("w")}
        """,
        wave_id=wave_id,
    )
    if not rows:
        raise NotFound(N_("No such wave."))
    row = rows[0]
    study = await study_by_id(row["study"])
    instrument = load_instrument(row["instrument_version"] or study.instrument_version)
    result = validate_answers(instrument, submitted, wave=row["label"], lang=language)
    if not result.ok:
        raise InvalidAnswers(result)
    return await _finish_wave(
        wave_id=wave_id,
        study_id=row["study_id"],
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
    # of an answered wave, checks a claimed one again before sending it, and its next pass
    # marks them cancelled.
    await audit.record(actor, "wave.submit", "participant", study_id, {"wave": wave_label, "mode": mode})
    return True


def first_unseen_section(state: FormState) -> str | None:
    """The first page with a question the person has not seen yet (where to resume)."""
    for section_id in section_ids(state):
        for item in state.instrument.section_items(section_id, state.wave_label):
            if item.id not in state.saved and item.applies(state.saved):
                return section_id
    return None


@transactional
async def withdraw_participant(
    participant_id: int,
    actor: audit.Actor,
    now: dt.datetime | None = None,
    reason: object = None,
    details: Mapping[str, object] | None = None,
) -> None:
    """Stop everything at once: no further messages (claimed ones included), open links stop
    working, one audit entry.

    ``reason`` is what the person said, as typed (checked by
    :func:`survey_app.services.withdrawal.check_reason`): it is kept on the participant for
    their specialist, and the audit entry records only whether one was given. ``details`` go
    into the audit entry and must hold no identifying data. Withdrawing someone already
    withdrawn changes nothing.

    Raises
    ------
    InvalidInput
        The reason is too long; nothing is changed.
    NotFound
        No such participant.
    """
    now = now or utcnow()
    kept_reason = check_reason(reason)
    # A conditional update, not a read then a write: of two withdrawals at once (the job
    # seeker's link and the specialist's page), the second waits for the first's row lock,
    # finds the participant withdrawn and changes nothing.
    rows = await raw_query(
        """
        UPDATE participant SET status = 'withdrawn', withdrawn_at = {now}
        WHERE id = {id} AND status = 'active'
        RETURNING study_id
        """,
        now=now,
        id=participant_id,
    )
    if not rows:
        if not await Participant.exists().where(Participant.id == participant_id):
            raise NotFound(N_("No such job seeker."))
        return
    await ParticipantIdentity.update({ParticipantIdentity.withdrawal_reason: kept_reason}).where(
        ParticipantIdentity.participant == participant_id
    )
    await Wave.update({Wave.status: "withdrawn"}).where(
        (Wave.participant == participant_id) & Wave.status.is_in(["pending", "in_progress"])
    )
    # Claimed ones too: a dispatcher checks each message again right before sending it.
    await OutgoingMessage.update(
        {OutgoingMessage.status: "cancelled", OutgoingMessage.reason: "withdrawn", OutgoingMessage.claim_token: None}
    ).where((OutgoingMessage.participant == participant_id) & OutgoingMessage.status.is_in(["queued", "claimed"]))
    await audit.record(
        actor,
        WITHDRAW_ACTION,
        "participant",
        rows[0]["study_id"],
        {**(details or {}), "reason_given": bool(kept_reason)},
    )


async def withdraw_by_link(token: str, now: dt.datetime | None = None, *, reason: object = None) -> None:
    """The job seeker leaves the study through their link, with an optional ``reason``."""
    state = await open_link(token, now)
    await withdraw_participant(state.participant_id, audit.JOB_SEEKER, now, reason=reason)
