"""The job seekers' mailbox of ``mestring demo``: the e-mails as their recipients get them,
personal links included, so that a newcomer can answer as a (fictitious) job seeker.

Registered only in the demo, whose people and addresses are made up; staff pages never show a
usable personal link (see ``controllers/outbox.py``).
"""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.exceptions import NotFoundException
from litestar.params import FromPath
from litestar.response import Template

from survey_app.mail.outbox import Outbox
from survey_app.web.auth import PUBLIC_OPT
from survey_app.web.rendering import page


def _outbox(request: Request) -> Outbox:
    return Outbox(request.app.state.settings.outbox_dir)


class DemoInboxController(Controller):
    path = "/demo/inbox"
    opt = {PUBLIC_OPT: True}

    @get("/", name="demo-inbox")
    async def list_messages(self, request: Request) -> Template:
        return page(request, "demo/inbox.html", entries=_outbox(request).entries())

    @get("/{key:str}", name="demo-inbox-message")
    async def show(self, request: Request, key: FromPath[str]) -> Template:
        found = _outbox(request).read(key)
        if found is None:
            raise NotFoundException()
        entry, message = found
        body = message.get_body(preferencelist=("plain",))
        return page(request, "demo/inbox_message.html", entry=entry, text=body.get_content() if body else "")
