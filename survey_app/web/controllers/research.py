"""The researcher's overview: response and attrition per wave and programme (no names)."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from survey_app.services.research import response_overview
from survey_app.services.studies import current_study
from survey_app.services.wave_states import WAVE_STATES
from survey_app.web.auth import roles
from survey_app.web.rendering import page


@get("/research", guards=[roles("researcher", "admin")], name="research")
async def research_overview(request: Request) -> Template:
    return page(
        request,
        "staff/research.html",
        cells=await response_overview(),
        states=WAVE_STATES,
        study=await current_study(),
    )
