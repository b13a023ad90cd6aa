"""Staff accounts, passwords and login sessions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from survey_app.db.engine import transactional
from survey_app.db.tables import Staff, StaffSession
from survey_app.i18n import N_
from survey_app.services import audit, login_throttle
from survey_app.services.calendar import utcnow
from survey_app.services.errors import Conflict, DomainError, InvalidInput
from survey_app.services.passwords import (
    MIN_PASSWORD_LENGTH,
    dummy_hash,
    hash_password_async,
    needs_rehash,
    verify_password,
    wait_like_a_verification,
)
from survey_app.services.tokens import hash_token, looks_like_token, new_token
from survey_app.services.validation import clean_text, normalise_email

ROLES = ("specialist", "researcher", "admin")
SESSION_LIFETIME = dt.timedelta(hours=12)
# A session unused this long ends: screens left open in an office must not stay logged in.
IDLE_TIMEOUT = dt.timedelta(minutes=30)
SEEN_RESOLUTION = dt.timedelta(minutes=1)


class LoginFailed(DomainError):
    """Wrong e-mail or password, or a locked or inactive account (deliberately not told apart)."""


@dataclass(frozen=True)
class StaffPrincipal:
    id: int
    email: str
    display_name: str
    role: str
    office: str | None
    # Leads ``office``: sees its caseloads and may move job seekers between its specialists.
    office_lead: bool = False

    @property
    def leads_office(self) -> bool:
        return self.role == "specialist" and self.office_lead and bool(self.office)


def _principal(row: dict) -> StaffPrincipal:
    return StaffPrincipal(
        id=row["id"],
        email=row["email"],
        display_name=row["display_name"],
        role=row["role"],
        office=row["office"],
        office_lead=bool(row["office_lead"]),
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
    return await _insert_staff(
        address, name, await hash_password_async(password), role, clean_text(office, 200) or None, actor
    )


@transactional
async def _insert_staff(
    address: str, name: str, password_hash: str, role: str, office: str | None, actor: audit.Actor
) -> StaffPrincipal:
    if await Staff.exists().where(Staff.email == address):
        raise Conflict(N_("A staff account with this e-mail address already exists."))
    row = (
        await Staff.insert(
            Staff(email=address, display_name=name, password_hash=password_hash, role=role, office=office)
        ).returning(*Staff.all_columns())
    )[0]
    await audit.record(actor, "staff.create", "staff", row["id"], {"role": role})
    return _principal(row)


@dataclass(frozen=True)
class LoggedIn:
    principal: StaffPrincipal
    # The device cookie for this browser and account (see ``login_throttle``).
    device_cookie: str


async def authenticate(
    email: str,
    password: str,
    client_address: str,
    device_cookie: str | None,
    secret: str,
    now: dt.datetime | None = None,
) -> LoggedIn:
    """Log in to the account for ``email``, if ``password`` fits and the attempt is within the
    throttle's limits (see :mod:`survey_app.services.login_throttle`).

    Every refusal raises the same :class:`LoginFailed` after about the same time: wrong
    password, unknown address, deactivated account, too many attempts. The audit log tells
    them apart. No database transaction is open while the password is checked.
    """
    now = now or utcnow()
    account = (normalise_email(email) or "").lower()
    attempt = login_throttle.Attempt(
        account=account,
        address=client_address,
        device=login_throttle.trusted_device(device_cookie, account, secret),
    )
    reservation = await login_throttle.reserve(attempt, now)
    row = await Staff.select().where(Staff.email == account).first() if account else None
    subject = ("staff", row["id"]) if row else ("login", "unknown account")
    details = {"address": client_address, "trusted_device": attempt.device is not None}
    if not reservation.allowed:
        for kind in reservation.newly_closed:
            await audit.record(audit.LOGIN, "login.throttled", *subject, {**details, "limit": kind})
        await wait_like_a_verification()
        raise LoginFailed(WRONG_LOGIN)
    fits = await verify_password(row["password_hash"] if row else await dummy_hash(), password)
    if not (fits and row["active"]):
        reason = "inactive account" if fits else "wrong password" if row else "unknown account"
        await audit.record(audit.LOGIN, "login.failed", *subject, {**details, "reason": reason})
        raise LoginFailed(WRONG_LOGIN)
    rehashed = await hash_password_async(password) if needs_rehash(row["password_hash"]) else None
    await _logged_in(row["id"], attempt, rehashed, details, now)
    return LoggedIn(
        principal=_principal(row),
        device_cookie=device_cookie if attempt.device else login_throttle.new_device_cookie(account, secret),
    )


WRONG_LOGIN = N_("Wrong e-mail address or password.")


@transactional
async def _logged_in(
    staff_id: int, attempt: login_throttle.Attempt, rehashed: str | None, details: dict, now: dt.datetime
) -> None:
    changes: dict = {Staff.last_login_at: now}
    if rehashed:
        changes[Staff.password_hash] = rehashed
    await Staff.update(changes).where(Staff.id == staff_id)
    await login_throttle.forget(attempt, now)
    await audit.record(audit.Actor.staff(staff_id), "login.success", "staff", staff_id, details)


async def start_session(staff_id: int, now: dt.datetime | None = None) -> str:
    """A new session token for the cookie (its hash is stored)."""
    now = now or utcnow()
    token, token_hash = new_token()
    await StaffSession.insert(
        StaffSession(
            staff=staff_id, token_hash=token_hash, created_at=now, last_seen_at=now, expires_at=now + SESSION_LIFETIME
        )
    )
    await StaffSession.delete().where(
        (StaffSession.expires_at < now) | (StaffSession.last_seen_at < now - IDLE_TIMEOUT)
    )
    return token


async def resolve_session(token: str, now: dt.datetime | None = None) -> StaffPrincipal | None:
    """The staff member behind a session cookie, or None if it is unknown, expired, idle for
    longer than ``IDLE_TIMEOUT``, or the account is deactivated. Use keeps a session alive;
    its time of use is written at most once a minute."""
    if not looks_like_token(token):
        return None
    now = now or utcnow()
    token_hash = hash_token(token)
    row = (
        await StaffSession.select(
            StaffSession.expires_at,
            StaffSession.last_seen_at,
            *StaffSession.staff.all_columns(exclude=[Staff.password_hash]),
        )
        .where(StaffSession.token_hash == token_hash)
        .output(nested=True)
        .first()
    )
    if row is None or row["expires_at"] <= now or row["last_seen_at"] <= now - IDLE_TIMEOUT:
        return None
    if not row["staff"]["active"]:
        return None
    if row["last_seen_at"] <= now - SEEN_RESOLUTION:
        await StaffSession.update({StaffSession.last_seen_at: now}).where(StaffSession.token_hash == token_hash)
    return _principal(row["staff"])


@transactional
async def end_session(token: str) -> None:
    """Log out: the session is deleted (and the logout audited) if it exists."""
    if not looks_like_token(token):
        return
    rows = await StaffSession.delete().where(StaffSession.token_hash == hash_token(token)).returning(StaffSession.staff)
    for row in rows:
        await audit.record(audit.Actor.staff(row["staff"]), "logout", "staff", row["staff"])


async def staff_by_email(email: str) -> StaffPrincipal | None:
    address = (normalise_email(email) or "").lower()
    row = await Staff.select().where(Staff.email == address).first() if address else None
    return _principal(row) if row else None
