"""Enrolling a consenting job seeker (specialist)."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.enrolment import CONTACT_MODES, ENROLMENT_FIELDS, check_enrolment, enrol
from survey_app.services.errors import InvalidInput
from survey_app.services.studies import PROGRAMMES, StudyConfig, current_study
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take
from survey_app.web.rendering import current_user, page


def _form(request: Request, study: StudyConfig, values: dict, errors: dict) -> Template:
    return page(
        request,
        "staff/enrol.html",
        study=study,
        programmes=PROGRAMMES,
        contact_modes=CONTACT_MODES,
        values=values,
        errors=errors,
        today=utcnow().astimezone(study.timezone).date(),
    )


class EnrolmentController(Controller):
    path = "/enrol"
    guards = [roles("specialist")]

    @get("/", name="enrol")
    async def form(self, request: Request) -> Template:
        study = await current_study()
        rejected = await take(request)
        if rejected:
            return _form(request, study, values=rejected["values"], errors=rejected["errors"])
        return _form(request, study, values={"contact_mode": "email", "language": study.languages[0]}, errors={})

    @post("/", name="enrol-submit")
    async def submit(self, request: Request) -> Redirect:
        study = await current_study()
        form = await request.form()
        values = {field: str(form.get(field, "")) for field in ENROLMENT_FIELDS if field != "enrolled_on"}
        user = current_user(request)
        now = utcnow()
        try:
            entry = check_enrolment(values, study, today=now.astimezone(study.timezone).date())
            enrolled = await enrol(entry, study, user.id, audit.Actor.staff(user.id), now)
        except InvalidInput as exc:
            return await redirect_with(request, "/enrol", {"values": values, "errors": exc.errors})
        return Redirect(f"/caseload/{enrolled.study_id}?enrolled=true", status_code=303)
