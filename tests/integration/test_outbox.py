"""The built-in outbox: a loopback SMTP server files mail; staff see only their own."""

from __future__ import annotations

import httpx

from scheduler.dispatch import dispatch_once
from survey_app.mail.outbox import Outbox, start_outbox_server
from survey_app.mail.transport import OutboxTransport, SmtpTransport
from survey_app.settings import SmtpServer
from survey_app.web.app import create_app
from tests.conftest import make_settings
from tests.helpers import enrol_person, login, make_staff


async def test_loopback_server_files_messages_the_outbox_lists(db, tmp_path):
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


async def test_staff_outbox_page_shows_specialists_only_their_own_mail(db, tmp_path):
    settings = make_settings(tmp_path, db.settings.database_url)
    mine = await make_staff("mine@example.no")
    other = await make_staff("other@example.no")
    await make_staff("admin@example.no", "admin")
    await enrol_person(mine, "Mine Person", "mine.person@example.no")
    await enrol_person(other, "Other Person", "other.person@example.no")
    await dispatch_once(OutboxTransport(Outbox(settings.outbox_dir)), base_url="http://x", sender="s@example.no")
    keys = {entry.recipient: entry.key for entry in Outbox(settings.outbox_dir).entries()}

    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "mine@example.no")
        page = await client.get("/outbox")
        assert "mine.person@example.no" in page.text and "other.person@example.no" not in page.text
        assert (await client.get(f"/outbox/{keys['mine.person@example.no']}")).status_code == 200
        assert (await client.get(f"/outbox/{keys['other.person@example.no']}")).status_code == 404
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "admin@example.no")
        page = await client.get("/outbox")
        assert "mine.person@example.no" in page.text and "other.person@example.no" in page.text

    with_smtp = make_settings(tmp_path / "smtp", db.settings.database_url, MESTRING_SMTP_URL="smtp://127.0.0.1:2525")
    transport = httpx.ASGITransport(app=create_app(with_smtp))
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
        await login(client, "admin@example.no")
        assert (await client.get("/outbox")).status_code == 404
