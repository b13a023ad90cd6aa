"""Every Piccolo table of mestring, in one place.

Research data are keyed by the random ``Participant.study_id``; the identifying data (name,
e-mail, phone) live only in ``ParticipantIdentity`` so that exports and the researcher role
never need to touch that table. All times are stored in UTC (``Timestamptz``); the study's time
zone decides how calendars are planned and shown.

Uniqueness over several columns (one wave per label, one answer per item, one message per
kind and sequence) is made by unique indexes in a hand-written migration,
``survey_app_2026_11_22t22_10_00_unique_indexes.py``: Piccolo's ``Unique`` constraint is added
with ``ALTER TABLE ... ADD CONSTRAINT``, which SQLite does not have.
"""

from __future__ import annotations

from piccolo.columns import (
    Array,
    Boolean,
    Date,
    DoublePrecision,
    ForeignKey,
    Integer,
    SmallInt,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.columns.base import OnDelete
from piccolo.columns.defaults.timestamptz import TimestamptzNow
from piccolo.table import Table


class Staff(Table, tablename="staff"):
    """A staff account: job specialist, researcher or administrator."""

    email = Varchar(length=254, unique=True)
    display_name = Varchar(length=200)
    password_hash = Varchar(length=255)
    role = Varchar(length=20, index=True)
    office = Varchar(length=200, null=True, default=None, index=True)
    # A job specialist who leads their office sees the office's caseloads (set by an admin).
    office_lead = Boolean(default=False)
    active = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_login_at = Timestamptz(null=True, default=None)


class StaffSession(Table, tablename="staff_session"):
    """A logged-in browser. Only the SHA-256 of the cookie's random token is kept."""

    staff = ForeignKey(references=Staff, on_delete=OnDelete.cascade)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    expires_at = Timestamptz(index=True)
    last_seen_at = Timestamptz(default=TimestamptzNow())


class LoginThrottle(Table, tablename="login_throttle"):
    """Login attempts counted per key (account, client address, or the two together) in a
    fixed window. ``key_hash`` is a SHA-256, so typed addresses are not kept in clear."""

    key_hash = Varchar(length=64, unique=True)
    attempts = Integer(default=0)
    window_started_at = Timestamptz(index=True)


class FormFlash(Table, tablename="form_flash"):
    """Input of a form that failed validation, kept for the page shown after the redirect
    (post/redirect/get), so that reloading or going back never resubmits a form. The browser
    holds only a random key in a cookie; the hash of that key finds the row."""

    token_hash = Varchar(length=64, unique=True)
    payload_json = Text()
    expires_at = Timestamptz(index=True)


class Study(Table, tablename="study"):
    """A study's settings: calendar, answer window, reminder policy, languages, instrument."""

    code = Varchar(length=40, unique=True)
    name = Varchar(length=200)
    timezone = Varchar(length=64, default="Europe/Oslo")
    wave_labels = Array(base_column=Varchar(length=4), default=["T1", "T2", "T3", "T4"])
    wave_offsets_months = Array(base_column=Integer(), default=[0, 3, 12, 18])
    window_days = Integer(default=30)
    reminder_days = Array(base_column=Integer(), default=[7, 14])
    quiet_hours_start = SmallInt(default=21)
    quiet_hours_end = SmallInt(default=8)
    languages = Array(base_column=Varchar(length=5), default=["nb", "en", "nn"])
    instrument_version = Varchar(length=40)
    contact_name = Varchar(length=200, default="")
    contact_email = Varchar(length=254, default="")
    contact_phone = Varchar(length=40, default="")
    # The name invitations come from (the address is MESTRING_MAIL_FROM's); empty: its own.
    sender_name = Varchar(length=200, default="")
    # Returned paper forms are typed in twice, by two people, before they count (see
    # services/paper_entry.py); a study may turn that off.
    double_entry = Boolean(default=True)
    created_at = Timestamptz(default=TimestamptzNow())


class Participant(Table, tablename="participant"):
    """A job seeker in a study, known to research only by ``study_id``."""

    study = ForeignKey(references=Study, on_delete=OnDelete.restrict)
    study_id = Varchar(length=16, unique=True)
    programme = Varchar(length=40, index=True)
    specialist = ForeignKey(references=Staff, on_delete=OnDelete.restrict, index=True)
    contact_mode = Varchar(length=10)
    language = Varchar(length=5)
    consent_date = Date()
    consent_version = Varchar(length=40)
    enrolled_on = Date()
    status = Varchar(length=12, default="active", index=True)
    withdrawn_at = Timestamptz(null=True, default=None)
    created_at = Timestamptz(default=TimestamptzNow())


class ParticipantIdentity(Table, tablename="participant_identity"):
    """Identifying data, kept apart from research data and erased on request."""

    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True)
    name = Varchar(length=200)
    email = Varchar(length=254, null=True, default=None)
    # Lower-cased copy so that duplicate enrolments are found however the address was typed.
    email_normalised = Varchar(length=254, null=True, default=None, index=True)
    phone = Varchar(length=40, null=True, default=None)
    # Where paper forms go: the lines under the name on the envelope, as typed.
    postal_address = Text(null=True, default=None)
    # Why the person left the study, in their own words (or the specialist's note of them):
    # free text that may say anything about a life, so it lives with the identifying data.
    withdrawal_reason = Varchar(length=500, null=True, default=None)


class DuplicateDismissal(Table, tablename="duplicate_dismissal"):
    """An administrator's decision that two enrolments sharing an e-mail address are two
    different people (so the pair is no longer listed as a possible duplicate)."""

    participant_a = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    participant_b = ForeignKey(references=Participant, on_delete=OnDelete.cascade)
    decided_by = ForeignKey(references=Staff, on_delete=OnDelete.set_null, null=True)
    decided_at = Timestamptz(default=TimestamptzNow())


class Wave(Table, tablename="wave"):
    """One measurement occasion (T1..T4) of one participant, with its response and scores.

    ``status`` is what happened (pending, in_progress, answered, withdrawn); whether a pending
    wave is not yet open, open or missed follows from ``opens_at``/``closes_at`` and the clock.
    """

    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    label = Varchar(length=4)
    months = SmallInt()
    opens_at = Timestamptz(index=True)
    closes_at = Timestamptz(index=True)
    status = Varchar(length=12, default="pending", index=True)
    started_at = Timestamptz(null=True, default=None)
    submitted_at = Timestamptz(null=True, default=None)
    mode = Varchar(length=6, null=True, default=None)
    language = Varchar(length=5, null=True, default=None)
    instrument_version = Varchar(length=40, null=True, default=None)
    work_capacity = SmallInt(null=True, default=None)
    work_capacity_band = Varchar(length=12, null=True, default=None)
    coping_beliefs = DoublePrecision(null=True, default=None)
    coping_beliefs_items = SmallInt(null=True, default=None)
    rtw_expectation = SmallInt(null=True, default=None)
    rtw_expectation_dont_know = Boolean(null=True, default=None)


class Answer(Table, tablename="answer"):
    """One item's answer in one wave: a JSON value, or skipped (never stored as 0)."""

    wave = ForeignKey(references=Wave, on_delete=OnDelete.cascade, index=True)
    item_id = Varchar(length=40)
    status = Varchar(length=10)
    value_json = Text(null=True, default=None)
    instrument_version = Varchar(length=40)
    mode = Varchar(length=6)
    answered_at = Timestamptz(default=TimestamptzNow())
    updated_at = Timestamptz(default=TimestamptzNow())


class LinkToken(Table, tablename="link_token"):
    """A personal link to one wave's form. Only the SHA-256 of the 256-bit token is kept."""

    wave = ForeignKey(references=Wave, on_delete=OnDelete.cascade, index=True)
    token_hash = Varchar(length=64, unique=True)
    created_at = Timestamptz(default=TimestamptzNow())
    last_used_at = Timestamptz(null=True, default=None)


class OutgoingMessage(Table, tablename="outgoing_message"):
    """An invitation or reminder, written when it falls due, then claimed and sent by a
    dispatcher (see ``services/dispatch.py``).

    ``status``: queued (waiting; not before ``retry_at``), claimed (held by one pass until
    ``lease_expires_at``), sending (its SMTP transaction under way), and the outcomes sent,
    undeliverable, unknown (the process died or the server went silent during the message's
    SMTP transaction: never resent automatically), cancelled and skipped (with ``reason``).
    ``due_at`` is when it fell due under the policy; the retry time is kept apart from it.
    The text is rendered at sending time (the link token cannot be stored).
    """

    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, index=True)
    wave = ForeignKey(references=Wave, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=12)
    # 0 for the invitation; reminders are numbered 1, 2, ... in the order they fall due.
    sequence = SmallInt(default=0)
    status = Varchar(length=14, default="queued", index=True)
    due_at = Timestamptz(index=True)
    retry_at = Timestamptz(null=True, default=None)
    claim_token = Varchar(length=32, null=True, default=None)
    claimed_at = Timestamptz(null=True, default=None)
    lease_expires_at = Timestamptz(null=True, default=None)
    sent_at = Timestamptz(null=True, default=None)
    attempts = SmallInt(default=0)
    last_error = Text(null=True, default=None)
    # Why it was cancelled or skipped (answered, withdrawn, paper, closed, stale, policy).
    reason = Varchar(length=40, null=True, default=None)
    # A specialist's "send a reminder now" or "send again".
    requested_by = ForeignKey(references=Staff, on_delete=OnDelete.set_null, null=True)
    created_at = Timestamptz(default=TimestamptzNow())


class PaperPrint(Table, tablename="paper_print"):
    """A paper form or reminder letter printed for one wave (paper mode).

    ``kind`` is ``form`` or ``reminder``; ``sequence`` numbers the reminders (0 for the form).
    The first print of each (wave, kind, sequence) is unique (a partial index), so two people
    printing the due forms at once print each form once; a ``reprint`` may follow any time.
    """

    wave = ForeignKey(references=Wave, on_delete=OnDelete.cascade, index=True)
    kind = Varchar(length=10)
    sequence = SmallInt(default=0)
    reprint = Boolean(default=False)
    printed_by = ForeignKey(references=Staff, on_delete=OnDelete.set_null, null=True)
    printed_at = Timestamptz(default=TimestamptzNow())


class PaperEntry(Table, tablename="paper_entry"):
    """One person's typing-in of a returned paper form: the first or second entry (``round``
    1 or 2), or the resolution of their mismatches (3). Unique per (wave, round).

    ``entry_json`` holds, per item that applied, ``{"mark": "answered" | "not_answered" |
    "unreadable", "value": ...}``; only a verified entry becomes the wave's answers.
    """

    wave = ForeignKey(references=Wave, on_delete=OnDelete.cascade, index=True)
    round = SmallInt()
    entered_by = ForeignKey(references=Staff, on_delete=OnDelete.set_null, null=True)
    entered_at = Timestamptz(default=TimestamptzNow())
    language = Varchar(length=5)
    instrument_version = Varchar(length=40)
    entry_json = Text()


class RegisterOutcome(Table, tablename="register_outcome"):
    """Register data (mean hours worked per week), kept apart from answers."""

    participant = ForeignKey(references=Participant, on_delete=OnDelete.cascade, unique=True)
    hours_before = DoublePrecision(null=True, default=None)
    hours_after = DoublePrecision(null=True, default=None)
    source = Varchar(length=200, default="")
    imported_at = Timestamptz(default=TimestamptzNow())


class AuditEvent(Table, tablename="audit_event"):
    """Who did what to which record. ``details`` never holds identifying data."""

    at = Timestamptz(default=TimestamptzNow(), index=True)
    actor_staff = ForeignKey(references=Staff, on_delete=OnDelete.set_null, null=True)
    actor = Varchar(length=40)
    action = Varchar(length=60, index=True)
    subject_type = Varchar(length=40)
    # Indexed: a job seeker's page reads their own entries (requests, withdrawal) among millions.
    subject_id = Varchar(length=40, index=True)
    details_json = Text(default="{}")


ALL_TABLES: tuple[type[Table], ...] = (
    Staff,
    StaffSession,
    LoginThrottle,
    FormFlash,
    Study,
    Participant,
    ParticipantIdentity,
    DuplicateDismissal,
    Wave,
    Answer,
    LinkToken,
    OutgoingMessage,
    PaperPrint,
    PaperEntry,
    RegisterOutcome,
    AuditEvent,
)
