"""The built-in outbox: where mail goes when no SMTP server is configured.

Messages are ``.eml`` files in ``var/outbox/``, written either directly (by
:class:`~survey_app.mail.transport.OutboxTransport`) or by the loopback SMTP server that
``mestring demo`` runs, so the staff page can list them and a newcomer can click the link.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import socket
import uuid
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import parsedate_to_datetime
from pathlib import Path

from aiosmtpd.controller import Controller

from survey_app.mail.compose import MESSAGE_ID_HEADER
from survey_app.private_files import PRIVATE_FILE_MODE, private_directory


@dataclass(frozen=True)
class OutboxEntry:
    key: str
    subject: str
    recipient: str
    date: dt.datetime | None
    message_id: int | None


class Outbox:
    """A folder of captured messages, newest first."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def store(self, raw: bytes) -> str:
        """Keep one message; write-then-rename so a reader never sees half a file.

        Messages carry names, addresses and personal links: the folder and every file are
        for the service user only, whatever the process's umask.
        """
        private_directory(self.directory)
        key = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S%f}-{uuid.uuid4().hex[:8]}"
        temporary = self.directory / f".{key}.tmp"
        # O_EXCL: the mode given here is the file's mode, never that of a file already there.
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_FILE_MODE)
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(raw)
        os.replace(temporary, self.directory / f"{key}.eml")
        return key

    def _path(self, key: str) -> Path | None:
        if not key or not all(c.isalnum() or c in "-" for c in key):
            return None
        path = self.directory / f"{key}.eml"
        return path if path.is_file() else None

    def read(self, key: str) -> tuple[OutboxEntry, EmailMessage] | None:
        path = self._path(key)
        if path is None:
            return None
        message = _parse(path)
        return _entry(path, message), message

    def entries(self, limit: int = 200) -> list[OutboxEntry]:
        if not self.directory.is_dir():
            return []
        paths = sorted(self.directory.glob("*.eml"), reverse=True)[:limit]
        return [_entry(path, _parse(path)) for path in paths]


def _parse(path: Path) -> EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _entry(path: Path, message: EmailMessage) -> OutboxEntry:
    try:
        date = parsedate_to_datetime(message["Date"]) if message["Date"] else None
    except (TypeError, ValueError):
        date = None
    raw_id = str(message.get(MESSAGE_ID_HEADER, ""))
    return OutboxEntry(
        key=path.stem,
        subject=str(message.get("Subject", "")),
        recipient=str(message.get("To", "")),
        date=date,
        message_id=int(raw_id) if raw_id.isdigit() else None,
    )


class _CaptureHandler:
    def __init__(self, outbox: Outbox) -> None:
        self.outbox = outbox

    async def handle_DATA(self, server, session, envelope):
        self.outbox.store(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on now (aiosmtpd's Controller cannot start on port 0)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


def start_outbox_server(outbox: Outbox, host: str = "127.0.0.1", port: int | None = None) -> Controller:
    """An SMTP server on loopback that files every message it accepts into ``outbox``."""
    controller = Controller(_CaptureHandler(outbox), hostname=host, port=port or free_port(host))
    controller.start()
    return controller
