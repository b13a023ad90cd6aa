"""An address that belongs to another specialist's job seeker: enrolled without a word that
would reveal the other caseload, and resolved by an administrator."""

from __future__ import annotations

import datetime as dt
import re

from survey_app.db.tables import AuditEvent, Participant
from tests.helpers import csrf_from, enrol_person, login, make_staff

FORM = {
    "name": "Kari Testesen",
    "language": "nb",
    "programme": "kvp",
    "contact_mode": "email",
    "consent_date": dt.date.today().isoformat(),
    "consent_version": "1.0",
}


def _visible(html: str) -> str:
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    return re.sub(r"[0-9A-Z]{4}-[0-9A-Z]{4}", "STUDY-ID", text)


async def _enrol_over_http(client, email: str):
    page = await client.get("/enrol")
    response = await client.post(
        "/enrol", data={**FORM, "email": email, "_csrf_token": csrf_from(page.text)}, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    return response, await client.get(response.headers["location"])


async def test_enrolling_someone_elses_job_seeker_looks_like_any_enrolment(client):
    other = await make_staff("other@example.no")
    await enrol_person(other, "Frank Fremmed", "frank@example.no")
    await make_staff("me@example.no")
    await login(client, "me@example.no")

    taken, taken_page = await _enrol_over_http(client, "FRANK@example.no")
    fresh, fresh_page = await _enrol_over_http(client, "new@example.no")
    assert taken.headers["location"].endswith("?enrolled=true") and fresh.headers["location"].endswith("?enrolled=true")
    assert taken_page.status_code == fresh_page.status_code == 200

    # The two pages differ only in the address typed (and in the caseload's size, which grew by
    # the first enrolment: "Nummer 1 av 1" then "av 2").
    def seen(page, address):
        return re.sub(r"Nummer \d+ av \d+", "Nummer N", _visible(page.text).replace(address, "X"))

    assert seen(taken_page, "FRANK@example.no") == seen(fresh_page, "new@example.no")
    assert "Frank" not in taken_page.text


async def test_an_admin_resolves_possible_duplicates(client):
    first = await make_staff("first@example.no", name="Første Spesialist")
    second = await make_staff("second@example.no", name="Andre Spesialist")
    original = await enrol_person(first, "Kari A", "kari@example.no")
    twin = await enrol_person(second, "Kari B", "KARI@example.no")
    couple_a = await enrol_person(first, "Per", "familie@example.no")
    couple_b = await enrol_person(second, "Pål", "familie@example.no")
    await enrol_person(second, "Alone", "alone@example.no")

    # Specialists cannot reach the decisions.
    await login(client, "second@example.no")
    token = csrf_from((await client.get("/caseload")).text)
    refused = await client.post(
        f"/admin/duplicates/{original.study_id}/{twin.study_id}/withdraw-newer", data={"_csrf_token": token}
    )
    assert refused.status_code == 403

    await make_staff("admin@example.no", "admin")
    await login(client, "admin@example.no")
    admin = await client.get("/admin")
    listed = re.findall(r"/admin/duplicates/([^/]+)/([^/]+)/dismiss", admin.text)
    assert listed == [(original.study_id, twin.study_id), (couple_a.study_id, couple_b.study_id)]
    assert "Første Spesialist" in admin.text and "kari@example.no" not in admin.text.lower()
    assert "Kari A" not in admin.text

    token = csrf_from(admin.text)
    same = await client.post(
        f"/admin/duplicates/{original.study_id}/{twin.study_id}/withdraw-newer",
        data={"_csrf_token": token},
        follow_redirects=False,
    )
    assert same.status_code == 303
    statuses = {p["study_id"]: p["status"] for p in await Participant.select(Participant.study_id, Participant.status)}
    assert statuses[twin.study_id] == "withdrawn" and statuses[original.study_id] == "active"
    withdrawal = await AuditEvent.select().where(AuditEvent.action == "participant.withdraw").first()
    assert withdrawal["subject_id"] == twin.study_id and original.study_id in withdrawal["details_json"]

    await client.post(f"/admin/duplicates/{couple_a.study_id}/{couple_b.study_id}/dismiss", data={"_csrf_token": token})
    assert "/admin/duplicates/" not in (await client.get("/admin")).text
    # Acting on a pair that is not (or no longer) listed changes nothing.
    again = await client.post(
        f"/admin/duplicates/{couple_a.study_id}/{couple_b.study_id}/withdraw-newer", data={"_csrf_token": token}
    )
    assert again.status_code == 404
    assert await Participant.count().where(Participant.status == "withdrawn") == 1
