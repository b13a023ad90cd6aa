"""Rendering pages: the request's language, translations and formatting for every template."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Template

from instruments import localize
from survey_app import i18n
from survey_app.i18n import code_labels
from survey_app.services.calendar import last_answer_day
from survey_app.web.flash import expired_flash_cookie

LANGUAGE_COOKIE = "mestring_lang"
# The language a job seeker's questionnaire was last shown in, for the pages that say something
# went wrong (an exception handler cannot look the person up). Gone when the browser closes.
FORM_LANGUAGE_COOKIE = "mestring_form_lang"
_ONE_YEAR = 365 * 24 * 3600


def chosen_language(request: Request) -> str | None:
    """A language the person picked: ``?lang=`` first, then the cookie an earlier pick left."""
    return i18n.normalise_language(request.query_params.get("lang")) or i18n.normalise_language(
        request.cookies.get(LANGUAGE_COOKIE)
    )


def request_language(request: Request, preferred: str | None = None) -> str:
    """The language to answer in: the person's pick, else ``preferred`` (a job seeker's
    enrolment choice), else the browser's ``Accept-Language``, else bokmål."""
    return i18n.negotiate(
        [
            chosen_language(request),
            preferred,
            *i18n.accept_language_codes(request.headers.get("accept-language")),
        ]
    )


def current_user(request: Request):
    return request.scope.get("user")


def page(
    request: Request,
    template: str,
    *,
    language: str | None = None,
    status_code: int = 200,
    job_seeker: bool = False,
    **context: Any,
) -> Template:
    """A Jinja2 page with gettext, the language switch and Norwegian date formats in scope.
    ``job_seeker`` marks a page of the questionnaire (it remembers the language shown)."""
    language = language or request_language(request)
    catalogue = i18n.translations(language)
    cookies = expired_flash_cookie(request)
    secure = request.app.state.settings.secure_cookies
    picked = i18n.normalise_language(request.query_params.get("lang"))
    if picked:
        cookies.append(
            Cookie(
                key=LANGUAGE_COOKIE,
                value=picked,
                max_age=_ONE_YEAR,
                httponly=True,
                secure=secure,
                samesite="lax",
                path="/",
            )
        )
    if job_seeker and request.cookies.get(FORM_LANGUAGE_COOKIE) != language:
        cookies.append(
            Cookie(key=FORM_LANGUAGE_COOKIE, value=language, httponly=True, secure=secure, samesite="lax", path="/a/")
        )
    return Template(
        template_name=template,
        context={
            **context,
            "lang": language,
            "languages": i18n.LANGUAGE_NAMES,
            "code_labels": code_labels,
            "user": current_user(request),
            "gettext": catalogue.gettext,
            "ngettext": catalogue.ngettext,
            "_": catalogue.gettext,
            "format_date": i18n.format_date,
            "format_list": lambda items: i18n.format_list(items, language),
            "last_answer_day": lambda closes_at: last_answer_day(closes_at, i18n.OSLO),
            "format_long_date": lambda value: i18n.format_long_date(value, language),
            "format_datetime": lambda value: i18n.format_datetime(value, language),
            "local": lambda texts: localize(texts, language) or "",
        },
        status_code=status_code,
        cookies=cookies,
        headers={"Content-Language": language, "Cache-Control": "no-store"},
    )
