"""Who sees which job seeker in the workspace: a specialist their own caseload, an office lead
the caseloads of their office, nobody else a named record; someone else's job seeker and a
guessed or junk study ID are answered alike. Moving job seekers between specialists, and
setting offices and leads."""

from __future__ import annotations

import json
import re

import pytest

from survey_app.db.tables import AuditEvent, Participant, ParticipantIdentity, Staff, Wave
from survey_app.i18n import gettext
from survey_app.services import audit
from survey_app.services.answering import record_complete_response
from survey_app.services.offices import LEAD_NEEDS_OFFICE
from survey_app.services.transfer import NO_SUCH_STUDY_ID, NOT_A_TARGET
from tests.helpers import csrf_from, enrol_person
from tests.integration.test_workspace import logged_in_as, staff_member

CSRF_VALUE = re.compile(r'name="_csrf_token" value="[^"]+"')
JUNK_IDS = ("0000-0000", "x" * 40, "%00", "ZZZZ-ZZZZ-ZZZZ-ZZZZ-Z", "abc%20def", "%E2%80%AE", "1%27%20OR%201=1")


def _nb(message: str) -> str:
    return gettext("nb", message)


def _same_page(html: str) -> str:
    """A page without its per-request CSRF token."""
    return CSRF_VALUE.sub('name="_csrf_token" value=""', html)


async def _post(client, path: str, data: dict | None = None):
    home = await client.get("/", follow_redirects=True)
    token = csrf_from(home.text)
    return await client.post(path, data={**(data or {}), "_csrf_token": token}, follow_redirects=False)


async def _answered(enrolled, was: int, coping: int, rtwexp: int) -> None:
    t1 = await Wave.select(Wave.id).where((Wave.participant == enrolled.participant_id) & (Wave.label == "T1")).first()
    answers = {"was": was, "rtwse_1": coping, "rtwse_2": coping, "rtwse_3": coping, "rtwexp": rtwexp}
    await record_complete_response(t1["id"], answers, mode="web", language="nb", actor=audit.SYSTEM)


async def _office() -> dict:
    """Office Nord: Lena (lead), Sigurd and Mia; office Sør: Oda. A researcher and an admin."""
    staff = {
        "lena": await staff_member("lena@example.no", name="Lena Leder", office="NAV Nord", lead=True),
        "sigurd": await staff_member("sigurd@example.no", name="Sigurd Spes", office="NAV Nord"),
        "mia": await staff_member("mia@example.no", name="Mia Mellom", office="NAV Nord"),
        "oda": await staff_member("oda@example.no", name="Oda Sør", office="NAV Sør"),
        "researcher": await staff_member("forsker@example.no", "researcher", name="Forsker"),
        "admin": await staff_member("admin@example.no", "admin", name="Admin"),
    }
    people = {
        "liv": await enrol_person(staff["lena"], "Liv Lenas", "liv@example.no"),
        "siv": await enrol_person(staff["sigurd"], "Siv Sigurds", "siv@example.no"),
        "stein": await enrol_person(staff["sigurd"], "Stein Sigurds", "stein@example.no"),
        "ole": await enrol_person(staff["oda"], "Ole Odas", "ole@example.no"),
    }
    await _answered(people["siv"], 2, 2, 8)  # intensive
    await _answered(people["stein"], 9, 9, 1)  # standard
    return staff | people


async def _specialist_of(study_id: str) -> int:
    row = await Participant.select(Participant.specialist).where(Participant.study_id == study_id).first()
    return row["specialist"]


# --- someone else's job seeker, and junk ---------------------------------------------------------


async def test_another_specialists_job_seeker_is_not_found_like_an_unknown_id(client):
    cast = await _office()
    await logged_in_as(client, cast["oda"])
    foreign = cast["siv"].study_id
    identities = await ParticipantIdentity.select()
    last_event = (await AuditEvent.select(AuditEvent.id).order_by(AuditEvent.id, ascending=False).first())["id"]

    unknown_page = await client.get("/caseload/ZZZZ-ZZZZ")
    unknown_api = await client.get("/api/v1/caseload/ZZZZ-ZZZZ")
    assert unknown_page.status_code == 404 and unknown_api.status_code == 404
    assert unknown_api.json() == {"status_code": 404, "detail": "No job seeker with this study ID in your caseload."}
    for study_id in (foreign, *JUNK_IDS):
        page = await client.get(f"/caseload/{study_id}")
        assert page.status_code == 404, study_id
        assert _same_page(page.text) == _same_page(unknown_page.text), study_id
        for path in (f"/caseload/{study_id}/sheet.pdf", f"/caseload/{study_id}/contact"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert _same_page(response.text) == _same_page(unknown_page.text), path
        api = await client.get(f"/api/v1/caseload/{study_id}")
        assert api.status_code == 404 and api.json() == unknown_api.json(), study_id
        posted = await _post(client, f"/caseload/{study_id}/contact", {"name": "X", "email": "x@example.no"})
        assert posted.status_code == 404, study_id
        assert "Siv" not in page.text + response.text + posted.text
    assert await ParticipantIdentity.select() == identities
    # Nothing changed; each refused look-up of a study ID is in the audit log, the foreign one
    # recorded exactly like the unknown one.
    events = await AuditEvent.select().where(AuditEvent.id > last_event).order_by(AuditEvent.id)
    assert {event["action"] for event in events} == {"participant.view_refused"}
    assert {event["actor_staff"] for event in events} == {cast["oda"].id}
    refused = {(event["subject_id"], json.loads(event["details_json"])["as"]) for event in events}
    assert {(foreign, view) for view in ("page", "pdf", "api")} <= refused
    assert {("ZZZZ-ZZZZ", view) for view in ("page", "api")} <= refused


@pytest.mark.parametrize("role", ["researcher", "admin"])
async def test_researchers_and_admins_see_no_named_record(client, role):
    cast = await _office()
    await logged_in_as(client, cast[role])
    study_id = cast["siv"].study_id
    for path in (
        "/caseload",
        f"/caseload/{study_id}",
        f"/caseload/{study_id}/sheet.pdf",
        f"/caseload/{study_id}/contact",
        "/office",
        f"/office/{cast['sigurd'].id}",
        "/api/v1/caseload",
        f"/api/v1/caseload/{study_id}",
    ):
        response = await client.get(path)
        assert response.status_code == 403, path
        assert "Siv" not in response.text, path
    before = (await ParticipantIdentity.select(), await Participant.select())
    for path, data in (
        (f"/caseload/{study_id}/contact", {"name": "X", "email": "x@example.no", "language": "nb"}),
        (f"/caseload/{study_id}/move", {"specialist": str(cast["mia"].id)}),
    ):
        assert (await _post(client, path, data)).status_code == 403, path
    assert (await ParticipantIdentity.select(), await Participant.select()) == before
    views = await AuditEvent.select().where(AuditEvent.action == "participant.view")
    assert views == []


async def test_anonymous_visitors_are_sent_to_the_login(client):
    cast = await _office()
    study_id = cast["siv"].study_id
    for path in ("/caseload", f"/caseload/{study_id}", f"/caseload/{study_id}/sheet.pdf", "/office"):
        response = await client.get(path, follow_redirects=False)
        assert response.status_code == 302, path
        assert response.headers["location"] == f"/login?next={path}", path
    for path in ("/api/v1/caseload", f"/api/v1/caseload/{study_id}"):
        response = await client.get(path)
        assert response.status_code == 401, path
        assert "Siv" not in response.text


# --- the office lead ---------------------------------------------------------------------------


def _office_row(page: str, specialist_id: int) -> list[str]:
    row = page[page.index(f'<a href="/office/{specialist_id}">') :]
    row = row[: row.index("</tr>")]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, flags=re.S)]


async def test_an_office_lead_sees_the_office_and_nothing_of_another(client):
    cast = await _office()
    await logged_in_as(client, cast["lena"])
    overview = await client.get("/office")
    assert overview.status_code == 200
    text = overview.text
    for name in ("Lena Leder", "Sigurd Spes", "Mia Mellom"):
        assert name in text, name
    assert "Oda" not in text and "Siv Sigurds" not in text  # counts only, no names of job seekers
    assert "NAV Nord" in text
    # Sigurd: 2 taking part, intensive 1, increased 0, standard 1, one candidate, no mail problems.
    assert _office_row(text, cast["sigurd"].id)[:6] == ["2", "1", "0", "1", "1", "0"]
    assert _office_row(text, cast["mia"].id)[:6] == ["0", "0", "0", "0", "0", "0"]

    colleague = await client.get(f"/office/{cast['sigurd'].id}")
    assert colleague.status_code == 200
    assert "Siv Sigurds" in colleague.text and "Stein Sigurds" in colleague.text
    assert "Liv Lenas" not in colleague.text and "Ole Odas" not in colleague.text
    own = await client.get("/caseload")
    assert "Liv Lenas" in own.text and "Siv Sigurds" not in own.text

    siv = cast["siv"].study_id
    page = await client.get(f"/caseload/{siv}")
    assert page.status_code == 200 and "Siv Sigurds" in page.text
    # Not the lead's own job seeker: no withdrawal, contact correction or reminder; but the move form.
    assert f"/caseload/{siv}/contact" not in page.text
    assert f"/caseload/{siv}/withdraw" not in page.text
    assert "/remind" not in page.text and "/send-again" not in page.text
    assert f'action="/caseload/{siv}/move"' in page.text
    options = re.findall(
        r'<option value="(\d+)">([^<]*)</option>', page.text[page.text.index('id="move-specialist"') :]
    )
    assert {int(value) for value, _ in options} == {cast["lena"].id, cast["mia"].id}
    pdf = await client.get(f"/caseload/{siv}/sheet.pdf")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert (await client.get(f"/api/v1/caseload/{siv}")).status_code == 200
    views = await AuditEvent.select().where((AuditEvent.action == "participant.view") & (AuditEvent.subject_id == siv))
    assert sorted(json.loads(v["details_json"])["as"] for v in views) == ["api", "page", "pdf"]
    assert {v["actor_staff"] for v in views} == {cast["lena"].id}
    # What only the responsible specialist does stays theirs.
    assert (await client.get(f"/caseload/{siv}/contact")).status_code == 404
    assert (await client.get(f"/caseload/{siv}/withdraw")).status_code == 404

    ole = cast["ole"].study_id
    for path in (
        f"/caseload/{ole}",
        f"/caseload/{ole}/sheet.pdf",
        f"/api/v1/caseload/{ole}",
        f"/office/{cast['oda'].id}",
    ):
        response = await client.get(path)
        assert response.status_code == 404, path
        assert "Ole" not in response.text and "Oda" not in response.text, path
    for other in (cast["researcher"].id, cast["admin"].id, 0, 99999999):
        assert (await client.get(f"/office/{other}")).status_code == 404, other

    await logged_in_as(client, cast["sigurd"])
    assert (await client.get("/office")).status_code == 403
    assert (await client.get(f"/office/{cast['lena'].id}")).status_code == 404
    assert (await client.get(f"/caseload/{cast['liv'].study_id}")).status_code == 404


async def test_moving_a_job_seeker_between_specialists(client):
    cast = await _office()
    siv, stein, ole = cast["siv"].study_id, cast["stein"].study_id, cast["ole"].study_id
    await logged_in_as(client, cast["lena"])

    moved = await _post(client, f"/caseload/{siv}/move", {"specialist": str(cast["mia"].id)})
    assert moved.status_code == 303 and moved.headers["location"] == f"/caseload/{siv}"
    after = await client.get(f"/caseload/{siv}")
    assert _nb("The job seeker is moved. The new job specialist sees them in their caseload from now on.") in after.text
    assert await _specialist_of(siv) == cast["mia"].id
    [event] = await AuditEvent.select().where(AuditEvent.action == "participant.move")
    assert (event["subject_id"], event["actor_staff"]) == (siv, cast["lena"].id)
    assert json.loads(event["details_json"]) == {"from": cast["sigurd"].id, "to": cast["mia"].id}

    # Not to a specialist of another office: refused, nothing changed.
    refused = await _post(client, f"/caseload/{stein}/move", {"specialist": str(cast["oda"].id)})
    assert refused.status_code == 303
    assert _nb(NOT_A_TARGET) in (await client.get(f"/caseload/{stein}")).text
    for junk in ("", "abc", "-1", str(cast["researcher"].id), str(cast["sigurd"].id + 1000), "9" * 30):
        assert (await _post(client, f"/caseload/{stein}/move", {"specialist": junk})).status_code == 303, junk
    assert await _specialist_of(stein) == cast["sigurd"].id
    # Not to a deactivated account.
    await Staff.update({Staff.active: False}).where(Staff.id == cast["mia"].id)
    assert (await _post(client, f"/caseload/{stein}/move", {"specialist": str(cast["mia"].id)})).status_code == 303
    assert await _specialist_of(stein) == cast["sigurd"].id
    await Staff.update({Staff.active: True}).where(Staff.id == cast["mia"].id)
    # Not a job seeker of another office.
    assert (await _post(client, f"/caseload/{ole}/move", {"specialist": str(cast["mia"].id)})).status_code == 404
    assert await _specialist_of(ole) == cast["oda"].id
    assert len(await AuditEvent.select().where(AuditEvent.action == "participant.move")) == 1

    await logged_in_as(client, cast["mia"])
    assert (await client.get(f"/caseload/{siv}")).status_code == 200
    assert "Siv Sigurds" in (await client.get("/caseload")).text
    await logged_in_as(client, cast["sigurd"])
    assert (await client.get(f"/caseload/{siv}")).status_code == 404
    assert "Siv Sigurds" not in (await client.get("/caseload")).text
    # A specialist who leads nothing may not move, not even their own job seeker.
    plain = await _post(client, f"/caseload/{stein}/move", {"specialist": str(cast["mia"].id)})
    assert plain.status_code == 403
    assert await _specialist_of(stein) == cast["sigurd"].id

    # The administrator moves anywhere, by study ID as typed.
    await logged_in_as(client, cast["admin"])
    done = await _post(client, "/admin/move", {"study_id": f" {ole.lower()} ", "specialist": str(cast["lena"].id)})
    assert done.status_code == 303
    admin = await client.get("/admin")
    moved_text = "%(study_id)s is moved. The new job specialist sees the job seeker in their caseload from now on."
    assert _nb(moved_text) % {"study_id": ole} in admin.text
    assert await _specialist_of(ole) == cast["lena"].id
    events = await AuditEvent.select().where(AuditEvent.action == "participant.move").order_by(AuditEvent.id)
    assert json.loads(events[-1]["details_json"]) == {"from": cast["oda"].id, "to": cast["lena"].id}
    assert events[-1]["actor_staff"] == cast["admin"].id
    count = len(events)
    for study_id in ("ZZZZ-ZZZZ", "", "x" * 40):
        unknown = await _post(client, "/admin/move", {"study_id": study_id, "specialist": str(cast["mia"].id)})
        assert unknown.status_code == 303, study_id
        again = (await client.get("/admin")).text
        assert _nb(NO_SUCH_STUDY_ID) in again, study_id
        # The form keeps the specialist chosen, so only the study ID needs correcting.
        assert f'<option value="{cast["mia"].id}" selected>' in again, study_id
    to_researcher = await _post(client, "/admin/move", {"study_id": stein, "specialist": str(cast["researcher"].id)})
    assert to_researcher.status_code == 303
    assert _nb(NOT_A_TARGET) in (await client.get("/admin")).text
    assert await _specialist_of(stein) == cast["sigurd"].id
    assert len(await AuditEvent.select().where(AuditEvent.action == "participant.move")) == count


async def test_the_admin_sets_an_office_and_its_lead(client):
    cast = await _office()
    await logged_in_as(client, cast["admin"])
    sigurd = cast["sigurd"].id

    made = await _post(client, f"/admin/staff/{sigurd}/office", {"office": "  NAV Sør ", "lead": "1"})
    assert made.status_code == 303
    row = await Staff.select(Staff.office, Staff.office_lead).where(Staff.id == sigurd).first()
    assert row == {"office": "NAV Sør", "office_lead": True}
    [event] = await AuditEvent.select().where(AuditEvent.action == "staff.office")
    assert (event["subject_id"], event["actor_staff"]) == (str(sigurd), cast["admin"].id)
    assert json.loads(event["details_json"]) == {"office": "NAV Sør", "lead": True}

    # A lead needs an office: refused with the error, nothing changed.
    refused = await _post(client, f"/admin/staff/{cast['mia'].id}/office", {"office": "   ", "lead": "1"})
    assert refused.status_code == 303
    assert _nb(LEAD_NEEDS_OFFICE) in (await client.get("/admin")).text
    row = await Staff.select(Staff.office, Staff.office_lead).where(Staff.id == cast["mia"].id).first()
    assert row == {"office": "NAV Nord", "office_lead": False}
    # Only specialists have an office here.
    assert (await _post(client, f"/admin/staff/{cast['researcher'].id}/office", {"office": "X"})).status_code == 404
    assert len(await AuditEvent.select().where(AuditEvent.action == "staff.office")) == 1

    # The new lead of Sør sees Oda's job seeker, and no longer Nord's.
    await logged_in_as(client, cast["sigurd"])
    assert (await client.get("/office")).status_code == 200
    assert (await client.get(f"/caseload/{cast['ole'].study_id}")).status_code == 200
    assert (await client.get(f"/caseload/{cast['liv'].study_id}")).status_code == 404
    # Taking the lead away ends the view of the office at once.
    await logged_in_as(client, cast["admin"])
    await _post(client, f"/admin/staff/{sigurd}/office", {"office": "NAV Sør"})
    await logged_in_as(client, cast["sigurd"])
    assert (await client.get("/office")).status_code == 403
    assert (await client.get(f"/caseload/{cast['ole'].study_id}")).status_code == 404


async def test_an_impossible_staff_number_is_not_found(client):
    cast = await _office()
    await logged_in_as(client, cast["admin"])
    for number in ("2147483648", "99999999999999999999"):
        response = await _post(client, f"/admin/staff/{number}/office", {"office": "X", "lead": "1"})
        assert response.status_code == 404, number
    assert await AuditEvent.select().where(AuditEvent.action == "staff.office") == []
