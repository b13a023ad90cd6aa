"""What a specialist does about one of their own job seekers: register or undo a withdrawal,
send a reminder now, send an e-mail again, correct contact details; and what an office lead
does: move a job seeker to another specialist of the office.

Confirmation steps are pages of their own and every action is a plain form POST that
redirects to the job seeker's page with a notice (post/redirect/get), so all of it works
without JavaScript. Someone else's job seeker, or an unknown study ID, is 404 throughout.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from survey_app.services import audit
from survey_app.services.access import NOT_IN_CASELOAD, visible_participant_id
from survey_app.services.answering import withdraw_participant
from survey_app.services.caseload import participant_detail
from survey_app.services.contact_details import contact_details, correct_contact
from survey_app.services.enrolment import CONTACT_MODES
from survey_app.services.errors import Conflict, InvalidInput, NotFound
from survey_app.services.message_history import message_history
from survey_app.services.message_requests import Requested, send_again, send_reminder_now
from survey_app.services.studies import current_study
from survey_app.services.transfer import move_participant
from survey_app.services.withdrawal import reinstate, withdrawal_of
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take, typed_again
from survey_app.web.rendering import current_user, page

CONTACT_FIELDS = ("name", "email", "postal_address", "phone", "language", "contact_mode")


def _participant_page(study_id: str) -> str:
    return f"/caseload/{study_id}"


async def _done(request: Request, study_id: str, notice: dict[str, Any]) -> Redirect:
    return await redirect_with(request, _participant_page(study_id), {"notice": notice})


def _requested(done: str, requested: Requested) -> dict[str, Any]:
    return {
        "done": done,
        "wave": requested.wave_label,
        "kind": requested.kind,
        "goes_at": requested.goes_at.isoformat() if requested.goes_at else None,
        "was_unknown": requested.was_unknown,
    }


def shown_notice(kept: dict[str, Any]) -> dict[str, Any] | None:
    """The notice an action left for the job seeker's page, ready for the template."""
    notice = kept.get("notice")
    if notice and notice.get("goes_at"):
        return {**notice, "goes_at": dt.datetime.fromisoformat(notice["goes_at"])}
    return notice


class ParticipantActionsController(Controller):
    path = "/caseload/{study_id:str}"
    guards = [roles("specialist")]

    @get("/withdraw", name="participant-withdraw-confirm")
    async def withdraw_form(self, request: Request, study_id: FromPath[str]) -> Template | Redirect:
        detail = await participant_detail(current_user(request), study_id, own=True)
        if detail.entry.status != "active":
            return Redirect(_participant_page(study_id))
        kept = await take(request) or {}
        return page(
            request,
            "staff/withdraw.html",
            entry=detail.entry,
            values=kept.get("values", {}),
            errors=kept.get("errors", {}),
        )

    @post("/withdraw", name="participant-withdraw")
    async def withdraw_submit(self, request: Request, study_id: FromPath[str]) -> Redirect:
        user = current_user(request)
        participant_id = await visible_participant_id(user, study_id, own=True)
        reason = (await request.form()).get("reason")
        try:
            await withdraw_participant(participant_id, audit.Actor.staff(user.id), reason=reason)
        except InvalidInput as exc:
            kept = {"values": {"reason": typed_again(reason)}, "errors": exc.errors}
            return await redirect_with(request, f"/caseload/{study_id}/withdraw", kept)
        return await _done(request, study_id, {"done": "withdrawn"})

    @get("/reinstate", name="participant-reinstate-confirm")
    async def reinstate_form(self, request: Request, study_id: FromPath[str]) -> Template | Redirect:
        detail = await participant_detail(current_user(request), study_id, own=True)
        withdrawal = await withdrawal_of(detail.entry.participant_id)
        if withdrawal is None:
            return Redirect(_participant_page(study_id))
        return page(request, "staff/reinstate.html", entry=detail.entry, withdrawal=withdrawal)

    @post("/reinstate", name="participant-reinstate")
    async def reinstate_submit(self, request: Request, study_id: FromPath[str]) -> Redirect:
        user = current_user(request)
        participant_id = await visible_participant_id(user, study_id, own=True)
        try:
            done = await reinstate(participant_id, audit.Actor.staff(user.id))
        except Conflict as exc:
            return await _done(request, study_id, {"refused": exc.message})
        return await _done(request, study_id, {"done": "reinstated", "invited": list(done.invitations_queued)})

    @post("/waves/{wave:str}/remind", name="participant-remind")
    async def remind(self, request: Request, study_id: FromPath[str], wave: FromPath[str]) -> Redirect:
        try:
            requested = await send_reminder_now(current_user(request).id, study_id, wave)
        except Conflict as exc:
            return await _done(request, study_id, {"refused": exc.message})
        return await _done(request, study_id, _requested("reminder", requested))

    @get("/messages/{message_id:int}/send-again", name="message-send-again-confirm")
    async def send_again_form(self, request: Request, study_id: FromPath[str], message_id: FromPath[int]) -> Template:
        study = await current_study()
        detail = await participant_detail(current_user(request), study_id, own=True)
        message = (await message_history(detail.entry.participant_id, study)).entry(message_id)
        if message is None:
            raise NotFound(NOT_IN_CASELOAD)
        return page(request, "staff/send_again.html", entry=detail.entry, message=message)

    @post("/messages/{message_id:int}/send-again", name="message-send-again")
    async def send_again_submit(self, request: Request, study_id: FromPath[str], message_id: FromPath[int]) -> Redirect:
        try:
            requested = await send_again(current_user(request).id, study_id, message_id)
        except Conflict as exc:
            return await _done(request, study_id, {"refused": exc.message})
        return await _done(request, study_id, _requested("sent_again", requested))

    @get("/contact", name="participant-contact-form")
    async def contact_form(self, request: Request, study_id: FromPath[str]) -> Template:
        study = await current_study()
        current = await contact_details(current_user(request), study_id, viewed_as="contact_form")
        kept = await take(request) or {}
        values = kept.get("values") or {
            "name": current.name,
            "email": current.email or "",
            "postal_address": current.postal_address or "",
            "phone": current.phone or "",
            "language": current.language,
            "contact_mode": current.contact_mode,
        }
        return page(
            request,
            "staff/contact.html",
            study_id=study_id,
            study=study,
            contact_modes=CONTACT_MODES,
            values=values,
            errors=kept.get("errors", {}),
        )

    @post("/contact", name="participant-contact")
    async def contact_submit(self, request: Request, study_id: FromPath[str]) -> Redirect:
        form = await request.form()
        values = {field: typed_again(form.get(field)) for field in CONTACT_FIELDS}
        try:
            changed = await correct_contact(current_user(request), study_id, values)
        except InvalidInput as exc:
            return await redirect_with(
                request, f"/caseload/{study_id}/contact", {"values": values, "errors": exc.errors}
            )
        return await _done(
            request, study_id, {"done": "contact", "changed": list(changed), "contact_mode": values["contact_mode"]}
        )

    @post("/move", name="participant-move")
    async def move(self, request: Request, study_id: FromPath[str]) -> Redirect:
        target = (await request.form()).get("specialist")
        try:
            moved = await move_participant(current_user(request), study_id, target)
        except InvalidInput as exc:
            return await _done(request, study_id, {"refused": next(iter(exc.errors.values()))})
        # The lead still sees the job seeker afterwards: they stay in the same office.
        return await _done(request, study_id, {"done": "moved" if moved else "not_moved"})
