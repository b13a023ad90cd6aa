"""Paper mode for staff: the forms and reminder letters to print, and the typing-in of
returned forms (first entry, independent second entry, resolution of mismatches).

Printing shows names and addresses, so it is for job specialists and their own caseload (or
their office's, when they lead it). Typing in shows only the study ID, wave and programme,
so any specialist or administrator may do it: that is what makes a second, independent
person possible. Every action is a plain form POST (post/redirect/get) that works without
JavaScript.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Response, Template

from instruments import Item, localize
from survey_app.i18n import format_date
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, NotFound
from survey_app.services.paper_entry import (
    ENTRY_ROLES,
    MARKS,
    InvalidEntry,
    entry_queue,
    entry_state,
    find_form,
    mark_field,
    resolve_entry,
    submit_entry,
)
from survey_app.services.paper_forms import Printed, paper_waves, print_due_forms, print_due_reminders, print_form
from survey_app.services.studies import current_study
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take, typed_again
from survey_app.web.rendering import current_user, page, request_language

PATH = "/paper"
# Radio-button questions carry a mark as one more choice of their own group (a ticked radio
# button cannot be unticked without a script); the others have a group of marks beside them.
MARK_CHOICE = "mark:"
_RADIO_KINDS = frozenset({"scale", "single", "yes_no"})


def entry_fields(items: Sequence[Item], form: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """The entry form's fields as :func:`~survey_app.services.paper_entry.check_entry` reads
    them: a mark chosen among a question's answers moves to the question's mark field."""
    fields: dict[str, list[str]] = {}
    for item in items:
        values = [typed_again(value) for value in form.get(item.id, ())]
        marks = [typed_again(value) for value in form.get(mark_field(item.id), ()) if value]
        if item.kind in _RADIO_KINDS and values and all(v.startswith(MARK_CHOICE) for v in values):
            marks, values = [v.removeprefix(MARK_CHOICE) for v in values], []
        fields[item.id] = values
        if marks:
            fields[mark_field(item.id)] = marks
    return fields


def _pdf(printed: Printed, name: str) -> Response[bytes]:
    return Response(
        printed.pdf,
        status_code=200,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{name}-{format_date(utcnow())}.pdf"'},
    )


def _entry_path(study_id: str, wave: str) -> str:
    return f"{PATH}/entry/{study_id}/{wave}"


class PaperController(Controller):
    path = PATH
    guards = [roles(*ENTRY_ROLES)]

    @get("/", name="paper")
    async def overview(self, request: Request) -> Template:
        user = current_user(request)
        study = await current_study()
        now = utcnow()
        waves = await paper_waves(user, study, now) if user.role == "specialist" else []
        return page(
            request,
            "staff/paper.html",
            study=study,
            waves=waves,
            due_forms=[wave for wave in waves if wave.form_printed_at is None],
            due_reminders=[wave for wave in waves if wave.reminder_due],
            queue=await entry_queue(user, now),
            can_print=user.role == "specialist",
            kept=await take(request) or {},
        )

    async def _printed(self, request: Request, printed: Printed, name: str) -> Response[bytes] | Redirect:
        if not printed.study_ids:
            return await redirect_with(request, PATH, {"notice": "nothing_to_print"})
        return _pdf(printed, name)

    @post("/print/forms", name="paper-print-forms", guards=[roles("specialist")])
    async def print_forms(self, request: Request) -> Response[bytes] | Redirect:
        printed = await print_due_forms(current_user(request), await current_study())
        return await self._printed(request, printed, "paper-forms")

    @post("/print/reminders", name="paper-print-reminders", guards=[roles("specialist")])
    async def print_reminders(self, request: Request) -> Response[bytes] | Redirect:
        printed = await print_due_reminders(current_user(request), await current_study())
        return await self._printed(request, printed, "reminder-letters")

    @post("/print/{study_id:str}/{wave:str}", name="paper-print-one", guards=[roles("specialist")])
    async def print_one(
        self, request: Request, study_id: FromPath[str], wave: FromPath[str]
    ) -> Response[bytes] | Redirect:
        printed = await print_form(current_user(request), await current_study(), study_id, wave)
        return await self._printed(request, printed, f"paper-form-{study_id}-{wave}")

    @get("/find", name="paper-find")
    async def find(self, request: Request, code: FromQuery[str] = "") -> Redirect:
        try:
            study_id, wave = await find_form(code)
        except NotFound as exc:
            return await redirect_with(request, PATH, {"find": {"code": typed_again(code)[:100], "error": exc.message}})
        return Redirect(_entry_path(study_id, wave), status_code=303)

    @get("/entry/{study_id:str}/{wave:str}", name="paper-entry")
    async def entry(self, request: Request, study_id: FromPath[str], wave: FromPath[str]) -> Template:
        state = await entry_state(current_user(request), study_id, wave)
        kept = await take(request) or {}
        return page(
            request,
            "staff/paper_entry.html",
            state=state,
            sections=_numbered_sections(state),
            values=kept.get("values", {}),
            errors=kept.get("errors", {}),
            notice=kept.get("notice"),
            marks=MARKS,
            mark_field=mark_field,
            mark_choice=MARK_CHOICE,
            form_local=lambda texts: localize(texts, state.language) or "",
        )

    @post("/entry/{study_id:str}/{wave:str}", name="paper-entry-submit")
    async def entry_submit(self, request: Request, study_id: FromPath[str], wave: FromPath[str]) -> Redirect:
        return await self._entered(request, study_id, wave, resolving=False)

    @post("/entry/{study_id:str}/{wave:str}/resolve", name="paper-entry-resolve")
    async def resolve_submit(self, request: Request, study_id: FromPath[str], wave: FromPath[str]) -> Redirect:
        return await self._entered(request, study_id, wave, resolving=True)

    async def _entered(self, request: Request, study_id: str, wave: str, *, resolving: bool) -> Redirect:
        user = current_user(request)
        language = request_language(request)
        state = await entry_state(user, study_id, wave)
        form = await request.form()
        fields = entry_fields(state.instrument.items_for_wave(state.wave_label), {k: form.getall(k) for k in form})
        action = resolve_entry if resolving else submit_entry
        path = _entry_path(state.study_id, state.wave_label)
        try:
            after = await action(user, state.study_id, state.wave_label, fields, language)
        except InvalidEntry as exc:
            return await redirect_with(request, path, {"values": fields, "errors": exc.check.errors})
        except Conflict as exc:
            return await redirect_with(request, path, {"notice": {"refused": exc.message}})
        return await redirect_with(request, path, {"notice": {"saved": after.stage}})


def _numbered_sections(state) -> list[dict[str, Any]]:
    """The wave's sections with their questions numbered as on the printed form."""
    instrument, wave = state.instrument, state.wave_label
    sections: list[dict[str, Any]] = []
    numbers: dict[str, int] = {}
    for section in instrument.sections_for_wave(wave):
        questions = []
        for item in instrument.section_items(section.id, wave):
            numbers[item.id] = len(numbers) + 1
            condition = None
            if item.shown_if is not None:
                option = instrument.item(item.shown_if.item).option(item.shown_if.equals)
                condition = {"number": numbers.get(item.shown_if.item), "answer": option}
            questions.append({"number": numbers[item.id], "item": item, "condition": condition})
        sections.append({"section": section, "questions": questions})
    return sections
