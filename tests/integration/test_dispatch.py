"""The dispatcher over real SMTP on loopback, on SQLite and PostgreSQL, with a clock the tests
move: invitations and reminders on each job seeker's own calendar, never at night, never for
the wrong waves, each outcome recorded as SMTP proved it."""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from zoneinfo import ZoneInfo

import pytest

from survey_app.db.tables import LinkToken, OutgoingMessage, Participant, Study, Wave
from survey_app.mail.transport import SmtpTransport
from survey_app.services import audit
from survey_app.services.answering import record_complete_response, withdraw_participant
from survey_app.services.caseload import caseload_of
from survey_app.services.dispatch import dispatch_once
from survey_app.settings import parse_smtp_url
from tests.conftest import SmtpSink
from tests.helpers import enrol_person, make_staff

OSLO = ZoneInfo("Europe/Oslo")
LINK = re.compile(r"http://mestring\.test/a/([A-Za-z0-9_-]{43})")


def oslo(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=OSLO).astimezone(dt.UTC)


def _transport(sink: SmtpSink, timeout: float = 30.0) -> SmtpTransport:
    return SmtpTransport(parse_smtp_url(sink.url), timeout=timeout)


async def _dispatch(sink, now, **options):
    return await dispatch_once(
        options.pop("transport", None) or _transport(sink),
        base_url="http://mestring.test",
        sender="Studie <s@example.no>",
        now=now,
        **options,
    )


async def _messages(participant_id=None) -> list[dict]:
    query = OutgoingMessage.select(
        OutgoingMessage.id,
        OutgoingMessage.kind,
        OutgoingMessage.sequence,
        OutgoingMessage.status,
        OutgoingMessage.reason,
        OutgoingMessage.attempts,
        OutgoingMessage.due_at,
        OutgoingMessage.sent_at,
        OutgoingMessage.wave.label,
    ).order_by(OutgoingMessage.id)
    if participant_id is not None:
        query = query.where(OutgoingMessage.participant == participant_id)
    return await query


async def _set_policy(**changes) -> None:
    await Study.update({getattr(Study, name): value for name, value in changes.items()}).where(Study.id > 0)


async def _person(name="Åse Ørnes", email="ase@example.no", enrolled_on=dt.date(2026, 1, 31), **kwargs):
    specialist = await make_staff(f"spes-{name.split()[0].lower()}@example.no", name="Siri Spesialist")
    now = oslo(enrolled_on.year, enrolled_on.month, enrolled_on.day, 10)
    return await enrol_person(specialist, name, email, enrolled_on=enrolled_on, now=now, **kwargs), specialist


async def test_invitation_goes_out_once_over_smtp_with_a_hashed_link(db, smtp_sink):
    _enrolled, _ = await _person()
    report = await _dispatch(smtp_sink, oslo(2026, 1, 31, 10, 5))
    assert len(report.sent) == 1 and not report.failed
    assert smtp_sink.recipients() == ["ase@example.no"]
    mail = smtp_sink.messages[0]
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Åse Ørnes" in text and "Siri Spesialist" in text
    token = LINK.search(text).group(1)
    assert token in mail.get_body(preferencelist=("html",)).get_content()
    assert await LinkToken.select(LinkToken.token_hash) == [{"token_hash": hashlib.sha256(token.encode()).hexdigest()}]
    [message] = await _messages()
    assert message["status"] == "sent" and message["attempts"] == 1 and token not in str(message)
    again = await _dispatch(smtp_sink, oslo(2026, 1, 31, 10, 6))
    assert again.sent == [] and len(smtp_sink.messages) == 1


async def test_a_study_sender_name_goes_with_the_configured_address(db, smtp_sink):
    await _person()
    await _set_policy(sender_name="Mestringsstudien, NAV")
    await _dispatch(smtp_sink, oslo(2026, 1, 31, 10, 5))
    assert smtp_sink.messages[0]["From"] == '"Mestringsstudien, NAV" <s@example.no>'


async def test_the_calendar_of_a_job_seeker_enrolled_on_31_january(db, smtp_sink):
    """T2 on 30 April (calendar months), reminders on the policy's days at 08:00 after the quiet
    night, no third reminder, and later waves in turn."""
    enrolled, _ = await _person()
    waves = await Wave.select(Wave.label, Wave.opens_at).where(Wave.participant == enrolled.participant_id)
    opens = {w["label"]: w["opens_at"].astimezone(OSLO) for w in waves}
    assert {label: (o.date(), o.hour) for label, o in opens.items()} == {
        "T1": (dt.date(2026, 1, 31), 0),
        "T2": (dt.date(2026, 4, 30), 0),
        "T3": (dt.date(2027, 1, 31), 0),
        "T4": (dt.date(2027, 7, 31), 0),
    }
    # T2: passes every half hour from the evening before it opens to well after its last reminder.
    await _dispatch(smtp_sink, oslo(2026, 1, 31, 10, 5))  # T1's invitation
    moment = oslo(2026, 4, 29, 20)
    while moment <= oslo(2026, 5, 25, 20):
        await _dispatch(smtp_sink, moment)
        moment += dt.timedelta(minutes=30)
    t2 = [
        (m["kind"], m["sequence"], m["sent_at"].astimezone(OSLO)) for m in await _messages() if m["wave.label"] == "T2"
    ]
    assert [(kind, number, at.date(), at.hour) for kind, number, at in t2] == [
        ("invitation", 0, dt.date(2026, 4, 30), 8),
        ("reminder", 1, dt.date(2026, 5, 7), 8),
        ("reminder", 2, dt.date(2026, 5, 14), 8),
    ]
    reminder = smtp_sink.messages[-1]
    assert reminder["Subject"].startswith("Påminnelse")
    assert "16 dager" in reminder.get_body(preferencelist=("plain",)).get_content()  # to 29 May, inclusive
    # T1's reminders went stale while no pass ran (the dispatcher was "down" from 31 January):
    t1 = {(m["kind"], m["sequence"], m["status"]) for m in await _messages() if m["wave.label"] == "T1"}
    assert t1 == {("invitation", 0, "sent")}
    assert (await Wave.select(Wave.status).where(Wave.label == "T1").first())["status"] == "missed"


@pytest.mark.parametrize(
    "reminder_night",
    [dt.date(2026, 3, 29), dt.date(2026, 10, 25)],
    ids=["summer-time-begins", "summer-time-ends"],
)
async def test_nothing_is_sent_in_quiet_hours_on_the_nights_the_clocks_change(db, smtp_sink, reminder_night):
    enrolled_on = reminder_night - dt.timedelta(days=7)
    _enrolled, _ = await _person(enrolled_on=enrolled_on)
    await _dispatch(smtp_sink, oslo(enrolled_on.year, enrolled_on.month, enrolled_on.day, 10, 5))
    # Every quarter of an hour through the night the reminder falls due at midnight.
    moment = oslo(reminder_night.year, reminder_night.month, reminder_night.day - 1, 20)
    end = oslo(reminder_night.year, reminder_night.month, reminder_night.day, 9)
    while moment <= end:
        report = await _dispatch(smtp_sink, moment)
        local = moment.astimezone(OSLO)
        if report.sent:
            assert 8 <= local.hour < 21, local
        moment += dt.timedelta(minutes=15)
    [_, reminder] = await _messages()
    assert reminder["status"] == "sent"
    local = reminder["sent_at"].astimezone(OSLO)
    assert (local.date(), local.hour, local.minute) == (reminder_night, 8, 0)


@pytest.mark.parametrize(
    "opens_on, due_on",
    [(dt.date(2026, 3, 23), dt.date(2026, 3, 30)), (dt.date(2026, 10, 19), dt.date(2026, 10, 26))],
    ids=["over-summer-time-beginning", "over-summer-time-ending"],
)
async def test_a_reminder_falls_due_at_local_midnight_after_the_clocks_change(db, smtp_sink, opens_on, due_on):
    """Seven days after a wave opened is local midnight, not 7 × 24 hours later (23:00 or
    01:00 when the clocks have moved in between)."""
    await _person(enrolled_on=opens_on)
    await _dispatch(smtp_sink, oslo(opens_on.year, opens_on.month, opens_on.day, 10, 5))
    await _dispatch(smtp_sink, oslo(due_on.year, due_on.month, due_on.day, 9))
    [_, reminder] = await _messages()
    assert reminder["due_at"] == oslo(due_on.year, due_on.month, due_on.day)


async def test_nothing_is_sent_for_answered_withdrawn_or_paper_and_closed_waves_are_missed(db, smtp_sink):
    answered, _ = await _person("Anne A", "a@example.no")
    withdrawn, _ = await _person("Wenche W", "w@example.no")
    paper, _ = await _person("Per P", None, contact_mode="paper")
    wave = (
        await Wave.select(Wave.id).where((Wave.participant == answered.participant_id) & (Wave.label == "T1")).first()
    )
    await record_complete_response(wave["id"], {"was": 7}, mode="paper", language="nb", actor=audit.SYSTEM)
    await withdraw_participant(withdrawn.participant_id, audit.SYSTEM)

    report = await _dispatch(smtp_sink, oslo(2026, 1, 31, 12))
    assert smtp_sink.messages == [] and report.sent == []
    assert sorted(m["reason"] for m in await _messages()) == ["answered", "withdrawn"]
    assert await _messages(paper.participant_id) == []
    await _dispatch(smtp_sink, oslo(2026, 3, 3, 12))
    statuses = {w["participant"]: w["status"] for w in await Wave.select().where(Wave.label == "T1")}
    assert statuses == {
        answered.participant_id: "answered",
        withdrawn.participant_id: "withdrawn",
        paper.participant_id: "missed",
    }


@pytest.mark.parametrize("change", ["answered", "withdrawn", "paper"])
async def test_a_change_between_claim_and_send_stops_the_message(db, smtp_sink, change):
    """Answering or switching to paper is caught by the check right before sending; a
    withdrawal cancels the claimed message itself (and the check would catch it too)."""
    enrolled, _ = await _person()
    transport = _transport(smtp_sink)

    class ChangesOnTheWay:
        """Lets the job seeker act after the pass has claimed the message, before it is sent."""

        def session(self):
            inner = transport.session()

            class Session:
                async def __aenter__(self):
                    self.real = await inner.__aenter__()
                    return self

                async def __aexit__(self, *exc):
                    return await inner.__aexit__(*exc)

                async def ready(self):
                    assert {m["status"] for m in await _messages()} == {"claimed"}
                    await _act(change, enrolled.participant_id)
                    return await self.real.ready()

                async def send(self, message):
                    return await self.real.send(message)

            return Session()

    report = await _dispatch(smtp_sink, oslo(2026, 1, 31, 12), transport=ChangesOnTheWay())
    assert smtp_sink.messages == [] and report.sent == []
    [message] = await _messages()
    assert (message["status"], message["reason"], message["attempts"]) == ("cancelled", change, 0)


async def _act(change: str, participant_id: int) -> None:
    if change == "answered":
        wave = await Wave.select(Wave.id).where((Wave.participant == participant_id) & (Wave.label == "T1")).first()
        await record_complete_response(wave["id"], {"was": 5}, mode="paper", language="nb", actor=audit.SYSTEM)
    elif change == "withdrawn":
        await withdraw_participant(participant_id, audit.SYSTEM)
    else:
        await Participant.update({Participant.contact_mode: "paper"}).where(Participant.id == participant_id)


async def test_a_temporary_refusal_is_retried_with_backoff_then_undeliverable(db, smtp_sink):
    _, specialist = await _person("Frida F", "f@example.no")
    smtp_sink.refuse_next = 5
    moment = oslo(2026, 1, 31, 12)
    first = await _dispatch(smtp_sink, moment)
    assert first.sent == [] and len(first.retrying) == 1
    assert "f@example.no" not in next(iter(first.retrying.values()))
    # Waits of 1, 5, 30 and 120 minutes: a pass just before each wait ends sends nothing, one
    # just after tries again.
    for wait in (1, 5, 30, 120):
        message = await OutgoingMessage.select().first()
        assert message["status"] == "queued" and message["due_at"] < moment
        assert dt.timedelta(minutes=wait) <= message["retry_at"] - moment < dt.timedelta(minutes=wait, seconds=30)
        retry_at = message["retry_at"]
        assert (await _dispatch(smtp_sink, retry_at - dt.timedelta(seconds=20))).retrying == {}
        moment = retry_at + dt.timedelta(seconds=1)
        await _dispatch(smtp_sink, moment)
    message = await OutgoingMessage.select().first()
    assert message["status"] == "undeliverable" and message["attempts"] == 5
    assert smtp_sink.messages == []
    assert (await caseload_of(specialist.id, moment))[0].needs_attention


async def test_a_permanent_refusal_is_undeliverable_at_once(db, smtp_sink):
    await _person()
    smtp_sink.refuse_next, smtp_sink.refuse_code = 1, 550
    report = await _dispatch(smtp_sink, oslo(2026, 1, 31, 12))
    assert next(iter(report.undeliverable.values())).startswith("SMTPRecipientRefused 550")
    [message] = await _messages()
    assert (message["status"], message["attempts"]) == ("undeliverable", 1)


async def test_a_server_that_answers_too_late_is_never_sent_to_again(db, smtp_sink):
    await _person()
    smtp_sink.delay = 2.0
    report = await _dispatch(smtp_sink, oslo(2026, 1, 31, 12), transport=_transport(smtp_sink, timeout=0.5))
    assert len(report.unknown) == 1
    smtp_sink.delay = 0
    later = await _dispatch(smtp_sink, oslo(2026, 2, 1, 12))
    assert later.sent == [] and len(smtp_sink.messages) == 1  # the server did take it, once
    [message] = await _messages()
    assert message["status"] == "unknown"


async def test_a_server_that_is_down_costs_no_attempt_and_mail_goes_when_it_is_back(db):
    await _person("Anne A", "a@example.no")
    await _person("Berit B", "b@example.no")
    down = SmtpSink()  # not started: nothing listens on its port
    report = await _dispatch(down, oslo(2026, 1, 31, 12))
    assert report.server_down and report.sent == [] and report.released == 2
    assert {(m["status"], m["attempts"]) for m in await _messages()} == {("queued", 0)}
    down.controller.start()
    try:
        back = await _dispatch(down, oslo(2026, 1, 31, 12, 1))
    finally:
        down.controller.stop()
    assert len(back.sent) == 2 and sorted(down.recipients()) == ["a@example.no", "b@example.no"]


async def test_a_policy_edit_moves_the_reminders_not_yet_sent(db, smtp_sink):
    enrolled, _ = await _person()
    await _dispatch(smtp_sink, oslo(2026, 1, 31, 10, 5))
    await _set_policy(reminder_days=[3, 10])
    assert (await _dispatch(smtp_sink, oslo(2026, 2, 3, 8, 30))).sent != []  # day 3, not day 7
    # A reminder that fell due in the quiet night is taken back when the policy changes.
    await _dispatch(smtp_sink, oslo(2026, 2, 10, 0, 30))
    assert [m["status"] for m in await _messages()] == ["sent", "sent", "queued"]
    await _set_policy(reminder_days=[3, 12])
    assert (await _dispatch(smtp_sink, oslo(2026, 2, 10, 8, 30))).sent == []
    assert len(await _messages()) == 2
    assert len((await _dispatch(smtp_sink, oslo(2026, 2, 12, 8, 30))).sent) == 1
    # Fewer reminders in the policy: no more are sent.
    await _set_policy(reminder_days=[3])
    assert (await _dispatch(smtp_sink, oslo(2026, 2, 20, 12))).sent == []
    assert [(m["kind"], m["sequence"]) for m in await _messages(enrolled.participant_id)] == [
        ("invitation", 0),
        ("reminder", 1),
        ("reminder", 2),
    ]


async def test_after_a_week_of_downtime_invitations_go_and_stale_reminders_do_not(db, smtp_sink):
    for number in range(3):
        await _person(f"Person{number} P", f"p{number}@example.no", enrolled_on=dt.date(2026, 3, 2))
    await _dispatch(smtp_sink, oslo(2026, 3, 2, 10, 5))
    assert len(smtp_sink.messages) == 3
    # T1 of three people who enrolled on 2 March; the dispatcher ran on the day, then stopped.
    # Back on 10 March at 10:00: reminder 1 (due 9 March 00:00) is over a day late.
    report = await _dispatch(smtp_sink, oslo(2026, 3, 10, 10))
    assert report.sent == [] and len(report.skipped) == 3 and len(smtp_sink.messages) == 3
    assert {(m["sequence"], m["status"], m["reason"]) for m in await _messages() if m["kind"] == "reminder"} == {
        (1, "skipped", "stale")
    }
    # The next reminder goes on its day.
    assert len((await _dispatch(smtp_sink, oslo(2026, 3, 16, 8, 15))).sent) == 3


async def test_invitations_missed_during_downtime_still_go_while_the_wave_is_open(db, smtp_sink):
    await _person(enrolled_on=dt.date(2026, 3, 2))
    report = await _dispatch(smtp_sink, oslo(2026, 3, 10, 10))
    assert len(report.sent) == 1 and report.skipped == []  # no reminder before its invitation
    # The first reminder's moment passed long before the late invitation: it is skipped.
    later = await _dispatch(smtp_sink, oslo(2026, 3, 10, 10, 30))
    assert later.sent == [] and len(later.skipped) == 1 and len(smtp_sink.messages) == 1
