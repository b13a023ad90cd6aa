"""The administrator's pages: staff accounts, possible duplicate enrolments, the audit log."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from survey_app.services import audit, duplicates
from survey_app.services.administration import recent_audit_events, staff_accounts
from survey_app.web.auth import roles
from survey_app.web.rendering import current_user, page


class AdminController(Controller):
    path = "/admin"
    guards = [roles("admin")]

    @get("/", name="admin")
    async def overview(self, request: Request) -> Template:
        return page(
            request,
            "staff/admin.html",
            accounts=await staff_accounts(),
            duplicates=await duplicates.possible_duplicates(),
            events=await recent_audit_events(),
        )

    @post("/duplicates/{older:str}/{newer:str}/withdraw-newer", name="admin-duplicate-withdraw")
    async def withdraw_newer(self, request: Request, older: FromPath[str], newer: FromPath[str]) -> Redirect:
        await duplicates.withdraw_newer(older, newer, audit.Actor.staff(current_user(request).id))
        return Redirect("/admin#duplicates", status_code=303)

    @post("/duplicates/{older:str}/{newer:str}/dismiss", name="admin-duplicate-dismiss")
    async def dismiss(self, request: Request, older: FromPath[str], newer: FromPath[str]) -> Redirect:
        await duplicates.dismiss(older, newer, audit.Actor.staff(current_user(request).id))
        return Redirect("/admin#duplicates", status_code=303)
