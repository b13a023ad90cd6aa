"""The outbox (``mestring demo``, or ``MESTRING_SMTP_URL=outbox:``): the e-mails kept instead of
sent, for staff to read, with every personal link hidden (see ``controllers/demo_inbox.py``
for the demo's job seekers' view)."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.params import FromPath
from litestar.response import Template

from survey_app.mail.outbox import Outbox
from survey_app.services.caseload import message_ids_of_caseload
from survey_app.services.outgoing_mail import hide_personal_links
from survey_app.web.auth import roles
from survey_app.web.rendering import current_user, page


async def _visible_message_ids(request: Request) -> set[int] | None:
    """Message ids the user may see: all for an admin (None), else their own job seekers'."""
    user = current_user(request)
    if user.role == "admin":
        return None
    return await message_ids_of_caseload(user.id)


def _outbox(request: Request) -> Outbox:
    settings = request.app.state.settings
    if not settings.uses_outbox:
        raise NotFoundException()
    if current_user(request).role not in settings.outbox_roles:
        raise PermissionDeniedException()
    return Outbox(settings.outbox_dir)


class OutboxController(Controller):
    path = "/outbox"
    guards = [roles("specialist", "admin")]

    @get("/", name="outbox")
    async def list_messages(self, request: Request) -> Template:
        outbox = _outbox(request)
        visible = await _visible_message_ids(request)
        entries = [entry for entry in outbox.entries() if visible is None or entry.message_id in visible]
        return page(request, "staff/outbox.html", entries=entries)

    @get("/{key:str}", name="outbox-message")
    async def show(self, request: Request, key: FromPath[str]) -> Template:
        outbox = _outbox(request)
        found = outbox.read(key)
        visible = await _visible_message_ids(request)
        if found is None or (visible is not None and found[0].message_id not in visible):
            raise NotFoundException()
        entry, message = found
        body = message.get_body(preferencelist=("plain",))
        return page(
            request,
            "staff/outbox_message.html",
            entry=entry,
            text=hide_personal_links(body.get_content()) if body else "",
        )
