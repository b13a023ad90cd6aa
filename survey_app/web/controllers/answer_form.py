"""The job seeker's questionnaire at the personal link: intro, one page per section, review,
submit, thank-you; and leaving the study. Works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from instruments import Item
from survey_app.services import answering
from survey_app.services.answering import FormState, InvalidAnswers, LinkInvalid
from survey_app.web.auth import PUBLIC_OPT
from survey_app.web.rendering import page, request_language


def _language(request: Request, state: FormState | None = None) -> str:
    return request_language(request, preferred=state.language if state else None)


def _sections(state: FormState) -> list:
    return list(state.instrument.sections_for_wave(state.wave_label))


def _applies(item: Item, values: Mapping[str, object]) -> bool:
    return item.shown_if is None or values.get(item.shown_if.item) == item.shown_if.equals


def _resume_target(token: str, state: FormState) -> str:
    """The first page with a question not yet seen, else the review."""
    for section in _sections(state):
        for item in state.instrument.section_items(section.id, state.wave_label):
            if item.id not in state.saved and _applies(item, state.saved):
                return f"/a/{token}/page/{section.id}"
    return f"/a/{token}/review"


def _form_values(items: list[Item], form) -> dict[str, object]:
    """Form fields as validation wants them: a list for multi-select items, else one value."""
    values: dict[str, object] = {}
    for item in items:
        submitted = form.getall(item.id) if item.id in form else []
        if item.kind == "multi":
            values[item.id] = submitted
        elif submitted:
            values[item.id] = submitted[0] if len(submitted) == 1 else submitted
    return values


def _invalid(request: Request) -> Template:
    return page(request, "form/invalid.html", language=_language(request), status_code=404)


class AnswerFormController(Controller):
    path = "/a/{token:str}"
    opt = {PUBLIC_OPT: True}

    @get("/", name="form-start")
    async def start(self, request: Request, token: FromPath[str], sent: FromQuery[bool] = False) -> Template:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        language = _language(request, state)
        if state.submitted:
            return page(request, "form/done.html", language=language, state=state, just_sent=sent, token=token)
        return page(
            request,
            "form/intro.html",
            language=language,
            state=state,
            token=token,
            resume=_resume_target(token, state),
        )

    @get("/page/{section:str}", name="form-page")
    async def show_page(self, request: Request, token: FromPath[str], section: FromPath[str]) -> Template | Redirect:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        if state.submitted:
            return Redirect(f"/a/{token}")
        return self._render_page(request, token, state, section, values=state.saved, errors={})

    def _render_page(
        self,
        request: Request,
        token: FromPath[str],
        state: FormState,
        section_id: str,
        values: Mapping[str, object],
        errors: Mapping,
    ) -> Template:
        sections = _sections(state)
        ids = [s.id for s in sections]
        if section_id not in ids:
            return _invalid(request)
        position = ids.index(section_id)
        language = _language(request, state)
        return page(
            request,
            "form/page.html",
            language=language,
            state=state,
            token=token,
            section=sections[position],
            position=position + 1,
            total=len(sections),
            items=state.instrument.section_items(section_id, state.wave_label),
            values=values,
            errors=errors,
            status_code=422 if errors else 200,
        )

    @post("/page/{section:str}", name="form-save")
    async def save_page(self, request: Request, token: FromPath[str], section: FromPath[str]) -> Template | Redirect:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        if state.submitted:
            return Redirect(f"/a/{token}", status_code=303)
        ids = [s.id for s in _sections(state)]
        if section not in ids:
            return _invalid(request)
        form = await request.form()
        items = list(state.instrument.section_items(section, state.wave_label))
        submitted = _form_values(items, form)
        language = _language(request, state)
        try:
            await answering.save_page(token, section, submitted, language)
        except InvalidAnswers as exc:
            return self._render_page(request, token, state, section, values=submitted, errors=exc.result.errors)
        except answering.AlreadySubmitted:
            return Redirect(f"/a/{token}", status_code=303)
        except LinkInvalid:
            return _invalid(request)
        action = form.get("action", "next")
        position = ids.index(section)
        if action == "later":
            return Redirect(f"/a/{token}/saved", status_code=303)
        if action == "back":
            return Redirect(f"/a/{token}/page/{ids[position - 1]}" if position else f"/a/{token}", status_code=303)
        if position + 1 < len(ids):
            return Redirect(f"/a/{token}/page/{ids[position + 1]}", status_code=303)
        return Redirect(f"/a/{token}/review", status_code=303)

    @get("/saved", name="form-saved")
    async def saved(self, request: Request, token: FromPath[str]) -> Template:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        return page(request, "form/saved.html", language=_language(request, state), state=state, token=token)

    @get("/review", name="form-review")
    async def review(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        if state.submitted:
            return Redirect(f"/a/{token}")
        sections = [
            (section, state.instrument.section_items(section.id, state.wave_label)) for section in _sections(state)
        ]
        return page(
            request,
            "form/review.html",
            language=_language(request, state),
            state=state,
            token=token,
            sections=sections,
            applies=_applies,
        )

    @post("/submit", name="form-submit")
    async def submit(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        try:
            state = await answering.open_link(token)
            result = await answering.submit(token, _language(request, state))
        except LinkInvalid:
            return _invalid(request)
        return Redirect(f"/a/{token}?sent={'true' if result.first_time else 'false'}", status_code=303)

    @get("/leave", name="form-leave")
    async def leave_confirm(self, request: Request, token: FromPath[str]) -> Template:
        try:
            state = await answering.open_link(token)
        except LinkInvalid:
            return _invalid(request)
        return page(request, "form/leave.html", language=_language(request, state), state=state, token=token)

    @post("/leave", name="form-leave-confirm")
    async def leave(self, request: Request, token: FromPath[str]) -> Template:
        try:
            state = await answering.open_link(token)
            await answering.withdraw_by_link(token)
        except LinkInvalid:
            return _invalid(request)
        return page(request, "form/left.html", language=_language(request, state))
