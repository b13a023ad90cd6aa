"""The dispatcher's job function, as APScheduler runs it (see ``runner.py`` for the wiring).

What a pass does lives in ``survey_app.services.dispatch``; this module only keeps a failed
pass from taking the scheduler down and lets a stop request wait for the pass in flight.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from survey_app.mail.transport import MailTransport
from survey_app.services.dispatch import DispatchReport, dispatch_once
from survey_app.settings import Settings

log = logging.getLogger("mestring.dispatch")


@dataclass
class DispatchControl:
    """Shared by the job and whoever stops it: ``stop`` ends a pass after the message in flight
    (its other claims are released); ``busy`` is held while a pass runs."""

    stop: asyncio.Event = field(default_factory=asyncio.Event)
    busy: asyncio.Lock = field(default_factory=asyncio.Lock)

    async def stop_and_wait(self) -> None:
        self.stop.set()
        async with self.busy:
            pass


async def dispatch_job(settings: Settings, transport: MailTransport, control: DispatchControl) -> DispatchReport | None:
    """One pass; never raises, so a database hiccup costs one interval, not the scheduler."""
    if control.stop.is_set():
        return None
    async with control.busy:
        try:
            return await dispatch_once(
                transport, base_url=settings.base_url, sender=settings.mail_from, stop=control.stop
            )
        except Exception:
            log.exception("dispatch pass failed; the next one will try again")
            return None
