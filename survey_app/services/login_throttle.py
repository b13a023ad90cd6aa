"""Throttling staff logins without letting anyone lock a colleague out.

Every attempt is counted *before* its password is checked, in one atomic upsert per key, so
parallel guesses cannot slip past a limit: of fifty attempts sent at once, exactly as many as
the limit are checked. Counts live in the database (``login_throttle``), so every web worker
shares them, and they run in fixed windows of ``WINDOW``.

The keys follow OWASP's advice against lockout as a weapon ("device cookies"):

* a browser where someone has logged in to the account before carries a signed *device
  cookie* for it; its attempts are counted for that device and account only, so guesses from
  elsewhere never shut the account's owner out;
* every other client is counted per account and address together (a few tries for a typo),
  per address (password spraying; generous, since an office may share one address), and per
  account (guessing from many addresses).

A refused attempt takes as long to answer as a checked one and is told apart nowhere but in
the audit log.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from survey_app.db.engine import placeholders, raw_query, transactional

WINDOW = dt.timedelta(minutes=15)
# Attempts per window and key kind.
LIMITS = {"pair": 5, "device": 10, "address": 50, "account": 20}

DEVICE_COOKIE = "mestring_device"


def _key_hash(kind: str, *parts: str) -> str:
    return hashlib.sha256("\x1f".join((kind, *parts)).encode("utf-8", "surrogatepass")).hexdigest()


def new_device_cookie(account: str, secret: str) -> str:
    """A device cookie value binding this browser to ``account`` (a normalised e-mail)."""
    nonce = secrets.token_urlsafe(16)
    return f"{nonce}.{_device_signature(account, nonce, secret)}"


def _device_signature(account: str, nonce: str, secret: str) -> str:
    return hmac.new(secret.encode(), f"device\x1f{account}\x1f{nonce}".encode(), hashlib.sha256).hexdigest()[:40]


def trusted_device(cookie: str | None, account: str, secret: str) -> str | None:
    """The device's id when ``cookie`` was issued to this browser for ``account``."""
    if not cookie or cookie.count(".") != 1:
        return None
    nonce, signature = cookie.split(".")
    if hmac.compare_digest(signature, _device_signature(account, nonce, secret)):
        return nonce
    return None


@dataclass(frozen=True)
class Attempt:
    """Who is trying: the account (normalised e-mail, known or not), the client's address, and
    the trusted device id, if any."""

    account: str
    address: str
    device: str | None = None

    def keys(self) -> dict[str, str]:
        """Key hash -> kind, for every count this attempt adds to."""
        if self.device is not None:
            return {_key_hash("device", self.account, self.device): "device"}
        return {
            _key_hash("pair", self.account, self.address): "pair",
            _key_hash("address", self.address): "address",
            _key_hash("account", self.account): "account",
        }


@dataclass(frozen=True)
class Reservation:
    allowed: bool
    # Kinds of key whose limit this very attempt went over (worth one audit entry each, not
    # one per refused attempt).
    newly_closed: tuple[str, ...]


@transactional
async def reserve(attempt: Attempt, now: dt.datetime) -> Reservation:
    """Count ``attempt`` under each of its keys; it may be checked if every count is within
    its limit. One statement, in key order, so concurrent attempts queue on the same rows in
    the same order and each sees its own count."""
    keys = sorted(attempt.keys().items())
    _, params = placeholders("key", [key for key, _ in keys])
    values = ", ".join(f"({{{name}}}, 1, {{now}})" for name in params)
    rows = await raw_query(
        f"""
        INSERT INTO login_throttle (key_hash, attempts, window_started_at) VALUES {values}
        ON CONFLICT (key_hash) DO UPDATE SET
            attempts = CASE WHEN login_throttle.window_started_at <= {{window_start}}
                            THEN 1 ELSE login_throttle.attempts + 1 END,
            window_started_at = CASE WHEN login_throttle.window_started_at <= {{window_start}}
                                     THEN excluded.window_started_at ELSE login_throttle.window_started_at END
        RETURNING key_hash, attempts
        """,
        now=now,
        window_start=now - WINDOW,
        **params,
    )
    kinds = dict(keys)
    excess = {kinds[row["key_hash"]]: row["attempts"] - LIMITS[kinds[row["key_hash"]]] for row in rows}
    return Reservation(
        allowed=all(over <= 0 for over in excess.values()),
        newly_closed=tuple(sorted(kind for kind, over in excess.items() if over == 1)),
    )


@transactional
async def forget(attempt: Attempt, now: dt.datetime) -> None:
    """After a successful login: clear the account's counts and give the address its attempt
    back (a busy office must not run out); drop counts whose window has passed."""
    keys = attempt.keys()
    listed, params = placeholders("key", [key for key, kind in keys.items() if kind != "address"])
    await raw_query(
        f"DELETE FROM login_throttle WHERE key_hash IN ({listed}) OR window_started_at <= {{window_start}}",
        window_start=now - WINDOW,
        **params,
    )
    for key, kind in keys.items():
        if kind == "address":
            await raw_query(
                "UPDATE login_throttle SET attempts = attempts - 1 WHERE key_hash = {key} AND attempts > 0", key=key
            )
