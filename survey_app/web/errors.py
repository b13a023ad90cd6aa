"""Exceptions to responses: JSON under ``/api``, a translated page everywhere else."""

from __future__ import annotations

import logging
import re
from urllib.parse import quote

from litestar import MediaType, Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    NotFoundException,
    PermissionDeniedException,
)
from litestar.response import Redirect

from survey_app.i18n import N_
from survey_app.services.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound
from survey_app.services.tokens import looks_like_token
from survey_app.web.controllers.api_docs import OPENAPI_JSON_PATH
from survey_app.web.rendering import FORM_LANGUAGE_COOKIE, page, request_language

log = logging.getLogger("mestring.web")

_CSRF_DETAIL = "CSRF token verification failed"
_TEXTS = {
    400: (N_("Something in the request was not right"), N_("Go back and try again.")),
    401: (N_("Please log in"), N_("This page is for staff who are logged in.")),
    403: (N_("No access"), N_("Your role does not give access to this page.")),
    404: (N_("Page not found"), N_("The page does not exist, or you do not have access to it.")),
    405: (N_("Something in the request was not right"), N_("Go back and try again.")),
    409: (N_("This has already been done"), N_("Go back and reload the page.")),
    422: (N_("Something in the request was not right"), N_("Go back and try again.")),
    500: (N_("Something went wrong on our side"), N_("Please try again in a little while.")),
}
_CSRF_TEXT = (
    N_("The form could not be accepted"),
    N_("Your browser must accept cookies from this site for forms to work. Go back, reload the page and try again."),
)
_JOB_SEEKER_CSRF_TEXT = (
    N_("Your answers could not be saved"),
    N_(
        "Your browser must allow cookies from this site for the questionnaire to work. Allow cookies, then open the "
        "link from the e-mail again. The answers you saved before are kept."
    ),
)
# The job seeker's pages: /a/{token}/..., and /a or /a/ (a link cut short by a mail program).
_JOB_SEEKER_PATH = re.compile(r"^/a(?:/([^/]*))?(/|$)")


def _is_api(request: Request) -> bool:
    """Answered in JSON: the API and the machine-readable description of it."""
    return request.url.path.startswith(("/api/", OPENAPI_JSON_PATH))


def _respond(request: Request, status: int, title: str, text: str, detail: str | None = None):
    if _is_api(request):
        return Response(
            {"status_code": status, "detail": detail or title}, status_code=status, media_type=MediaType.JSON
        )
    job_seeker = _JOB_SEEKER_PATH.match(request.url.path)
    if job_seeker:
        # A job seeker has no account and must not be sent to the staff login: the page
        # speaks the language their questionnaire was shown in and leads back to it.
        token = job_seeker.group(1) or ""
        return page(
            request,
            "form/problem.html",
            language=request_language(request, request.cookies.get(FORM_LANGUAGE_COOKIE)),
            status_code=status,
            title=title,
            text=text,
            back=f"/a/{token}" if looks_like_token(token) else None,
        )
    return page(request, "error.html", status_code=status, title=title, text=text)


def http_exception(request: Request, exc: HTTPException) -> Response:
    status = exc.status_code
    if isinstance(exc, NotAuthorizedException) and not _is_api(request):
        return Redirect(f"/login?next={quote(request.url.path)}")
    if isinstance(exc, PermissionDeniedException) and exc.detail == _CSRF_DETAIL:
        texts = _JOB_SEEKER_CSRF_TEXT if _JOB_SEEKER_PATH.match(request.url.path) else _CSRF_TEXT
        return _respond(request, 403, *texts, detail=_CSRF_DETAIL)
    title, text = _TEXTS.get(status, _TEXTS[400] if status < 500 else _TEXTS[500])
    response = _respond(request, status, title, text, detail=exc.detail)
    # Such as the methods a 405 allows, which RFC 9110 requires it to list.
    response.headers.update(exc.headers or {})
    return response


def domain_error(request: Request, exc: DomainError) -> Response:
    status = next(
        (
            code
            for cls, code in ((NotFound, 404), (Forbidden, 403), (Conflict, 409), (InvalidInput, 422))
            if isinstance(exc, cls)
        ),
        400,
    )
    title, text = _TEXTS[status]
    return _respond(request, status, title, text, detail=exc.message)


def unexpected_error(request: Request, exc: Exception) -> Response:
    # Only the route template, never the path: a path may hold a job seeker's link token.
    route = getattr(request.scope.get("route_handler"), "paths", None)
    log.exception("unhandled error on %s %s", request.method, sorted(route) if route else "?")
    return _respond(request, 500, *_TEXTS[500])


EXCEPTION_HANDLERS = {
    HTTPException: http_exception,
    NotFoundException: http_exception,
    DomainError: domain_error,
    Exception: unexpected_error,
}
