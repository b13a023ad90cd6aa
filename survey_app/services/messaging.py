"""Outgoing messages: queued as rows first, claimed atomically, sent once, outcome recorded.

The database is the source of truth. A dispatcher pass (see ``scheduler/dispatch.py``) calls
:func:`queue_open_invitations`, :func:`cancel_ineligible`, :func:`claim_due`, then sends and
calls :func:`record_sent` or :func:`record_failure`. A claim is one ``UPDATE ... RETURNING``
over rows still ``queued``: on PostgreSQL the candidate rows are locked with
``FOR UPDATE SKIP LOCKED``, on SQLite the IMMEDIATE write transaction makes the claimer the
only writer. Either way a row moves to ``sending`` for exactly one claimer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from survey_app.db.engine import is_sqlite, raw_query, write_transaction
from survey_app.db.tables import OutgoingMessage

MAX_ATTEMPTS = 5
# Waits before attempts 2, 3, 4, 5: quick for a hiccup, slower for an outage.
RETRY_BACKOFF = (
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=30),
    dt.timedelta(hours=2),
)

# A wave can be answered, and a participant can be messaged, only under these conditions.
_SENDABLE = """
    w.status IN ('pending', 'in_progress')
    AND w.opens_at <= {now} AND w.closes_at > {now}
    AND p.status = 'active' AND p.contact_mode = 'email'
"""


async def queue_open_invitations(now: dt.datetime, participant_id: int | None = None) -> int:
    """Queue an invitation for every open, unanswered wave that has none yet; returns how many.

    The unique index on (wave, kind, sequence) turns a race between two dispatchers into a
    no-op for the slower one.
    """
    only_one = "AND p.id = {participant}" if participant_id is not None else ""
    sql = f"""
        INSERT INTO outgoing_message
            (participant, wave, kind, sequence, status, due_at, attempts, created_at)
        SELECT p.id, w.id, 'invitation', 0, 'queued', w.opens_at, 0, {{now}}
        FROM wave w JOIN participant p ON p.id = w.participant
        WHERE {_SENDABLE} {only_one}
          AND NOT EXISTS (
            SELECT 1 FROM outgoing_message m WHERE m.wave = w.id AND m.kind = 'invitation')
        ON CONFLICT DO NOTHING
        RETURNING id
    """
    rows = await raw_query(sql, now=now, participant=participant_id)
    return len(rows)


async def cancel_ineligible(now: dt.datetime) -> int:
    """Cancel queued messages whose wave was answered, closed or withdrawn, or whose participant
    withdrew or chose paper. Returns how many."""
    rows = await raw_query(
        f"""
            UPDATE outgoing_message SET status = 'cancelled'
            WHERE status = 'queued' AND NOT EXISTS (
                SELECT 1 FROM wave w JOIN participant p ON p.id = w.participant
                WHERE w.id = outgoing_message.wave AND {_SENDABLE})
            RETURNING id
            """,
        now=now,
    )
    return len(rows)


@dataclass(frozen=True)
class Claim:
    message_id: int
    claim_token: str


async def claim_due(now: dt.datetime, limit: int) -> list[Claim]:
    """Move up to ``limit`` due, sendable messages from ``queued`` to ``sending`` for this caller."""
    token = secrets.token_hex(16)
    lock = "" if is_sqlite() else "FOR UPDATE OF m SKIP LOCKED"
    sql = f"""
        UPDATE outgoing_message
        SET status = 'sending', claim_token = {{token}}, claimed_at = {{now}},
            attempts = attempts + 1
        WHERE id IN (
            SELECT m.id FROM outgoing_message m
            JOIN wave w ON w.id = m.wave JOIN participant p ON p.id = m.participant
            WHERE m.status = 'queued' AND m.due_at <= {{now}} AND {_SENDABLE}
            ORDER BY m.due_at, m.id
            LIMIT {{limit}} {lock})
        RETURNING id
    """
    async with write_transaction():
        rows = await raw_query(sql, token=token, now=now, limit=limit)
    return [Claim(row["id"], token) for row in sorted(rows, key=lambda r: r["id"])]


async def record_sent(claim: Claim, now: dt.datetime) -> None:
    await OutgoingMessage.update(
        {OutgoingMessage.status: "sent", OutgoingMessage.sent_at: now, OutgoingMessage.last_error: None}
    ).where((OutgoingMessage.id == claim.message_id) & (OutgoingMessage.claim_token == claim.claim_token))


async def record_failure(claim: Claim, error: str, now: dt.datetime) -> str:
    """Requeue with backoff, or mark ``undeliverable`` after ``MAX_ATTEMPTS``; returns the status.

    ``error`` must not carry the recipient's address (see ``mail.transport.describe_error``).
    """
    row = await OutgoingMessage.select(OutgoingMessage.attempts).where(OutgoingMessage.id == claim.message_id).first()
    attempts = row["attempts"] if row else MAX_ATTEMPTS
    if attempts >= MAX_ATTEMPTS:
        changes = {OutgoingMessage.status: "undeliverable"}
    else:
        changes = {
            OutgoingMessage.status: "queued",
            OutgoingMessage.due_at: now + RETRY_BACKOFF[attempts - 1],
        }
    changes[OutgoingMessage.last_error] = error[:500]
    await OutgoingMessage.update(changes).where(
        (OutgoingMessage.id == claim.message_id) & (OutgoingMessage.claim_token == claim.claim_token)
    )
    return changes[OutgoingMessage.status]
