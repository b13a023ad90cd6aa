"""The specialist's caseload and one job seeker's page (what can be done there:
``participant_actions.py``)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from instruments import load_instrument
from survey_app.services.caseload import caseload, participant_detail
from survey_app.services.message_history import message_history
from survey_app.services.studies import current_study
from survey_app.services.withdrawal import withdrawal_of
from survey_app.web.auth import roles
from survey_app.web.controllers.participant_actions import shown_notice
from survey_app.web.flash import take
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
        participant_id = detail.entry.participant_id
        return page(
            request,
            "staff/participant.html",
            detail=detail,
            study=study,
            instrument=load_instrument(study.instrument_version),
            just_enrolled=enrolled,
            notice=shown_notice(await take(request) or {}),
            history=await message_history(participant_id, study),
            withdrawal=await withdrawal_of(participant_id),
        )
