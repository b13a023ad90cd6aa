"""The study a deployment runs: its calendar, answer window, reminder policy and contact.

The *policy* (reminders, answer window, quiet hours, wave offsets, sender and contact person)
is edited by an administrator; :func:`update_policy` stores a change and moves the waves it
concerns. Messages are not stored with their due times: the dispatcher reads the current row
at every pass, so a change applies to every message not sent yet.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import itertools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple
from zoneinfo import ZoneInfo

from instruments import CURRENT_VERSION
from survey_app.db.engine import raw_query, row_lock, transactional, write_transaction
from survey_app.db.tables import Study, Wave
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import PlannedWave, closing_time, plan_waves, utcnow
from survey_app.services.errors import InvalidInput, NotFound
from survey_app.services.validation import normalise_email

DEFAULT_STUDY_CODE = "default"
DEFAULT_STUDY_NAME = "Arbeidsevne, mestringstro og forventning om arbeid"
PROGRAMMES = ("utvidet_oppfolging", "kvp", "external")


@dataclass(frozen=True)
class StudyConfig:
    id: int
    code: str
    name: str
    timezone: ZoneInfo
    wave_labels: tuple[str, ...]
    wave_offsets_months: tuple[int, ...]
    window_days: int
    reminder_days: tuple[int, ...]
    quiet_hours_start: int
    quiet_hours_end: int
    languages: tuple[str, ...]
    instrument_version: str
    contact_name: str
    contact_email: str
    contact_phone: str
    sender_name: str
    # Returned paper forms are typed in by two people and compared before they count.
    double_entry: bool


def _config(row: dict) -> StudyConfig:
    return StudyConfig(
        id=row["id"],
        code=row["code"],
        name=row["name"],
        timezone=ZoneInfo(row["timezone"]),
        wave_labels=tuple(row["wave_labels"]),
        wave_offsets_months=tuple(row["wave_offsets_months"]),
        window_days=row["window_days"],
        reminder_days=tuple(row["reminder_days"]),
        quiet_hours_start=row["quiet_hours_start"],
        quiet_hours_end=row["quiet_hours_end"],
        languages=tuple(row["languages"]),
        instrument_version=row["instrument_version"],
        contact_name=row["contact_name"],
        contact_email=row["contact_email"],
        contact_phone=row["contact_phone"],
        sender_name=row["sender_name"],
        double_entry=row["double_entry"],
    )


async def ensure_default_study() -> StudyConfig:
    """The study, created with the defaults of ``domain/study.md`` on first use."""
    async with write_transaction():
        row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
        if row is None:
            await Study.insert(
                Study(code=DEFAULT_STUDY_CODE, name=DEFAULT_STUDY_NAME, instrument_version=CURRENT_VERSION)
            )
            row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
    return _config(row)


async def current_study() -> StudyConfig:
    row = await Study.select().where(Study.code == DEFAULT_STUDY_CODE).first()
    if row is None:
        raise NotFound(N_("No study is set up yet: run 'mestring migrate'."))
    return _config(row)


async def study_by_id(study_id: int) -> StudyConfig:
    row = await Study.select().where(Study.id == study_id).first()
    if row is None:
        raise NotFound(N_("No study is set up yet: run 'mestring migrate'."))
    return _config(row)


async def study_for_writing(study_id: int, exclusive: bool = False) -> StudyConfig:
    """The study's settings as they are now, its row locked until the write transaction ends:
    shared (enrolments plan waves from it, so a policy edit waits for them, and they for the
    edit) or exclusive (a cohort import, which checks addresses across the whole study).
    Read after the lock is held, so a policy edit committed meanwhile is seen."""
    await raw_query(f"SELECT id FROM study WHERE id = {{id}} {row_lock('study', share=not exclusive)}", id=study_id)
    return await study_by_id(study_id)


# --- the policy an administrator edits -------------------------------------------------------

MAX_REMINDERS = 5
MAX_WINDOW_DAYS = 365
MAX_WAVE_OFFSET_MONTHS = 60
# Unicode categories a one-line text (the sender name goes into a mail header) must not hold:
# control characters (CR, LF, tab...), invisible formatting such as right-to-left overrides
# (they disguise a sender), and line and paragraph separators.
_NOT_ONE_LINE = frozenset({"Cc", "Cf", "Zl", "Zp"})
# Six digits at most: int() of a long enough string of digits raises instead of refusing.
_WHOLE_NUMBER = re.compile(r"[+-]?[0-9]{1,6}")
_LIST_SEPARATOR = re.compile(r"[,\s]+")
# "21-08", also as written in Norway ("21.00–08.00") or with colons.
_HOUR_SPAN = re.compile(r"([0-9]{1,2})(?:[.:]00)?\s*[-–]\s*([0-9]{1,2})(?:[.:]00)?")


@dataclass(frozen=True)
class StudyPolicy:
    """What an administrator may change about the study. The field names are those of the
    settings form and, with dashes, of the ``mestring study`` options."""

    # Calendar months after enrolment, one per wave label, the first 0.
    wave_offsets: tuple[int, ...]
    window_days: int
    # Days after a wave opens, increasing, each before the window ends.
    reminder_days: tuple[int, ...]
    # (start, end), whole hours of the study's local time; 21-08 passes midnight, equal: none.
    quiet_hours: tuple[int, int]
    sender_name: str
    contact_name: str
    contact_email: str
    contact_phone: str
    # Returned paper forms typed in by two people and compared (services/paper_entry.py).
    double_entry: bool


POLICY_FIELDS = tuple(field.name for field in dataclasses.fields(StudyPolicy))

REMINDER_DAYS_FORMAT = N_("Write the reminder days as whole numbers separated by commas, such as 7,14.")
WAVE_OFFSETS_FORMAT = N_("Write the wave offsets as whole months separated by commas, such as 0,3,12,18.")
WINDOW_DAYS_RANGE = N_("The answer window is a whole number of days from 1 to 365.")
QUIET_HOURS_FORMAT = N_("Give the quiet hours as two whole hours from 0 to 23, such as 21-08.")
REMINDER_AFTER_WINDOW = N_("Each reminder must come before the answer window ends: use fewer days than the window.")


class _TextRule(NamedTuple):
    longest: int
    not_one_line: str
    too_long: str


_TEXT_RULES = {
    "sender_name": _TextRule(
        200,
        N_("Write the sender name on one line, without line breaks or control characters."),
        N_("The sender name can be at most 200 characters long."),
    ),
    "contact_name": _TextRule(
        200,
        N_("Write the contact person's name on one line, without line breaks or control characters."),
        N_("The contact person's name can be at most 200 characters long."),
    ),
    "contact_phone": _TextRule(
        40,
        N_("Write the phone number on one line, without line breaks or control characters."),
        N_("The phone number can be at most 40 characters long."),
    ),
}
CONTACT_EMAIL_INVALID = N_(
    "Enter a valid e-mail address for the contact person, such as navn@example.no, or leave the field empty."
)
_EMAIL_RULE = _TextRule(254, CONTACT_EMAIL_INVALID, CONTACT_EMAIL_INVALID)


class _Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def policy_of(study: StudyConfig) -> StudyPolicy:
    """The study's current policy."""
    return StudyPolicy(
        wave_offsets=study.wave_offsets_months,
        window_days=study.window_days,
        reminder_days=study.reminder_days,
        quiet_hours=(study.quiet_hours_start, study.quiet_hours_end),
        sender_name=study.sender_name,
        contact_name=study.contact_name,
        contact_email=study.contact_email,
        contact_phone=study.contact_phone,
        double_entry=study.double_entry,
    )


def policy_text(policy: StudyPolicy) -> dict[str, str]:
    """Each field as the text :func:`check_policy` reads back, for a form to show."""
    return {
        "wave_offsets": ",".join(map(str, policy.wave_offsets)),
        "window_days": str(policy.window_days),
        "reminder_days": ",".join(map(str, policy.reminder_days)),
        "quiet_hours": "{:02d}-{:02d}".format(*policy.quiet_hours),
        "sender_name": policy.sender_name,
        "contact_name": policy.contact_name,
        "contact_email": policy.contact_email,
        "contact_phone": policy.contact_phone,
        "double_entry": "on" if policy.double_entry else "off",
    }


def check_policy(raw: Mapping[str, object], study: StudyConfig) -> StudyPolicy:
    """A checked :class:`StudyPolicy` for ``study`` from ``raw`` values.

    Values may be text as typed in a form or on the command line (``"7,14"``, ``"30"``,
    ``"21-08"``, ``"0,3,12,18"``) or already typed (a sequence of ints, an int, a pair of
    hours). A field that ``raw`` lacks (or gives as None) keeps the study's current value.

    Raises
    ------
    InvalidInput
        With an English msgid for every field that is wrong, all of them at once.
    """
    current = policy_of(study)
    checks = {
        "wave_offsets": functools.partial(_wave_offsets, waves=len(study.wave_labels)),
        "window_days": _window_days,
        "reminder_days": _reminder_days,
        "quiet_hours": _quiet_hours,
        "contact_email": _contact_email,
        "double_entry": _on_or_off,
        **{name: functools.partial(_one_line, rule=rule) for name, rule in _TEXT_RULES.items()},
    }
    checked: dict[str, object] = {}
    errors: dict[str, str] = {}
    for name in POLICY_FIELDS:
        value = raw.get(name)
        try:
            checked[name] = checks[name](getattr(current, name) if value is None else value)
        except _Refused as refused:
            errors[name] = refused.message
    window = checked.get("window_days")
    if window is not None and any(day >= window for day in checked.get("reminder_days", ())):
        errors["reminder_days"] = REMINDER_AFTER_WINDOW
    if errors:
        raise InvalidInput({name: errors[name] for name in POLICY_FIELDS if name in errors})
    return StudyPolicy(**checked)


DOUBLE_ENTRY_CHOICE = N_("Choose whether paper forms are typed in twice: on or off.")


def _on_or_off(value: object) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("on", "yes", "true", "1"):
        return True
    if text in ("off", "no", "false", "0"):
        return False
    raise _Refused(DOUBLE_ENTRY_CHOICE)


def _whole_number(value: object, message: str) -> int:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_NUMBER.fullmatch(value.strip()):
        return int(value)
    raise _Refused(message)


def _whole_numbers(value: object, message: str) -> tuple[int, ...]:
    """``"7,14"``, ``"7, 14"`` or ``[7, 14]`` as ``(7, 14)``; empty text is no numbers."""
    parts = _LIST_SEPARATOR.split(value.strip()) if isinstance(value, str) else value
    if not isinstance(parts, Sequence):
        raise _Refused(message)
    return tuple(_whole_number(part, message) for part in parts if part != "")


def _increasing(numbers: Sequence[int]) -> bool:
    return all(earlier < later for earlier, later in itertools.pairwise(numbers))


def _reminder_days(value: object) -> tuple[int, ...]:
    days = _whole_numbers(value, REMINDER_DAYS_FORMAT)
    if len(days) > MAX_REMINDERS:
        raise _Refused(N_("At most five reminders."))
    if any(day < 1 for day in days):
        raise _Refused(N_("A reminder comes at least one day after the wave opens."))
    if not _increasing(days):
        raise _Refused(N_("Write the reminder days in increasing order, each day once, such as 7,14."))
    return days


def _window_days(value: object) -> int:
    days = _whole_number(value, WINDOW_DAYS_RANGE)
    if not 1 <= days <= MAX_WINDOW_DAYS:
        raise _Refused(WINDOW_DAYS_RANGE)
    return days


def _quiet_hours(value: object) -> tuple[int, int]:
    if isinstance(value, str):
        match = _HOUR_SPAN.fullmatch(value.strip())
        value = match.groups() if match else ()
    if not isinstance(value, Sequence) or len(value) != 2:
        raise _Refused(QUIET_HOURS_FORMAT)
    start, end = (_whole_number(hour, QUIET_HOURS_FORMAT) for hour in value)
    if not (0 <= start <= 23 and 0 <= end <= 23):
        raise _Refused(QUIET_HOURS_FORMAT)
    return start, end


def _wave_offsets(value: object, waves: int) -> tuple[int, ...]:
    months = _whole_numbers(value, WAVE_OFFSETS_FORMAT)
    if len(months) != waves:
        raise _Refused(N_("Give exactly one number of months for each wave of the study."))
    if months[0] != 0:
        raise _Refused(N_("The first wave opens at enrolment: its offset must be 0."))
    if not _increasing(months):
        raise _Refused(N_("Each wave must come later than the one before: write increasing numbers of months."))
    if months[-1] > MAX_WAVE_OFFSET_MONTHS:
        raise _Refused(N_("A wave can open at most 60 months (five years) after enrolment."))
    return months


def _one_line(value: object, rule: _TextRule) -> str:
    if not isinstance(value, str) or any(unicodedata.category(char) in _NOT_ONE_LINE for char in value):
        raise _Refused(rule.not_one_line)
    text = " ".join(value.split())
    if len(text) > rule.longest:
        raise _Refused(rule.too_long)
    return text


def _contact_email(value: object) -> str:
    text = _one_line(value, _EMAIL_RULE)
    if not text:
        return ""
    address = normalise_email(text)
    if address is None:
        raise _Refused(CONTACT_EMAIL_INVALID)
    return address


@dataclass(frozen=True)
class PolicyChange:
    """What :func:`update_policy` did."""

    study: StudyConfig
    # Field -> (old value, new value), as in :class:`StudyPolicy`; empty when nothing changed.
    changes: dict[str, tuple[object, object]]
    # Waves that had not opened and got a new opening date ...
    waves_moved: int
    # ... of which this many got a date that has already passed (they open at once).
    moved_into_past: int
    # Waves that kept their opening date but got a new closing time.
    deadlines_changed: int


@transactional
async def update_policy(
    study_id: int, raw: Mapping[str, object], actor: audit.Actor, now: dt.datetime | None = None
) -> PolicyChange:
    """Check ``raw`` against the study as it is (see :func:`check_policy`), store it, move the
    waves it concerns and record one audit entry: all of it, or nothing.

    How waves follow a change made at ``now``:

    - New wave offsets or a new window: each wave that has not opened yet (pending, opening
      after ``now``) gets the dates :func:`~survey_app.services.calendar.plan_waves` gives
      for its participant's enrolment day. A new date that has passed opens the wave at once
      (the dispatcher invites as for any open wave); if its whole new window has passed too,
      the wave counts as missed.
    - A longer window also extends the waves open now (not answered, withdrawn or closed):
      they close ``window_days`` local days after they opened. A shorter window leaves them
      as they are: the invitation may have told the job seeker their last day.
    - Waves that have closed stay closed, and answered or withdrawn ones are never touched.

    Reminders, quiet hours, sender and contact are only stored: the dispatcher reads the
    current policy at every pass. Nothing is written, and nothing audited, when nothing
    changes.

    Raises
    ------
    InvalidInput
        Field -> English msgid, for every field that is wrong.
    NotFound
        No such study.
    """
    now = now or utcnow()
    # Two administrators saving at once: the second waits and compares with the first's result.
    await raw_query(f"SELECT id FROM study WHERE id = {{study_id}} {row_lock('study')}", study_id=study_id)
    study = await study_by_id(study_id)
    old, new = policy_of(study), check_policy(raw, study)
    changes = {
        name: (getattr(old, name), getattr(new, name))
        for name in POLICY_FIELDS
        if getattr(old, name) != getattr(new, name)
    }
    if not changes:
        return PolicyChange(study, {}, waves_moved=0, moved_into_past=0, deadlines_changed=0)
    await Study.update(_study_columns(new)).where(Study.id == study_id)
    study = await study_by_id(study_id)
    moves = []
    if {"wave_offsets", "window_days"} & changes.keys():
        moves += await _replanned_unopened_waves(study, now)
    if "window_days" in changes:
        moves += await _extended_open_waves(study, now)
    moved = await _move_waves(moves, now)
    result = PolicyChange(
        study,
        changes,
        waves_moved=sum(move.opens_at_changed for move in moved),
        moved_into_past=sum(move.opens_at_changed and move.opens_at <= now for move in moved),
        deadlines_changed=sum(not move.opens_at_changed for move in moved),
    )
    await audit.record(
        actor,
        "study.settings",
        "study",
        study.code,
        {
            "changes": {name: {"from": before, "to": after} for name, (before, after) in changes.items()},
            "waves_moved": result.waves_moved,
            "deadlines_changed": result.deadlines_changed,
        },
    )
    return result


def _study_columns(policy: StudyPolicy) -> dict:
    return {
        Study.reminder_days: list(policy.reminder_days),
        Study.window_days: policy.window_days,
        Study.quiet_hours_start: policy.quiet_hours[0],
        Study.quiet_hours_end: policy.quiet_hours[1],
        Study.wave_offsets_months: list(policy.wave_offsets),
        Study.sender_name: policy.sender_name,
        Study.contact_name: policy.contact_name,
        Study.contact_email: policy.contact_email,
        Study.contact_phone: policy.contact_phone,
        Study.double_entry: policy.double_entry,
    }


@dataclass(frozen=True)
class _WaveMove:
    wave_id: int
    months: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    opens_at_changed: bool


async def _replanned_unopened_waves(study: StudyConfig, now: dt.datetime) -> list[_WaveMove]:
    """The waves not opened yet whose dates differ from ``study``'s plan."""
    rows = await Wave.select(
        Wave.id, Wave.label, Wave.opens_at, Wave.closes_at, Wave.participant.enrolled_on.as_alias("enrolled_on")
    ).where((Wave.participant.study == study.id) & (Wave.status == "pending") & (Wave.opens_at > now))
    plans: dict[dt.date, dict[str, PlannedWave]] = {}
    moves = []
    for row in rows:
        day = row["enrolled_on"]
        if day not in plans:
            planned = plan_waves(day, study.wave_labels, study.wave_offsets_months, study.window_days, study.timezone)
            plans[day] = {wave.label: wave for wave in planned}
        wave = plans[day][row["label"]]
        if (wave.opens_at, wave.closes_at) != (row["opens_at"], row["closes_at"]):
            moves.append(
                _WaveMove(row["id"], wave.months, wave.opens_at, wave.closes_at, wave.opens_at != row["opens_at"])
            )
    return moves


async def _extended_open_waves(study: StudyConfig, now: dt.datetime) -> list[_WaveMove]:
    """The waves open now that ``study``'s window closes later than they do."""
    rows = await Wave.select(Wave.id, Wave.months, Wave.opens_at, Wave.closes_at).where(
        (Wave.participant.study == study.id)
        & Wave.status.is_in(["pending", "in_progress"])
        & (Wave.opens_at <= now)
        & (Wave.closes_at > now)
    )
    moves = []
    for row in rows:
        closes_at = closing_time(row["opens_at"].astimezone(study.timezone).date(), study.window_days, study.timezone)
        if closes_at > row["closes_at"]:
            moves.append(_WaveMove(row["id"], row["months"], row["opens_at"], closes_at, opens_at_changed=False))
    return moves


async def _move_waves(moves: Sequence[_WaveMove], now: dt.datetime) -> list[_WaveMove]:
    """Write ``moves``, one UPDATE per set of new dates (participants enrolled on the same day
    share them). Returns the moves written: a wave answered or withdrawn meanwhile is left."""
    by_dates: dict[tuple[int, dt.datetime, dt.datetime], list[_WaveMove]] = defaultdict(list)
    for move in moves:
        by_dates[(move.months, move.opens_at, move.closes_at)].append(move)
    written = []
    for (months, opens_at, closes_at), group in by_dates.items():
        updated = await (
            Wave.update({Wave.months: months, Wave.opens_at: opens_at, Wave.closes_at: closes_at})
            .where(
                Wave.id.is_in([move.wave_id for move in group])
                & Wave.status.is_in(["pending", "in_progress"])
                & (Wave.closes_at > now)
            )
            .returning(Wave.id)
        )
        ids = {row["id"] for row in updated}
        written += [move for move in group if move.wave_id in ids]
    return written
