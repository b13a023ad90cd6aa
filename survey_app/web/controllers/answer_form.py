"""The job seeker's questionnaire at the personal link: intro, one page per section, review,
submit, thank-you; and leaving the study. Works without JavaScript."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from survey_app.i18n import normalise_language
from survey_app.services import answering
from survey_app.services.answering import FormState, InvalidAnswers, LinkInvalid
from survey_app.services.errors import InvalidInput
from survey_app.web.auth import PUBLIC_OPT
from survey_app.web.flash import redirect_with, take, typed_again
from survey_app.web.rendering import chosen_language, page, request_language

# Form fields that steer the page rather than answer a question.
_CONTROL_FIELDS = frozenset({"_csrf_token", "action", "switch_language"})


def _form_page(request: Request, template: str, **context) -> Template:
    return page(request, template, job_seeker=True, **context)


def _language(request: Request, state: FormState | None = None) -> str:
    return request_language(request, preferred=state.language if state else None)


def _resume_target(token: str, state: FormState) -> str:
    section_id = answering.first_unseen_section(state)
    return f"/a/{token}/page/{section_id}" if section_id else f"/a/{token}/review"


def _invalid(request: Request, exc: LinkInvalid) -> Template:
    """Unknown, expired, not yet open or withdrawn: one page for all, revealing nothing, in
    the person's own language when the link was theirs."""
    return _form_page(request, "form/invalid.html", language=request_language(request, exc.language), status_code=404)


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
            return _form_page(request, "form/done.html", language=language, state=state, just_sent=sent, token=token)
        return _form_page(
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
        sections = list(state.instrument.sections_for_wave(state.wave_label))
        ids = [s.id for s in sections]
        if section not in ids:
            raise LinkInvalid()
        position = ids.index(section)
        language = _language(request, state)
        rejected = await take(request)
        if rejected:
            values, errors = answering.recheck_page(state, section, rejected["fields"], language)
        else:
            values, errors = state.saved, {}
        return _form_page(
            request,
            "form/page.html",
            language=language,
            state=state,
            token=token,
            section=sections[position],
            position=position + 1,
            total=len(sections),
            items=state.instrument.section_items(section, state.wave_label),
            values=values,
            errors=errors,
            language_form="questionnaire",
        )

    @post("/page/{section:str}", name="form-save")
    async def save_page(self, request: Request, token: FromPath[str], section: FromPath[str]) -> Redirect:
        """Save the page, then go where the person asked: next, back, later, or the same page
        in another language (the language switch submits the page, so no tick is lost)."""
        form = await request.form()
        fields = {key: form.getall(key) for key in form if key not in _CONTROL_FIELDS}
        action = form.get("action", "next")
        switch_to = normalise_language(form.get("switch_language"))
        here = f"/a/{token}/page/{section}" + (f"?lang={switch_to}" if switch_to else "")
        try:
            saved = await answering.save_page(
                token,
                section,
                fields,
                switch_to or chosen_language(request),
                moving_on=action == "next" and switch_to is None,
            )
        except InvalidAnswers:
            return await redirect_with(request, here, {"fields": fields})
        sections, position = saved.sections, saved.position
        if switch_to:
            return Redirect(here, status_code=303)
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
        return _form_page(request, "form/saved.html", language=_language(request, state), state=state, token=token)

    @get("/review", name="form-review")
    async def review(self, request: Request, token: FromPath[str]) -> Template | Redirect:
        state = await answering.open_link(token)
        if state.submitted:
            return Redirect(f"/a/{token}")
        sections = [
            (section, state.instrument.section_items(section.id, state.wave_label))
            for section in state.instrument.sections_for_wave(state.wave_label)
        ]
        return _form_page(
            request,
            "form/review.html",
            language=_language(request, state),
            state=state,
            token=token,
            sections=sections,
        )

    @post("/submit", name="form-submit")
    async def submit(self, request: Request, token: FromPath[str]) -> Redirect:
        result = await answering.submit(token, chosen_language(request))
        return Redirect(f"/a/{token}?sent={'true' if result.first_time else 'false'}", status_code=303)

    @get("/leave", name="form-leave")
    async def leave_confirm(self, request: Request, token: FromPath[str]) -> Template:
        state = await answering.open_link(token)
        kept = await take(request) or {}
        return _form_page(
            request,
            "form/leave.html",
            language=_language(request, state),
            state=state,
            token=token,
            values=kept.get("values", {}),
            errors=kept.get("errors", {}),
        )

    @post("/leave", name="form-leave-confirm")
    async def leave(self, request: Request, token: FromPath[str]) -> Redirect:
        state = await answering.open_link(token)
        reason = (await request.form()).get("reason")
        try:
            await answering.withdraw_by_link(token, reason=reason)
        except InvalidInput as exc:
            kept = {"values": {"reason": typed_again(reason)}, "errors": exc.errors}
            return await redirect_with(request, f"/a/{token}/leave", kept)
        # The link no longer works, so the goodbye page lives outside it.
        return Redirect(f"/left?lang={_language(request, state)}", status_code=303)


@get("/left", opt={PUBLIC_OPT: True}, name="form-left")
async def left(request: Request) -> Template:
    """Said after leaving the study (in the language of ``?lang=``)."""
    return _form_page(request, "form/left.html")
