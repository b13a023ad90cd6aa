"""Enrolment of consenting job seekers: one from the web form, or a whole cohort from a file.

Either everything of an enrolment is written (participant, identity, four waves, the T1
invitation, an audit entry) or nothing is: each enrolment, and each bulk file, is one write
transaction.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from survey_app.db.engine import raw_query, row_lock, transactional
from survey_app.db.tables import Participant, ParticipantIdentity, Staff, Wave
from survey_app.i18n import N_
from survey_app.services import audit, messaging
from survey_app.services.calendar import add_months, plan_waves, utcnow
from survey_app.services.errors import InvalidInput
from survey_app.services.studies import PROGRAMMES, StudyConfig, study_for_writing
from survey_app.services.validation import clean_text, normalise_email, parse_iso_date

CONTACT_MODES = ("email", "paper")
CHOOSE_CONTACT_MODE = N_("Choose e-mail or paper.")
ENROLMENT_FIELDS = (
    "name",
    "email",
    "postal_address",
    "phone",
    "language",
    "programme",
    "contact_mode",
    "consent_date",
    "consent_version",
    "enrolled_on",
)
# Plausibility limits that catch a mistyped year (01.01.1901) without refusing a real cohort
# imported afterwards: enrolment is rolling, and consent comes shortly before enrolment.
MAX_ENROLMENT_AGE_YEARS = 5
MAX_CONSENT_AGE_YEARS = 1
# Crockford's base32 without I, L, O, U: study IDs are read aloud and typed from paper.
_STUDY_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass(frozen=True)
class EnrolmentInput:
    name: str
    email: str | None
    postal_address: str | None
    phone: str | None
    language: str
    programme: str
    contact_mode: str
    consent_date: dt.date
    consent_version: str
    enrolled_on: dt.date


@dataclass(frozen=True)
class Enrolled:
    participant_id: int
    study_id: str
    t1_invitation_queued: bool


_STUDY_ID_SHAPE = re.compile(r"[0-9A-Za-z-]{1,16}")


def looks_like_study_id(value: str) -> bool:
    """Cheap shape check (letters, digits, hyphen; at most the column's 16 characters) so that
    junk from a URL, such as a NUL that PostgreSQL refuses outright, never reaches a query."""
    return bool(_STUDY_ID_SHAPE.fullmatch(value))


def new_study_id() -> str:
    """A random pseudonymous study ID such as ``7K3Q-9PXA`` (40 bits)."""
    chars = "".join(secrets.choice(_STUDY_ID_ALPHABET) for _ in range(8))
    return f"{chars[:4]}-{chars[4:]}"


@dataclass(frozen=True)
class ContactDetails:
    name: str
    email: str | None
    phone: str | None
    language: str
    postal_address: str | None
    contact_mode: str


# What fits the address window of a C5 envelope under the name, in the type the letters use.
POSTAL_ADDRESS_LINES = 4
POSTAL_ADDRESS_LINE_LENGTH = 60


def clean_postal_address(value: object) -> tuple[str | None, bool]:
    """The address as lines joined by newlines (each trimmed, empty lines dropped) or None when
    empty, and whether it fits the envelope's window (at most four lines of 60 characters)."""
    if not isinstance(value, str):
        return None, True
    lines = [clean_text(line, 500) for line in value.replace("\r", "\n").split("\n")]
    lines = [line for line in lines if line]
    fits = len(lines) <= POSTAL_ADDRESS_LINES and all(len(line) <= POSTAL_ADDRESS_LINE_LENGTH for line in lines)
    return ("\n".join(lines) or None), fits


def check_contact(
    raw: Mapping[str, object], study: StudyConfig, contact_mode: str, errors: dict[str, str]
) -> ContactDetails:
    """The contact fields of an enrolment or a correction (name, e-mail, postal address, phone,
    language) for the channel ``contact_mode``. Problems are added to ``errors`` (field ->
    English msgid); an e-mail address is needed when the questionnaire goes by e-mail, a
    postal address when it goes on paper."""
    name = clean_text(raw.get("name"), 200)
    if not name:
        errors["name"] = N_("Enter the job seeker's name.")
    email_text = clean_text(raw.get("email"), 300)
    email = normalise_email(email_text) if email_text else None
    if email_text and email is None:
        errors["email"] = N_("Enter a valid e-mail address, such as navn@example.no.")
    elif email is None and contact_mode == "email":
        errors["email"] = N_("An e-mail address is needed when the questionnaire goes by e-mail.")
    postal_address, fits = clean_postal_address(raw.get("postal_address"))
    if not fits:
        errors["postal_address"] = N_("Write the postal address on at most four lines of at most 60 characters.")
    elif postal_address is None and contact_mode == "paper":
        errors["postal_address"] = N_("A postal address is needed when the questionnaire goes on paper.")
    language = clean_text(raw.get("language"), 5) or study.languages[0]
    if language not in study.languages:
        errors["language"] = N_("Choose one of the study's languages.")
    return ContactDetails(
        name=name,
        email=email,
        phone=clean_text(raw.get("phone"), 40) or None,
        language=language,
        postal_address=postal_address,
        contact_mode=contact_mode,
    )


def check_enrolment(raw: Mapping[str, object], study: StudyConfig, today: dt.date) -> EnrolmentInput:
    """Turn submitted fields into an :class:`EnrolmentInput`.

    ``today`` is the study's local date. Raises :class:`InvalidInput` with one English msgid
    per bad field.
    """
    errors: dict[str, str] = {}
    contact_mode = clean_text(raw.get("contact_mode"), 10)
    if contact_mode not in CONTACT_MODES:
        errors["contact_mode"] = CHOOSE_CONTACT_MODE
    contact = check_contact(raw, study, contact_mode, errors)

    programme = clean_text(raw.get("programme"), 40)
    if programme not in PROGRAMMES:
        errors["programme"] = N_("Choose the programme.")

    enrolled_on = today
    if clean_text(raw.get("enrolled_on"), 20):
        parsed = parse_iso_date(clean_text(raw.get("enrolled_on"), 20))
        if parsed is None:
            errors["enrolled_on"] = N_("Write the date as DD.MM.YYYY.")
        elif parsed > today:
            errors["enrolled_on"] = N_("The enrolment date cannot be in the future.")
        elif parsed < add_months(today, -12 * MAX_ENROLMENT_AGE_YEARS):
            errors["enrolled_on"] = N_("The enrolment date is more than five years ago: check the year.")
        else:
            enrolled_on = parsed

    consent_date = parse_iso_date(clean_text(raw.get("consent_date"), 20))
    if not clean_text(raw.get("consent_date"), 20):
        errors["consent_date"] = N_("Enter the date of written consent: no enrolment without consent.")
    elif consent_date is None:
        errors["consent_date"] = N_("Write the date as DD.MM.YYYY.")
    elif consent_date > today:
        errors["consent_date"] = N_("The consent date cannot be in the future.")
    elif consent_date > enrolled_on:
        errors["consent_date"] = N_("Consent must be given on or before the enrolment date.")
    elif consent_date < add_months(enrolled_on, -12 * MAX_CONSENT_AGE_YEARS):
        errors["consent_date"] = N_("The consent date is more than a year before the enrolment date: check the year.")

    consent_version = clean_text(raw.get("consent_version"), 40)
    if not consent_version:
        errors["consent_version"] = N_("Enter the version of the consent form that was signed.")

    if errors:
        raise InvalidInput(errors)
    assert consent_date is not None
    return EnrolmentInput(
        name=contact.name,
        email=contact.email,
        postal_address=contact.postal_address,
        phone=contact.phone,
        language=contact.language,
        programme=programme,
        contact_mode=contact_mode,
        consent_date=consent_date,
        consent_version=consent_version,
        enrolled_on=enrolled_on,
    )


async def active_emails(
    study: StudyConfig, emails: Sequence[str], specialist_id: int | None = None, *, besides: int | None = None
) -> set[str]:
    """Which of ``emails`` (lower-case) belong to an active participant of ``study`` already
    (only among ``specialist_id``'s job seekers, when given; ``besides``: other than that
    participant, whose own address does not count)."""
    if not emails:
        return set()
    condition = (
        ParticipantIdentity.email_normalised.is_in(list(emails))
        & (ParticipantIdentity.participant.study == study.id)
        & (ParticipantIdentity.participant.status == "active")
    )
    if specialist_id is not None:
        condition &= ParticipantIdentity.participant.specialist == specialist_id
    if besides is not None:
        condition &= ParticipantIdentity.participant != besides
    rows = await ParticipantIdentity.select(ParticipantIdentity.email_normalised).where(condition)
    return {row["email_normalised"] for row in rows}


# For the command line, run by an operator who sees the whole study.
DUPLICATE_EMAIL = N_("This e-mail address already belongs to a job seeker in the study.")
# For a specialist, who may learn only about their own caseload.
DUPLICATE_IN_CASELOAD = N_(
    "A job seeker in your caseload already has this e-mail address. Check your caseload before enrolling again."
)


async def insert_enrolment(
    entry: EnrolmentInput, study: StudyConfig, specialist_id: int, actor: audit.Actor, now: dt.datetime
) -> Enrolled:
    """Write one checked enrolment. The caller holds the write transaction and has checked
    for duplicates (see :func:`enrol` and :func:`enrol_many`)."""
    study_id = new_study_id()
    while await Participant.exists().where(Participant.study_id == study_id):
        study_id = new_study_id()
    participant_id = (
        await Participant.insert(
            Participant(
                study=study.id,
                study_id=study_id,
                programme=entry.programme,
                specialist=specialist_id,
                contact_mode=entry.contact_mode,
                language=entry.language,
                consent_date=entry.consent_date,
                consent_version=entry.consent_version,
                enrolled_on=entry.enrolled_on,
                created_at=now,
            )
        ).returning(Participant.id)
    )[0]["id"]
    await ParticipantIdentity.insert(
        ParticipantIdentity(
            participant=participant_id,
            name=entry.name,
            email=entry.email,
            email_normalised=entry.email.lower() if entry.email else None,
            phone=entry.phone,
            postal_address=entry.postal_address,
        )
    )
    planned = plan_waves(
        entry.enrolled_on, study.wave_labels, study.wave_offsets_months, study.window_days, study.timezone
    )
    await Wave.insert(
        *(
            Wave(
                participant=participant_id,
                label=wave.label,
                months=wave.months,
                opens_at=wave.opens_at,
                closes_at=wave.closes_at,
            )
            for wave in planned
        )
    )
    queued = 0
    if entry.contact_mode == "email":
        queued = (await messaging.queue_due(study, now, participant_id=participant_id)).queued
    await audit.record(
        actor,
        "participant.enrol",
        "participant",
        study_id,
        {"programme": entry.programme, "contact_mode": entry.contact_mode, "enrolled_on": entry.enrolled_on},
    )
    return Enrolled(participant_id=participant_id, study_id=study_id, t1_invitation_queued=queued > 0)


@transactional
async def enrol(
    entry: EnrolmentInput,
    study: StudyConfig,
    specialist_id: int,
    actor: audit.Actor,
    now: dt.datetime | None = None,
) -> Enrolled:
    """Enrol one job seeker with ``specialist_id`` as the responsible specialist.

    Raises :class:`InvalidInput` (field ``email``) when a job seeker of the same specialist
    has the address. An address that belongs to someone else's job seeker is enrolled like any
    other: refusing it would tell this specialist that the person takes part in the programme
    elsewhere. Administrators see such pairs as possible duplicates and resolve them
    (:mod:`survey_app.services.duplicates`).

    The waves are planned from the study's policy as it is inside the transaction, and the
    specialist's enrolments run one at a time (their account row is locked), so that a double
    click cannot enrol one address twice between the check and the insert.
    """
    now = now or utcnow()
    study = await study_for_writing(study.id)
    await raw_query(f"SELECT id FROM staff WHERE id = {{id}} {row_lock('staff')}", id=specialist_id)
    if entry.email and await active_emails(study, [entry.email.lower()], specialist_id):
        raise InvalidInput({"email": DUPLICATE_IN_CASELOAD})
    return await insert_enrolment(entry, study, specialist_id, actor, now)


@dataclass(frozen=True)
class LineError:
    line: int
    field: str
    message: str


class BulkEnrolmentRejected(Exception):
    """The file had problems; nothing was written. ``errors`` lists each with its line."""

    def __init__(self, errors: Sequence[LineError]) -> None:
        super().__init__(f"{len(errors)} problem(s); nothing was enrolled")
        self.errors = list(errors)


async def enrol_many(
    rows: Sequence[tuple[int, Mapping[str, object]]],
    study: StudyConfig,
    actor: audit.Actor,
    today: dt.date,
    now: dt.datetime | None = None,
    progress=None,
) -> list[Enrolled]:
    """Enrol a cohort: ``rows`` are (line number, fields incl. ``specialist_email``).

    All rows or none: every problem of every line is collected first and raised together
    as :class:`BulkEnrolmentRejected`. ``progress(done, total)`` is called while writing.
    """
    now = now or utcnow()
    errors: list[LineError] = []
    checked: list[tuple[int, EnrolmentInput, str]] = []
    specialists = {
        row["email"]: row["id"]
        for row in await Staff.select(Staff.id, Staff.email).where(
            (Staff.role == "specialist") & (Staff.active == True)  # noqa: E712
        )
    }
    seen_emails: dict[str, int] = {}
    for line, raw in rows:
        try:
            entry = check_enrolment(raw, study, today)
        except InvalidInput as exc:
            errors.extend(LineError(line, field, message) for field, message in exc.errors.items())
            entry = None
        specialist_email = (normalise_email(raw.get("specialist_email")) or "").lower()
        if specialist_email not in specialists:
            errors.append(LineError(line, "specialist_email", N_("No active job specialist has this e-mail address.")))
        if entry is None:
            continue
        if entry.email:
            key = entry.email.lower()
            if key in seen_emails:
                errors.append(LineError(line, "email", N_("The same e-mail address appears on an earlier line.")))
            seen_emails.setdefault(key, line)
        checked.append((line, entry, specialist_email))

    return await _insert_cohort(checked, errors, seen_emails, specialists, study, actor, now, progress)


@transactional
async def _insert_cohort(
    checked: Sequence[tuple[int, EnrolmentInput, str]],
    errors: Sequence[LineError],
    seen_emails: Mapping[str, int],
    specialists: Mapping[str, int],
    study: StudyConfig,
    actor: audit.Actor,
    now: dt.datetime,
    progress,
) -> list[Enrolled]:
    """Write a checked cohort in one transaction, unless an address is taken already (the study
    row is locked, so no enrolment slips in between the check and the insert)."""
    study = await study_for_writing(study.id, exclusive=True)
    errors = list(errors)
    for email in await active_emails(study, list(seen_emails)):
        errors.append(LineError(seen_emails[email], "email", DUPLICATE_EMAIL))
    if errors:
        raise BulkEnrolmentRejected(sorted(errors, key=lambda e: (e.line, e.field)))
    enrolled = []
    for done, (_, entry, specialist_email) in enumerate(checked, start=1):
        enrolled.append(await insert_enrolment(entry, study, specialists[specialist_email], actor, now))
        if progress:
            progress(done, len(checked))
    return enrolled
