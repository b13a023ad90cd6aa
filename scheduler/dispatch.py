"""One dispatcher pass: queue what became due, cancel what no longer may go, claim, send, record.

This is the job function APScheduler runs; ``mestring dispatch --once`` runs it directly.
The remaining duplicate window: if the SMTP server accepted a message and the process died
before :func:`record_sent` committed, that message stays ``sending`` and is not sent again
automatically (it is neither resent nor marked sent until an operator looks).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from survey_app.db.engine import write_transaction
from survey_app.mail.transport import MailTransport, transport_for
from survey_app.services import messaging
from survey_app.services.calendar import utcnow
from survey_app.services.outgoing_mail import prepare_mail
from survey_app.settings import Settings

log = logging.getLogger("mestring.dispatch")

BATCH_SIZE = 50


@dataclass
class DispatchReport:
    queued: int = 0
    cancelled: int = 0
    sent: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)

    def summary(self) -> str:
        return f"queued {self.queued}, cancelled {self.cancelled}, sent {len(self.sent)}, failed {len(self.failed)}"


async def dispatch_once(
    transport: MailTransport,
    *,
    base_url: str,
    sender: str,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
) -> DispatchReport:
    """Run one pass; batches until nothing due is left. Safe to run in several processes."""
    now = now or utcnow()
    report = DispatchReport()
    async with write_transaction():
        report.queued = await messaging.queue_open_invitations(now)
        report.cancelled = await messaging.cancel_ineligible(now)
    while claims := await messaging.claim_due(now, batch_size):
        ready, mails = [], []
        for claim in claims:
            try:
                mails.append(await prepare_mail(claim, base_url, sender, now))
                ready.append(claim)
            except Exception as error:  # one broken message must not hold up the batch
                log.exception("message %s could not be prepared", claim.message_id)
                await _failed(report, claim, f"{type(error).__name__}: could not prepare the message", now)
        outcomes = await transport.send_many(mails) if mails else []
        for claim, error in zip(ready, outcomes, strict=True):
            if error is None:
                await messaging.record_sent(claim, now)
                report.sent.append(claim.message_id)
            else:
                await _failed(report, claim, error, now)
    if report.sent or report.failed or report.queued:
        log.info("dispatch pass: %s", report.summary())
    return report


async def _failed(report: DispatchReport, claim: messaging.Claim, error: str, now: dt.datetime) -> None:
    status = await messaging.record_failure(claim, error, now)
    report.failed[claim.message_id] = error
    log.warning("message %s not sent (%s): %s", claim.message_id, status, error)


async def dispatch_job(settings: Settings, transport: MailTransport | None = None) -> DispatchReport | None:
    """The scheduled job: one pass (by default with the transport ``settings`` name); never
    raises, so a database hiccup costs one interval, not the scheduler."""
    try:
        return await dispatch_once(
            transport or transport_for(settings), base_url=settings.base_url, sender=settings.mail_from
        )
    except Exception:
        log.exception("dispatch pass failed; the next one will try again")
        return None
