"""Staff accounts, passwords and login sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.db.engine import write_transaction
from survey_app.db.tables import Staff, StaffSession
from survey_app.i18n import N_
from survey_app.services import audit
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, DomainError, InvalidInput
from survey_app.services.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_hash,
    hash_password,
    needs_rehash,
    verify_password,
)
from survey_app.services.tokens import hash_token, looks_like_token, new_token
from survey_app.services.validation import clean_text, normalise_email

ROLES = ("specialist", "researcher", "admin")
SESSION_LIFETIME = dt.timedelta(hours=12)
MAX_FAILED_LOGINS = 5
LOCKOUT = dt.timedelta(minutes=15)


class LoginFailed(DomainError):
    """Wrong e-mail or password, or a locked or inactive account (deliberately not told apart)."""


@dataclass(frozen=True)
class StaffPrincipal:
    id: int
    email: str
    display_name: str
    role: str
    office: str | None


def _principal(row: dict) -> StaffPrincipal:
    return StaffPrincipal(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        office=row["office"],
    )


async def create_staff(
    email: str,
    password: str,
    role: str,
    *,
    display_name: str | None = None,
    office: str | None = None,
    actor: audit.Actor = audit.COMMAND_LINE,
) -> StaffPrincipal:
    """Create a staff account.

    Raises
    ------
    InvalidInput
        Bad e-mail, unknown role or a password shorter than ``MIN_PASSWORD_LENGTH``.
    Conflict
        An account with this e-mail exists.
    """
    errors = {}
    address = normalise_email(email)
    if address is None:
        errors["email"] = N_("Enter a valid e-mail address.")
    if role not in ROLES:
        errors["role"] = N_("Choose a role: specialist, researcher or admin.")
    if len(password) < MIN_PASSWORD_LENGTH:
        errors["password"] = N_("The password must be at least 10 characters long.")
    if errors:
        raise InvalidInput(errors)
    assert address is not None
    address = address.lower()
    name = clean_text(display_name, 200) or address.split("@")[0]
    async with write_transaction():
        if await Staff.exists().where(Staff.email == address):
            raise Conflict(N_("A staff account with this e-mail address already exists."))
        row = (
            await Staff.insert(
                Staff(
                    email=address,
                    display_name=name,
                    password_hash=hash_password(password),
                    role=role,
                    office=clean_text(office, 200) or None,
                )
            ).returning(*Staff.all_columns())
        )[0]
        await audit.record(actor, "staff.create", "staff", row["id"], {"role": role})
    return _principal(row)


async def authenticate(email: str, password: str, now: dt.datetime | None = None) -> StaffPrincipal:
    """The account for ``email`` if ``password`` fits; counts failures and locks after five."""
    now = now or utcnow()
    address = (normalise_email(email) or "").lower()
    row = await Staff.select().where(Staff.email == address).first() if address else None
    if row is None:
        verify_password(dummy_hash(), password)
        raise LoginFailed(N_("Wrong e-mail address or password."))
    locked = row["locked_until"] is not None and row["locked_until"] > now
    if not row["active"] or locked or not verify_password(row["password_hash"], password):
        if row["active"] and not locked:
            failures = row["failed_logins"] + 1
            await Staff.update(
                {
                    Staff.failed_logins: 0 if failures >= MAX_FAILED_LOGINS else failures,
                    Staff.locked_until: now + LOCKOUT if failures >= MAX_FAILED_LOGINS else None,
                }
            ).where(Staff.id == row["id"])
        raise LoginFailed(N_("Wrong e-mail address or password."))
    changes = {Staff.failed_logins: 0, Staff.locked_until: None, Staff.last_login_at: now}
    if needs_rehash(row["password_hash"]):
        changes[Staff.password_hash] = hash_password(password)
    await Staff.update(changes).where(Staff.id == row["id"])
    return _principal(row)


async def start_session(staff_id: int, now: dt.datetime | None = None) -> str:
    """A new session token for the cookie (its hash is stored)."""
    now = now or utcnow()
    token, token_hash = new_token()
    await StaffSession.insert(
        StaffSession(staff=staff_id, token_hash=token_hash, created_at=now, expires_at=now + SESSION_LIFETIME)
    )
    await StaffSession.delete().where(StaffSession.expires_at < now)
    return token


async def resolve_session(token: str, now: dt.datetime | None = None) -> StaffPrincipal | None:
    """The staff member behind a session cookie, or None if it is unknown, expired or disabled."""
    if not looks_like_token(token):
        return None
    now = now or utcnow()
    row = (
        await StaffSession.select(
            StaffSession.expires_at,
            *StaffSession.staff.all_columns(exclude=[Staff.password_hash]),
        )
        .where(StaffSession.token_hash == hash_token(token))
        .output(nested=True)
        .first()
    )
    if row is None or row["expires_at"] <= now or not row["staff"]["active"]:
        return None
    return _principal(row["staff"])


async def end_session(token: str) -> None:
    if looks_like_token(token):
        await StaffSession.delete().where(StaffSession.token_hash == hash_token(token))


async def staff_by_email(email: str) -> StaffPrincipal | None:
    address = (normalise_email(email) or "").lower()
    row = await Staff.select().where(Staff.email == address).first() if address else None
    return _principal(row) if row else None
