"""``mestring demo``: a SQLite database with demo data, the web app, the dispatcher and a
loopback SMTP outbox, all in one process."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import sys

from mestring_cli.listening import listening_sockets
from scheduler.dispatch import DispatchControl
from scheduler.runner import build_scheduler, stop_gracefully
from survey_app.db.engine import activate, build_engine
from survey_app.db.migrate import migrate
from survey_app.mail.outbox import Outbox, start_outbox_server
from survey_app.mail.transport import SmtpTransport
from survey_app.services.demo import DEMO_ACCOUNTS, DEMO_PASSWORD, demo_caseload_sizes, seed_demo
from survey_app.settings import OUTBOX_URL, Settings, SmtpServer
from survey_app.web.app import create_app

DEMO_DATABASE = "sqlite:///var/demo.sqlite3"
DEMO_DISPATCH_INTERVAL = 10


def demo_settings(settings: Settings, host: str, port: int) -> Settings:
    """The demo always uses its own SQLite file and the outbox: demo accounts with a known
    password must never land in a real database, and fake addresses must never get mail."""
    return dataclasses.replace(
        settings, database_url=DEMO_DATABASE, smtp_url=OUTBOX_URL, base_url=f"http://{host}:{port}", demo=True
    )


async def _prepare() -> dict[str, int]:
    await migrate()
    await seed_demo(progress=_progress)
    return await demo_caseload_sizes()


def _progress(done: int, total: int) -> None:
    print(f"\rSeeding demo job seekers: {done}/{total}", end="\n" if done == total else "", file=sys.stderr, flush=True)


def _banner(settings: Settings, sizes: dict[str, int], running: bool) -> str:
    lines = []
    if running:
        lines += [
            "",
            "mestring demo is running",
            f"  Staff login:                      {settings.base_url}/login",
            f"  Job seekers' mailbox (demo only): {settings.base_url}/demo/inbox",
            "                (their e-mails with working personal links: answer as one of them)",
            f"  Outbox for staff:                 {settings.base_url}/outbox   (the same e-mails, links hidden)",
            f"  API docs (after login):           {settings.base_url}/schema",
        ]
    lines += ["", f"  Demo logins (password for all: {DEMO_PASSWORD}):"]
    for account in DEMO_ACCOUNTS:
        extra = f"  ({sizes.get(account.email, 0)} job seekers)" if account.role == "specialist" else ""
        lines.append(f"    {account.role:<11} {account.email}{extra}")
    lines += ["", f"  Data: {settings.sqlite_path}"]
    if running:
        lines += ["", "Press Ctrl+C to stop."]
    return "\n".join(lines)


def run_demo(settings: Settings, host: str, port: int, seed_only: bool) -> int:
    settings = demo_settings(settings, host, port)
    activate(build_engine(settings))
    if seed_only:
        sizes = asyncio.run(_prepare())
        print(_banner(settings, sizes, running=False))
        return 0

    async def serve(sockets: list[socket.socket]) -> None:
        sizes = await _prepare()
        outbox_server = start_outbox_server(Outbox(settings.outbox_dir))
        transport = SmtpTransport(SmtpServer(outbox_server.hostname, outbox_server.port, False, None, None))
        control = DispatchControl()
        scheduler = build_scheduler(settings, DEMO_DISPATCH_INTERVAL, transport, control)
        import uvicorn

        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host=host, port=port, access_log=False, log_level="warning")
        )
        scheduler.start()
        print(_banner(settings, sizes, running=True), flush=True)
        try:
            await server.serve(sockets)
        finally:
            await stop_gracefully(scheduler, control)
            outbox_server.stop()

    # The port first: on a taken one, nothing is seeded and no banner claims the demo runs.
    with listening_sockets(host, port) as sockets, contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(sockets))
    return 0
