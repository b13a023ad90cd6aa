"""Staff login: throttling that parallel guesses cannot outrun and that nobody can turn against
a colleague, equal answer times, argon2 off the event loop, audit entries, idle sessions."""

from __future__ import annotations

import asyncio
import datetime as dt
import statistics
import threading
import time

import argon2
import httpx
import pytest

from survey_app.db.tables import AuditEvent, StaffSession
from survey_app.services import login_throttle, staff
from survey_app.services.calendar import utcnow
from tests.helpers import PASSWORD, csrf_from, login, make_staff

SECRET = "test-secret-key-" + "x" * 32


@pytest.fixture
def verifications(monkeypatch):
    """Every argon2 verification, with the thread it ran on (the passwords actually checked)."""
    calls: list[int] = []
    original = argon2.PasswordHasher.verify

    def counting(self, password_hash, password):
        calls.append(threading.get_ident())
        return original(self, password_hash, password)

    monkeypatch.setattr(argon2.PasswordHasher, "verify", counting)
    return calls


def _client(db, address: str) -> httpx.AsyncClient:
    from survey_app.web.app import create_app

    transport = httpx.ASGITransport(app=create_app(db.settings), client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver.local")


async def _actions(action: str) -> list[dict]:
    return await AuditEvent.select().where(AuditEvent.action == action)


async def _try(email: str, password: str, address: str, device: str | None = None):
    return await staff.authenticate(email, password, client_address=address, device_cookie=device, secret=SECRET)


async def test_cookie_flags_and_an_audited_login_and_logout(client):
    account = await make_staff("spes@example.no")
    response = await login(client, "spes@example.no")
    cookies = response.headers.get_list("set-cookie")
    session = next(h for h in cookies if h.startswith("mestring_session="))
    assert "HttpOnly" in session and "samesite=lax" in session.lower() and "Secure" not in session
    device = next(h for h in cookies if h.startswith(f"{login_throttle.DEVICE_COOKIE}="))
    assert "HttpOnly" in device and "Path=/login" in device
    assert await StaffSession.count() == 1
    page = await client.get("/caseload")
    await client.post("/logout", data={"_csrf_token": csrf_from(page.text)})
    assert await StaffSession.count() == 0
    assert (await client.get("/caseload", follow_redirects=False)).status_code in (302, 303)
    assert [(e["action"], e["actor_staff"]) for e in await AuditEvent.select().order_by(AuditEvent.id)] == [
        ("staff.create", None),
        ("login.success", account.id),
        ("logout", account.id),
    ]


async def test_a_failed_login_redirects_to_the_form_with_the_address_kept(client):
    await make_staff("spes@example.no")
    failed = await login(client, "spes@example.no", "wrong password!")
    assert failed.status_code == 303 and failed.headers["location"] == "/login"
    again = await client.get("/login")
    assert "Feil e-postadresse eller passord" in again.text and 'value="spes@example.no"' in again.text
    # Shown once: reloading the page does not bring the error back, nor resend anything.
    assert "Feil e-postadresse" not in (await client.get("/login")).text


async def test_fifty_parallel_guesses_check_only_as_many_passwords_as_the_limit(db, verifications):
    await make_staff("spes@example.no")
    async with _client(db, "203.0.113.7") as attacker:
        token = csrf_from((await attacker.get("/login")).text)
        attempts = [
            attacker.post("/login", data={"email": "spes@example.no", "password": f"guess {n}", "_csrf_token": token})
            for n in range(50)
        ]
        responses = await asyncio.gather(*attempts)
        assert {r.status_code for r in responses} == {303}
        assert all(r.headers["location"] == "/login" for r in responses)
        # Even the right password is refused from this address now.
        right = await attacker.post(
            "/login", data={"email": "spes@example.no", "password": PASSWORD, "_csrf_token": token}
        )
        assert right.headers["location"] == "/login"
    assert len(verifications) == login_throttle.LIMITS["pair"]
    assert len(await _actions("login.failed")) == login_throttle.LIMITS["pair"]
    # One entry per limit reached (this address and account, the account, the address), not
    # one per refused attempt.
    throttled = [e["details_json"] for e in await _actions("login.throttled")]
    assert sorted(d.split('"limit": "')[1].split('"')[0] for d in throttled) == ["account", "address", "pair"]


async def test_nobody_can_lock_the_owner_out_of_a_browser_they_used_before(db):
    await make_staff("spes@example.no")
    owner = await _try("spes@example.no", PASSWORD, "10.1.1.1")
    # Guesses from many addresses, one each: the account is closed to unknown browsers...
    for n in range(login_throttle.LIMITS["account"] + 3):
        with pytest.raises(staff.LoginFailed):
            await _try("spes@example.no", f"guess {n}", f"198.51.100.{n}")
    with pytest.raises(staff.LoginFailed):
        await _try("spes@example.no", PASSWORD, "10.9.9.9")
    # ...but the owner's own browser, with its device cookie, still gets in.
    again = await _try("spes@example.no", PASSWORD, "10.9.9.9", owner.device_cookie)
    assert again.principal.email == "spes@example.no"
    # A device cookie is bound to its account: it opens no other.
    await make_staff("other@example.no")
    assert login_throttle.trusted_device(owner.device_cookie, "other@example.no", SECRET) is None


async def test_a_typo_streak_from_one_address_does_not_close_the_account_elsewhere(db):
    await make_staff("spes@example.no")
    for n in range(login_throttle.LIMITS["pair"] + 2):
        with pytest.raises(staff.LoginFailed):
            await _try("spes@example.no", f"typo {n}", "10.0.0.1")
    with pytest.raises(staff.LoginFailed):
        await _try("spes@example.no", PASSWORD, "10.0.0.1")
    assert (await _try("spes@example.no", PASSWORD, "10.0.0.2")).principal.email == "spes@example.no"
    # The window passes: the first address may try again.
    later = utcnow() + login_throttle.WINDOW + dt.timedelta(seconds=1)
    result = await staff.authenticate(
        "spes@example.no", PASSWORD, client_address="10.0.0.1", device_cookie=None, secret=SECRET, now=later
    )
    assert result.principal.email == "spes@example.no"


async def test_refused_attempts_take_as_long_as_checked_ones(db):
    """A throttled attempt used to answer in 6 ms against 200 ms: the lock was visible."""
    await make_staff("spes@example.no")

    async def timed(email: str, address: str) -> float:
        started = time.perf_counter()
        with pytest.raises(staff.LoginFailed):
            await _try(email, "wrong password!", address)
        return time.perf_counter() - started

    checked = [await timed("spes@example.no", "10.0.0.3") for _ in range(login_throttle.LIMITS["pair"])]
    refused = [await timed("spes@example.no", "10.0.0.3") for _ in range(5)]
    unknown = [await timed("nobody@example.no", "10.0.0.4") for _ in range(3)]
    # The refused wait is the running mean of checked ones: close to their median, not a
    # fraction of it (a margin for a busy machine only).
    assert statistics.median(refused) > 0.75 * statistics.median(checked), (checked, refused)
    assert statistics.median(unknown) > 0.75 * statistics.median(checked), (checked, unknown)


async def test_unknown_and_deactivated_accounts_fail_alike_and_are_audited(db, verifications):
    from survey_app.db.tables import Staff

    await make_staff("gone@example.no")
    await Staff.update({Staff.active: False}).where(Staff.email == "gone@example.no")
    for email, password in (("nobody@example.no", PASSWORD), ("gone@example.no", PASSWORD)):
        with pytest.raises(staff.LoginFailed) as refused:
            await _try(email, password, "10.0.0.5")
        assert refused.value.message == staff.WRONG_LOGIN
    # Both cost a real verification, so neither answers faster.
    assert len(verifications) == 2
    reasons = sorted(e["details_json"] for e in await _actions("login.failed"))
    assert '"reason": "inactive account"' in reasons[0] and '"reason": "unknown account"' in reasons[1]


async def test_passwords_are_checked_off_the_event_loop(db, verifications):
    await make_staff("spes@example.no")
    await _try("spes@example.no", PASSWORD, "10.0.0.6")
    assert verifications and threading.get_ident() not in verifications


async def test_an_idle_session_ends_and_use_keeps_it_alive(db):
    account = await make_staff("spes@example.no")
    start = utcnow()
    token = await staff.start_session(account.id, start)
    assert await staff.resolve_session(token, start + dt.timedelta(minutes=20)) is not None
    # In use 20 minutes in, so still alive 45 minutes in...
    assert await staff.resolve_session(token, start + dt.timedelta(minutes=45)) is not None
    # ...but not after half an hour without use.
    assert await staff.resolve_session(token, start + dt.timedelta(minutes=45) + staff.IDLE_TIMEOUT) is None
    fresh = await staff.start_session(account.id, start)
    assert await staff.resolve_session(fresh, start + staff.IDLE_TIMEOUT + dt.timedelta(seconds=1)) is None
