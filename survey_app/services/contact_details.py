"""Correcting a job seeker's contact details (name, e-mail, postal address, phone, language)
and switching how they answer (e-mail link or paper) at any time.

The audit entry names the fields that changed, never their old or new values: the audit log
holds no identifying data (the channel is not identifying, so a switch records both ends).
Nothing else follows a switch by hand: the dispatcher writes messages only for e-mail
participants and cancels the queued ones of anyone now on paper, and the paper-forms list
shows whoever is on paper now.
"""

from __future__ import annotations

from collections.abc import Mapping

from survey_app.db.engine import raw_query, row_lock, transactional
from survey_app.db.tables import Participant, ParticipantIdentity
from survey_app.services import audit, messaging
from survey_app.services.access import NOT_IN_CASELOAD, visible_participant_id
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import (
    CHOOSE_CONTACT_MODE,
    CONTACT_MODES,
    DUPLICATE_IN_CASELOAD,
    ContactDetails,
    active_emails,
    check_contact,
)
from survey_app.services.errors import InvalidInput, NotFound
from survey_app.services.staff import StaffPrincipal
from survey_app.services.studies import study_by_id
from survey_app.services.validation import clean_text


async def contact_details(viewer: StaffPrincipal, study_id: str, *, viewed_as: str | None = None) -> ContactDetails:
    """What the correction form starts from. ``viewed_as`` writes the audit entry of a view of
    the person's details (as for their page)."""
    participant_id = await visible_participant_id(viewer, study_id, own=True)
    if viewed_as:
        await audit.record(audit.Actor.staff(viewer.id), "participant.view", "participant", study_id, {"as": viewed_as})
    row = (
        await ParticipantIdentity.select(
            ParticipantIdentity.name,
            ParticipantIdentity.email,
            ParticipantIdentity.phone,
            ParticipantIdentity.postal_address,
            ParticipantIdentity.participant.language,
            ParticipantIdentity.participant.contact_mode,
        )
        .where(ParticipantIdentity.participant == participant_id)
        .output(nested=True)
        .first()
    )
    return ContactDetails(
        name=row["name"],
        email=row["email"],
        phone=row["phone"],
        language=row["participant"]["language"],
        postal_address=row["postal_address"],
        contact_mode=row["participant"]["contact_mode"],
    )


@transactional
async def correct_contact(viewer: StaffPrincipal, study_id: str, raw: Mapping[str, object]) -> tuple[str, ...]:
    """Store corrected contact details and the channel (``contact_mode``; kept as it is when
    ``raw`` lacks it); returns the names of the fields that changed.

    Raises :class:`InvalidInput` for bad fields, or when another active job seeker of the same
    specialist has the new address (as at enrolment: nothing is said about other caseloads).
    """
    participant_id = await visible_participant_id(viewer, study_id, own=True)
    # The job seeker's row first (one change at a time per person), then the specialist's, whose
    # lock enrolment takes too: no two people of one caseload can end up with one address. The
    # responsibility is judged again under the lock, as a move may have committed meanwhile.
    locked = await raw_query(
        f"SELECT p.study, p.specialist, p.contact_mode FROM participant p WHERE p.id = {{id}} {row_lock('p')}",
        id=participant_id,
    )
    participant = locked[0]
    if participant["specialist"] != viewer.id:
        raise NotFound(NOT_IN_CASELOAD)
    await raw_query(f"SELECT id FROM staff WHERE id = {{id}} {row_lock('staff')}", id=viewer.id)
    study = await study_by_id(participant["study"])
    errors: dict[str, str] = {}
    contact_mode = clean_text(raw.get("contact_mode"), 10) or participant["contact_mode"]
    if contact_mode not in CONTACT_MODES:
        errors["contact_mode"] = CHOOSE_CONTACT_MODE
    new = check_contact(raw, study, contact_mode, errors)
    if errors:
        raise InvalidInput(errors)
    old = await contact_details(viewer, study_id)
    changed = tuple(
        field
        for field in ("name", "email", "postal_address", "phone", "language", "contact_mode")
        if getattr(old, field) != getattr(new, field)
    )
    if not changed:
        return ()
    if (
        "email" in changed
        and new.email
        and await active_emails(study, [new.email.lower()], viewer.id, besides=participant_id)
    ):
        raise InvalidInput({"email": DUPLICATE_IN_CASELOAD})
    await ParticipantIdentity.update(
        {
            ParticipantIdentity.name: new.name,
            ParticipantIdentity.email: new.email,
            ParticipantIdentity.email_normalised: new.email.lower() if new.email else None,
            ParticipantIdentity.phone: new.phone,
            ParticipantIdentity.postal_address: new.postal_address,
        }
    ).where(ParticipantIdentity.participant == participant_id)
    if {"language", "contact_mode"} & set(changed):
        await Participant.update(
            {Participant.language: new.language, Participant.contact_mode: new.contact_mode}
        ).where(Participant.id == participant_id)
    if "contact_mode" in changed and new.contact_mode == "email":
        await messaging.requeue_paper_invitations(participant_id, utcnow())
    details: dict[str, object] = {"fields": list(changed)}
    if "contact_mode" in changed:
        details["contact_mode"] = {"from": old.contact_mode, "to": new.contact_mode}
    await audit.record(audit.Actor.staff(viewer.id), "participant.contact_update", "participant", study_id, details)
    return changed
