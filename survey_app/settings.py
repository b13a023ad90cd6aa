"""Settings: the one place that reads the environment.

Every ``MESTRING_*`` variable is optional (see the README's "Configuration"):

``MESTRING_HOME``          where ``var/`` lives (default: the current directory)
``MESTRING_DATABASE_URL``  ``sqlite:///relative/path``, ``sqlite:////absolute/path`` or
                           ``postgresql://user@host:port/db`` (default: ``var/mestring.sqlite3``)
``MESTRING_SMTP_URL``      ``smtp://[user:password@]host[:port]`` (STARTTLS when offered),
                           ``smtps://...`` (TLS from the start), or ``outbox:`` (mail is kept in
                           ``var/outbox/``, for trying things out); unset: no mail goes out, and the
                           dispatcher refuses to start
``MESTRING_SMTP_MAX_PER_MINUTE``  at most this many messages a minute (for relays that need it)
``MESTRING_BASE_URL``      the address job seekers' links start with
``MESTRING_SECRET_KEY``    signs CSRF tokens; generated once and kept in ``var/secret_key``
``MESTRING_MAIL_FROM``     the sender of invitations and reminders
"""

from __future__ import annotations

import functools
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from survey_app.private_files import make_tree_private, private_directory

DEFAULT_BASE_URL = "http://127.0.0.1:8000"
DEFAULT_MAIL_FROM = "mestring <ikke-svar@mestring.invalid>"
SQLITE_FILENAME = "mestring.sqlite3"
# MESTRING_SMTP_URL that keeps mail in var/outbox/ instead of sending it.
OUTBOX_URL = "outbox:"
NO_MAIL_SERVER = (
    "no mail server is set: set MESTRING_SMTP_URL=smtp://host:port (or smtps://...), "
    "or MESTRING_SMTP_URL=outbox: to keep mail in var/outbox/ for testing"
)


class SettingsError(ValueError):
    """A ``MESTRING_*`` variable holds a value we cannot use; the message says which and why."""


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    use_tls: bool
    username: str | None
    password: str | None


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    smtp_url: str | None
    base_url: str
    secret_key: str
    mail_from: str
    # ``mestring demo``: made-up people, the outbox, and the job seekers' demo mailbox.
    demo: bool = False
    smtp_max_per_minute: int | None = None

    @property
    def var_dir(self) -> Path:
        return self.home / "var"

    @property
    def outbox_dir(self) -> Path:
        return self.var_dir / "outbox"

    @property
    def database_kind(self) -> str:
        return "sqlite" if self.database_url.startswith("sqlite:") else "postgresql"

    @property
    def sqlite_path(self) -> Path:
        if self.database_kind != "sqlite":
            raise SettingsError("the database is not SQLite")
        return _sqlite_path(self.database_url, self.home)

    @property
    def uses_outbox(self) -> bool:
        return self.smtp_url == OUTBOX_URL

    @property
    def outbox_roles(self) -> tuple[str, ...]:
        """Who may read the outbox page: in the demo the specialists too (their own job
        seekers' mail), otherwise administrators only; never with a usable personal link."""
        return ("specialist", "admin") if self.demo else ("admin",)

    @property
    def smtp_server(self) -> SmtpServer:
        if self.smtp_url is None:
            raise SettingsError(NO_MAIL_SERVER)
        if self.uses_outbox:
            raise SettingsError("MESTRING_SMTP_URL=outbox: keeps mail in var/outbox/: there is no SMTP server")
        return parse_smtp_url(self.smtp_url)

    @property
    def secure_cookies(self) -> bool:
        return self.base_url.startswith("https://")


def _sqlite_path(url: str, home: Path) -> Path:
    # SQLAlchemy's convention: three slashes then a relative path, four for an absolute one.
    rest = url[len("sqlite:///") :]
    path = Path(unquote(rest))
    return path if path.is_absolute() else home / path


def _check_database_url(url: str) -> str:
    if url.startswith("sqlite:///") and len(url) > len("sqlite:///"):
        return url
    parts = urlsplit(url)
    if parts.scheme in ("postgresql", "postgres") and parts.hostname and parts.path.strip("/") and _valid_port(parts):
        return url
    raise SettingsError(
        f"MESTRING_DATABASE_URL={url!r} is not understood: use sqlite:///relative/path, "
        "sqlite:////absolute/path or postgresql://user@host:port/database"
    )


def _valid_port(parts: SplitResult) -> bool:
    try:
        return parts.port != 0
    except ValueError:  # not a number, or above 65535
        return False


def parse_smtp_url(url: str) -> SmtpServer:
    """Split ``smtp://user:password@host:port`` into its parts (port 25, or 465 for smtps)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise SettingsError(
            f"MESTRING_SMTP_URL={url!r} is not understood: use smtp://host:port, smtps://host:port or outbox:"
        )
    use_tls = parts.scheme == "smtps"
    try:
        port = parts.port or (465 if use_tls else 25)
    except ValueError as exc:
        raise SettingsError(f"MESTRING_SMTP_URL has an invalid port: {exc}") from exc
    return SmtpServer(
        host=parts.hostname,
        port=port,
        use_tls=use_tls,
        username=unquote(parts.username) if parts.username else None,
        password=unquote(parts.password) if parts.password else None,
    )


def _private_var_dir(home: Path) -> Path:
    """``home/var``, created if needed, with nothing in it that others may read."""
    var_dir = home / "var"
    try:
        private_directory(var_dir)
        make_tree_private(var_dir)
    except OSError as exc:
        raise SettingsError(
            f"cannot use {var_dir} ({exc.filename or var_dir}: {exc.strerror or exc}): "
            "set MESTRING_HOME to a folder this user may write to"
        ) from None
    return var_dir


def _secret_key(var_dir: Path) -> str:
    """Read the key kept in ``var/secret_key``, creating it (mode 0600) on first use.

    ``O_EXCL`` makes the first of several processes starting at once the only writer; the
    others read what it wrote.
    """
    path = var_dir / "secret_key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        try:
            key = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"cannot read the key in {path} ({exc}): delete it to have a new one made") from None
        if len(key) < 32:
            raise SettingsError(f"{path} holds no usable key: delete it to have a new one made") from None
        return key
    key = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(key + "\n")
    return key


def load_settings(environ: Mapping[str, str]) -> Settings:
    """Build settings from an environment mapping, creating ``var/`` and the secret key.

    ``var/`` is made private to this user (see :mod:`survey_app.private_files`), including
    whatever an earlier version left readable in it.

    Raises
    ------
    SettingsError
        When a variable is set to something unusable.
    """
    home = Path(environ.get("MESTRING_HOME") or os.getcwd()).resolve()
    var_dir = _private_var_dir(home)

    database_url = environ.get("MESTRING_DATABASE_URL") or f"sqlite:///var/{SQLITE_FILENAME}"
    database_url = _check_database_url(database_url)

    smtp_url = environ.get("MESTRING_SMTP_URL") or None
    if smtp_url is not None and smtp_url != OUTBOX_URL:
        parse_smtp_url(smtp_url)

    smtp_max_per_minute = _positive_int(environ, "MESTRING_SMTP_MAX_PER_MINUTE")

    base_url = (environ.get("MESTRING_BASE_URL") or DEFAULT_BASE_URL).rstrip("/")
    if urlsplit(base_url).scheme not in ("http", "https"):
        raise SettingsError(f"MESTRING_BASE_URL={base_url!r} must start with http:// or https://")

    secret_key = environ.get("MESTRING_SECRET_KEY") or _secret_key(var_dir)
    if len(secret_key) < 32:
        raise SettingsError("MESTRING_SECRET_KEY must be at least 32 characters long")

    return Settings(
        home=home,
        database_url=database_url,
        smtp_url=smtp_url,
        base_url=base_url,
        secret_key=secret_key,
        mail_from=environ.get("MESTRING_MAIL_FROM") or DEFAULT_MAIL_FROM,
        smtp_max_per_minute=smtp_max_per_minute,
    )


def _positive_int(environ: Mapping[str, str], name: str) -> int | None:
    text = (environ.get(name) or "").strip()
    if not text:
        return None
    if not text.isdigit() or int(text) == 0:
        raise SettingsError(f"{name}={text!r} must be a whole number above 0")
    return int(text)


@functools.cache
def get_settings() -> Settings:
    """The process's settings, read from ``os.environ`` once."""
    return load_settings(os.environ)


def settings_with(**overrides: str) -> Settings:
    """Settings from the environment with some ``MESTRING_*`` variables replaced (CLI flags)."""
    return load_settings({**os.environ, **{k: v for k, v in overrides.items() if v is not None}})
