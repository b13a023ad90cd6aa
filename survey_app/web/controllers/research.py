"""The researcher's page: response and attrition per wave and programme, the panel's export,
register-data import and the study's analyses; study IDs only, never identifying data."""

from __future__ import annotations

from typing import Annotated, Literal

import anyio
from litestar import Controller, Request, get, post
from litestar.background_tasks import BackgroundTask
from litestar.datastructures import UploadFile
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import FromQuery, QueryParameter
from litestar.response import Redirect, Response, Stream, Template

from analysis.study_analyses.analyse import GROUP_A
from survey_app.services import audit
from survey_app.services.panel_export import FORMATS, SHAPES
from survey_app.services.panel_package import panel_package
from survey_app.services.register_import import REGISTER_COLUMNS, RegisterImportRejected, import_register
from survey_app.services.research import programmes_in_study, response_chart_svg, response_overview
from survey_app.services.studies import current_study
from survey_app.services.study_analysis import NoPanel, analyse_database
from survey_app.services.study_report import study_report
from survey_app.services.wave_states import WAVE_STATES
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take
from survey_app.web.rendering import current_user, page, request_language

LABEL_LANGUAGES = ("nb", "en")
# A register file is a few columns per participant: a megabyte holds tens of thousands of lines.
MAX_REGISTER_BYTES = 5 * 1024 * 1024
_CHUNK = 1024 * 1024


class ResearchController(Controller):
    path = "/research"
    guards = [roles("researcher", "admin")]

    @get("/", name="research")
    async def overview(self, request: Request) -> Template:
        language = request_language(request)
        cells = await response_overview()
        programmes = await programmes_in_study()
        return page(
            request,
            "staff/research.html",
            cells=cells,
            chart=response_chart_svg(cells, language),
            states=WAVE_STATES,
            study=await current_study(),
            shapes=SHAPES,
            formats=FORMATS,
            label_languages=LABEL_LANGUAGES,
            programmes=programmes,
            group_a=GROUP_A if GROUP_A in programmes else (programmes[0] if programmes else None),
            register_columns=REGISTER_COLUMNS,
            register=await take(request),
        )

    @get("/export", name="research-export")
    async def export(
        self,
        request: Request,
        shape: FromQuery[Literal["long", "wide"]] = "long",
        file_format: Annotated[Literal["csv", "parquet", "dta", "sav"], QueryParameter(query="format")] = "csv",
        labels: FromQuery[Literal["nb", "en"]] = "nb",
    ) -> Stream:
        return await panel_download(request, shape, file_format, labels)

    @post("/register", name="research-register")
    async def register(self, request: Request) -> Redirect:
        form = await request.form()
        upload = form.get("file")
        outcome: dict
        if not isinstance(upload, UploadFile) or not upload.filename:
            outcome = {"problem": "no_file"}
        else:
            data = await upload.read(MAX_REGISTER_BYTES + 1)
            outcome = await _import(request, upload.filename, data)
        return await redirect_with(request, "/research#register", outcome)

    @get("/report.pdf", name="research-report-pdf")
    async def report_pdf(self, request: Request, group_a: FromQuery[str] = GROUP_A) -> Response[bytes]:
        result = await study_analyses(group_a)
        language = request_language(request)
        return Response(
            await anyio.to_thread.run_sync(study_report, result, language),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="mestring-analyses-{language}.pdf"'},
        )

    @get("/report.json", name="research-report-json")
    async def report_json(self, group_a: FromQuery[str] = GROUP_A) -> Response[dict]:
        return Response(
            await study_analyses(group_a),
            headers={"Content-Disposition": 'attachment; filename="mestring-analyses.json"'},
        )


async def panel_download(request: Request, shape: str, file_format: str, labels: str) -> Stream:
    """The panel as a zip (data and codebook), for the page and the API alike, sent in chunks;
    the temporary files go once the answer is sent. (A ``File`` answer would document its
    Last-Modified header as an ISO date-time, which an HTTP date is not.)"""
    package = await panel_package(shape, file_format, labels, audit.Actor.staff(current_user(request).id))

    async def chunks():
        with package.path.open("rb") as data:
            while chunk := data.read(_CHUNK):
                yield chunk

    return Stream(
        chunks(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="{package.filename}"'},
        background=BackgroundTask(package.remove),
    )


async def study_analyses(group_a: str) -> dict:
    """The analyses of the study's panel now; 409 before anyone is enrolled, 404 for a group a
    nobody is in."""
    try:
        return await analyse_database(group_a)
    except NoPanel:
        raise ClientException(
            "The study has no participants yet: there is nothing to analyse.", status_code=409
        ) from None
    except ValueError as exc:
        # The group asked for is nobody: nothing there to analyse, like an unknown record.
        raise NotFoundException(str(exc)) from None


async def _import(request: Request, filename: str, data: bytes) -> dict:
    if len(data) > MAX_REGISTER_BYTES:
        return {"problem": "too_large"}
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return {"problem": "not_utf8"}
    try:
        done = await import_register(text, filename, audit.Actor.staff(current_user(request).id))
    except RegisterImportRejected as exc:
        return {"errors": [{"line": e.line, "field": e.field, "message": e.message} for e in exc.errors]}
    return {"imported": done.imported, "replaced": done.replaced}
