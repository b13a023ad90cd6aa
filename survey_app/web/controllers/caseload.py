"""The specialist's caseload, one job seeker's page and PDF, and the office lead's overview
(what can be done on a job seeker's page: ``participant_actions.py``)."""

from __future__ import annotations

from litestar import Controller, Request, Response, get
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from analysis.followup import load_rule_set
from instruments import load_instrument
from survey_app.services.access import office_specialists
from survey_app.services.caseload import CaseloadFilter, caseload, participant_detail
from survey_app.services.message_history import message_history
from survey_app.services.office_overview import office_overview
from survey_app.services.participant_sheet import participant_sheet
from survey_app.services.studies import PROGRAMMES, current_study
from survey_app.services.trajectory import sparkline_svg, trajectory_svg
from survey_app.services.transfer import move_targets
from survey_app.services.withdrawal import withdrawal_of
from survey_app.web.auth import roles
from survey_app.web.controllers.participant_actions import shown_notice
from survey_app.web.flash import take
from survey_app.web.rendering import current_user, page, request_language


async def _caseload_page(request: Request, specialist_id: int | None) -> Template:
    study = await current_study()
    viewer = current_user(request)
    entries = await caseload(viewer, specialist_id=specialist_id)
    chosen = CaseloadFilter.from_query(dict(request.query_params), PROGRAMMES)
    owner = None
    if specialist_id not in (None, viewer.id):
        owner = next((row for row in await office_specialists(viewer) if row["id"] == specialist_id), None)
    language = request_language(request)
    return page(
        request,
        "staff/caseload.html",
        language=language,
        sparkline=lambda entry, measure: sparkline_svg(entry, measure, language),
        rules=load_rule_set(),
        entries=chosen.apply(entries),
        total=len(entries),
        chosen=chosen,
        owner=owner,
        programmes=PROGRAMMES,
        study=study,
        instrument=load_instrument(study.instrument_version),
    )


class CaseloadController(Controller):
    path = "/caseload"
    guards = [roles("specialist")]

    @get("/", name="caseload")
    async def overview(self, request: Request) -> Template:
        return await _caseload_page(request, None)

    @get("/{study_id:str}", name="participant")
    async def participant(
        self, request: Request, study_id: FromPath[str], enrolled: FromQuery[bool] = False
    ) -> Template:
        study = await current_study()
        viewer = current_user(request)
        detail = await participant_detail(viewer, study_id, viewed_as="page")
        participant_id = detail.entry.participant_id
        language = request_language(request)
        instrument = load_instrument(study.instrument_version)
        return page(
            request,
            "staff/participant.html",
            language=language,
            detail=detail,
            own=detail.entry.specialist_id == viewer.id,
            study=study,
            instrument=instrument,
            chart=trajectory_svg(detail.entry, instrument, language),
            rules=load_rule_set(),
            just_enrolled=enrolled,
            notice=shown_notice(await take(request) or {}),
            history=await message_history(participant_id, study),
            withdrawal=await withdrawal_of(participant_id),
            move_targets=await move_targets(viewer),
        )

    @get("/{study_id:str}/sheet.pdf", name="participant-sheet")
    async def sheet(self, request: Request, study_id: FromPath[str]) -> Response[bytes]:
        viewer = current_user(request)
        detail = await participant_detail(viewer, study_id, viewed_as="pdf")
        study = await current_study()
        pdf = participant_sheet(detail, study, viewer, request_language(request))
        return Response(
            pdf,
            media_type="application/pdf",
            headers={
                # The study ID names the file: a name would stay in the downloads folder.
                "Content-Disposition": f'attachment; filename="mestring-{study_id}.pdf"',
                "Cache-Control": "no-store",
            },
        )


class OfficeController(Controller):
    """An office lead's view of the office: per specialist, how many job seekers at each level
    of the suggestion and the response per wave; each caseload one click away."""

    path = "/office"
    guards = [roles("specialist")]

    @get("/", name="office")
    async def overview(self, request: Request) -> Template:
        study = await current_study()
        return page(request, "staff/office.html", overview=await office_overview(current_user(request), study))

    @get("/{specialist_id:int}", name="office-caseload")
    async def specialist_caseload(self, request: Request, specialist_id: FromPath[int]) -> Template:
        return await _caseload_page(request, specialist_id)
