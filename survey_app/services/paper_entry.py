"""Typing in returned paper forms: a first entry, an independent second entry by another
person, and where the two differ, a decision by a third; only then do the answers count.

Every question of a wave must be accounted for on paper: an answer, or one of two explicit
marks, *not answered* or *unreadable / two boxes ticked*. The answers themselves are checked
by the very rule the web form uses (``answering.form_values`` and
``instruments.validate_answers``), so a value that the job seeker could not have sent on the
web cannot be typed in either. The marks stay in the entries (``PaperEntry.entry_json``); the
wave's answers know only answered and skipped, so both marks are stored as skipped.

The entry page shows the study ID, wave and programme, never a name: any job specialist or
administrator may type a form in, which is what makes a second, independent person possible.
The second person never sees the first entry, and the two authors never decide between
their own entries. Each write locks the wave's row first and then reads the entries (one
lock order), and a unique index on (wave, round) is the backstop.

A form is accepted for a wave that has opened, even after its window closed (the post is
slow), as long as it is not answered and the job seeker takes part.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from instruments import Instrument, load_instrument, validate_answers
from survey_app.db.engine import insert_rows, raw_query, row_lock, transactional
from survey_app.db.tables import PaperEntry
from survey_app.i18n import N_, gettext
from survey_app.services import audit
from survey_app.services.answering import InvalidAnswers, form_values, record_complete_response
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import Conflict, Forbidden, NotFound
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import study_by_id

ENTRY_ROLES = ("specialist", "admin")
ANSWERED = "answered"
MARKS = ("not_answered", "unreadable")
FIRST, SECOND, RESOLUTION = 1, 2, 3
MODE_PAPER = "paper"

NO_FORM = N_("No paper form with this study ID or code.")
BOTH = N_("Choose an answer or mark the question, not both.")
NEITHER = N_("Enter the answer, or mark the question as not answered or unreadable.")
UNKNOWN_MARK = N_("Choose one of the marks shown.")
SAME_PERSON_SECOND = N_("You typed in the first entry of this form: another person must make the second.")
SAME_PERSON_RESOLVES = N_("You typed in one of the two entries: a third person must decide where they differ.")
ALREADY_ANSWERED = N_("This questionnaire is already answered: nothing more can be typed in.")
NOT_TAKING_PART = N_("The job seeker has left the study: this form is not typed in.")
STAGE_CHANGED = N_("Someone else saved an entry of this form just now. Look at the form again.")

# A printed code: the study ID (its hyphen optional) and the wave, in any case and spacing.
_CODE = re.compile(r"^\s*([0-9A-Za-z]{4})-?([0-9A-Za-z]{4})\s*(T[0-9]{1,2})?\s*$", re.IGNORECASE)


def mark_field(item_id: str) -> str:
    """The form field carrying a mark for ``item_id``."""
    return f"mark-{item_id}"


@dataclass(frozen=True)
class ItemEntry:
    """What one entry says about one question: ``mark`` is ``answered`` (with ``value``, an
    int or a tuple of codes), ``not_answered`` or ``unreadable`` (value None)."""

    mark: str
    value: object = None


@dataclass(frozen=True)
class EntryCheck:
    """A checked entry: ``entry`` per question that applies, the fields as typed (to show
    again) and an error message per question, in the staff member's language."""

    entry: dict[str, ItemEntry]
    values: dict[str, list[str]]
    errors: dict[str, str]

    @property
    def ok(self) -> bool:
        return not self.errors


class InvalidEntry(Exception):
    """Some questions did not check out; nothing was stored. ``check`` says which and why."""

    def __init__(self, check: EntryCheck) -> None:
        super().__init__(f"{len(check.errors)} question(s) with an error")
        self.check = check


def check_entry(
    instrument: Instrument,
    wave_label: str,
    fields: Mapping[str, Sequence[str]],
    lang: str,
    *,
    item_ids: Iterable[str] | None = None,
    context: Mapping[str, object] | None = None,
) -> EntryCheck:
    """Check one entry of a paper form (or of the questions in ``item_ids``).

    Parameters
    ----------
    instrument, wave_label
        The questionnaire and the wave the form belongs to.
    fields : mapping
        Form fields, each with its list of values: the answer under the item id (as the web
        form sends it) and a mark under :func:`mark_field`.
    lang : str
        Language of the error messages.
    item_ids : iterable of str, optional
        Check only these questions (a decision on the differing ones).
    context : mapping, optional
        Clean values of the other questions, for the conditions of these.

    Returns
    -------
    EntryCheck
        A question that applies needs an answer or a mark, not both; answers pass the web
        form's validation. A question whose condition is not met must stay empty (a mark on
        it is ignored).
    """
    wanted = None if item_ids is None else set(item_ids)
    items = [item for item in instrument.items_for_wave(wave_label) if wanted is None or item.id in wanted]
    errors: dict[str, str] = {}
    marks: dict[str, str] = {}
    for item in items:
        given = [value for value in fields.get(mark_field(item.id), ()) if value]
        if not given:
            continue
        if len(given) > 1 or given[0] not in MARKS:
            errors[item.id] = gettext(lang, UNKNOWN_MARK)
        elif any(str(value).strip() for value in fields.get(item.id, ())):
            errors[item.id] = gettext(lang, BOTH)
        else:
            marks[item.id] = given[0]
    unmarked = {key: value for key, value in fields.items() if key not in marks}
    values = form_values(items, unmarked)
    # The web form's own rule: the marked questions count as skipped.
    result = validate_answers(
        instrument,
        {**values, **dict.fromkeys(marks)},
        wave=wave_label,
        lang=lang,
        item_ids=[item.id for item in items],
        context=context,
    )
    entry: dict[str, ItemEntry] = {}
    for item in items:
        if item.id in errors:
            continue
        if item.id in result.errors:
            errors[item.id] = result.errors[item.id].message
        elif item.id in result.answers:
            answer = result.answers[item.id]
            if item.id in marks:
                entry[item.id] = ItemEntry(marks[item.id])
            elif answer.skipped:
                errors[item.id] = gettext(lang, NEITHER)
            else:
                entry[item.id] = ItemEntry(ANSWERED, answer.value)
    typed = {key: [str(value) for value in fields.get(key, ())] for key in fields}
    return EntryCheck(
        entry=entry, values=typed, errors={item.id: errors[item.id] for item in items if item.id in errors}
    )


def _encode(entry: Mapping[str, ItemEntry]) -> str:
    return json.dumps(
        {
            item_id: {"mark": e.mark, "value": list(e.value) if isinstance(e.value, tuple) else e.value}
            for item_id, e in entry.items()
        }
    )


def _decode(text: str) -> dict[str, ItemEntry]:
    return {
        item_id: ItemEntry(e["mark"], tuple(e["value"]) if isinstance(e["value"], list) else e["value"])
        for item_id, e in json.loads(text).items()
    }


def _clean_values(entry: Mapping[str, ItemEntry]) -> dict[str, object]:
    """The entry as the wave's answers: the marks are skipped (None)."""
    return {item_id: e.value if e.mark == ANSWERED else None for item_id, e in entry.items()}


@dataclass(frozen=True)
class Mismatch:
    item_id: str
    first: ItemEntry
    second: ItemEntry


@dataclass(frozen=True)
class EntryInfo:
    """Who typed in an entry and when, never what."""

    round: int
    entered_at: dt.datetime
    entered_by: str | None
    by_viewer: bool


@dataclass(frozen=True)
class EntryState:
    """A returned form as the viewer may see it. ``stage`` is what comes next:

    ``first`` (nothing entered), ``second`` (the viewer may make the second entry),
    ``wait_second`` (the viewer made the first), ``resolve`` (the entries differ and the
    viewer made neither), ``wait_resolve`` (they differ and the viewer made one),
    ``verified`` (answered from paper), ``answered`` (answered by e-mail link), ``closed``
    (the job seeker left). ``mismatches`` and ``agreed`` are filled only for ``resolve``.
    """

    study_id: str
    wave_label: str
    wave_id: int
    programme: str
    language: str
    instrument: Instrument
    opens_at: dt.datetime
    closes_at: dt.datetime
    double_entry: bool
    stage: str
    entries: tuple[EntryInfo, ...]
    mismatches: tuple[Mismatch, ...] = ()
    agreed: dict[str, ItemEntry] = dataclasses.field(default_factory=dict)


def _check_role(viewer: StaffPrincipal) -> None:
    if viewer.role not in ENTRY_ROLES:
        raise Forbidden(N_("Only job specialists and administrators type in paper forms."))


def _normalised(text: object) -> tuple[str, str | None] | None:
    if not isinstance(text, str) or len(text) > 40:
        return None
    match = _CODE.match(text)
    if match is None:
        return None
    first, second, wave = match.groups()
    return f"{first}-{second}".upper(), wave.upper() if wave else None


async def find_form(text: str, now: dt.datetime | None = None) -> tuple[str, str]:
    """The (study ID, wave) a typed or scanned code names: the printed code (``7K3Q-9PXA
    T2``, in any case, with or without the hyphen) or a bare study ID, which names the
    earliest wave that has opened and is not answered or withdrawn."""
    now = now or utcnow()
    parsed = _normalised(text)
    if parsed is None or not looks_like_study_id(parsed[0]):
        raise NotFound(NO_FORM)
    study_id, wave = parsed
    rows = await raw_query(
        """
        SELECT w.label, w.status FROM wave w JOIN participant p ON p.id = w.participant
        WHERE p.study_id = {study_id} AND w.opens_at <= {now}
        ORDER BY w.opens_at
        """,
        study_id=study_id,
        now=now,
    )
    if wave is not None:
        if any(row["label"] == wave for row in rows):
            return study_id, wave
        raise NotFound(NO_FORM)
    for row in rows:
        if row["status"] in ("pending", "in_progress"):
            return study_id, row["label"]
    raise NotFound(NO_FORM)


async def _wave(study_id: str, wave_label: str, now: dt.datetime, *, lock: bool) -> dict:
    if not looks_like_study_id(study_id) or len(wave_label) > 4:
        raise NotFound(NO_FORM)
    rows = await raw_query(
        f"""
        SELECT w.id, w.label, w.status, w.mode, w.opens_at, w.closes_at, w.instrument_version,
            p.study_id, p.programme, p.language, p.status AS participant_status, p.study
        FROM wave w JOIN participant p ON p.id = w.participant
        WHERE p.study_id = {{study_id}} AND w.label = {{label}} AND w.opens_at <= {{now}}
        {row_lock("w") if lock else ""}
        """,
        study_id=study_id,
        label=wave_label,
        now=now,
    )
    if not rows:
        raise NotFound(NO_FORM)
    return rows[0]


async def _entries(wave_id: int) -> list[dict]:
    return await raw_query(
        """
        SELECT e.round, e.entered_at, e.entered_by, e.entry_json, s.display_name
        FROM paper_entry e LEFT JOIN staff s ON s.id = e.entered_by
        WHERE e.wave = {wave} ORDER BY e.round
        """,
        wave=wave_id,
    )


def _compare(first: Mapping[str, ItemEntry], second: Mapping[str, ItemEntry]) -> tuple[list[str], dict]:
    differing = [item_id for item_id in {**first, **second} if first.get(item_id) != second.get(item_id)]
    agreed = {item_id: entry for item_id, entry in first.items() if item_id not in differing}
    return differing, agreed


async def _state(viewer: StaffPrincipal, wave: dict, entries: list[dict]) -> EntryState:
    study = await study_by_id(wave["study"])
    instrument = load_instrument(wave["instrument_version"] or study.instrument_version)
    authors = {row["round"]: row["entered_by"] for row in entries}
    mismatches: tuple[Mismatch, ...] = ()
    agreed: dict[str, ItemEntry] = {}
    if wave["status"] == "answered":
        stage = "verified" if wave["mode"] == MODE_PAPER else "answered"
    elif wave["participant_status"] != "active" or wave["status"] == "withdrawn":
        stage = "closed"
    elif FIRST not in authors:
        stage = "first"
    elif SECOND not in authors:
        stage = "wait_second" if authors[FIRST] == viewer.id else "second"
    elif viewer.id in (authors[FIRST], authors[SECOND]):
        stage = "wait_resolve"
    else:
        stage = "resolve"
        by_round = {row["round"]: _decode(row["entry_json"]) for row in entries}
        differing, agreed = _compare(by_round[FIRST], by_round[SECOND])
        missing = ItemEntry("not_answered")
        order = [item.id for item in instrument.items_for_wave(wave["label"])]
        mismatches = tuple(
            Mismatch(item_id, by_round[FIRST].get(item_id, missing), by_round[SECOND].get(item_id, missing))
            for item_id in sorted(differing, key=order.index)
        )
    return EntryState(
        study_id=wave["study_id"],
        wave_label=wave["label"],
        wave_id=wave["id"],
        programme=wave["programme"],
        language=wave["language"],
        instrument=instrument,
        opens_at=wave["opens_at"],
        closes_at=wave["closes_at"],
        double_entry=study.double_entry,
        stage=stage,
        entries=tuple(
            EntryInfo(row["round"], row["entered_at"], row["display_name"], row["entered_by"] == viewer.id)
            for row in entries
        ),
        mismatches=mismatches,
        agreed=agreed,
    )


async def entry_state(
    viewer: StaffPrincipal, study_id: str, wave_label: str, now: dt.datetime | None = None
) -> EntryState:
    """The form of ``study_id``'s wave ``wave_label`` as ``viewer`` may see it (NotFound for
    an unknown form or a wave that has not opened)."""
    _check_role(viewer)
    wave = await _wave(study_id, wave_label, now or utcnow(), lock=False)
    return await _state(viewer, wave, await _entries(wave["id"]))


async def _store(wave_id: int, round_: int, viewer: StaffPrincipal, entry: Mapping, state: EntryState, now) -> None:
    written = await insert_rows(
        PaperEntry,
        ("wave", "round", "entered_by", "entered_at", "language", "instrument_version", "entry_json"),
        [(wave_id, round_, viewer.id, now, state.language, state.instrument.version, _encode(entry))],
        "ON CONFLICT DO NOTHING RETURNING id",
    )
    if not written:  # the unique (wave, round) index: someone else's entry came first
        raise Conflict(STAGE_CHANGED)


async def _verify(viewer: StaffPrincipal, state: EntryState, entry: Mapping[str, ItemEntry], lang: str, now) -> None:
    try:
        stored = await record_complete_response(
            state.wave_id,
            _clean_values(entry),
            mode=MODE_PAPER,
            language=state.language,
            actor=audit.Actor.staff(viewer.id),
            now=now,
        )
    except InvalidAnswers:
        # The same check again, for its messages in the staff member's language.
        result = validate_answers(state.instrument, _clean_values(entry), wave=state.wave_label, lang=lang)
        errors = {item_id: error.message for item_id, error in result.errors.items()}
        raise InvalidEntry(EntryCheck(entry=dict(entry), values={}, errors=errors)) from None
    if not stored:
        raise Conflict(ALREADY_ANSWERED)


async def _locked_state(viewer: StaffPrincipal, study_id: str, wave_label: str, now: dt.datetime) -> EntryState:
    _check_role(viewer)
    wave = await _wave(study_id, wave_label, now, lock=True)
    state = await _state(viewer, wave, await _entries(wave["id"]))
    if state.stage in ("verified", "answered"):
        raise Conflict(ALREADY_ANSWERED)
    if state.stage == "closed":
        raise Conflict(NOT_TAKING_PART)
    return state


def _audit(viewer: StaffPrincipal, action: str, state: EntryState, **details) -> object:
    return audit.record(
        audit.Actor.staff(viewer.id), action, "participant", state.study_id, {"wave": state.wave_label, **details}
    )


@transactional
async def submit_entry(
    viewer: StaffPrincipal,
    study_id: str,
    wave_label: str,
    fields: Mapping[str, Sequence[str]],
    lang: str,
    now: dt.datetime | None = None,
) -> EntryState:
    """Store the first or the second entry of a form (by whoever may make it now); returns
    the form's state after it.

    With double entry off, the first entry verifies the form at once. With it on, the second
    entry (by another person) verifies it when the two agree on every question, and leaves
    the differences for a third person otherwise.

    Raises
    ------
    InvalidEntry
        A question has an error; nothing is stored.
    Conflict
        The viewer made the first entry, the form awaits a decision, or it is answered.
    """
    now = now or utcnow()
    state = await _locked_state(viewer, study_id, wave_label, now)
    if state.stage == "wait_second":
        raise Conflict(SAME_PERSON_SECOND)
    if state.stage not in ("first", "second"):
        raise Conflict(SAME_PERSON_RESOLVES if state.stage == "wait_resolve" else STAGE_CHANGED)
    check = check_entry(state.instrument, state.wave_label, fields, lang)
    if not check.ok:
        raise InvalidEntry(check)
    round_ = FIRST if state.stage == "first" else SECOND
    await _store(state.wave_id, round_, viewer, check.entry, state, now)
    await _audit(viewer, "paper.entry", state, round=round_)
    if round_ == FIRST and state.double_entry:
        return await _state_after(viewer, state, now)
    if round_ == SECOND:
        first = next(_decode(row["entry_json"]) for row in await _entries(state.wave_id) if row["round"] == FIRST)
        differing, _ = _compare(first, check.entry)
        if differing:
            await _audit(viewer, "paper.mismatch", state, items=len(differing))
            return await _state_after(viewer, state, now)
    await _verify(viewer, state, check.entry, lang, now)
    return await _state_after(viewer, state, now)


@transactional
async def resolve_entry(
    viewer: StaffPrincipal,
    study_id: str,
    wave_label: str,
    fields: Mapping[str, Sequence[str]],
    lang: str,
    now: dt.datetime | None = None,
) -> EntryState:
    """A third person's decision on the questions where the two entries differ: the agreed
    answers and the decided ones become the wave's answers (mode paper).

    Raises
    ------
    InvalidEntry
        A decided question has an error, or the whole no longer checks out (a decided
        condition leaves an agreed follow-up without its condition); nothing is stored.
    Conflict
        The viewer made one of the entries, or the form is not awaiting a decision.
    """
    now = now or utcnow()
    state = await _locked_state(viewer, study_id, wave_label, now)
    if state.stage != "resolve":
        raise Conflict(SAME_PERSON_RESOLVES if state.stage == "wait_resolve" else STAGE_CHANGED)
    differing = [mismatch.item_id for mismatch in state.mismatches]
    check = check_entry(
        state.instrument,
        state.wave_label,
        fields,
        lang,
        item_ids=differing,
        context=_clean_values(state.agreed),
    )
    if not check.ok:
        raise InvalidEntry(check)
    decided = {**state.agreed, **check.entry}
    await _store(state.wave_id, RESOLUTION, viewer, decided, state, now)
    await _audit(viewer, "paper.resolve", state, items=len(differing))
    await _verify(viewer, state, decided, lang, now)
    return await _state_after(viewer, state, now)


async def _state_after(viewer: StaffPrincipal, state: EntryState, now: dt.datetime) -> EntryState:
    wave = await _wave(state.study_id, state.wave_label, now, lock=False)
    return await _state(viewer, wave, await _entries(wave["id"]))


@dataclass(frozen=True)
class QueueItem:
    study_id: str
    wave_label: str
    stage: str
    entered_at: dt.datetime


async def entry_queue(viewer: StaffPrincipal, now: dt.datetime | None = None) -> list[QueueItem]:
    """Forms typed in once, or twice with differences, that still wait for someone, oldest
    first, with the stage as ``viewer`` sees it."""
    _check_role(viewer)
    rows = await raw_query(
        """
        SELECT p.study_id, w.label, e.round, e.entered_by, e.entered_at
        FROM paper_entry e JOIN wave w ON w.id = e.wave JOIN participant p ON p.id = w.participant
        WHERE w.status IN ('pending', 'in_progress') AND p.status = 'active'
        ORDER BY e.wave, e.round
        """
    )
    by_wave: dict[tuple[str, str], list[dict]] = {}
    for row in rows:
        by_wave.setdefault((row["study_id"], row["label"]), []).append(row)
    queue = []
    for (study_id, label), entries in by_wave.items():
        authors = {row["round"]: row["entered_by"] for row in entries}
        if SECOND in authors:
            stage = "wait_resolve" if viewer.id in authors.values() else "resolve"
        else:
            stage = "wait_second" if authors.get(FIRST) == viewer.id else "second"
        queue.append(QueueItem(study_id, label, stage, entries[-1]["entered_at"]))
    return sorted(queue, key=lambda item: item.entered_at)
