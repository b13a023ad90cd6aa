"""Leaving the study and coming back: the reason a person gave, who registered a withdrawal,
and undoing a withdrawal registered by mistake.

Withdrawing itself is :func:`survey_app.services.answering.withdraw_participant`: the job
seeker's link and the specialist's page both end there. The reason is the person's own words
and may say anything about their life, so it is kept with the identifying data (erased with
them), shown to their specialist alone, and deleted when the withdrawal is undone; the audit log and the
logs say only whether a reason was given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.db.engine import raw_query, row_lock, transactional
from survey_app.db.tables import AuditEvent, Participant, ParticipantIdentity, Wave
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, InvalidInput, NotFound

REASON_MAX_LENGTH = 500
REASON_TOO_LONG = N_("Write at most 500 characters.")
WITHDRAW_ACTION = "participant.withdraw"
REINSTATE_ACTION = "participant.reinstate"


def check_reason(raw: object) -> str | None:
    """The reason as it is to be kept: trimmed, line breaks as LF, other control and
    formatting characters dropped (PostgreSQL refuses NUL); None when nothing is left.

    Browsers count a line break as one character for ``maxlength`` but send it as CR LF, so
    the length is checked after the line breaks are made single characters again.

    Raises
    ------
    InvalidInput
        ``{"reason": REASON_TOO_LONG}`` for more than :data:`REASON_MAX_LENGTH` characters.
    """
    if not isinstance(raw, str):
        return None
    lines = raw.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = "\n".join(
        "".join(ch if ch.isprintable() else " " if ch.isspace() else "" for ch in line).rstrip() for line in lines
    ).strip()
    if len(kept) > REASON_MAX_LENGTH:
        raise InvalidInput({"reason": REASON_TOO_LONG})
    return kept or None


@dataclass(frozen=True)
class Withdrawal:
    """A registered withdrawal, as the responsible specialist sees it."""

    at: dt.datetime | None
    # "job_seeker" (through the link in an e-mail), "staff", or "other" (an administrator's
    # tool, the demo, an account deleted since).
    by: str
    staff_name: str | None
    reason: str | None


async def withdrawal_of(participant_id: int) -> Withdrawal | None:
    """When, by whom and why the participant was withdrawn; None while they take part.

    Who did it comes from the audit log, the one record of every withdrawal's actor.
    """
    row = (
        await ParticipantIdentity.select(
            ParticipantIdentity.participant.study_id.as_alias("study_id"),
            ParticipantIdentity.participant.status.as_alias("status"),
            ParticipantIdentity.participant.withdrawn_at.as_alias("withdrawn_at"),
            ParticipantIdentity.withdrawal_reason,
        )
        .where(ParticipantIdentity.participant == participant_id)
        .first()
    )
    if row is None or row["status"] != "withdrawn":
        return None
    event = (
        await AuditEvent.select(AuditEvent.actor, AuditEvent.actor_staff.display_name.as_alias("staff_name"))
        .where(
            (AuditEvent.action == WITHDRAW_ACTION)
            & (AuditEvent.subject_type == "participant")
            & (AuditEvent.subject_id == row["study_id"])
        )
        .order_by(AuditEvent.id, ascending=False)
        .first()
    )
    staff_name = event["staff_name"] if event else None
    by = "job_seeker" if event and event["actor"] == audit.JOB_SEEKER.label else "staff" if staff_name else "other"
    return Withdrawal(at=row["withdrawn_at"], by=by, staff_name=staff_name, reason=row["withdrawal_reason"])


@dataclass(frozen=True)
class Reinstated:
    """What undoing a withdrawal did."""

    waves_reopened: int
    # Labels of the open waves whose invitation, cancelled by the withdrawal, is queued again.
    invitations_queued: tuple[str, ...]


@transactional
async def reinstate(participant_id: int, actor: audit.Actor, now: dt.datetime | None = None) -> Reinstated:
    """Undo a withdrawal registered by mistake: the participant takes part again.

    The reason and time of the withdrawal are cleared. Waves stopped by it become unanswered
    again (``in_progress`` when the job seeker had started, else ``pending``): the
    dispatcher marks those whose window has ended missed at its next pass, and open ones get
    their messages under the study's policy. A wave's invitation that the withdrawal cancelled
    goes back to the queue, because the dispatcher writes one invitation per wave and would
    never write it again; reminders it cancelled stay cancelled (they count towards the
    policy's reminders, so the next one comes on its own day).

    Raises
    ------
    NotFound
        No such participant.
    Conflict
        The participant is not withdrawn.
    """
    now = now or utcnow()
    rows = await raw_query(
        f"""
        SELECT p.study_id, p.status, i.withdrawal_reason
        FROM participant p JOIN participant_identity i ON i.participant = p.id
        WHERE p.id = {{id}} {row_lock("p")}
        """,
        id=participant_id,
    )
    if not rows:
        raise NotFound(N_("No such job seeker."))
    if rows[0]["status"] != "withdrawn":
        raise Conflict(N_("This job seeker is taking part: there is no withdrawal to undo."))
    await Participant.update({Participant.status: "active", Participant.withdrawn_at: None}).where(
        Participant.id == participant_id
    )
    await ParticipantIdentity.update({ParticipantIdentity.withdrawal_reason: None}).where(
        ParticipantIdentity.participant == participant_id
    )
    waves = await raw_query(
        """
        UPDATE wave SET status = CASE WHEN started_at IS NULL THEN 'pending' ELSE 'in_progress' END
        WHERE participant = {id} AND status = 'withdrawn'
        RETURNING id
        """,
        id=participant_id,
    )
    invitations = await raw_query(
        """
        UPDATE outgoing_message
        SET status = 'queued', reason = NULL, retry_at = NULL, claim_token = NULL, claimed_at = NULL,
            lease_expires_at = NULL
        WHERE participant = {id} AND kind = 'invitation' AND status = 'cancelled' AND reason = 'withdrawn'
            AND wave IN (SELECT id FROM wave WHERE participant = {id}
                AND status IN ('pending', 'in_progress') AND opens_at <= {now} AND closes_at > {now})
        RETURNING wave
        """,
        id=participant_id,
        now=now,
    )
    queued = [row["wave"] for row in invitations]
    labels = await Wave.select(Wave.label).where(Wave.id.is_in(queued)) if queued else []
    result = Reinstated(waves_reopened=len(waves), invitations_queued=tuple(sorted(row["label"] for row in labels)))
    await audit.record(
        actor,
        REINSTATE_ACTION,
        "participant",
        rows[0]["study_id"],
        {
            "reason_deleted": rows[0]["withdrawal_reason"] is not None,
            "waves_reopened": result.waves_reopened,
            "invitations_queued": list(result.invitations_queued),
        },
    )
    return result
