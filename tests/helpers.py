"""Small builders shared by the integration and end-to-end tests."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from survey_app.db.tables import LinkToken, Wave
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import check_enrolment, enrol
from survey_app.services.staff import StaffPrincipal, create_staff
from survey_app.services.studies import current_study
from survey_app.services.tokens import new_token

PASSWORD = "correct horse battery"
MIGRATION_COUNT = len(list((Path(__file__).parents[1] / "survey_app" / "db" / "migrations").glob("survey_app_*.py")))


async def make_staff(email: str, role: str = "specialist", name: str | None = None) -> StaffPrincipal:
    return await create_staff(email, PASSWORD, role, display_name=name)


async def enrol_person(
    specialist: StaffPrincipal,
    name: str = "Test Person",
    email: str | None = "test.person@example.com",
    *,
    contact_mode: str = "email",
    programme: str = "utvidet_oppfolging",
    language: str = "nb",
    enrolled_on: dt.date | None = None,
    now: dt.datetime | None = None,
):
    study = await current_study()
    now = now or utcnow()
    today = now.astimezone(study.timezone).date()
    entry = check_enrolment(
        {
            "name": name,
            "email": email or "",
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
