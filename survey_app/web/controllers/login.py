"""Staff login and logout."""

from __future__ import annotations

from litestar import Request, get, post
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from survey_app.services import staff
from survey_app.web.auth import PUBLIC_OPT, expired_session_cookie, session_cookie
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
    return page(request, "staff/login.html", next=safe_next(next), error=None, email="")


@post("/login", opt={PUBLIC_OPT: True}, name="login-submit")
async def login(request: Request) -> Template | Redirect:
    form = await request.form()
    email, password = str(form.get("email", "")), str(form.get("password", ""))
    target = safe_next(str(form.get("next", "")))
    try:
        principal = await staff.authenticate(email, password)
    except staff.LoginFailed as exc:
        return page(request, "staff/login.html", next=target, error=exc.message, email=email[:254], status_code=401)
    token = await staff.start_session(principal.id)
    secure = request.app.state.settings.secure_cookies
    return Redirect(target or HOME_BY_ROLE[principal.role], status_code=303, cookies=[session_cookie(token, secure)])


@post("/logout", opt={PUBLIC_OPT: True}, name="logout")
async def logout(request: Request) -> Redirect:
    token = request.cookies.get("mestring_session")
    if token:
        await staff.end_session(token)
    secure = request.app.state.settings.secure_cookies
    return Redirect("/login", status_code=303, cookies=[expired_session_cookie(secure)])


@get("/healthz", opt={PUBLIC_OPT: True}, name="health", media_type="text/plain")
async def health() -> str:
    return "ok"
