"""Sending composed messages: over SMTP (aiosmtplib) or into the built-in outbox."""

from __future__ import annotations

import re
from collections.abc import Sequence
from email.message import EmailMessage
from typing import Protocol

import aiosmtplib

from survey_app.mail.outbox import Outbox
from survey_app.settings import Settings, SmtpServer

_ADDRESS = re.compile(r"[^\s<>@]+@[^\s<>@]+")


def describe_error(error: BaseException) -> str:
    """A short reason for the log and the specialist, with any e-mail address blanked out."""
    code = getattr(error, "code", None)
    text = getattr(error, "message", None) or str(error)
    reason = f"{type(error).__name__}" + (f" {code}" if code else "") + (f": {text}" if text else "")
    return _ADDRESS.sub("<address>", reason)[:300]


class MailTransport(Protocol):
    async def send_many(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        """Send each message; return per message None (accepted) or the reason it failed."""
        ...


class SmtpTransport:
    """One SMTP connection per batch, reset after an error (a reused session that failed can
    answer the next MAIL FROM with "503 Multiple MAIL")."""

    def __init__(self, server: SmtpServer, timeout: float = 30.0) -> None:
        self.server = server
        self.timeout = timeout

    def _client(self) -> aiosmtplib.SMTP:
        return aiosmtplib.SMTP(
            hostname=self.server.host,
            port=self.server.port,
            use_tls=self.server.use_tls,
            username=self.server.username,
            password=self.server.password,
            timeout=self.timeout,
        )

    async def send_many(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        results: list[str | None] = []
        client: aiosmtplib.SMTP | None = None
        for message in messages:
            try:
                if client is None:
                    client = self._client()
                    await client.connect()
                await client.send_message(message)
                results.append(None)
            except (aiosmtplib.SMTPException, OSError) as error:
                results.append(describe_error(error))
                if client is not None:
                    client.close()
                client = None
        if client is not None:
            try:
                await client.quit()
            except (aiosmtplib.SMTPException, OSError):
                client.close()
        return results


class OutboxTransport:
    """Files messages into the outbox folder, as if an SMTP server had accepted them."""

    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def send_many(self, messages: Sequence[EmailMessage]) -> list[str | None]:
        for message in messages:
            self.outbox.store(bytes(message))
        return [None] * len(messages)


def transport_for(settings: Settings) -> MailTransport:
    """How ``settings`` say mail goes out. Raises :class:`SettingsError` when no mail server is
    set: outside the demo, mail is never silently filed away as if it had been sent."""
    if settings.uses_outbox:
        return OutboxTransport(Outbox(settings.outbox_dir))
    return SmtpTransport(settings.smtp_server)
