"""Outgoing messages in the database: what falls due, claims under a lease, one send at a time.

The database is the source of truth; ``services/dispatch.py`` runs a pass over these steps.
Messages are written only when they fall due, from each wave's state and the study's
*current* policy, so a policy edit applies to everything not yet sent (nothing is queued in
advance to go stale). A unique index on (wave, kind, sequence) makes two dispatchers that
find the same due message write it once.

Claims: one ``UPDATE ... RETURNING`` moves due rows from ``queued`` to ``claimed`` for one
pass, until its lease expires (PostgreSQL locks the candidates ``FOR UPDATE SKIP LOCKED``; on
SQLite the IMMEDIATE write transaction makes the claimer the only writer). Right before its
SMTP transaction a message is checked again and marked ``sending``; its outcome is committed
right after. A claim whose lease runs out returns to the queue; a message still ``sending``
then becomes ``unknown``: the one window left is a process that died during that message's
SMTP transaction, and such a message is never resent automatically.
"""

from __future__ import annotations

import datetime as dt
import logging
import secrets
from dataclasses import dataclass

from survey_app.db.engine import insert_rows, is_sqlite, placeholders, raw_query
from survey_app.db.tables import LinkToken, OutgoingMessage
from survey_app.mail.transport import RETRY, SENT, UNDELIVERABLE, UNKNOWN, Delivery
from survey_app.services.sending_policy import next_reminder, still_due
from survey_app.services.studies import StudyConfig

log = logging.getLogger("mestring.messaging")

MAX_ATTEMPTS = 5
# Waits before attempts 2, 3, 4, 5 after a temporary failure (4xx, a dropped connection):
# quick for a hiccup, slower for a longer problem.
RETRY_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)
# Rows still to be decided; the others are outcomes.
PENDING = ("queued", "claimed", "sending")

# A wave can be answered, and a participant messaged, only under these conditions.
_SENDABLE = """
    w.status IN ('pending', 'in_progress')
    AND w.opens_at <= {now} AND w.closes_at > {now}
    AND p.status = 'active' AND p.contact_mode = 'email'
"""
# Why a message may not go (any more); the first that applies.
_NOT_SENDABLE_REASON = """
    CASE WHEN p.status <> 'active' THEN 'withdrawn'
         WHEN p.contact_mode <> 'email' THEN 'paper'
         WHEN w.status = 'answered' THEN 'answered'
         WHEN w.status = 'withdrawn' THEN 'withdrawn'
         WHEN w.closes_at <= {now} OR w.status = 'missed' THEN 'closed'
         ELSE 'not open' END
"""
_COLUMNS = ("participant", "wave", "kind", "sequence", "status", "due_at", "attempts", "reason", "created_at")


@dataclass(frozen=True)
class Queued:
    queued: int
    skipped: list[int]


async def queue_due(study: StudyConfig, now: dt.datetime, participant_id: int | None = None) -> Queued:
    """Write every message that has fallen due by ``now`` and is not written yet: the
    invitation of each open wave, and its next reminder once the invitation went out and no
    earlier reminder is still on its way. Reminders whose moment passed more than a day ago
    are written as ``skipped``. Call inside a write transaction."""
    only_one = "AND p.id = {participant}" if participant_id is not None else ""
    candidates = await raw_query(
        f"""
        SELECT w.id AS wave, p.id AS participant, w.opens_at,
            (SELECT m.status FROM outgoing_message m WHERE m.wave = w.id AND m.kind = 'invitation') AS invitation,
            (SELECT COUNT(*) FROM outgoing_message m WHERE m.wave = w.id AND m.kind = 'reminder') AS reminders,
            (SELECT COUNT(*) FROM outgoing_message m WHERE m.wave = w.id AND m.kind = 'reminder'
                AND m.status IN ('queued', 'claimed', 'sending')) AS reminders_pending
        FROM wave w JOIN participant p ON p.id = w.participant
        WHERE {_SENDABLE} {only_one}
        ORDER BY w.id
        """,
        now=now,
        participant=participant_id,
    )
    rows = []
    for wave in candidates:
        if wave["invitation"] is None:
            rows.append(_row(wave, "invitation", 0, "queued", wave["opens_at"], None, now))
            continue
        if wave["invitation"] != "sent" or wave["reminders_pending"]:
            continue
        for number, due_at, is_stale in next_reminder(
            wave["opens_at"], wave["reminders"], study.reminder_days, now, study.timezone
        ):
            rows.append(_row(wave, "reminder", number, "skipped" if is_stale else "queued", due_at, is_stale, now))
    written = await _insert(rows)
    skipped = [row["id"] for row in written if row["status"] == "skipped"]
    if skipped:
        log.info("skipped %d reminder(s) whose moment passed more than a day ago: %s", len(skipped), skipped)
    return Queued(queued=len(written) - len(skipped), skipped=skipped)


def _row(wave: dict, kind: str, number: int, status: str, due_at: dt.datetime, stale: bool | None, now: dt.datetime):
    return (wave["participant"], wave["wave"], kind, number, status, due_at, 0, "stale" if stale else None, now)


async def _insert(rows: list[tuple]) -> list[dict]:
    written = []
    for start in range(0, len(rows), 500):  # within every database's limit of parameters
        written += await insert_rows(
            OutgoingMessage, _COLUMNS, rows[start : start + 500], "ON CONFLICT DO NOTHING RETURNING id, status"
        )
    return written


async def withdraw_reminders_no_longer_due(study: StudyConfig, now: dt.datetime) -> int:
    """Take back queued reminders that the current policy no longer has due (and that were
    never tried, nor asked for by a specialist), so that a policy edit applies to them too.
    They are written again when they fall due. Returns how many."""
    queued = await raw_query(
        """
        SELECT m.id, m.sequence, w.opens_at FROM outgoing_message m JOIN wave w ON w.id = m.wave
        WHERE m.kind = 'reminder' AND m.status = 'queued' AND m.attempts = 0 AND m.requested_by IS NULL
        """
    )
    gone = [
        row["id"]
        for row in queued
        if not still_due(row["opens_at"], row["sequence"], study.reminder_days, now, study.timezone)
    ]
    if gone:
        listed, params = placeholders("id", gone)
        await raw_query(f"DELETE FROM outgoing_message WHERE status = 'queued' AND id IN ({listed})", **params)
    return len(gone)


async def mark_missed(now: dt.datetime) -> int:
    """Waves whose window ended unanswered become ``missed``; returns how many."""
    rows = await raw_query(
        """
        UPDATE wave SET status = 'missed'
        WHERE status IN ('pending', 'in_progress') AND closes_at <= {now}
        RETURNING id
        """,
        now=now,
    )
    return len(rows)


async def cancel_ineligible(now: dt.datetime) -> int:
    """Cancel queued messages whose wave was answered, missed or withdrawn, or whose
    participant withdrew or chose paper, with the reason. Returns how many."""
    rows = await raw_query(
        f"""
        UPDATE outgoing_message SET status = 'cancelled', claim_token = NULL, reason = (
            SELECT {_NOT_SENDABLE_REASON} FROM wave w JOIN participant p ON p.id = w.participant
            WHERE w.id = outgoing_message.wave)
        WHERE status = 'queued' AND NOT EXISTS (
            SELECT 1 FROM wave w JOIN participant p ON p.id = w.participant
            WHERE w.id = outgoing_message.wave AND {_SENDABLE})
        RETURNING id
        """,
        now=now,
    )
    return len(rows)


async def requeue_paper_invitations(participant_id: int, now: dt.datetime) -> int:
    """After a switch from paper back to e-mail: invitations cancelled because the person was
    on paper go back in the queue, due now, for every wave still open (the unique index keeps
    a wave to one invitation, so a new one could not be written). Returns how many."""
    rows = await raw_query(
        f"""
        UPDATE outgoing_message SET status = 'queued', reason = NULL, due_at = {{now}}, retry_at = NULL,
            attempts = 0, last_error = NULL
        WHERE participant = {{participant}} AND kind = 'invitation' AND status = 'cancelled' AND reason = 'paper'
            AND EXISTS (SELECT 1 FROM wave w JOIN participant p ON p.id = w.participant
                        WHERE w.id = outgoing_message.wave AND {_SENDABLE})
        RETURNING id
        """,
        now=now,
        participant=participant_id,
    )
    return len(rows)


@dataclass(frozen=True)
class Expired:
    requeued: int
    unknown: list[int]


async def expire_leases(now: dt.datetime) -> Expired:
    """Claims whose lease ran out go back to the queue (their pass stopped before sending
    them); messages still ``sending`` become ``unknown`` (their pass stopped during the SMTP
    transaction, so the server may have taken them)."""
    requeued = await raw_query(
        """
        UPDATE outgoing_message SET status = 'queued', claim_token = NULL, lease_expires_at = NULL
        WHERE status = 'claimed' AND lease_expires_at <= {now}
        RETURNING id
        """,
        now=now,
    )
    unknown = await raw_query(
        """
        UPDATE outgoing_message SET status = 'unknown', lease_expires_at = NULL,
            last_error = 'the dispatcher stopped during the SMTP transaction'
        WHERE status = 'sending' AND lease_expires_at <= {now}
        RETURNING id
        """,
        now=now,
    )
    return Expired(requeued=len(requeued), unknown=sorted(row["id"] for row in unknown))


@dataclass(frozen=True)
class Claim:
    message_id: int
    claim_token: str


async def claim_due(now: dt.datetime, limit: int, lease: dt.timedelta) -> list[Claim]:
    """Claim up to ``limit`` due messages for this pass until ``now + lease``, oldest first.
    Call inside a write transaction.

    Only the queue itself is read, in due order from its partial index: whether a message may
    still go is checked for each one as it is marked sending (:func:`mark_sending`), and the
    pass's bookkeeping cancels what may not go before it claims. A claim that joined waves
    and participants left the plan to PostgreSQL's statistics, which are stale right after a
    bulk enrolment: it took seconds per claim over 20,000 queued messages.
    """
    token = secrets.token_hex(16)
    lock = "" if is_sqlite() else "FOR UPDATE SKIP LOCKED"
    rows = await raw_query(
        f"""
        UPDATE outgoing_message
        SET status = 'claimed', claim_token = {{token}}, claimed_at = {{now}}, lease_expires_at = {{until}}
        WHERE id IN (
            SELECT id FROM outgoing_message
            WHERE status = 'queued' AND due_at <= {{now}} AND (retry_at IS NULL OR retry_at <= {{now}})
            ORDER BY due_at, id
            LIMIT {{limit}} {lock})
        RETURNING id
        """,
        token=token,
        now=now,
        until=now + lease,
        limit=limit,
    )
    return [Claim(row["id"], token) for row in sorted(rows, key=lambda r: r["id"])]


async def release(claims: list[Claim]) -> int:
    """Give claims not yet being sent back to the queue (a pass that stops early)."""
    if not claims:
        return 0
    listed, params = placeholders("id", [claim.message_id for claim in claims])
    rows = await raw_query(
        f"""
        UPDATE outgoing_message SET status = 'queued', claim_token = NULL, lease_expires_at = NULL
        WHERE id IN ({listed}) AND claim_token = {{token}} AND status = 'claimed'
        RETURNING id
        """,
        token=claims[0].claim_token,
        **params,
    )
    return len(rows)


async def give_up(claim: Claim, error: str) -> None:
    """A claimed message that cannot even be written (its data are broken): undeliverable."""
    await OutgoingMessage.update(
        {
            OutgoingMessage.status: "undeliverable",
            OutgoingMessage.last_error: error[:500],
            OutgoingMessage.claim_token: None,
        }
    ).where((OutgoingMessage.id == claim.message_id) & (OutgoingMessage.claim_token == claim.claim_token))


@dataclass(frozen=True)
class Outgoing:
    """A claimed message with everything its e-mail needs, read for a whole batch at once."""

    message_id: int
    kind: str
    sequence: int
    requested_by: int | None
    wave_label: str
    wave_months: int
    opens_at: dt.datetime
    closes_at: dt.datetime
    participant_id: int
    wave_id: int
    language: str
    name: str
    email: str | None
    specialist_name: str
    specialist_email: str


async def claimed_messages(claims: list[Claim]) -> dict[int, Outgoing]:
    """The details of claimed messages, by id (one query for the batch)."""
    if not claims:
        return {}
    listed, params = placeholders("id", [claim.message_id for claim in claims])
    rows = await raw_query(
        f"""
        SELECT m.id, m.kind, m.sequence, m.requested_by, w.label, w.months, w.opens_at, w.closes_at,
            p.id AS participant, w.id AS wave, p.language, i.name, i.email,
            s.display_name AS specialist_name, s.email AS specialist_email
        FROM outgoing_message m
        JOIN wave w ON w.id = m.wave JOIN participant p ON p.id = m.participant
        JOIN participant_identity i ON i.participant = p.id JOIN staff s ON s.id = p.specialist
        WHERE m.id IN ({listed})
        """,
        **params,
    )
    return {
        row["id"]: Outgoing(
            message_id=row["id"],
            kind=row["kind"],
            sequence=row["sequence"],
            requested_by=row["requested_by"],
            wave_label=row["label"],
            wave_months=row["months"],
            opens_at=row["opens_at"],
            closes_at=row["closes_at"],
            participant_id=row["participant"],
            wave_id=row["wave"],
            language=row["language"],
            name=row["name"],
            email=row["email"],
            specialist_name=row["specialist_name"],
            specialist_email=row["specialist_email"],
        )
        for row in rows
    }


def due_under_policy(message: Outgoing, study: StudyConfig, now: dt.datetime) -> bool:
    """Whether a reminder queued earlier is due under the policy as it is now (a reminder a
    specialist asked for, and an invitation, always are)."""
    if message.kind != "reminder" or message.requested_by is not None:
        return True
    return still_due(message.opens_at, message.sequence, study.reminder_days, now, study.timezone)


async def mark_sending(
    claim: Claim, message: Outgoing, link_token_hash: str, now: dt.datetime, lease: dt.timedelta
) -> int | None:
    """Right before its SMTP transaction: check the message once more (the person may have
    answered, withdrawn or switched to paper since it was claimed) and, if it may still go,
    mark it ``sending`` and store its link token. Returns its attempt number, or None when it
    may not go (it is then cancelled with the reason) or the claim was lost. Call inside a
    write transaction: the check and the mark are one conditional update."""
    rows = await raw_query(
        f"""
        UPDATE outgoing_message
        SET status = 'sending', attempts = attempts + 1, lease_expires_at = {{until}}
        WHERE id = {{id}} AND claim_token = {{token}} AND status = 'claimed' AND EXISTS (
            SELECT 1 FROM wave w JOIN participant p ON p.id = w.participant
            WHERE w.id = outgoing_message.wave AND {_SENDABLE})
        RETURNING attempts
        """,
        until=now + lease,
        id=claim.message_id,
        token=claim.claim_token,
        now=now,
    )
    if not rows:
        await cancel_claimed(claim, now)
        return None
    await insert_rows(LinkToken, ("wave", "token_hash", "created_at"), [(message.wave_id, link_token_hash, now)])
    return rows[0]["attempts"]


async def cancel_claimed(claim: Claim, now: dt.datetime, reason: str | None = None) -> None:
    """Cancel a message this pass still holds, with ``reason`` or the reason it may not go."""
    await raw_query(
        f"""
        UPDATE outgoing_message SET status = 'cancelled', claim_token = NULL, lease_expires_at = NULL,
            reason = COALESCE({{reason}}, (
                SELECT {_NOT_SENDABLE_REASON} FROM wave w JOIN participant p ON p.id = w.participant
                WHERE w.id = outgoing_message.wave))
        WHERE id = {{id}} AND claim_token = {{token}} AND status = 'claimed'
        """,
        reason=reason,
        now=now,
        id=claim.message_id,
        token=claim.claim_token,
    )


async def record_outcome(claim: Claim, delivery: Delivery, attempts: int, now: dt.datetime) -> str:
    """Commit what became of a message being sent (its ``attempts`` th try); returns its
    status. A temporary failure queues it again after a backoff, until ``MAX_ATTEMPTS`` make
    it undeliverable. ``delivery.error`` carries no address (see ``mail.transport``)."""
    status = {SENT: "sent", RETRY: "queued", UNDELIVERABLE: "undeliverable", UNKNOWN: "unknown"}[delivery.verdict]
    if status == "queued" and attempts >= MAX_ATTEMPTS:
        status = "undeliverable"
    retry_at = now + RETRY_BACKOFF[min(attempts, len(RETRY_BACKOFF)) - 1] if status == "queued" else None
    await raw_query(
        """
        UPDATE outgoing_message
        SET status = {status}, sent_at = {sent_at}, retry_at = {retry_at}, last_error = {error},
            claim_token = NULL, lease_expires_at = NULL
        WHERE id = {id} AND claim_token = {token} AND status = 'sending'
        """,
        status=status,
        sent_at=now if status == "sent" else None,
        retry_at=retry_at,
        error=(delivery.error or "")[:500] or None,
        id=claim.message_id,
        token=claim.claim_token,
    )
    return status
