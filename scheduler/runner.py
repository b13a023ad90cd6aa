"""APScheduler 3.x wiring: one fixed-id interval job that wakes the dispatcher.

The truth lives in our tables, not in APScheduler's job store (a 3.x store cannot be shared
between processes), so any number of ``mestring scheduler`` processes may run side by side.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import signal

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.dispatch import DispatchControl, dispatch_job
from survey_app.mail.transport import MailTransport
from survey_app.settings import Settings

JOB_ID = "mestring-dispatch"
DEFAULT_INTERVAL_SECONDS = 30


def build_scheduler(
    settings: Settings, interval_seconds: int, transport: MailTransport, control: DispatchControl
) -> AsyncIOScheduler:
    """A scheduler (not started) whose one job runs a dispatcher pass every interval.

    ``misfire_grace_time`` is explicit because 3.x defaults to one second, silently skipping
    a pass that starts late; ``coalesce`` folds missed runs into one; ``max_instances=1``
    keeps passes in one process from overlapping.
    """
    scheduler = AsyncIOScheduler(timezone=dt.UTC)
    scheduler.add_job(
        dispatch_job,
        trigger="interval",
        seconds=interval_seconds,
        args=[settings, transport, control],
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval_seconds * 2,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    return scheduler


async def stop_gracefully(scheduler: AsyncIOScheduler, control: DispatchControl) -> None:
    """Let the pass in flight finish its message and release its other claims, then stop.
    (APScheduler's own shutdown would cancel a running job mid-transaction.)"""
    scheduler.pause()
    await control.stop_and_wait()
    scheduler.shutdown(wait=False)


async def run_forever(settings: Settings, interval_seconds: int, transport: MailTransport) -> None:
    """Run the dispatcher until SIGTERM or SIGINT (Ctrl+C), then stop gracefully."""
    control = DispatchControl()
    scheduler = build_scheduler(settings, interval_seconds, transport, control)
    stopping = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stopping.set)
    scheduler.start()
    try:
        await stopping.wait()
    finally:
        await stop_gracefully(scheduler, control)
