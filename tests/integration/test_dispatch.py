"""The dispatcher: invitations over real SMTP, claimed once, never for the wrong waves."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import re
import subprocess
import sys

from scheduler.dispatch import dispatch_once
from survey_app.db.tables import LinkToken, OutgoingMessage, Wave
from survey_app.mail.transport import SmtpTransport
from survey_app.services import audit
from survey_app.services.answering import withdraw_participant
from survey_app.services.calendar import utcnow
from survey_app.services.caseload import caseload
from survey_app.services.messaging import MAX_ATTEMPTS
from survey_app.settings import parse_smtp_url
from tests.helpers import enrol_person, make_staff

LINK = re.compile(r"http://mestring\.test/a/([A-Za-z0-9_-]{43})")


def _transport(sink):
    return SmtpTransport(parse_smtp_url(sink.url))


async def _dispatch(sink, now=None):
    return await dispatch_once(
        _transport(sink), base_url="http://mestring.test", sender="Studie <s@example.no>", now=now
    )


async def test_invitation_goes_out_once_over_smtp_with_a_hashed_link(db, smtp_sink):
    specialist = await make_staff("spes@example.no", name="Siri Spesialist")
    await enrol_person(specialist, "Åse Ørnes", "ase@example.no", language="nb")
    report = await _dispatch(smtp_sink)
    assert len(report.sent) == 1 and report.failed == {}
    assert len(smtp_sink.messages) == 1
    mail = smtp_sink.messages[0]
    assert mail["To"] == "ase@example.no"
    assert mail.get_content_type() == "multipart/alternative"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    html = mail.get_body(preferencelist=("html",)).get_content()
    assert "Åse Ørnes" in text and "Siri Spesialist" in text
    token = LINK.search(text).group(1)
    assert token in html
    stored = await LinkToken.select(LinkToken.token_hash)
    assert stored == [{"token_hash": hashlib.sha256(token.encode()).hexdigest()}]
    message = await OutgoingMessage.select().first()
    assert message["status"] == "sent" and message["attempts"] == 1
    assert token not in str(message)
    # A second pass finds nothing more to send.
    again = await _dispatch(smtp_sink)
    assert again.sent == [] and len(smtp_sink.messages) == 1


async def test_invitation_is_in_the_participants_language(db, smtp_sink):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, "Nora Nb", "nb@example.no", language="nb")
    await enrol_person(specialist, "Erik En", "en@example.no", language="en")
    await _dispatch(smtp_sink)
    by_recipient = {m["To"]: m for m in smtp_sink.messages}
    assert by_recipient["en@example.no"]["Subject"] == "Your questionnaire about work and coping"
    assert by_recipient["nb@example.no"]["Subject"] != by_recipient["en@example.no"]["Subject"]
    assert by_recipient["nb@example.no"]["Content-Language"] == "nb-NO"


async def test_nothing_is_sent_for_answered_closed_withdrawn_or_paper(db, smtp_sink):
    from survey_app.services.answering import record_complete_response

    specialist = await make_staff("spes@example.no")
    answered = await enrol_person(specialist, "A", "a@example.no")
    withdrawn = await enrol_person(specialist, "W", "w@example.no")
    await enrol_person(specialist, "P", None, contact_mode="paper")
    long_ago = utcnow() - dt.timedelta(days=400)
    closed = await enrol_person(specialist, "C", "c@example.no", enrolled_on=long_ago.date(), now=long_ago)
    wave = (
        await Wave.select(Wave.id).where((Wave.participant == answered.participant_id) & (Wave.label == "T1")).first()
    )
    await record_complete_response(wave["id"], {"was": 7}, mode="paper", language="nb", actor=audit.SYSTEM)
    await withdraw_participant(withdrawn.participant_id, audit.SYSTEM)

    report = await _dispatch(smtp_sink)
    assert smtp_sink.messages == [] and report.sent == []
    statuses = await OutgoingMessage.select(OutgoingMessage.participant, OutgoingMessage.status)
    assert {m["status"] for m in statuses} == {"cancelled"}
    assert closed.participant_id in {m["participant"] for m in statuses}


async def test_later_waves_are_invited_when_they_open(db, smtp_sink):
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "T", "t@example.no")
    await _dispatch(smtp_sink)
    t2 = (
        await Wave.select(Wave.opens_at)
        .where((Wave.participant == enrolled.participant_id) & (Wave.label == "T2"))
        .first()
    )
    report = await _dispatch(smtp_sink, now=t2["opens_at"] + dt.timedelta(hours=10))
    assert report.queued == 1 and len(report.sent) == 1 and len(smtp_sink.messages) == 2
    labels = await OutgoingMessage.select(OutgoingMessage.wave.label, OutgoingMessage.status).order_by(
        OutgoingMessage.id
    )
    assert [(m["wave.label"], m["status"]) for m in labels] == [("T1", "sent"), ("T2", "sent")]
    assert "3" in smtp_sink.messages[1].get_body(preferencelist=("plain",)).get_content()


async def test_smtp_failures_are_retried_with_backoff_then_undeliverable(db, smtp_sink):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, "F", "f@example.no")
    smtp_sink.refuse_next = MAX_ATTEMPTS
    now = utcnow()
    first = await _dispatch(smtp_sink, now=now)
    assert first.sent == [] and len(first.failed) == 1
    assert "f@example.no" not in next(iter(first.failed.values()))
    message = await OutgoingMessage.select().first()
    assert message["status"] == "queued" and message["due_at"] > now
    # Not due again until the backoff has passed.
    assert (await _dispatch(smtp_sink, now=now + dt.timedelta(seconds=30))).failed == {}
    moment = now
    for _ in range(MAX_ATTEMPTS - 1):
        moment += dt.timedelta(hours=3)
        await _dispatch(smtp_sink, now=moment)
    message = await OutgoingMessage.select().first()
    assert message["status"] == "undeliverable" and message["attempts"] == MAX_ATTEMPTS
    assert smtp_sink.messages == []
    entries = await caseload(specialist.id, now)
    assert entries[0].needs_attention


async def test_two_dispatchers_at_once_send_each_message_once(db, smtp_sink):
    specialist = await make_staff("spes@example.no")
    for number in range(24):
        await enrol_person(specialist, f"P{number}", f"p{number}@example.no")
    reports = await asyncio.gather(
        *(
            dispatch_once(_transport(smtp_sink), base_url="http://mestring.test", sender="s@example.no", batch_size=5)
            for _ in range(3)
        )
    )
    sent = [message_id for report in reports for message_id in report.sent]
    assert len(sent) == len(set(sent)) == 24
    recipients = [m["To"] for m in smtp_sink.messages]
    assert len(recipients) == len(set(recipients)) == 24


async def test_two_dispatcher_processes_send_each_message_once(db, smtp_sink, tmp_path):
    specialist = await make_staff("spes@example.no")
    for number in range(30):
        await enrol_person(specialist, f"P{number}", f"p{number}@example.no")
    env = {
        **os.environ,
        "MESTRING_HOME": str(tmp_path),
        "MESTRING_DATABASE_URL": db.settings.database_url,
        "MESTRING_SMTP_URL": smtp_sink.url,
        "MESTRING_SECRET_KEY": "s" * 40,
    }
    command = [sys.executable, "-m", "mestring_cli", "dispatch", "--once"]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)
    ]
    outputs = [await asyncio.to_thread(p.communicate, timeout=120) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent_lines = [line for out, _ in outputs for line in out.splitlines() if line.startswith("sent message")]
    assert len(sent_lines) == len(set(sent_lines)) == 30
    recipients = [m["To"] for m in smtp_sink.messages]
    assert len(recipients) == len(set(recipients)) == 30
