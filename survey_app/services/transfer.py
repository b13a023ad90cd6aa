"""Moving a job seeker to another job specialist: by an administrator (anywhere), or by an
office lead (between the specialists of their office). Audited with both specialists'
account numbers; the job seeker's calendar, answers and messages stay as they are."""

from __future__ import annotations

from survey_app.db.engine import raw_query, row_lock, transactional
from survey_app.db.tables import Participant, Staff
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.access import NOT_IN_CASELOAD, visible_participants
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import Forbidden, InvalidInput, NotFound
from survey_app.services.staff import StaffPrincipal

NOT_A_TARGET = N_("Choose an active job specialist.")
NO_SUCH_STUDY_ID = N_("No job seeker in the study has this study ID.")
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


@transactional
async def move_participant(viewer: StaffPrincipal, study_id: str, target_id: object) -> bool:
    """Make ``target_id`` the job seeker's specialist; False when they already were.

    Raises :class:`Forbidden` for anyone but an administrator or an office lead,
    :class:`NotFound` for a job seeker the viewer may not see, and :class:`InvalidInput` for a
    target who is not an active specialist the viewer may move to.
    """
    if viewer.role != "admin" and not viewer.leads_office:
        raise Forbidden(MAY_NOT_MOVE)
    if not looks_like_study_id(study_id):
        raise NotFound(NO_SUCH_STUDY_ID if viewer.role == "admin" else NOT_IN_CASELOAD)
    query = Participant.select(Participant.id).where(Participant.study_id == study_id)
    if viewer.role != "admin":
        query = query.where(visible_participants(viewer))
    found = await query.first()
    if found is None:
        raise NotFound(NO_SUCH_STUDY_ID if viewer.role == "admin" else NOT_IN_CASELOAD)
    targets = {row["id"] for row in await move_targets(viewer)}
    target = int(target_id) if isinstance(target_id, str) and target_id.isdigit() and len(target_id) < 10 else None
    if target not in targets:
        raise InvalidInput({"specialist": NOT_A_TARGET})
    # Moves of one job seeker run one at a time, so the audit trail's "from" is always true.
    locked = await raw_query(
        f"SELECT p.specialist FROM participant p WHERE p.id = {{id}} {row_lock('p')}", id=found["id"]
    )
    previous = locked[0]["specialist"]
    if previous == target:
        return False
    await Participant.update({Participant.specialist: target}).where(Participant.id == found["id"])
    await audit.record(
        audit.Actor.staff(viewer.id), "participant.move", "participant", study_id, {"from": previous, "to": target}
    )
    return True
