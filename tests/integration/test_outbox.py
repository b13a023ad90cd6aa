"""The built-in outbox: a loopback SMTP server files mail; staff see only their own."""

from __future__ import annotations

import dataclasses
import re

import httpx

from survey_app.mail.outbox import Outbox, start_outbox_server
from survey_app.mail.transport import OutboxTransport, SmtpTransport
from survey_app.services.dispatch import dispatch_once
from survey_app.services.outgoing_mail import HIDDEN_LINK
from survey_app.settings import OUTBOX_URL, SmtpServer
from survey_app.web.app import create_app
from tests.conftest import make_settings
from tests.helpers import enrol_person, login, make_staff, no_quiet_hours


async def test_loopback_server_files_messages_the_outbox_lists(db, tmp_path):
    await no_quiet_hours()  # the tests run on the real clock, at any hour
    outbox = Outbox(tmp_path / "outbox")
    server = start_outbox_server(outbox)
    try:
        specialist = await make_staff("spes@example.no")
        await enrol_person(specialist, "Olga Outbox", "olga@example.no")
        transport = SmtpTransport(SmtpServer(server.hostname, server.port, False, None, None))
        report = await dispatch_once(transport, base_url="http://demo.test", sender="s@example.no")
    finally:
        server.stop()
    entries = outbox.entries()
    assert len(report.sent) == 1 and len(entries) == 1
    assert entries[0].recipient == "olga@example.no" and entries[0].message_id == report.sent[0]
    _, message = outbox.read(entries[0].key)
    assert "http://demo.test/a/" in message.get_body(preferencelist=("plain",)).get_content()
    assert outbox.read("../../etc/passwd") is None and outbox.read("") is None


def _token_in(outbox: Outbox, key: str) -> str:
    _, message = outbox.read(key)
    return re.search(r"/a/([A-Za-z0-9_-]{20,})", message.get_body(preferencelist=("plain",)).get_content()).group(1)


async def test_staff_read_the_demo_outbox_without_a_usable_personal_link(db, tmp_path):
    await no_quiet_hours()  # the tests run on the real clock, at any hour
    settings = dataclasses.replace(make_settings(tmp_path, db.settings.database_url), smtp_url=OUTBOX_URL, demo=True)
    mine = await make_staff("mine@example.no")
    other = await make_staff("other@example.no")
    await make_staff("admin@example.no", "admin")
    await enrol_person(mine, "Mine Person", "mine.person@example.no")
    await enrol_person(other, "Other Person", "other.person@example.no")
    outbox = Outbox(settings.outbox_dir)
    await dispatch_once(OutboxTransport(outbox), base_url="http://x", sender="s@example.no")
    keys = {entry.recipient: entry.key for entry in outbox.entries()}
    token = _token_in(outbox, keys["mine.person@example.no"])

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "mine@example.no")
        page = await client.get("/outbox")
        assert "mine.person@example.no" in page.text and "other.person@example.no" not in page.text
        message = await client.get(f"/outbox/{keys['mine.person@example.no']}")
        assert message.status_code == 200
        assert token not in message.text and HIDDEN_LINK in message.text
        assert (await client.get(f"/outbox/{keys['other.person@example.no']}")).status_code == 404
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "admin@example.no")
        page = await client.get("/outbox")
        assert "mine.person@example.no" in page.text and "other.person@example.no" in page.text
        assert token not in (await client.get(f"/outbox/{keys['mine.person@example.no']}")).text
    # The demo's made-up job seekers have a mailbox of their own, with working links.
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as anyone:
        inbox = await anyone.get(f"/demo/inbox/{keys['mine.person@example.no']}")
        assert inbox.status_code == 200 and f"http://x/a/{token}" in inbox.text


async def test_an_outbox_chosen_outside_the_demo_is_for_admins_only(db, tmp_path):
    explicit = make_settings(tmp_path, db.settings.database_url, MESTRING_SMTP_URL="outbox:")
    await make_staff("spes@example.no")
    await make_staff("admin@example.no", "admin")
    transport = httpx.ASGITransport(app=create_app(explicit))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "spes@example.no")
        assert (await client.get("/outbox")).status_code == 403
        assert 'href="/outbox"' not in (await client.get("/caseload")).text
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "admin@example.no")
        assert (await client.get("/outbox")).status_code == 200
        assert (await client.get("/demo/inbox")).status_code == 404

    for smtp in ({"MESTRING_SMTP_URL": "smtp://127.0.0.1:2525"}, {}):
        without = make_settings(tmp_path / "other", db.settings.database_url, **smtp)
        transport = httpx.ASGITransport(app=create_app(without))
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            await login(client, "admin@example.no")
            assert (await client.get("/outbox")).status_code == 404
