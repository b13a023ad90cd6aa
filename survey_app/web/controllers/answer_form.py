"""The job seeker's questionnaire at the personal link: intro, one page per section, review,
submit, thank-you; and leaving the study. Works without JavaScript."""

from __future__ import annotations

from collections.abc import Mapping

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from survey_app.services import answering
from survey_app.services.answering import FormState, InvalidAnswers, LinkInvalid
from survey_app.web.auth import PUBLIC_OPT
from survey_app.web.rendering import chosen_language, page, request_language


def _language(request: Request, state: FormState | None = None) -> str:
    return request_language(request, preferred=state.language if state else None)


def _resume_target(token: str, state: FormState) -> str:
    section_id = answering.first_unseen_section(state)
    return f"/a/{token}/page/{section_id}" if section_id else f"/a/{token}/review"


def _invalid(request: Request, _: LinkInvalid) -> Template:
    """Unknown, expired, not yet open or withdrawn: one page for all, revealing nothing."""
    return page(request, "form/invalid.html", language=_language(request), status_code=404)


def _already_submitted(request: Request, _: answering.AlreadySubmitted) -> Redirect:
    return Redirect(f"/a/{request.path_params['token']}", status_code=303)


class AnswerFormController(Controller):
    path = "/a/{token:str}"
    opt = {PUBLIC_OPT: True}
    exception_handlers = {LinkInvalid: _invalid, answering.AlreadySubmitted: _already_submitted}

    @get("/", name="form-start")
    async def start(self, request: Request, token: FromPath[str], sent: FromQuery[bool] = False) -> Template:
        state = await answering.open_link(token)
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
        state = await answering.open_link(token)
        if state.submitted:
            return Redirect(f"/a/{token}")
        return self._render_page(request, token, state, section, values=state.saved, errors={})

    def _render_page(
        self,
        request: Request,
        token: str,
        state: FormState,
        section_id: str,
        values: Mapping[str, object],
        errors: Mapping,
    ) -> Template:
        sections = list(state.instrument.sections_for_wave(state.wave_label))
        ids = [s.id for s in sections]
        if section_id not in ids:
            raise LinkInvalid()
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
        form = await request.form()
        fields = {key: form.getall(key) for key in form}
        action = form.get("action", "next")
        try:
            saved = await answering.save_page(
                token, section, fields, chosen_language(request), moving_on=action == "next"
            )
        except InvalidAnswers as exc:
            return self._render_page(request, token, exc.state, section, values=exc.values, errors=exc.result.errors)
        sections, position = saved.sections, saved.position
        if action == "later":
            return Redirect(f"/a/{token}/saved", status_code=303)
        if action == "back":
            return Redirect(f"/a/{token}/page/{sections[position - 1]}" if position else f"/a/{token}", status_code=303)
        if position + 1 < len(sections):
            return Redirect(f"/a/{token}/page/{sections[position + 1]}", status_code=303)
        return Redirect(f"/a/{token}/review", status_code=303)

    @get("/saved", name="form-saved")
    async def saved(self, request: Request, token: FromPath[str]) -> Template:
        state = await answering.open_link(token)
        return page(request, "form/saved.html", language=_language(request, state), state=state, token=token)

    @get("/review", name="form-review")
    async def review(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        state = await answering.open_link(token)
        if state.submitted:
            return Redirect(f"/a/{token}")
        sections = [
            (section, state.instrument.section_items(section.id, state.wave_label))
            for section in state.instrument.sections_for_wave(state.wave_label)
        ]
        return page(
            request,
            "form/review.html",
            language=_language(request, state),
            state=state,
            token=token,
            sections=sections,
        )

    @post("/submit", name="form-submit")
    async def submit(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        result = await answering.submit(token, chosen_language(request))
        return Redirect(f"/a/{token}?sent={'true' if result.first_time else 'false'}", status_code=303)

    @get("/leave", name="form-leave")
    async def leave_confirm(self, request: Request, token: FromPath[str]) -> Template:
        state = await answering.open_link(token)
        return page(request, "form/leave.html", language=_language(request, state), state=state, token=token)

    @post("/leave", name="form-leave-confirm")
    async def leave(self, request: Request, token: FromPath[str]) -> Template:
        state = await answering.open_link(token)
        await answering.withdraw_by_link(token)
        return page(request, "form/left.html", language=_language(request, state))
