"""The administrator's overview: staff accounts and the latest audit events."""

from __future__ import annotations

from litestar import Request, get
from litestar.response import Template

from survey_app.services.administration import recent_audit_events, staff_accounts
from survey_app.web.auth import roles
from survey_app.web.rendering import page


@get("/admin", guards=[roles("admin")], name="admin")
async def admin_overview(request: Request) -> Template:
    return page(request, "staff/admin.html", accounts=await staff_accounts(), events=await recent_audit_events())
