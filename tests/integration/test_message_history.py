"""A job seeker's e-mails as their specialist sees them, and the specialist's "send a reminder
now" and "send again", over the real dispatcher and a real SMTP server on loopback, with a
clock the tests move (daytime unless the test is about the quiet hours 21-08)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import pytest

from survey_app.db.tables import AuditEvent, OutgoingMessage, Wave
from survey_app.services import audit, message_history
from survey_app.services.answering import record_complete_response, withdraw_participant
from survey_app.services.caseload import caseload_of
from survey_app.services.errors import NotFound
from survey_app.services.message_history import message_history as history_of
from survey_app.services.message_requests import Refused, send_again, send_reminder_now
from survey_app.services.studies import current_study
from tests.helpers import dispatch_at, enrol_person, make_staff, oslo

ENROLLED = dt.date(2026, 3, 2)


async def _person(email="ase@example.no", name="Åse Ørnes", **kwargs):
    specialist = await make_staff(f"spes-{name.split()[0].lower()}@example.no", name="Siri Spesialist")
    enrolled = await enrol_person(specialist, name, email, enrolled_on=ENROLLED, now=oslo(2026, 3, 2, 10), **kwargs)
    return enrolled, specialist


def _about(moment: dt.datetime | None, expected: dt.datetime) -> bool:
    """A dispatcher pass's clock starts at its ``now`` and then runs in real time."""
    return moment is not None and dt.timedelta(0) <= moment - expected < dt.timedelta(seconds=30)


async def _history(participant_id: int, now: dt.datetime):
    return await history_of(participant_id, await current_study(), now)


async def _rows() -> list[dict]:
    return await OutgoingMessage.select().order_by(OutgoingMessage.id)


async def _audit(action: str) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action == action).order_by(AuditEvent.id)


async def test_the_history_shows_every_message_with_due_and_sent_times_status_and_reason(db, smtp_sink):
    enrolled, specialist = await _person()
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))  # the invitation
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 10, 10))  # reminder 1 (9 March) is a day late: skipped
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 16, 8, 15))  # reminder 2, refused for good

    history = await _history(enrolled.participant_id, oslo(2026, 3, 16, 12))
    shown = [(e.wave_label, e.kind, e.sequence, e.status, e.reason, e.needs_attention) for e in history.entries]
    assert shown == [
        ("T1", "invitation", 0, "sent", None, False),
        ("T1", "reminder", 1, "skipped", "stale", False),
        ("T1", "reminder", 2, "undeliverable", None, True),
    ]
    invitation, skipped, refused = history.entries
    assert invitation.due_at == oslo(2026, 3, 2) and _about(invitation.sent_at, oslo(2026, 3, 2, 10, 5))
    assert skipped.due_at == oslo(2026, 3, 9) and skipped.sent_at is None
    assert refused.error.startswith("SMTPRecipientRefused 550") and "ase@example.no" not in refused.error
    assert refused.send_again_refusal is None and invitation.send_again_refusal == message_history.NOT_A_PROBLEM
    # The invitation went out and nothing is on its way: a reminder may be asked for.
    assert [(option.wave_label, option.refusal) for option in history.reminders] == [("T1", None)]
    [entry] = await caseload_of(specialist.id, oslo(2026, 3, 16, 12))
    assert entry.mail_problem == "undeliverable" and entry.waves[0].undeliverable

    # Asked for in the evening: queued, due at once, expected when the quiet hours end.
    requested = await send_reminder_now(specialist.id, enrolled.study_id, "T1", oslo(2026, 3, 16, 22, 30))
    assert requested.goes_at == oslo(2026, 3, 17, 8)
    asked = (await _history(enrolled.participant_id, oslo(2026, 3, 16, 22, 31))).entries[-1]
    assert (asked.kind, asked.sequence, asked.status, asked.goes_at) == ("reminder", 3, "queued", oslo(2026, 3, 17, 8))
    assert asked.asked_for.staff_name == "Siri Spesialist" and asked.asked_for.at is not None
    # Once a later e-mail got through, the address works: nothing needs attention any more.
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 17, 8, 1))
    later = await _history(enrolled.participant_id, oslo(2026, 3, 17, 9))
    assert later.entries[-1].status == "sent" and later.problems == ()
    assert not (await caseload_of(specialist.id, oslo(2026, 3, 17, 9)))[0].needs_attention


async def test_a_queued_message_shows_when_it_will_go(db, smtp_sink):
    enrolled, _ = await _person()
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 0, 30))  # T1 opened at midnight: quiet hours
    [queued] = (await _history(enrolled.participant_id, oslo(2026, 3, 2, 0, 31))).entries
    assert (queued.status, queued.goes_at) == ("queued", oslo(2026, 3, 2, 8))
    [due] = (await _history(enrolled.participant_id, oslo(2026, 3, 2, 9))).entries
    assert (due.status, due.goes_at) == ("queued", None)  # at the next pass
    smtp_sink.refuse_next = 1  # 451: try again after the backoff
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 9))
    [retrying] = (await _history(enrolled.participant_id, oslo(2026, 3, 2, 9))).entries
    assert (retrying.status, retrying.attempts) == ("queued", 1) and _about(retrying.goes_at, oslo(2026, 3, 2, 9, 1))


async def test_an_unknown_delivery_shows_on_the_caseload_and_can_be_sent_again(db, smtp_sink):
    enrolled, specialist = await _person()
    smtp_sink.delay = 1.0
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5), timeout=0.3)
    smtp_sink.delay = 0
    [entry] = await caseload_of(specialist.id, oslo(2026, 3, 2, 11))
    assert entry.mail_problem == "unknown" and entry.waves[0].delivery_unknown and not entry.waves[0].undeliverable
    [message] = (await _history(enrolled.participant_id, oslo(2026, 3, 2, 11))).entries
    assert message.status == "unknown" and message.needs_attention and message.send_again_refusal is None

    again = await send_again(specialist.id, enrolled.study_id, message.id, oslo(2026, 3, 2, 11))
    assert again.was_unknown and again.goes_at is None
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 11, 1))
    # The server had taken the first one after all: the warning on the page is needed.
    assert smtp_sink.recipients() == ["ase@example.no", "ase@example.no"]
    assert not (await caseload_of(specialist.id, oslo(2026, 3, 2, 12)))[0].needs_attention


async def test_a_reminder_asked_for_goes_once_at_the_next_pass_outside_quiet_hours(db, smtp_sink):
    enrolled, specialist = await _person()
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    requested = await send_reminder_now(specialist.id, enrolled.study_id, "T1", oslo(2026, 3, 3, 22, 30))
    assert requested.goes_at == oslo(2026, 3, 4, 8)
    for moment in (oslo(2026, 3, 3, 22, 31), oslo(2026, 3, 4, 7, 59)):
        assert (await dispatch_at(smtp_sink.url, moment)).sent == []
    assert len((await dispatch_at(smtp_sink.url, oslo(2026, 3, 4, 8, 0))).sent) == 1
    assert (await dispatch_at(smtp_sink.url, oslo(2026, 3, 4, 8, 5))).sent == []
    assert [m["Subject"].startswith("Påminnelse") for m in smtp_sink.messages] == [False, True]
    [invitation, reminder] = await _rows()
    assert (reminder["kind"], reminder["sequence"], reminder["status"], reminder["requested_by"]) == (
        "reminder",
        1,
        "sent",
        specialist.id,
    )
    # It counts among the policy's reminders (7 and 14 days): no reminder on day 7, one on day 14.
    assert (await dispatch_at(smtp_sink.url, oslo(2026, 3, 9, 8, 15))).sent == []
    assert len((await dispatch_at(smtp_sink.url, oslo(2026, 3, 16, 8, 15))).sent) == 1
    assert len(smtp_sink.messages) == 3 and invitation["status"] == "sent"
    assert [row["status"] for row in await _rows()] == ["sent", "sent", "sent"]


async def test_send_again_of_an_undeliverable_invitation_sends_it_once(db, smtp_sink):
    enrolled, specialist = await _person()
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    [failed] = await _rows()
    assert failed["status"] == "undeliverable" and smtp_sink.messages == []
    [entry] = await caseload_of(specialist.id, oslo(2026, 3, 2, 10, 10))
    assert entry.mail_problem == "undeliverable"

    again = await send_again(specialist.id, enrolled.study_id, failed["id"], oslo(2026, 3, 2, 10, 30))
    assert (again.kind, again.wave_label, again.was_unknown, again.goes_at) == ("invitation", "T1", False, None)
    [requeued] = await _rows()
    assert (requeued["id"], requeued["status"], requeued["retry_at"], requeued["claim_token"]) == (
        failed["id"],
        "queued",
        None,
        None,
    )
    # A fresh count: a message that used up its attempts gets them all again, with backoff.
    assert (requeued["attempts"], requeued["requested_by"], requeued["last_error"]) == (0, specialist.id, None)
    [event] = await _audit("message.send_again")
    assert event["actor_staff"] == specialist.id and event["subject_id"] == enrolled.study_id
    details = json.loads(event["details_json"])
    assert details["status_before"] == "undeliverable" and details["attempts"] == 1
    # The server's text may quote the address: the audit log keeps only the outcome.
    assert "last_error" not in details and details["message"] == failed["id"]

    assert len((await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 31))).sent) == 1
    assert (await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 40))).sent == []
    assert smtp_sink.recipients() == ["ase@example.no"]
    [sent] = await _rows()
    assert (sent["status"], sent["attempts"]) == ("sent", 1)
    history = await _history(enrolled.participant_id, oslo(2026, 3, 2, 11))
    [(request, *_)] = [entry.sent_again for entry in history.entries]
    assert request.staff_name == "Siri Spesialist"


async def test_a_reminder_asked_for_is_written_once_with_the_next_number(db, smtp_sink):
    enrolled, specialist = await _person()
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 9, 8, 15))  # reminder 1 of the policy
    now = oslo(2026, 3, 11, 13)
    requested = await send_reminder_now(specialist.id, enrolled.study_id, "T1", now)
    assert requested.goes_at is None
    row = (await _rows())[-1]
    assert (row["id"], row["kind"], row["sequence"], row["status"], row["due_at"], row["requested_by"]) == (
        requested.message_id,
        "reminder",
        2,
        "queued",
        now,
        specialist.id,
    )
    [event] = await _audit("message.remind_now")
    assert json.loads(event["details_json"]) == {"wave": "T1", "message": row["id"], "sequence": 2}
    # A second click before it went: refused, nothing written.
    with pytest.raises(Refused) as refused:
        await send_reminder_now(specialist.id, enrolled.study_id, "T1", now)
    assert refused.value.message == message_history.STILL_PENDING
    assert len(await _rows()) == 3 and len(await _audit("message.remind_now")) == 1


@pytest.mark.parametrize("case", ["paper", "withdrawn", "answered", "closed", "not_open", "queued", "no_invitation"])
async def test_a_reminder_is_refused_when_it_may_not_go(db, smtp_sink, case):
    enrolled, specialist = await _person(contact_mode="paper" if case == "paper" else "email")
    wave, now = "T1", oslo(2026, 3, 5, 12)
    if case == "no_invitation":
        smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    if case != "queued":
        await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    if case == "withdrawn":
        await withdraw_participant(enrolled.participant_id, audit.SYSTEM, oslo(2026, 3, 3, 10))
    elif case == "answered":
        t1 = await Wave.select(Wave.id).where((Wave.participant == enrolled.participant_id) & (Wave.label == "T1"))
        await record_complete_response(t1[0]["id"], {"was": 6}, mode="paper", language="nb", actor=audit.SYSTEM)
    elif case == "closed":
        now = oslo(2026, 4, 2, 12)
    elif case == "not_open":
        wave = "T2"
    elif case == "queued":
        await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 0, 30))  # quiet hours: the invitation waits
        now = oslo(2026, 3, 2, 6)
    expected = {
        "paper": message_history.PAPER,
        "withdrawn": message_history.WITHDRAWN,
        "answered": message_history.ANSWERED,
        "closed": message_history.NOT_OPEN,
        "not_open": message_history.NOT_OPEN,
        "queued": message_history.STILL_PENDING,
        "no_invitation": message_history.NO_INVITATION,
    }[case]
    before = await _rows()
    with pytest.raises(Refused) as refused:
        await send_reminder_now(specialist.id, enrolled.study_id, wave, now)
    assert refused.value.message == expected
    assert await _rows() == before and await _audit("message.remind_now") == []


async def test_send_again_is_refused_for_a_message_that_went_or_a_wave_that_is_over(db, smtp_sink):
    enrolled, specialist = await _person()
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    [failed] = await _rows()
    # The window has closed: too late.
    with pytest.raises(Refused) as late:
        await send_again(specialist.id, enrolled.study_id, failed["id"], oslo(2026, 4, 2, 12))
    assert late.value.message == message_history.NOT_OPEN
    await send_again(specialist.id, enrolled.study_id, failed["id"], oslo(2026, 3, 2, 11))
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 11, 1))
    # Sent now: nothing to send again.
    with pytest.raises(Refused) as sent:
        await send_again(specialist.id, enrolled.study_id, failed["id"], oslo(2026, 3, 2, 12))
    assert sent.value.message == message_history.NOT_A_PROBLEM
    assert len(await _audit("message.send_again")) == 1


async def test_requests_reach_only_the_specialists_own_job_seekers(db, smtp_sink):
    enrolled, specialist = await _person()
    other = await make_staff("annen@example.no", name="Annen Spesialist")
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    [failed] = await _rows()
    now = oslo(2026, 3, 2, 12)
    attempts = [
        send_reminder_now(other.id, enrolled.study_id, "T1", now),
        send_reminder_now(specialist.id, "ZZZZ-ZZZZ", "T1", now),
        send_reminder_now(specialist.id, enrolled.study_id, "T9", now),
        send_again(other.id, enrolled.study_id, failed["id"], now),
        send_again(specialist.id, enrolled.study_id, failed["id"] + 1000, now),
        send_again(specialist.id, enrolled.study_id, 2**40, now),
    ]
    for attempt in attempts:
        with pytest.raises(NotFound):
            await attempt
    assert await _rows() == [failed]


async def test_two_clicks_at_once_queue_one_reminder(db, smtp_sink):
    enrolled, specialist = await _person()
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    now = oslo(2026, 3, 4, 12)
    outcomes = await asyncio.gather(
        *(send_reminder_now(specialist.id, enrolled.study_id, "T1", now) for _ in range(2)), return_exceptions=True
    )
    assert sorted(type(outcome).__name__ for outcome in outcomes) == ["Refused", "Requested"]
    assert [(row["kind"], row["status"]) for row in await _rows()] == [("invitation", "sent"), ("reminder", "queued")]


async def test_a_specialist_cannot_send_more_reminders_than_the_study_allows(db, smtp_sink):
    """Asked for or planned, a job seeker gets at most the policy's number of reminders."""
    from survey_app.db.tables import Study

    enrolled, specialist = await _person()
    await Study.update({Study.reminder_days: [7]}).where(Study.id > 0)
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 2, 10, 5))
    await send_reminder_now(specialist.id, enrolled.study_id, "T1", oslo(2026, 3, 3, 10))
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 3, 10, 1))
    assert len(smtp_sink.messages) == 2
    with pytest.raises(Refused) as refused:
        await send_reminder_now(specialist.id, enrolled.study_id, "T1", oslo(2026, 3, 4, 10))
    assert refused.value.message == message_history.ALL_REMINDERS_USED
    # The planned one is not sent on top either: the request took its place.
    await dispatch_at(smtp_sink.url, oslo(2026, 3, 9, 10))
    assert len(smtp_sink.messages) == 2
