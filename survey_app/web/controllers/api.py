"""The JSON API (``/api/v1``), with the same role checks as the pages; OpenAPI at ``/schema``."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from litestar import Controller, Request, get
from litestar.params import FromPath

from survey_app.services.caseload import CaseloadEntry, WaveView, caseload, participant_detail
from survey_app.services.research import response_overview
from survey_app.web.auth import roles
from survey_app.web.rendering import current_user


class CaseloadEntryOut(msgspec.Struct):
    study_id: str
    name: str
    programme: str
    contact_mode: str
    status: str
    enrolled_on: dt.date
    work_capacity_change: int | None
    waves: list[WaveView]


class ParticipantOut(msgspec.Struct):
    entry: CaseloadEntryOut
    email: str | None
    phone: str | None
    language: str
    consent_date: dt.date
    consent_version: str
    answers: dict[str, dict[str, Any]]


class ResponseCellOut(msgspec.Struct):
    programme: str
    wave: str
    counts: dict[str, int]
    due: int
    response_rate: float | None


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
    )


class ApiController(Controller):
    path = "/api/v1"
    tags = ["api"]

    @get("/caseload", guards=[roles("specialist")], name="api-caseload")
    async def caseload(self, request: Request) -> list[CaseloadEntryOut]:
        """The calling specialist's own job seekers with wave states and scores."""
        return [_entry_out(entry) for entry in await caseload(current_user(request).id)]

    @get("/caseload/{study_id:str}", guards=[roles("specialist")], name="api-participant")
    async def participant(self, request: Request, study_id: FromPath[str]) -> ParticipantOut:
        """One job seeker of the caseload with the answers of every wave (None = skipped)."""
        detail = await participant_detail(current_user(request).id, study_id)
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

    @get("/research/response", guards=[roles("researcher", "admin")], name="api-response")
    async def response(self) -> list[ResponseCellOut]:
        """Wave states counted by programme and wave; no identifying data."""
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
