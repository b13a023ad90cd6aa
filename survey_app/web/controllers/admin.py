"""The administrator's pages: staff accounts, possible duplicate enrolments, the audit log."""

from __future__ import annotations

from litestar import Controller, Request, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from survey_app.services import audit, duplicates
from survey_app.services.administration import recent_audit_events, staff_accounts
from survey_app.services.errors import InvalidInput, NotFound
from survey_app.services.offices import set_office
from survey_app.services.transfer import move_participant, move_targets
from survey_app.web.auth import roles
from survey_app.web.flash import redirect_with, take, typed_again
from survey_app.web.rendering import current_user, page


class AdminController(Controller):
    path = "/admin"
    guards = [roles("admin")]

    @get("/", name="admin")
    async def overview(self, request: Request) -> Template:
        kept = await take(request) or {}
        return page(
            request,
            "staff/admin.html",
            kept=kept,
            errors=kept.get("errors", {}),
            move_targets=await move_targets(current_user(request)),
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

    @post("/staff/{staff_id:int}/office", name="admin-staff-office")
    async def office(self, request: Request, staff_id: FromPath[int]) -> Redirect:
        form = await request.form()
        values = {"office": typed_again(form.get("office")), "lead": str(form.get("lead", ""))}
        try:
            await set_office(audit.Actor.staff(current_user(request).id), staff_id, values)
        except InvalidInput as exc:
            kept = {"office_of": staff_id, "values": values, "errors": {f"office-{staff_id}": exc.errors["office"]}}
            return await redirect_with(request, "/admin#staff", kept)
        return Redirect("/admin#staff", status_code=303)

    @post("/move", name="admin-move")
    async def move(self, request: Request) -> Redirect:
        form = await request.form()
        values = {
            "study_id": typed_again(form.get("study_id")).strip().upper(),
            "specialist": str(form.get("specialist", "")),
        }
        try:
            moved = await move_participant(current_user(request), values["study_id"], values["specialist"])
        except NotFound as exc:
            return await redirect_with(request, "/admin#move", {"values": values, "errors": {"study_id": exc.message}})
        except InvalidInput as exc:
            return await redirect_with(request, "/admin#move", {"values": values, "errors": exc.errors})
        return await redirect_with(request, "/admin#move", {"moved": values["study_id"] if moved else None})
