"""Post/redirect/get for forms that fail validation (see ``services/form_flash``)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar import Request
from litestar.datastructures import Cookie
from litestar.response import Redirect

from survey_app.services import form_flash

FLASH_COOKIE = "mestring_flash"
_TYPED_AGAIN = 2000


def _cookie(request: Request, path: str, value: str, max_age: int) -> Cookie:
    return Cookie(
        key=FLASH_COOKIE,
        value=value,
        path=path,
        max_age=max_age,
        httponly=True,
        secure=request.app.state.settings.secure_cookies,
        samesite="lax",
    )


async def redirect_with(request: Request, location: str, payload: dict[str, Any]) -> Redirect:
    """A 303 to ``location`` whose page will find ``payload`` with :func:`take`."""
    key = await form_flash.keep(payload)
    path = urlsplit(location).path
    return Redirect(
        location,
        status_code=303,
        cookies=[_cookie(request, path, key, int(form_flash.KEEP_FOR.total_seconds()))],
    )


def typed_again(value: object) -> str:
    """Text a person typed, to show again with its error: as typed, but never megabytes of it
    (a form's own length limits are far below this)."""
    return str(value or "")[:_TYPED_AGAIN]


async def take(request: Request) -> dict[str, Any] | None:
    """What the form posted before redirecting here, if anything (read once)."""
    key = request.cookies.get(FLASH_COOKIE)
    return await form_flash.take(key) if key else None


def expired_flash_cookie(request: Request) -> list[Cookie]:
    """Clear a flash cookie the request brought (its entry is taken or stale by now)."""
    if FLASH_COOKIE not in request.cookies:
        return []
    return [_cookie(request, request.url.path, "", 0)]
