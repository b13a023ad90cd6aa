"""The specialist's caseload and one job seeker's page."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from instruments import load_instrument
from survey_app.services import audit
from survey_app.services.answering import withdraw_participant
from survey_app.services.caseload import caseload, participant_detail, participant_id_in_caseload
from survey_app.services.studies import current_study
from survey_app.web.auth import roles
from survey_app.web.rendering import current_user, page


class CaseloadController(Controller):
    path = "/caseload"
    guards = [roles("specialist")]

    @get("/", name="caseload")
    async def overview(self, request: Request) -> Template:
        study = await current_study()
        entries = await caseload(current_user(request).id)
        return page(
            request,
            "staff/caseload.html",
            entries=entries,
            study=study,
            instrument=load_instrument(study.instrument_version),
        )

    @get("/{study_id:str}", name="participant")
    async def participant(
        self, request: Request, study_id: FromPath[str], enrolled: FromQuery[bool] = False
    ) -> Template:
        study = await current_study()
        detail = await participant_detail(current_user(request).id, study_id)
        return page(
            request,
            "staff/participant.html",
            detail=detail,
            study=study,
            instrument=load_instrument(study.instrument_version),
            just_enrolled=enrolled,
        )

    @post("/{study_id:str}/withdraw", name="participant-withdraw")
    async def withdraw(self, request: Request, study_id: FromPath[str]) -> Redirect:
        user = current_user(request)
        participant_id = await participant_id_in_caseload(user.id, study_id)
        await withdraw_participant(participant_id, audit.Actor.staff(user.id))
        return Redirect(f"/caseload/{study_id}", status_code=303)
