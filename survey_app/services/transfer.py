"""Moving a job seeker to another job specialist: by an administrator (anywhere), or by an
office lead (between the specialists of their office). Audited with both specialists'
account numbers; the job seeker's calendar, answers and messages stay as they are."""

from __future__ import annotations

from survey_app.db.engine import raw_query, row_lock, transactional
from survey_app.db.tables import Participant, ParticipantIdentity, Staff
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.access import NOT_IN_CASELOAD
from survey_app.services.enrolment import active_emails, looks_like_study_id
from survey_app.services.errors import Forbidden, InvalidInput, NotFound
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import study_by_id
from survey_app.services.validation import fits_row_id

NOT_A_TARGET = N_("Choose an active job specialist.")
NO_SUCH_STUDY_ID = N_("No job seeker in the study has this study ID.")
TARGET_HAS_ADDRESS = N_(
    "The new job specialist already follows a job seeker with this e-mail address. Find out whether it is the "
    "same person before moving."
)
MAY_NOT_MOVE = N_("Only an administrator or the office lead can move a job seeker to another job specialist.")


async def move_targets(viewer: StaffPrincipal) -> list[dict]:
    """The specialists ``viewer`` may move a job seeker to (``id``, ``display_name``,
    ``office``), by office and name."""
    condition = (Staff.role == "specialist") & (Staff.active == True)  # noqa: E712
    if viewer.role != "admin":
        if not viewer.leads_office:
            return []
        condition &= Staff.office == viewer.office
    return (
        await Staff.select(Staff.id, Staff.display_name, Staff.office)
        .where(condition)
        .order_by(Staff.office)
        .order_by(Staff.display_name)
    )


def _staff_number(value: object) -> int | None:
    """A staff account's number from a form, or None (ASCII digits only: "²" and "١" are
    digits to Python but no number here)."""
    if (
        isinstance(value, str)
        and value.isascii()
        and value.isdecimal()
        and len(value) <= 10
        and fits_row_id(int(value))
    ):
        return int(value)
    return None


@transactional
async def move_participant(viewer: StaffPrincipal, study_id: str, target_id: object) -> bool:
    """Make ``target_id`` the job seeker's specialist; False when they already were.

    Raises :class:`Forbidden` for anyone but an administrator or an office lead,
    :class:`NotFound` for a job seeker the viewer may not see, and :class:`InvalidInput` for a
    target who is not an active specialist the viewer may move to, or who already has an
    active job seeker with the same e-mail address (one address per caseload, as at enrolment).
    """
    if viewer.role != "admin" and not viewer.leads_office:
        raise Forbidden(MAY_NOT_MOVE)
    not_found = NotFound(NO_SUCH_STUDY_ID if viewer.role == "admin" else NOT_IN_CASELOAD)
    if not looks_like_study_id(study_id):
        raise not_found
    target = _staff_number(target_id)
    if target not in {row["id"] for row in await move_targets(viewer)}:
        raise InvalidInput({"specialist": NOT_A_TARGET})
    # The job seeker's row first, then the target's (the order contact corrections take too):
    # whose job seeker it is, and so whether a lead may move them, is read under the lock, so
    # a move committed meanwhile is seen and the audit trail's "from" is always true.
    # The row alone: PostgreSQL re-checks a locked row that changed meanwhile against the
    # statement's other tables as they were, so a join here would drop a just-moved job seeker.
    locked = await raw_query(
        f"SELECT p.id, p.study, p.specialist FROM participant p WHERE p.study_id = {{study_id}} {row_lock('p')}",
        study_id=study_id,
    )
    if not locked:
        raise not_found
    participant = locked[0]
    holder = await Staff.select(Staff.office).where(Staff.id == participant["specialist"]).first()
    if viewer.role != "admin" and holder["office"] != viewer.office:
        raise not_found
    if participant["specialist"] == target:
        return False
    await raw_query(f"SELECT id FROM staff WHERE id = {{id}} {row_lock('staff')}", id=target)
    identity = (
        await ParticipantIdentity.select(ParticipantIdentity.email_normalised)
        .where(ParticipantIdentity.participant == participant["id"])
        .first()
    )
    address = identity["email_normalised"] if identity else None
    study = await study_by_id(participant["study"])
    if address and await active_emails(study, [address], target, besides=participant["id"]):
        raise InvalidInput({"specialist": TARGET_HAS_ADDRESS})
    await Participant.update({Participant.specialist: target}).where(Participant.id == participant["id"])
    await audit.record(
        audit.Actor.staff(viewer.id),
        "participant.move",
        "participant",
        study_id,
        {"from": participant["specialist"], "to": target},
    )
    return True
