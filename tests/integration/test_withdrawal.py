"""Withdrawal with a confirmation step and an optional reason (from the specialist's page and
the job seeker's link), and undoing a withdrawal registered by mistake, on SQLite and
PostgreSQL, with the real dispatcher sending to a real SMTP server on loopback."""

from __future__ import annotations

import datetime as dt
import json
import logging

import pytest

from survey_app.db.tables import AuditEvent, OutgoingMessage, Participant, ParticipantIdentity, Wave
from survey_app.services import audit
from survey_app.services.answering import withdraw_participant
from survey_app.services.errors import Conflict
from survey_app.services.withdrawal import reinstate, withdrawal_of
from tests.helpers import csrf_from, dispatch_at, enrol_person, link_for, login, make_staff, no_quiet_hours, oslo

REASON = "Har fått fast jobb på lageret\r\nog vil ikke ha flere e-poster."


async def _participant(participant_id: int) -> dict:
    """The participant's row, with the withdrawal reason kept among the identifying data."""
    row = await Participant.select().where(Participant.id == participant_id).first()
    identity = await ParticipantIdentity.select(ParticipantIdentity.withdrawal_reason).where(
        ParticipantIdentity.participant == participant_id
    )
    return {**row, "withdrawal_reason": identity[0]["withdrawal_reason"]}


async def _waves(participant_id: int) -> dict[str, str]:
    rows = await Wave.select(Wave.label, Wave.status).where(Wave.participant == participant_id)
    return {row["label"]: row["status"] for row in rows}


async def _events(action: str) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)


class _Records(logging.Handler):
    """Every log record a deployment writes (``mestring`` logs from INFO up) while a test
    runs; pytest's own capture is off in CI."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.texts.append(record.getMessage())


@pytest.fixture
def log_records():
    handler, root = _Records(), logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield handler.texts
    root.removeHandler(handler)
    root.setLevel(level)


async def test_the_specialist_confirms_a_withdrawal_and_the_reason_stays_with_them(client, log_records):
    specialist = await make_staff("spes@example.no", name="Siri Spesialist")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    await login(client, "spes@example.no")
    path = f"/caseload/{enrolled.study_id}"
    page = await client.get(f"{path}?lang=en")
    # The page leads to a confirmation step: no form on it withdraws at once.
    assert f'href="{path}/withdraw"' in page.text and f'action="{path}/withdraw"' not in page.text
    confirm = await client.get(f"{path}/withdraw?lang=en")
    assert confirm.status_code == 200
    for said in ("No more invitations or reminders are sent", "personal links", "are kept for the study"):
        assert said in confirm.text
    assert '<label for="reason">' in confirm.text and 'maxlength="500"' in confirm.text
    assert (await _participant(enrolled.participant_id))["status"] == "active"

    done = await client.post(
        f"{path}/withdraw", data={"reason": REASON, "_csrf_token": csrf_from(confirm.text)}, follow_redirects=False
    )
    assert done.status_code == 303 and done.headers["location"] == path
    participant = await _participant(enrolled.participant_id)
    assert participant["status"] == "withdrawn" and participant["withdrawn_at"] is not None
    assert participant["withdrawal_reason"] == REASON.replace("\r\n", "\n")
    shown = await client.get(f"{path}?lang=en")
    assert "The withdrawal is registered." in shown.text and "Withdrawn from the study" in shown.text
    assert "Har fått fast jobb på lageret\nog vil ikke ha flere e-poster." in shown.text
    assert "Siri Spesialist" in shown.text and f'href="{path}/reinstate"' in shown.text
    # The audit log says that a reason was given, never what it was; nor does any log line.
    [event] = await _events("participant.withdraw")
    assert event["actor_staff"] == specialist.id and json.loads(event["details_json"]) == {"reason_given": True}
    everything_audited = " ".join(row["details_json"] for row in await AuditEvent.select(AuditEvent.details_json))
    assert "lageret" not in everything_audited
    assert log_records and not any("lageret" in text for text in log_records)
    # Already withdrawn: the confirmation page leads back to the job seeker.
    again = await client.get(f"{path}/withdraw", follow_redirects=False)
    assert again.status_code in (302, 303) and again.headers["location"] == path


async def test_a_too_long_reason_is_refused_and_changes_nothing(client):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    await login(client, "spes@example.no")
    path = f"/caseload/{enrolled.study_id}/withdraw"
    confirm = await client.get(path)
    typed = "Fordi " + "x" * 500
    refused = await client.post(path, data={"reason": typed, "_csrf_token": csrf_from(confirm.text)})
    assert refused.status_code == 303 and refused.headers["location"] == path
    again = await client.get(f"{path}?lang=en")
    assert "Write at most 500 characters." in again.text and 'aria-invalid="true"' in again.text
    assert typed in again.text and again.text.count('href="#reason"') == 1  # the error summary leads to it
    assert (await _participant(enrolled.participant_id))["status"] == "active"
    assert await _events("participant.withdraw") == []


async def test_the_job_seeker_may_say_why_they_leave(client):
    specialist = await make_staff("spes@example.no", name="Siri Spesialist")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no", language="en")
    token = await link_for(enrolled.participant_id)
    leave = await client.get(f"/a/{token}/leave")
    assert '<label for="reason">' in leave.text and 'aria-describedby="reason-hint"' in leave.text
    csrf = csrf_from(leave.text)
    too_long = await client.post(f"/a/{token}/leave", data={"reason": "y" * 501, "_csrf_token": csrf})
    assert too_long.status_code == 303 and too_long.headers["location"] == f"/a/{token}/leave"
    shown = await client.get(too_long.headers["location"])
    assert 'lang="en"' in shown.text and "Write at most 500 characters." in shown.text and "y" * 501 in shown.text
    assert (await _participant(enrolled.participant_id))["status"] == "active"

    left = await client.post(
        f"/a/{token}/leave", data={"reason": "  Too many questions.  ", "_csrf_token": csrf}, follow_redirects=False
    )
    assert left.status_code == 303 and left.headers["location"] == "/left?lang=en"
    assert (await _participant(enrolled.participant_id))["withdrawal_reason"] == "Too many questions."
    [event] = await _events("participant.withdraw")
    assert event["actor"] == "job_seeker" and json.loads(event["details_json"]) == {"reason_given": True}
    await login(client, "spes@example.no")
    page = await client.get(f"/caseload/{enrolled.study_id}?lang=en")
    assert "The job seeker, with the link in an e-mail" in page.text and "Too many questions." in page.text


async def test_leaving_without_a_reason_records_none(db):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    await withdraw_participant(enrolled.participant_id, audit.Actor.staff(specialist.id), reason=" \r\n\t ")
    assert (await _participant(enrolled.participant_id))["withdrawal_reason"] is None
    [event] = await _events("participant.withdraw")
    assert json.loads(event["details_json"]) == {"reason_given": False}
    withdrawal = await withdrawal_of(enrolled.participant_id)
    assert (withdrawal.by, withdrawal.reason) == ("staff", None) and withdrawal.at is not None


async def test_a_reinstated_job_seekers_open_wave_gets_its_cancelled_invitation(db, smtp_sink):
    """T1 opened at midnight; its invitation waited for the end of the quiet hours when the
    withdrawal cancelled it. Undone at 07:00: the invitation goes at 08:00, once."""
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no", enrolled_on=dt.date(2026, 3, 2))
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 0, 30))
    await withdraw_participant(enrolled.participant_id, audit.JOB_SEEKER, oslo(2026, 3, 2, 1), reason="Feil knapp")
    [cancelled] = await OutgoingMessage.select()
    assert (cancelled["status"], cancelled["reason"]) == ("cancelled", "withdrawn")

    done = await reinstate(enrolled.participant_id, audit.Actor.staff(specialist.id), oslo(2026, 3, 2, 7))
    assert (done.waves_reopened, done.invitations_queued) == (4, ("T1",))
    participant = await _participant(enrolled.participant_id)
    assert (participant["status"], participant["withdrawn_at"], participant["withdrawal_reason"]) == (
        "active",
        None,
        None,
    )
    assert await _waves(enrolled.participant_id) == {"T1": "pending", "T2": "pending", "T3": "pending", "T4": "pending"}
    [queued] = await OutgoingMessage.select()
    assert (queued["id"], queued["status"], queued["reason"]) == (cancelled["id"], "queued", None)
    [event] = await _events("participant.reinstate")
    assert event["actor_staff"] == specialist.id
    assert json.loads(event["details_json"]) == {
        "invitations_queued": ["T1"],
        "reason_deleted": True,
        "waves_reopened": 4,
    }

    assert (await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 7, 30))).sent == []  # still quiet hours
    assert len((await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 8, 0))).sent) == 1
    assert (await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 9))).sent == []
    assert smtp_sink.recipients() == ["ase@example.no"]


async def test_a_wave_that_opened_during_the_withdrawal_is_invited_and_a_closed_one_missed(db, smtp_sink):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no", enrolled_on=dt.date(2026, 1, 5))
    await dispatch_at(smtp_sink.url, oslo(2026, 1, 5, 10))  # T1's invitation
    await withdraw_participant(enrolled.participant_id, audit.JOB_SEEKER, oslo(2026, 1, 6, 10))
    # T1 closes on 4 February and T2 opens on 5 April while the job seeker is withdrawn.
    assert (await dispatch_at(smtp_sink.url, oslo(2026, 4, 6, 10))).sent == []
    done = await reinstate(enrolled.participant_id, audit.Actor.staff(specialist.id), oslo(2026, 4, 6, 11))
    assert done.invitations_queued == ()  # T1's went out before; T2 has none yet
    report = await dispatch_at(smtp_sink.url, oslo(2026, 4, 6, 11, 5))
    assert len(report.sent) == 1 and report.missed == 1
    assert await _waves(enrolled.participant_id) == {"T1": "missed", "T2": "pending", "T3": "pending", "T4": "pending"}
    sent = await OutgoingMessage.select(OutgoingMessage.kind, OutgoingMessage.status, OutgoingMessage.wave.label)
    assert sorted((m["wave.label"], m["kind"], m["status"]) for m in sent) == [
        ("T1", "invitation", "sent"),
        ("T2", "invitation", "sent"),
    ]


async def test_a_started_wave_is_started_again_and_a_participant_taking_part_cannot_be_reinstated(db):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    await Wave.update({Wave.status: "in_progress", Wave.started_at: oslo(2026, 1, 1)}).where(
        (Wave.participant == enrolled.participant_id) & (Wave.label == "T1")
    )
    with pytest.raises(Conflict):
        await reinstate(enrolled.participant_id, audit.SYSTEM)
    await withdraw_participant(enrolled.participant_id, audit.SYSTEM)
    await reinstate(enrolled.participant_id, audit.SYSTEM)
    assert (await _waves(enrolled.participant_id))["T1"] == "in_progress"


async def test_the_specialist_undoes_a_withdrawal_over_http(client, smtp_sink):
    specialist = await make_staff("spes@example.no", name="Siri Spesialist")
    enrolled = await enrol_person(specialist, "Åse Ørnes", "ase@example.no")
    token = await link_for(enrolled.participant_id)
    leave = await client.get(f"/a/{token}/leave")
    await client.post(f"/a/{token}/leave", data={"_csrf_token": csrf_from(leave.text)})
    await login(client, "spes@example.no")
    path = f"/caseload/{enrolled.study_id}"
    confirm = await client.get(f"{path}/reinstate?lang=en")
    assert confirm.status_code == 200
    assert "The job seeker withdrew with the link in an e-mail." in confirm.text
    assert "The reason noted for the withdrawal is deleted." in confirm.text
    done = await client.post(f"{path}/reinstate", data={"_csrf_token": csrf_from(confirm.text)}, follow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == path
    page = await client.get(f"{path}?lang=en")
    assert "The withdrawal is undone: the job seeker takes part again." in page.text
    assert "The invitation to T1 goes out again" in page.text
    assert f'href="{path}/withdraw"' in page.text and "Withdrawn from the study" not in page.text
    assert (await _participant(enrolled.participant_id))["status"] == "active"
    assert (await client.get(f"/a/{token}")).status_code == 200  # the personal link works again
    [event] = await _events("participant.reinstate")
    assert event["actor_staff"] == specialist.id
    # Nothing to undo any more: the page says so, and nothing changes.
    await client.post(f"{path}/reinstate", data={"_csrf_token": csrf_from(confirm.text)})
    assert len(await _events("participant.reinstate")) == 1
    # The invitation that the withdrawal cancelled goes out now, once.
    await no_quiet_hours()
    assert len((await dispatch_at(smtp_sink.url)).sent) == 1
    assert (await dispatch_at(smtp_sink.url)).sent == [] and smtp_sink.recipients() == ["ase@example.no"]
