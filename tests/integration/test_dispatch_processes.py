"""Dispatcher processes as they run in production (``mestring dispatch --once``), on SQLite and
PostgreSQL, against a real SMTP server on loopback that is slow enough for the processes to
overlap: two at once send every message exactly once; one killed mid-batch loses at most the
message it was sending (recorded as ``unknown``, never resent); one stopped with SIGTERM
finishes its message, releases its claims and exits 0."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import re
import signal
import subprocess
import sys
import time

from survey_app.db.engine import raw_query
from survey_app.db.tables import OutgoingMessage, Study
from survey_app.services.calendar import utcnow
from survey_app.services.dispatch import dispatch_once
from survey_app.services.load_data import add_open_waves
from survey_app.services.studies import current_study
from tests.conftest import SmtpSink
from tests.helpers import make_staff
from tests.integration.test_dispatch import _transport

BATCH = "50"


async def _many_open_waves(count: int) -> dict[int, str]:
    """``count`` job seekers whose T1 opened yesterday (enrolling them one by one would take
    longer than the test)."""
    study = await current_study()
    specialist = await make_staff("spes@example.no")
    addresses = await add_open_waves(study, specialist.id, count, "B", utcnow())
    # Real time in these tests: no quiet hours, whatever the hour the tests run at.
    await Study.update({Study.quiet_hours_start: 0, Study.quiet_hours_end: 0}).where(Study.id == study.id)
    return addresses


def _start(db, sink: SmtpSink, home, *command: str) -> subprocess.Popen:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")},
        "MESTRING_HOME": str(home),
        "MESTRING_DATABASE_URL": db.settings.database_url,
        "MESTRING_SMTP_URL": sink.url,
        "MESTRING_SECRET_KEY": "s" * 40,
        "MESTRING_BASE_URL": "http://mestring.test",
        "PYTHONUNBUFFERED": "1",
    }
    return subprocess.Popen(
        [sys.executable, "-m", "mestring_cli", *(command or ("dispatch", "--once", "--batch-size", BATCH))],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _wait_for(sink: SmtpSink, count: int, process: subprocess.Popen, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while len(sink.messages) < count:
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline, f"only {len(sink.messages)} messages arrived"
        await asyncio.sleep(0.02)


async def _statuses() -> dict[str, int]:
    rows = await raw_query("SELECT status, COUNT(*) AS n FROM outgoing_message GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


def _assert_each_at_most_once(sink: SmtpSink) -> set[str]:
    recipients = sink.recipients()
    assert len(recipients) == len(set(recipients)), "someone got the same message twice"
    return set(recipients)


async def test_two_processes_over_2000_due_messages_send_each_once_and_both_send(db, smtp_sink, tmp_path):
    await _many_open_waves(2000)
    smtp_sink.delay = 0.004  # slow enough that the second process starts before the first is done
    processes = [_start(db, smtp_sink, tmp_path / f"p{n}") for n in range(2)]
    outputs = [await asyncio.to_thread(p.communicate, timeout=300) for p in processes]
    assert [p.returncode for p in processes] == [0, 0], outputs
    sent_by = [sum(line.startswith("sent message") for line in out.splitlines()) for out, _ in outputs]
    assert min(sent_by) > 0, f"one process sent everything: {sent_by}"
    assert sum(sent_by) == 2000
    assert len(_assert_each_at_most_once(smtp_sink)) == 2000
    assert await _statuses() == {"sent": 2000}


async def test_a_process_killed_mid_batch_loses_at_most_the_message_in_flight(db, smtp_sink, tmp_path):
    addresses = await _many_open_waves(300)
    smtp_sink.delay = 0.02
    process = _start(db, smtp_sink, tmp_path)
    await _wait_for(smtp_sink, 60, process)
    process.kill()
    await asyncio.to_thread(process.wait, 30)
    left = await _statuses()
    assert left.get("claimed", 0) > 0 and left.get("sending", 0) <= 1, left  # killed with a batch in hand

    # The next pass, after the lease: the claims return to the queue, the one in flight is unknown.
    smtp_sink.delay = 0
    report = await dispatch_once(
        _transport(smtp_sink),
        base_url="http://mestring.test",
        sender="s@example.no",
        now=utcnow() + dt.timedelta(minutes=11),
    )
    received = _assert_each_at_most_once(smtp_sink)
    statuses = await _statuses()
    assert statuses.get("unknown", 0) == left.get("sending", 0) <= 1
    assert set(statuses) <= {"sent", "unknown"}
    unknown = await OutgoingMessage.select(OutgoingMessage.participant).where(OutgoingMessage.status == "unknown")
    not_received = {addresses[row["participant"]] for row in unknown} - received
    assert len(received) + len(not_received) == 300, (len(received), not_received, report.summary())


async def test_sigterm_finishes_the_message_in_flight_and_releases_the_claims(db, smtp_sink, tmp_path):
    await _many_open_waves(300)
    smtp_sink.delay = 0.02
    process = _start(db, smtp_sink, tmp_path)
    await _wait_for(smtp_sink, 60, process)
    process.send_signal(signal.SIGTERM)
    out, err = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0, err
    statuses = await _statuses()
    assert set(statuses) == {"sent", "queued"}, statuses  # nothing left claimed or in doubt
    released = int(re.search(r"released (\d+)", out).group(1))
    # Only the batch in hand was claimed: it goes back, the rest was never taken.
    assert 0 < released <= min(int(BATCH), statuses["queued"]) and statuses["sent"] == len(smtp_sink.messages)

    smtp_sink.delay = 0
    await dispatch_once(_transport(smtp_sink), base_url="http://mestring.test", sender="s@example.no")
    assert len(_assert_each_at_most_once(smtp_sink)) == 300
    assert await _statuses() == {"sent": 300}


async def test_the_scheduler_stops_on_sigterm_after_the_message_in_flight(db, smtp_sink, tmp_path):
    await _many_open_waves(300)
    smtp_sink.delay = 0.02
    process = _start(db, smtp_sink, tmp_path, "scheduler", "--interval", "1")
    await _wait_for(smtp_sink, 30, process)
    process.send_signal(signal.SIGTERM)
    _, err = await asyncio.to_thread(process.communicate, timeout=30)
    assert process.returncode == 0 and "Traceback" not in err, err
    statuses = await _statuses()
    assert set(statuses) == {"sent", "queued"} and statuses["sent"] == len(smtp_sink.messages), statuses
    _assert_each_at_most_once(smtp_sink)
