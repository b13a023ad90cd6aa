"""Shared fixtures: real SQLite and PostgreSQL databases (migrated forwards), settings in a
temporary home, a real SMTP server on loopback, and the web app under an async test client.

PostgreSQL tests run against ``MESTRING_TEST_POSTGRES_URL`` (default: the local server);
outside CI they are skipped with a reason when the server cannot be reached, with
``CI=true`` that is a failure.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import socket
from collections.abc import AsyncIterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import pytest
from aiosmtpd.controller import Controller

from survey_app.db.engine import activate, build_engine, close_pool, open_pool
from survey_app.db.migrate import migrate
from survey_app.db.tables import ALL_TABLES
from survey_app.mail.outbox import free_port
from survey_app.services.studies import ensure_default_study
from survey_app.settings import Settings, load_settings

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
POSTGRES_ADMIN_URL = os.environ.get("MESTRING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
TEST_SECRET = "test-secret-key-" + "x" * 32
CHROMIUM = "/usr/bin/chromium"


def unavailable(reason: str) -> None:
    """Skip outside CI; in CI a missing service is a failure, never a silent skip."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: required)", pytrace=False)
    pytest.skip(reason)


def make_settings(home: Path, database_url: str, **extra: str) -> Settings:
    environ = {"MESTRING_HOME": str(home), "MESTRING_DATABASE_URL": database_url, "MESTRING_SECRET_KEY": TEST_SECRET}
    environ.update(extra)
    return load_settings(environ)


def postgres_reachable() -> bool:
    parts = urlsplit(POSTGRES_ADMIN_URL)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), timeout=2):
            return True
    except OSError:
        return False


async def create_postgres_database() -> str:
    """A fresh, empty database; returns its URL."""
    import asyncpg

    name = f"mestring_test_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()
    parts = urlsplit(POSTGRES_ADMIN_URL)
    return urlunsplit(parts._replace(path=f"/{name}"))


async def drop_postgres_database(url: str) -> None:
    import asyncpg

    name = urlsplit(url).path.strip("/")
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await connection.close()


class Database:
    """One migrated database of one kind, shared by the tests of a session."""

    def __init__(self, kind: str, settings: Settings) -> None:
        self.kind = kind
        self.settings = settings
        self.engine = build_engine(settings)

    async def clear(self) -> None:
        activate(self.engine)
        names = ", ".join(table._meta.tablename for table in ALL_TABLES)
        if self.kind == "postgresql":
            await self.engine.run_ddl(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        else:
            for table in reversed(ALL_TABLES):
                await self.engine.run_ddl(f"DELETE FROM {table._meta.tablename}")


_databases: dict[str, Database] = {}


async def _database(kind: str, tmp_root: Path) -> Database:
    if kind not in _databases:
        if kind == "postgresql":
            if not postgres_reachable():
                unavailable(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}")
            url = await create_postgres_database()
        else:
            url = f"sqlite:///{tmp_root / 'test.sqlite3'}"
        database = Database(kind, make_settings(tmp_root / kind, url))
        activate(database.engine)
        await open_pool(database.engine)
        await migrate()
        _databases[kind] = database
    return _databases[kind]


@pytest.fixture(scope="session")
def tmp_root(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("mestring")


@pytest.fixture(scope="session", autouse=True)
async def _close_databases() -> AsyncIterator[None]:
    yield
    for database in _databases.values():
        await close_pool(database.engine)
        if database.kind == "postgresql":
            await drop_postgres_database(database.settings.database_url)
    _databases.clear()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
async def db(request, tmp_root) -> AsyncIterator[Database]:
    """A migrated, empty database with the default study, on SQLite and on PostgreSQL."""
    database = await _database(request.param, tmp_root)
    await database.clear()
    activate(database.engine)
    await ensure_default_study()
    yield database


@pytest.fixture
async def sqlite_db(tmp_root) -> AsyncIterator[Database]:
    """Only SQLite, for tests about the web layer that do not depend on the database kind."""
    database = await _database("sqlite", tmp_root)
    await database.clear()
    activate(database.engine)
    await ensure_default_study()
    yield database


class SmtpSink:
    """A real SMTP server on loopback that keeps every message it accepts.

    Tests steer it: ``refuse_next`` recipients get ``refuse_code`` (451: try again later;
    550: refused for good), and ``delay`` seconds pass before each DATA is answered (a slow
    server, or one that answers after the client has given up).
    """

    def __init__(self, port: int | None = None) -> None:
        self.messages: list[EmailMessage] = []
        self.refuse_next = 0
        self.refuse_code = 451
        self.delay = 0.0
        self.controller = Controller(self, hostname="127.0.0.1", port=port or free_port())

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse_next > 0:
            self.refuse_next -= 1
            if self.refuse_code >= 500:
                return f"{self.refuse_code} 5.1.1 Mailbox unavailable"
            return f"{self.refuse_code} 4.3.0 Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.original_content or envelope.content, policy=policy.default))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 Message accepted"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.controller.port}"

    def recipients(self) -> list[str]:
        return [str(message["To"]) for message in self.messages]


@pytest.fixture
def smtp_sink() -> AsyncIterator[SmtpSink]:
    sink = SmtpSink()
    sink.controller.start()
    yield sink
    sink.controller.stop()


@pytest.fixture
async def client(db) -> AsyncIterator[httpx.AsyncClient]:
    """The web app on the ``db`` database, with a fresh cookie jar.

    httpx's ASGI transport runs the app on the test's own event loop. (Litestar's test
    clients run it on a portal thread's loop, where the PostgreSQL pool opened by the
    ``db`` fixture cannot be used.)
    """
    from survey_app.web.app import create_app

    transport = httpx.ASGITransport(app=create_app(db.settings))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver.local") as test_client:
        yield test_client


def chromium_or_skip() -> str:
    if not (Path(CHROMIUM).exists() or shutil.which("chromium")):
        unavailable(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
