"""Staff authentication: a session cookie resolved on each request, and role guards.

Every staff route declares its roles with :func:`roles`; ``tests/integration`` walks the
route table to prove that no staff route is left without one.
"""

from __future__ import annotations

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import Cookie
from litestar.enums import ScopeType
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from survey_app.services.login_throttle import DEVICE_COOKIE
from survey_app.services.staff import SESSION_LIFETIME, StaffPrincipal, resolve_session

SESSION_COOKIE = "mestring_session"
# Routes whose handlers are open to anyone (the job seeker's form, login, health, assets).
PUBLIC_OPT = "public"


class StaffSessionMiddleware(ASGIMiddleware):
    """Puts the logged-in staff member (or None) in ``scope["user"]``.

    The job seeker's pages, static files, the icon and the health check skip the lookup:
    they never need it.
    """

    scopes = (ScopeType.HTTP,)

    @staticmethod
    def should_bypass_for_scope(scope: Scope) -> bool:
        return scope["path"].startswith(("/a/", "/static/")) or scope["path"] in ("/healthz", "/favicon.ico")

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        token = Request(scope).cookies.get(SESSION_COOKIE)
        scope["user"] = await resolve_session(token) if token else None
        await next_app(scope, receive, send)


def roles(*allowed: str):
    """A guard letting through staff with one of ``allowed`` roles.

    No session: 401 (pages redirect to the login). Wrong role: 403.
    """

    def guard(connection: ASGIConnection, _: BaseRouteHandler) -> None:
        user: StaffPrincipal | None = connection.scope.get("user")
        if user is None:
            raise NotAuthorizedException()
        if user.role not in allowed:
            raise PermissionDeniedException()

    guard.allowed_roles = allowed  # type: ignore[attr-defined]
    return guard


def session_cookie(token: str, secure: bool) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=secure,
        samesite="lax",
        path="/",
    )


def expired_session_cookie(secure: bool) -> Cookie:
    return Cookie(key=SESSION_COOKIE, value="", max_age=0, httponly=True, secure=secure, samesite="lax", path="/")


def device_cookie(value: str, secure: bool) -> Cookie:
    """The login throttle's device cookie: kept for a year, sent only to the login."""
    return Cookie(
        key=DEVICE_COOKIE,
        value=value,
        max_age=365 * 24 * 3600,
        httponly=True,
        secure=secure,
        samesite="strict",
        path="/login",
    )


def client_address(request: Request) -> str:
    """The client's IP address as the server sees it. Behind a reverse proxy, uvicorn puts
    the address from ``X-Forwarded-For`` here when the proxy is trusted (its
    ``forwarded_allow_ips``, by default 127.0.0.1)."""
    return request.client.host if request.client else "unknown"
