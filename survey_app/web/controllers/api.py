"""The JSON API (``/api/v1``), with the same role checks as the pages.

Every status an operation can answer is in its OpenAPI description (``/schema``), and
``tests/integration/test_openapi_contract.py`` holds the app to it with schemathesis.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

import msgspec
from litestar import Controller, Request, get
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import PathParameter, QueryParameter
from litestar.response import Stream

from analysis.followup import Suggestion
from survey_app.services.caseload import CaseloadEntry, WaveView, caseload, participant_detail
from survey_app.services.research import response_overview
from survey_app.web.auth import roles
from survey_app.web.controllers.api_docs import NO_STORE
from survey_app.web.controllers.research import panel_download, study_analyses
from survey_app.web.rendering import current_user


class ReasonOut(msgspec.Struct):
    """A factor that scored, with its points, one sentence per language and the evidence."""

    code: str
    points: int
    text: dict[str, str]
    evidence: dict[str, Any]


class NoteOut(msgspec.Struct):
    """A hint (what could help) or a note on what the suggestion rests on, per language."""

    code: str
    text: dict[str, str]


class SuggestionOut(msgspec.Struct):
    """The follow-up intensity suggestion: a starting point for the conversation, not a decision."""

    level: str
    score: int
    reasons: list[ReasonOut]
    hints: list[NoteOut]
    basis: list[NoteOut]
    rule_set: str
    latest_wave: str | None


class CaseloadEntryOut(msgspec.Struct):
    """One job seeker of a caseload: identity, status, the state of each wave and the suggestion,
    with the place in the caseload's ranking (1 = most need) and whether marked for close follow-up."""

    study_id: str
    name: str
    programme: str
    contact_mode: str
    status: str
    enrolled_on: dt.date
    work_capacity_change: int | None
    waves: list[WaveView]
    suggestion: SuggestionOut
    position: int
    candidate: bool


class ParticipantOut(msgspec.Struct):
    """One job seeker with contact details, consent and the submitted answers per wave."""

    entry: CaseloadEntryOut
    email: str | None
    phone: str | None
    language: str
    consent_date: dt.date
    consent_version: str
    answers: dict[str, dict[str, Any]]


class ResponseCellOut(msgspec.Struct):
    """Wave states of one programme (``all`` = every programme) at one wave."""

    programme: str
    wave: str
    counts: dict[str, int]
    due: int
    response_rate: float | None


class ErrorOut(msgspec.Struct):
    """The body of every error answer (see ``survey_app/web/errors.py``)."""

    status_code: int
    detail: str


def _error(meaning: str) -> ResponseSpec:
    return ResponseSpec(data_container=ErrorOut, description=meaning, generate_examples=False)


# Statuses every operation can answer; each operation adds its own.
_ALWAYS = {
    400: _error("The request could not be read, for example because of a malformed header."),
    401: _error("Not logged in: the request has no valid session cookie. Log in at /login first."),
    500: _error("Something went wrong on the server; try again later."),
}


def _suggestion_out(suggestion: Suggestion) -> SuggestionOut:
    return msgspec.convert(suggestion.as_dict(), SuggestionOut)


def _entry_out(entry: CaseloadEntry) -> CaseloadEntryOut:
    return CaseloadEntryOut(
        study_id=entry.study_id,
        name=entry.name,
        programme=entry.programme,
        contact_mode=entry.contact_mode,
        status=entry.status,
        enrolled_on=entry.enrolled_on,
        work_capacity_change=entry.work_capacity_change,
        waves=list(entry.waves),
        suggestion=_suggestion_out(entry.suggestion),
        position=entry.position,
        candidate=entry.candidate,
    )


class ApiController(Controller):
    path = "/api/v1"
    tags = ["api"]
    # The same session cookie as the pages: API clients log in at /login like a person.
    security = [{"staffSession": []}]
    # Names, addresses and answers: no browser or proxy keeps a copy.
    cache_control = NO_STORE

    @get(
        "/caseload",
        guards=[roles("specialist")],
        name="api-caseload",
        operation_id="listCaseload",
        summary="My caseload",
        response_description="The caller's job seekers.",
        responses={**_ALWAYS, 403: _error("Logged in, but not as a job specialist.")},
    )
    async def caseload(self, request: Request) -> list[CaseloadEntryOut]:
        """The calling job specialist's own job seekers with wave states, scores and the follow-up suggestion,
        in the order of the suggestion. Job specialists only."""
        return [_entry_out(entry) for entry in await caseload(current_user(request))]

    @get(
        "/caseload/{study_id:str}",
        guards=[roles("specialist")],
        name="api-participant",
        operation_id="getParticipant",
        summary="One job seeker of my caseload",
        response_description="The job seeker, with their answers.",
        responses={
            **_ALWAYS,
            403: _error("Logged in, but not as a job specialist."),
            404: _error("No job seeker with this study ID in the caller's caseload."),
        },
    )
    async def participant(
        self,
        request: Request,
        study_id: Annotated[str, PathParameter(description="The job seeker's study ID, such as 7K3Q-9PXA.")],
    ) -> ParticipantOut:
        """One job seeker of the caller's caseload (an office lead: of the office) with the submitted answers of
        every wave (null = skipped; a wave not yet sent has none). Job specialists only; another specialist's job
        seeker is answered like an unknown study ID. Every call is written to the audit log."""
        detail = await participant_detail(current_user(request), study_id, viewed_as="api")
        return ParticipantOut(
            entry=_entry_out(detail.entry),
            email=detail.email,
            phone=detail.phone,
            language=detail.language,
            consent_date=detail.consent_date,
            consent_version=detail.consent_version,
            answers={
                wave: {k: list(v) if isinstance(v, tuple) else v for k, v in items.items()}
                for wave, items in detail.answers.items()
            },
        )

    @get(
        "/research/response",
        guards=[roles("researcher", "admin")],
        name="api-response",
        operation_id="getResponseOverview",
        summary="Response and attrition per wave",
        response_description="One cell per programme and wave, and one per wave for all programmes together.",
        responses={**_ALWAYS, 403: _error("Logged in, but neither as a researcher nor as an administrator.")},
    )
    async def response(self) -> list[ResponseCellOut]:
        """Wave states counted by programme and wave, with the response rate; no identifying data.
        Researchers and administrators only."""
        return [
            ResponseCellOut(
                programme=cell.programme,
                wave=cell.wave_label,
                counts=dict(cell.counts),
                due=cell.due,
                response_rate=cell.response_rate,
            )
            for cell in await response_overview()
        ]

    @get(
        "/research/export",
        guards=[roles("researcher", "admin")],
        name="api-export",
        operation_id="exportPanel",
        summary="The pseudonymised panel with its codebook",
        media_type="application/zip",
        response_description=(
            "A zip file: the panel in the chosen layout and format (study IDs only, submitted answers only) "
            "and its codebook as CSV and PDF."
        ),
        responses={**_ALWAYS, 403: _error("Logged in, but neither as a researcher nor as an administrator.")},
    )
    async def export(
        self,
        request: Request,
        shape: Annotated[
            Literal["long", "wide"],
            QueryParameter(description="long: one row per participant and wave; wide: one per participant"),
        ] = "long",
        file_format: Annotated[
            Literal["csv", "parquet", "dta", "sav"], QueryParameter(query="format", description="the file format")
        ] = "csv",
        labels: Annotated[
            Literal["nb", "en"], QueryParameter(description="language of variable and value labels and of the codebook")
        ] = "nb",
    ) -> Stream:
        """The panel as a researcher takes it out: no names, no contact details, never an unsent answer.
        Researchers and administrators only; every export is logged."""
        return await panel_download(request, shape, file_format, labels)

    @get(
        "/research/analysis",
        guards=[roles("researcher", "admin")],
        name="api-analysis",
        operation_id="getStudyAnalyses",
        summary="The study's analyses",
        response_description=(
            "meta, baseline, hours_by_time, prediction, correlations, reliability and response (see the README)."
        ),
        responses={
            **_ALWAYS,
            404: _error("No participant is in the programme given as group a."),
            403: _error("Logged in, but neither as a researcher nor as an administrator."),
            409: _error("No one is enrolled yet: there is nothing to analyse."),
        },
    )
    async def analysis(
        self,
        group_a: Annotated[
            str,
            QueryParameter(description="the experimental programme; group b is every other programme", max_length=100),
        ] = "utvidet_oppfolging",
    ) -> dict[str, Any]:
        """Computed now from the answers sent in so far, as ``mestring analyse --json`` writes them.
        Researchers and administrators only."""
        return await study_analyses(group_a)
