"""One dispatcher pass, framework-free: write what fell due, claim, then send and record one
message at a time. ``scheduler/`` runs it on APScheduler's clock; ``mestring dispatch --once``
runs it directly.

Each step commits on its own, right after its side effect: the claim, each message's "about
to send" mark (with its new link token), each outcome. So a process killed at any moment
leaves at most the one message it was sending in doubt (it becomes ``unknown`` after the
lease and is never resent automatically), and its other claims return to the queue when the
lease runs out. Several processes may run passes at once.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import time
from dataclasses import dataclass, field

from survey_app.db.engine import transactional
from survey_app.mail.transport import SENT, UNDELIVERABLE, UNKNOWN, Delivery, MailSession, MailTransport
from survey_app.services import messaging
from survey_app.services.calendar import utcnow
from survey_app.services.outgoing_mail import mail_for
from survey_app.services.sending_policy import in_quiet_hours
from survey_app.services.studies import StudyConfig, current_study
from survey_app.services.tokens import new_token

log = logging.getLogger("mestring.dispatch")

BATCH_SIZE = 50
LEASE = dt.timedelta(minutes=10)


class PassClock:
    """The pass's own clock: ``now`` (or the real time) when the pass began, moving on in real
    time. ``mestring dispatch --once --now`` shifts the whole pass, leases included."""

    def __init__(self, start: dt.datetime | None = None) -> None:
        self.start = start or utcnow()
        self._began = time.monotonic()

    def now(self) -> dt.datetime:
        return self.start + dt.timedelta(seconds=time.monotonic() - self._began)


@dataclass
class DispatchReport:
    queued: int = 0
    skipped: list[int] = field(default_factory=list)
    cancelled: int = 0
    missed: int = 0
    requeued: int = 0
    sent: list[int] = field(default_factory=list)
    retrying: dict[int, str] = field(default_factory=dict)
    undeliverable: dict[int, str] = field(default_factory=dict)
    unknown: dict[int, str] = field(default_factory=dict)
    released: int = 0
    quiet: bool = False
    server_down: str | None = None

    def summary(self) -> str:
        return (
            f"queued {self.queued}, skipped {len(self.skipped)}, cancelled {self.cancelled}, "
            f"missed waves {self.missed}, sent {len(self.sent)}, retrying {len(self.retrying)}, "
            f"undeliverable {len(self.undeliverable)}, unknown {len(self.unknown)}, released {self.released}"
            + (" (quiet hours: nothing sent)" if self.quiet else "")
            + (f" (mail server unreachable: {self.server_down})" if self.server_down else "")
        )

    @property
    def failed(self) -> bool:
        return bool(self.undeliverable or self.unknown or self.server_down)


@transactional
async def _bookkeeping(study: StudyConfig, now: dt.datetime, report: DispatchReport) -> None:
    report.missed = await messaging.mark_missed(now)
    report.cancelled = await messaging.cancel_ineligible(now)
    expired = await messaging.expire_leases(now)
    report.requeued = expired.requeued
    for message_id in expired.unknown:
        report.unknown[message_id] = "the dispatcher stopped during the SMTP transaction"
    await messaging.withdraw_reminders_no_longer_due(study, now)
    due = await messaging.queue_due(study, now)
    report.queued, report.skipped = due.queued, due.skipped


claim_due = transactional(messaging.claim_due)
cancel_claimed = transactional(messaging.cancel_claimed)
release = transactional(messaging.release)
give_up = transactional(messaging.give_up)


def _quiet(study: StudyConfig, now: dt.datetime) -> bool:
    return in_quiet_hours(now, study.quiet_hours_start, study.quiet_hours_end, study.timezone)


async def dispatch_once(
    transport: MailTransport,
    *,
    base_url: str,
    sender: str,
    now: dt.datetime | None = None,
    batch_size: int = BATCH_SIZE,
    lease: dt.timedelta = LEASE,
    stop: asyncio.Event | None = None,
) -> DispatchReport:
    """Run one pass: bookkeeping (missed waves, cancellations, expired leases, what fell due),
    then batches of claims until nothing due is left, the quiet hours begin, the mail server
    cannot be reached, or ``stop`` is set (the message in flight is finished, the other
    claims are released)."""
    clock = PassClock(now)
    report = DispatchReport()
    study = await current_study()
    await _bookkeeping(study, clock.now(), report)
    async with transport.session() as session:
        while not (stop and stop.is_set()):
            if _quiet(study, clock.now()):
                report.quiet = True
                break
            claims = await claim_due(clock.now(), batch_size, lease)
            if not claims:
                break
            done = await _send_claimed(claims, session, study, base_url, sender, clock, lease, report, stop)
            if done < len(claims):
                report.released += await release(claims[done:])
                break
    if report.sent or report.queued or report.failed or report.retrying or report.skipped:
        log.info("dispatch pass: %s", report.summary())
    return report


@dataclass(frozen=True)
class _Sent:
    """A message whose SMTP transaction is over and whose outcome is not committed yet."""

    claim: messaging.Claim
    delivery: Delivery
    attempt: int


@transactional
async def _record(previous: _Sent, now: dt.datetime) -> str:
    return await messaging.record_outcome(previous.claim, previous.delivery, previous.attempt, now)


@transactional
async def _record_then_mark(
    previous: _Sent | None,
    claim: messaging.Claim,
    message: messaging.Outgoing,
    token_hash: str,
    now: dt.datetime,
    lease: dt.timedelta,
) -> tuple[str | None, int | None]:
    """One commit per message: the previous message's outcome, then this one's "sending"
    mark (and link token). The outcome is thus committed before the next mail goes out, and
    a process killed at any moment leaves at most one message ``sending``; committing the
    two apart would double the commits (the largest cost of a send, see bench/README.md)."""
    status = (
        await messaging.record_outcome(previous.claim, previous.delivery, previous.attempt, now) if previous else None
    )
    attempt = await messaging.mark_sending(claim, message, token_hash, now, lease)
    return status, attempt


async def _send_claimed(
    claims: list[messaging.Claim],
    session: MailSession,
    study: StudyConfig,
    base_url: str,
    sender: str,
    clock: PassClock,
    lease: dt.timedelta,
    report: DispatchReport,
    stop: asyncio.Event | None,
) -> int:
    """Send ``claims`` in order; returns how many were dealt with (the rest are to be
    released: a stop, the quiet hours, or an unreachable server)."""
    details = await messaging.claimed_messages(claims)
    previous: _Sent | None = None
    try:
        for done, claim in enumerate(claims):
            if stop and stop.is_set():
                return done
            if _quiet(study, clock.now()):
                report.quiet = True
                return done
            unreachable = await session.ready()
            if unreachable:
                log.warning("mail server unreachable; claims go back to the queue: %s", unreachable)
                report.server_down = unreachable
                return done
            message = details.get(claim.message_id)
            if message is None:  # deleted meanwhile (its participant was erased)
                continue
            now = clock.now()
            if not messaging.due_under_policy(message, study, now):
                await cancel_claimed(claim, now, "policy")
                continue
            token, token_hash = new_token()
            try:
                mail = mail_for(message, study, token, base_url, sender, now)
            except Exception as error:  # one broken message must not hold up the others
                log.exception("message %s could not be written", claim.message_id)
                reason = f"{type(error).__name__}: the message could not be written"
                await give_up(claim, reason)
                report.undeliverable[claim.message_id] = reason
                continue
            status, attempt = await _record_then_mark(previous, claim, message, token_hash, now, lease)
            if previous:
                _note(report, previous, status)
                previous = None
            if attempt is None:
                continue
            previous = _Sent(claim, await session.send(mail), attempt)
        return len(claims)
    finally:
        if previous:
            _note(report, previous, await _record(previous, clock.now()))


def _note(report: DispatchReport, sent: _Sent, status: str) -> None:
    message_id, delivery = sent.claim.message_id, sent.delivery
    if delivery.verdict == SENT:
        report.sent.append(message_id)
        return
    {UNDELIVERABLE: report.undeliverable, UNKNOWN: report.unknown}.get(status, report.retrying)[message_id] = (
        delivery.error or ""
    )
    log.warning("message %s not sent (%s): %s", message_id, status, delivery.error)
