"""Whose job seekers a staff member may see, in one place.

A job specialist sees their own caseload. A specialist an administrator has made lead of an
office also sees the caseloads of the office's specialists. Nobody else sees a named job
seeker: researchers work with pseudonymised data, administrators with study IDs.

Someone outside the viewer's reach is :class:`NotFound`, exactly like a study ID that does not
exist, so guessing IDs tells nothing.
"""

from __future__ import annotations

from piccolo.columns.combination import Where, WhereRaw

from survey_app.db.tables import Participant, Staff
from survey_app.i18n import N_
from survey_app.services.enrolment import looks_like_study_id
from survey_app.services.errors import NotFound
from survey_app.services.staff import StaffPrincipal

NOT_IN_CASELOAD = N_("No job seeker with this study ID in your caseload.")
NOT_IN_OFFICE = N_("No job specialist with this number in your office.")


def visible_participants(viewer: StaffPrincipal, participant=Participant, *, own: bool = False) -> Where | WhereRaw:
    """The condition on ``participant`` (the table, or a foreign key to it such as
    ``ParticipantIdentity.participant``) that selects the job seekers ``viewer`` may see; with
    ``own``, only those of the viewer's own caseload (what only the responsible specialist
    does: withdraw, remind, correct contact details)."""
    if viewer.role != "specialist":
        # Never true: keeps an administrator or researcher out of named records.
        return WhereRaw("1 = 0")
    if viewer.leads_office and not own:
        return participant.specialist.office == viewer.office
    return participant.specialist == viewer.id


def visible_participants_sql(viewer: StaffPrincipal, participant: str = "p") -> tuple[str, dict[str, object]]:
    """:func:`visible_participants` for a raw query: a condition on the participant table's
    alias ``participant`` and its parameters (the office is compared by a subquery)."""
    if viewer.role != "specialist":
        return "1 = 0", {}
    if viewer.leads_office:
        return (
            f"{participant}.specialist IN (SELECT id FROM staff WHERE office = {{viewer_office}})",
            {"viewer_office": viewer.office},
        )
    return f"{participant}.specialist = {{viewer_id}}", {"viewer_id": viewer.id}


def check_study_id(study_id: str) -> None:
    """Junk in a URL (a NUL, a very long string) is answered like an unknown study ID."""
    if not looks_like_study_id(study_id):
        raise NotFound(NOT_IN_CASELOAD)


async def visible_participant_id(viewer: StaffPrincipal, study_id: str, *, own: bool = False) -> int:
    """The id of the job seeker with ``study_id``, if ``viewer`` may see them (``own``: as in
    :func:`visible_participants`)."""
    check_study_id(study_id)
    scope = visible_participants(viewer, own=own)
    row = await Participant.select(Participant.id).where((Participant.study_id == study_id) & scope).first()
    if row is None:
        raise NotFound(NOT_IN_CASELOAD)
    return row["id"]


async def office_specialists(viewer: StaffPrincipal) -> list[dict]:
    """The job specialists of the office ``viewer`` leads (``id``, ``display_name``,
    ``active``), by name; only the viewer themselves when they lead none. Deactivated accounts
    are included: their job seekers still need someone, and the lead moves them."""
    condition = Staff.id == viewer.id
    if viewer.leads_office:
        condition = (Staff.office == viewer.office) & (Staff.role == "specialist")
    return await Staff.select(Staff.id, Staff.display_name, Staff.active).where(condition).order_by(Staff.display_name)


async def caseload_owner(viewer: StaffPrincipal, specialist_id: int | None) -> int:
    """The specialist whose caseload ``viewer`` asks for: their own (``None``), or, for an
    office lead, one of the office's specialists."""
    if specialist_id is None or specialist_id == viewer.id:
        return viewer.id
    if viewer.leads_office and any(row["id"] == specialist_id for row in await office_specialists(viewer)):
        return specialist_id
    raise NotFound(NOT_IN_OFFICE)
