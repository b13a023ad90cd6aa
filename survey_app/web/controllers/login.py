"""Staff login and logout."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from survey_app.services import staff
from survey_app.services.login_throttle import DEVICE_COOKIE
from survey_app.web.auth import (
    PUBLIC_OPT,
    SESSION_COOKIE,
    client_address,
    device_cookie,
    expired_session_cookie,
    session_cookie,
)
from survey_app.web.flash import redirect_with, take
from survey_app.web.rendering import current_user, page

HOME_BY_ROLE = {"specialist": "/caseload", "researcher": "/research", "admin": "/admin"}


def safe_next(value: str | None) -> str | None:
    """Only a path on this site: never ``//host`` or ``https://...`` (open redirect)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return None


@get("/", opt={PUBLIC_OPT: True}, name="home")
async def home(request: Request) -> Redirect:
    user = current_user(request)
    return Redirect(HOME_BY_ROLE[user.role] if user else "/login")


@get("/login", opt={PUBLIC_OPT: True}, name="login")
async def login_form(request: Request, next: FromQuery[str | None] = None) -> Template:
    failed = await take(request) or {}
    return page(
        request,
        "staff/login.html",
        next=safe_next(failed.get("next") or next),
        error=failed.get("error"),
        email=failed.get("email", ""),
    )


@post("/login", opt={PUBLIC_OPT: True}, name="login-submit")
async def login(request: Request) -> Redirect:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    settings = request.app.state.settings
    try:
        logged_in = await staff.authenticate(
            email,
            password,
            client_address=client_address(request),
            device_cookie=request.cookies.get(DEVICE_COOKIE),
            secret=settings.secret_key,
        )
    except staff.LoginFailed as exc:
        return await redirect_with(request, "/login", {"error": exc.message, "email": email[:254], "next": target})
    token = await staff.start_session(logged_in.principal.id)
    return Redirect(
        target or HOME_BY_ROLE[logged_in.principal.role],
        status_code=303,
        cookies=[
            session_cookie(token, settings.secure_cookies),
            device_cookie(logged_in.device_cookie, settings.secure_cookies),
        ],
    )


@post("/logout", opt={PUBLIC_OPT: True}, name="logout")
async def logout(request: Request) -> Redirect:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        await staff.end_session(token)
    secure = request.app.state.settings.secure_cookies
    return Redirect("/login", status_code=303, cookies=[expired_session_cookie(secure)])


# No CSRF cookie: monitors and load balancers poll this, and it has no form.
@get("/healthz", opt={PUBLIC_OPT: True, "exclude_from_csrf": True}, name="health", media_type="text/plain")
async def health() -> str:
    return "ok"
