"""Small builders shared by the integration and end-to-end tests."""

from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path
from zoneinfo import ZoneInfo

from pypdf import PdfReader

from survey_app.db.tables import LinkToken, Study, Wave
from survey_app.mail.transport import SmtpTransport
from survey_app.services import audit
from survey_app.services.calendar import add_months, utcnow
from survey_app.services.dispatch import dispatch_once
from survey_app.services.enrolment import check_enrolment, enrol
from survey_app.services.staff import StaffPrincipal, create_staff
from survey_app.services.studies import current_study
from survey_app.services.tokens import new_token
from survey_app.settings import parse_smtp_url

PASSWORD = "correct horse battery"
MIGRATION_COUNT = len(list((Path(__file__).parents[1] / "survey_app" / "db" / "migrations").glob("survey_app_*.py")))


async def make_staff(email: str, role: str = "specialist", name: str | None = None) -> StaffPrincipal:
    return await create_staff(email, PASSWORD, role, display_name=name)


TEST_ADDRESS = "Testveien 1\n0150 Oslo"


async def enrol_person(
    specialist: StaffPrincipal,
    name: str = "Test Person",
    email: str | None = "test.person@example.com",
    *,
    contact_mode: str = "email",
    postal_address: str | None = None,
    programme: str = "utvidet_oppfolging",
    language: str = "nb",
    enrolled_on: dt.date | None = None,
    now: dt.datetime | None = None,
    study=None,
):
    """Enrol through the service as the web form does; ``study`` is the settings the page read
    (default: the current ones)."""
    study = study or await current_study()
    now = now or utcnow()
    today = now.astimezone(study.timezone).date()
    entry = check_enrolment(
        {
            "name": name,
            "email": email or "",
            # Paper needs an address; a test of that rule passes one that is empty.
            "postal_address": TEST_ADDRESS if postal_address is None and contact_mode == "paper" else postal_address,
            "language": language,
            "programme": programme,
            "contact_mode": contact_mode,
            "consent_date": (enrolled_on or today).isoformat(),
            "consent_version": "1.0",
            "enrolled_on": (enrolled_on or today).isoformat(),
        },
        study,
        today,
    )
    return await enrol(entry, study, specialist.id, audit.Actor.staff(specialist.id), now)


async def link_for(participant_id: int, label: str = "T1") -> str:
    """A fresh personal link token for one wave (as the dispatcher would mail it)."""
    wave = await Wave.select(Wave.id).where((Wave.participant == participant_id) & (Wave.label == label)).first()
    token, token_hash = new_token()
    await LinkToken.insert(LinkToken(wave=wave["id"], token_hash=token_hash))
    return token


CSRF_FIELD = re.compile(r'name="_csrf_token" value="([^"]+)"')


def csrf_from(html: str) -> str:
    match = CSRF_FIELD.search(html)
    assert match, "page has no CSRF field"
    return match.group(1)


async def login(client, email: str, password: str = PASSWORD):
    page = await client.get("/login")
    return await client.post(
        "/login",
        data={"email": email, "password": password, "_csrf_token": csrf_from(page.text)},
        follow_redirects=False,
    )


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    """A moment given in Oslo time, as UTC."""
    return dt.datetime(year, month, day, hour, minute, tzinfo=ZoneInfo("Europe/Oslo")).astimezone(dt.UTC)


async def dispatch_at(smtp_url: str, now: dt.datetime | None = None, timeout: float = 30.0):
    """One real dispatcher pass to the SMTP server at ``smtp_url``, on the clock ``now``."""
    transport = SmtpTransport(parse_smtp_url(smtp_url), timeout=timeout)
    return await dispatch_once(transport, base_url="http://mestring.test", sender="Studie <s@example.no>", now=now)


async def no_quiet_hours() -> None:
    """Mail may go at any hour: for tests that run on the real clock, whatever its hour."""
    await Study.update({Study.quiet_hours_start: 0, Study.quiet_hours_end: 0}).where(Study.id > 0)


async def enrol_with_message_history(specialist: StaffPrincipal, smtp_sink, name: str, email: str):
    """A job seeker enrolled three months and ten days ago whose e-mails went every way the
    real dispatcher records, on a clock moved through their calendar: T1's invitation sent,
    reminder 1 skipped (the dispatcher was down), reminder 2 refused by the mail server; T2
    (open now) invited, its reminder 1 unknown (the server answered too late)."""
    study = await current_study()
    tz = study.timezone
    enrolled_on = add_months(utcnow().astimezone(tz).date() - dt.timedelta(days=10), -3)

    def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(dt.UTC)

    enrolled = await enrol_person(specialist, name, email, enrolled_on=enrolled_on, now=at(enrolled_on, 10))
    days = study.reminder_days
    await dispatch_at(smtp_sink.url, at(enrolled_on, 10, 5))
    await dispatch_at(smtp_sink.url, at(enrolled_on + dt.timedelta(days=days[0] + 1), 10))
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url, at(enrolled_on + dt.timedelta(days=days[1]), 8, 15))
    t2 = add_months(enrolled_on, study.wave_offsets_months[1])
    await dispatch_at(smtp_sink.url, at(t2, 10, 5))
    smtp_sink.delay = 1.0
    await dispatch_at(smtp_sink.url, at(t2 + dt.timedelta(days=days[0]), 8, 15), timeout=0.3)
    smtp_sink.delay = 0.0
    return enrolled


def pdf_text(content: bytes) -> str:
    """A PDF's text, page after page, with no-break spaces as plain ones."""
    pages = PdfReader(io.BytesIO(content)).pages
    return "\n".join(page.extract_text() for page in pages).replace("\u00a0", " ")
