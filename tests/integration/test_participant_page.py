"""The job seeker's page for their specialist, over HTTP: the e-mail history, problems with a
hint, "send a reminder now" and "send again" (post/redirect/get with a notice), and who may
use them. The app runs on the real clock, so the tests set the quiet hours they need."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

import pytest

from survey_app.db.tables import AuditEvent, OutgoingMessage, Participant, Study
from survey_app.services.calendar import utcnow
from tests.helpers import csrf_from, dispatch_at, enrol_person, login, make_staff, no_quiet_hours

OSLO_TIME = re.compile(r"\d\d\.\d\d\.\d{4} kl\. \d\d\.\d\d")


async def _specialist_with_job_seeker(client, email="ase@example.no"):
    specialist = await make_staff("spes@example.no", name="Siri Spesialist")
    enrolled = await enrol_person(specialist, "Åse Ørnes", email)
    await login(client, "spes@example.no")
    return specialist, enrolled


async def _post(client, path: str, data: dict | None = None):
    page = await client.get("/caseload")
    return await client.post(path, data={**(data or {}), "_csrf_token": csrf_from(page.text)}, follow_redirects=False)


async def _quiet_hours_now() -> None:
    """Quiet hours from this hour to two hours later, Oslo time: whenever the test runs."""
    hour = utcnow().astimezone(ZoneInfo("Europe/Oslo")).hour
    await Study.update({Study.quiet_hours_start: hour, Study.quiet_hours_end: (hour + 2) % 24}).where(Study.id > 0)


async def test_the_page_lists_the_history_with_norwegian_times_and_plain_words(client, smtp_sink):
    _, enrolled = await _specialist_with_job_seeker(client)
    await no_quiet_hours()
    await dispatch_at(smtp_sink.url)  # enrolled today: T1 opened at midnight
    page = await client.get(f"/caseload/{enrolled.study_id}")
    assert page.status_code == 200
    history = page.text[page.text.index('id="messages-heading"') :]
    assert "Invitation" in history or "Invitasjon" in history
    assert OSLO_TIME.search(history)  # "23.11.2026 kl. 10.05"
    assert f'action="/caseload/{enrolled.study_id}/waves/T1/remind"' in history
    english = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "Invitations and reminders" in english.text
    assert '<span class="message-status">Sent</span>' in english.text
    assert re.search(r"\d\d\.\d\d\.\d{4} \d\d:\d\d", english.text)


async def test_a_refused_email_shows_with_a_hint_on_the_caseload_and_the_page(client, smtp_sink):
    _, enrolled = await _specialist_with_job_seeker(client)
    await no_quiet_hours()
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url)
    caseload = await client.get("/caseload?lang=en")
    assert "E-mail could not be delivered" in caseload.text
    assert "Check the e-mail address with the job seeker, or let them answer on paper." in caseload.text
    page = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "E-mail that needs your attention" in page.text and "Could not be delivered" in page.text
    assert "Technical detail: SMTPRecipientRefused 550" in page.text
    [message] = await OutgoingMessage.select(OutgoingMessage.id)
    assert f'href="/caseload/{enrolled.study_id}/messages/{message["id"]}/send-again"' in page.text
    # A reminder would come before the invitation: the page says so instead of offering one.
    assert "/remind" not in page.text and "send it again instead" in page.text


async def test_send_a_reminder_now_says_when_it_goes_and_refuses_a_second(client, smtp_sink):
    specialist, enrolled = await _specialist_with_job_seeker(client)
    await no_quiet_hours()
    await dispatch_at(smtp_sink.url)
    remind = f"/caseload/{enrolled.study_id}/waves/T1/remind"
    done = await _post(client, f"{remind}?lang=en")
    assert done.status_code == 303 and done.headers["location"] == f"/caseload/{enrolled.study_id}"
    page = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "A reminder for T1 is on its way. It goes at the dispatcher&#39;s next pass, usually within" in page.text
    assert "Reminder sent on request" in page.text and "Asked for by Siri Spesialist" in page.text
    assert "At the next dispatcher pass" in page.text
    again = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "is on its way" not in again.text  # the notice is shown once
    [reminder] = await OutgoingMessage.select().where(OutgoingMessage.kind == "reminder")
    assert (reminder["status"], reminder["sequence"], reminder["requested_by"]) == ("queued", 1, specialist.id)

    second = await _post(client, remind)
    assert second.status_code == 303
    refused = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert 'role="alert"' in refused.text and "still waiting to be sent" in refused.text
    assert await OutgoingMessage.count().where(OutgoingMessage.kind == "reminder") == 1

    # In quiet hours it waits for their end, and the notice says when.
    await dispatch_at(smtp_sink.url)
    await _quiet_hours_now()
    await _post(client, remind)
    quiet = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    when = r"\d\d\.\d\d\.\d{4} \d\d:00"
    assert re.search(
        r"A reminder for T1 is on its way\. It is quiet hours now, so it goes when they end: " + when, quiet.text
    )


async def test_send_again_asks_first_and_warns_that_an_unknown_email_may_have_arrived(client, smtp_sink):
    specialist, enrolled = await _specialist_with_job_seeker(client)
    await no_quiet_hours()
    smtp_sink.delay = 1.0
    await dispatch_at(smtp_sink.url, timeout=0.3)
    smtp_sink.delay = 0
    [message] = await OutgoingMessage.select(OutgoingMessage.id, OutgoingMessage.status)
    assert message["status"] == "unknown"
    caseload = await client.get("/caseload?lang=en")
    assert "E-mail may not have arrived" in caseload.text and "Ask the job seeker whether it arrived" in caseload.text
    path = f"/caseload/{enrolled.study_id}/messages/{message['id']}/send-again"
    confirm = await client.get(f"{path}?lang=en")
    assert confirm.status_code == 200
    assert "The job seeker may already have got this e-mail." in confirm.text
    assert f'action="{path}"' in confirm.text
    assert (await OutgoingMessage.select(OutgoingMessage.status).first())["status"] == "unknown"  # nothing yet

    done = await _post(client, path)
    assert done.status_code == 303
    page = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "The invitation to T1 will be sent again. It goes at the dispatcher&#39;s next pass" in page.text
    assert "Remember that the job seeker may already have got the first one." in page.text
    assert "Sent again at the request of Siri Spesialist" in page.text
    row = await OutgoingMessage.select().first()
    assert (row["status"], row["requested_by"], row["attempts"]) == (
        "queued",
        specialist.id,
        0,
    )  # a fresh count of attempts
    # Now it is on its way: the confirmation page says it cannot be sent again.
    later = await client.get(f"{path}?lang=en")
    assert "can be sent again" in later.text and f'action="{path}"' not in later.text


async def test_actions_on_someone_elses_job_seeker_are_not_found_and_change_nothing(client, smtp_sink):
    await no_quiet_hours()
    other = await make_staff("annen@example.no")
    foreign = await enrol_person(other, "Frank Fremmed", "frank@example.no")
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url)
    [message] = await OutgoingMessage.select(OutgoingMessage.id)
    await _specialist_with_job_seeker(client)
    before = (await OutgoingMessage.select(), await Participant.select(), await AuditEvent.count())
    for study_id in (foreign.study_id, "ZZZZ-ZZZZ"):
        for path in ("withdraw", "reinstate", f"messages/{message['id']}/send-again"):
            response = await client.get(f"/caseload/{study_id}/{path}")
            assert response.status_code == 404, path
            assert "Frank" not in response.text
        for path in ("withdraw", "reinstate", "waves/T1/remind", f"messages/{message['id']}/send-again"):
            assert (await _post(client, f"/caseload/{study_id}/{path}", {"reason": "x"})).status_code == 404, path
    after = (await OutgoingMessage.select(), await Participant.select(), await AuditEvent.count())
    assert after == before


async def test_an_impossible_message_number_is_not_found(client):
    _, enrolled = await _specialist_with_job_seeker(client)
    for number in ("99999999999", "-1", "0", "x"):
        path = f"/caseload/{enrolled.study_id}/messages/{number}/send-again"
        assert (await client.get(path)).status_code == 404, number
        assert (await _post(client, path)).status_code == 404, number


@pytest.mark.parametrize("role", ["researcher", "admin"])
async def test_other_roles_may_not_use_the_specialists_actions(client, role):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    await make_staff(f"{role}@example.no", role)
    await login(client, f"{role}@example.no")
    token = csrf_from((await client.get("/login")).text)
    base = f"/caseload/{enrolled.study_id}"
    for path in ("withdraw", "reinstate", "messages/1/send-again"):
        assert (await client.get(f"{base}/{path}")).status_code == 403, path
    for path in ("withdraw", "reinstate", "waves/T1/remind", "messages/1/send-again"):
        response = await client.post(f"{base}/{path}", data={"_csrf_token": token}, follow_redirects=False)
        assert response.status_code == 403, path
    assert (await Participant.select(Participant.status).first())["status"] == "active"


async def test_the_actions_need_the_forms_csrf_token(client, smtp_sink):
    _, enrolled = await _specialist_with_job_seeker(client)
    await no_quiet_hours()
    await dispatch_at(smtp_sink.url)
    for path in ("withdraw", "waves/T1/remind"):
        response = await client.post(f"/caseload/{enrolled.study_id}/{path}", data={"reason": "x"})
        assert response.status_code == 403, path
    assert await OutgoingMessage.count() == 1
    assert (await Participant.select(Participant.status).first())["status"] == "active"
