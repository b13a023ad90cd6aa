"""The study settings (administrator): reminders, answer window, quiet hours, wave offsets,
sender and contact person."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.response import Redirect, Template

from survey_app.services import audit
from survey_app.services.calendar import plan_waves, utcnow
from survey_app.services.errors import InvalidInput
from survey_app.services.studies import (
    POLICY_FIELDS,
    PolicyChange,
    StudyConfig,
    current_study,
    policy_of,
    policy_text,
    update_policy,
)
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take
from survey_app.web.rendering import current_user, page

PATH = "/admin/study"
# Quiet hours are two lists of hours in the form, one text ("21-08") elsewhere.
FORM_FIELDS = (*(name for name in POLICY_FIELDS if name != "quiet_hours"), "quiet_hours_start", "quiet_hours_end")


def _values(study: StudyConfig) -> dict[str, str]:
    policy = policy_of(study)
    start, end = policy.quiet_hours
    return {**policy_text(policy), "quiet_hours_start": str(start), "quiet_hours_end": str(end)}


def _saved(change: PolicyChange) -> dict:
    """What the page after saving tells the administrator."""
    return {
        "changes": change.changes,
        "waves_moved": change.waves_moved,
        "moved_into_past": change.moved_into_past,
        "deadlines_changed": change.deadlines_changed,
    }


def _form(request: Request, study: StudyConfig, values: dict, errors: dict, saved: dict | None = None) -> Template:
    today = utcnow().astimezone(study.timezone).date()
    return page(
        request,
        "staff/study_settings.html",
        study=study,
        values=values,
        errors=errors,
        saved=saved,
        today=today,
        # The saved offsets at work: the calendar of someone enrolled today.
        example=plan_waves(today, study.wave_labels, study.wave_offsets_months, study.window_days, study.timezone),
    )


class StudySettingsController(Controller):
    path = PATH
    guards = [roles("admin")]

    @get("/", name="study-settings")
    async def form(self, request: Request) -> Template:
        study = await current_study()
        kept = await take(request) or {}
        if "errors" in kept:
            return _form(request, study, values=kept["values"], errors=kept["errors"])
        return _form(request, study, values=_values(study), errors={}, saved=kept.get("saved"))

    @post("/", name="study-settings-submit")
    async def submit(self, request: Request) -> Redirect:
        study = await current_study()
        form = await request.form()
        values = {name: str(form.get(name, "")) for name in FORM_FIELDS}
        raw = {**values, "quiet_hours": (values["quiet_hours_start"], values["quiet_hours_end"])}
        # Radio buttons send nothing when none is chosen: the setting then stays as it is.
        if not values["double_entry"]:
            raw["double_entry"] = None
        try:
            change = await update_policy(study.id, raw, audit.Actor.staff(current_user(request).id))
        except InvalidInput as exc:
            return await redirect_with(request, PATH, {"values": values, "errors": exc.errors})
        return await redirect_with(request, PATH, {"saved": _saved(change)})
