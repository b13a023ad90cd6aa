"""Sending composed messages one at a time, each with a verdict the dispatcher can record
right away: over SMTP (aiosmtplib), or into the outbox folder.

The verdicts follow what the SMTP dialogue proves:

* ``sent``: the server answered 250 to the end of DATA;
* ``retry``: the message was certainly not taken (a 4xx reply, a connection that dropped
  before the message data went out);
* ``undeliverable``: a 5xx reply (the server refuses this message for good);
* ``unknown``: the connection timed out or dropped after the message data was sent, so the
  server may have taken it: never sent again automatically.

A session connects before a message is marked as being sent (:meth:`SmtpSession.ready`): a
server that cannot be reached costs one connection attempt per pass and no attempt of any
message, however long it stays down.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from email.message import Message
from email.utils import parseaddr
from typing import Protocol

import aiosmtplib
from aiosmtplib.email import flatten_message

from survey_app.mail.outbox import Outbox
from survey_app.settings import Settings, SmtpServer

_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")

SENT = "sent"
RETRY = "retry"
UNDELIVERABLE = "undeliverable"
UNKNOWN = "unknown"


def describe_error(error: BaseException) -> str:
    """A short reason for the log and the specialist, with any e-mail address blanked out."""
    code = getattr(error, "code", None)
    text = getattr(error, "message", None) or str(error)
    reason = f"{type(error).__name__}" + (f" {code}" if code else "") + (f": {text}" if text else "")
    return _ADDRESS.sub("<address>", reason)[:300]


@dataclass(frozen=True)
class Delivery:
    verdict: str
    error: str | None = None


class MailSession(Protocol):
    async def ready(self) -> str | None:
        """None when a message can be sent now; else why not (the server cannot be reached)."""
        ...

    async def send(self, message: Message) -> Delivery: ...


class MailTransport(Protocol):
    def session(self) -> contextlib.AbstractAsyncContextManager[MailSession]:
        """One dispatcher pass's way out: a connection opened on first use, closed at the end."""
        ...


def _verdict_for_reply(error: aiosmtplib.SMTPResponseException) -> Delivery:
    verdict = UNDELIVERABLE if 500 <= error.code < 600 else RETRY
    return Delivery(verdict, describe_error(error))


class SmtpSession:
    """One SMTP connection, reused message after message and opened again after an error
    (a session that failed can answer the next MAIL FROM with "503 Multiple MAIL")."""

    def __init__(self, server: SmtpServer, timeout: float, min_interval: float) -> None:
        self.server = server
        self.timeout = timeout
        self.min_interval = min_interval
        self._client: aiosmtplib.SMTP | None = None
        self._last_send = -float("inf")

    async def ready(self) -> str | None:
        if self._client is not None:
            return None
        client = aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            use_tls=self.server.use_tls,
            username=self.server.username,
            password=self.server.password,
            timeout=self.timeout,
        )
        try:
            await client.connect()
        except (aiosmtplib.SMTPException, OSError) as error:
            client.close()
            return describe_error(error)
        self._client = client
        return None

    def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    async def _pace(self) -> None:
        # A relay's limit (MESTRING_SMTP_MAX_PER_MINUTE) is kept by spacing sends evenly.
        wait = self._last_send + self.min_interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send = time.monotonic()

    async def send(self, message: Message) -> Delivery:
        """Send ``message`` over the connection :meth:`ready` opened."""
        if self._client is None:
            raise RuntimeError("SmtpSession.send() before ready()")
        await self._pace()
        sender = parseaddr(str(message["From"]))[1]
        recipient = parseaddr(str(message["To"]))[1]
        client = self._client
        try:
            await client.mail(sender)
            await client.rcpt(recipient)
        except aiosmtplib.SMTPResponseException as error:
            await self._reset()
            return _verdict_for_reply(error)
        except (aiosmtplib.SMTPException, OSError) as error:  # timeout or drop before any data
            self._drop()
            return Delivery(RETRY, describe_error(error))
        try:
            await client.data(flatten_message(message))
        except aiosmtplib.SMTPResponseException as error:
            await self._reset()
            return _verdict_for_reply(error)
        except (aiosmtplib.SMTPException, OSError) as error:
            # The message data went out; only the server's answer is missing.
            self._drop()
            return Delivery(UNKNOWN, describe_error(error))
        return Delivery(SENT)

    async def _reset(self) -> None:
        try:
            await self._client.rset()
        except (aiosmtplib.SMTPException, OSError):
            self._drop()

    async def close(self) -> None:
        if self._client is not None:
            with contextlib.suppress(aiosmtplib.SMTPException, OSError):
                await self._client.quit()
            self._drop()


class SmtpTransport:
    def __init__(self, server: SmtpServer, timeout: float = 30.0, max_per_minute: int | None = None) -> None:
        self.server = server
        self.timeout = timeout
        self.min_interval = 60.0 / max_per_minute if max_per_minute else 0.0

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[SmtpSession]:
        session = SmtpSession(self.server, self.timeout, self.min_interval)
        try:
            yield session
        finally:
            await session.close()


class OutboxSession:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def ready(self) -> str | None:
        return None

    async def send(self, message: Message) -> Delivery:
        self.outbox.store(bytes(message))
        return Delivery(SENT)


class OutboxTransport:
    """Files messages into the outbox folder, as if an SMTP server had accepted them."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    @contextlib.asynccontextmanager
    async def session(self) -> AsyncIterator[OutboxSession]:
        yield OutboxSession(self.outbox)


def transport_for(settings: Settings) -> MailTransport:
    """How ``settings`` say mail goes out. Raises :class:`SettingsError` when no mail server is
    set: outside the demo, mail is never silently filed away as if it had been sent."""
    if settings.uses_outbox:
        return OutboxTransport(Outbox(settings.outbox_dir))
    return SmtpTransport(settings.smtp_server, max_per_minute=settings.smtp_max_per_minute)
