"""``/favicon.ico``: browsers and bookmark tools ask for it there whatever a page links to."""

from __future__ import annotations

from pathlib import Path

from litestar import get
from litestar.datastructures import CacheControlHeader
from litestar.response import File

from survey_app.web.auth import PUBLIC_OPT

ICON = Path(__file__).parents[1] / "static" / "favicon.ico"


@get(
    "/favicon.ico",
    opt={PUBLIC_OPT: True, "exclude_from_csrf": True},
    name="favicon",
    cache_control=CacheControlHeader(max_age=7 * 24 * 3600, public=True),
)
async def favicon() -> File:
    return File(ICON, content_disposition_type="inline", media_type="image/vnd.microsoft.icon")
