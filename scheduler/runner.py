"""APScheduler 3.x wiring: one fixed-id interval job that wakes the dispatcher.

The truth lives in our tables, not in APScheduler's job store (a 3.x store cannot be shared
between processes), so any number of ``mestring scheduler`` processes may run side by side.
"""

from __future__ import annotations

import asyncio
import datetime as dt

from apscheduler.schedulers.asyncio import AsyncIOScheduler

from scheduler.dispatch import dispatch_job
from survey_app.mail.transport import MailTransport
from survey_app.settings import Settings

JOB_ID = "mestring-dispatch"
DEFAULT_INTERVAL_SECONDS = 30


def build_scheduler(
    settings: Settings,
    interval_seconds: int = DEFAULT_INTERVAL_SECONDS,
    transport: MailTransport | None = None,
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
        args=[settings, transport],
        id=JOB_ID,
        replace_existing=True,
        max_instances=1,
        coalesce=True,
        misfire_grace_time=interval_seconds * 2,
        next_run_time=dt.datetime.now(dt.UTC),
    )
    return scheduler


async def run_forever(
    settings: Settings, interval_seconds: int = DEFAULT_INTERVAL_SECONDS, transport: MailTransport | None = None
) -> None:
    """Run the dispatcher until cancelled (Ctrl+C)."""
    scheduler = build_scheduler(settings, interval_seconds, transport)
    scheduler.start()
    try:
        await asyncio.Event().wait()
    finally:
        scheduler.shutdown(wait=False)
