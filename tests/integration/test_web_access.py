"""Who may see what: roles on every staff route, caseloads kept apart, CSRF on every form."""

from __future__ import annotations

import datetime as dt

import pytest

from survey_app.db.tables import Participant
from survey_app.web.auth import PUBLIC_OPT
from tests.helpers import PASSWORD, csrf_from, enrol_person, login, make_staff


def _handlers(app):
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if set(handler.http_methods) != {"OPTIONS"}:  # Litestar's automatic CORS preflight
                yield route.path, handler


async def test_every_route_is_either_public_or_guarded_by_roles(db):
    from survey_app.web.app import create_app

    unguarded = []
    guarded = 0
    for path, handler in _handlers(create_app(db.settings)):
        public = handler.opt.get(PUBLIC_OPT, False)
        # Litestar wraps guards in AsyncCallable; the role list sits on the wrapped function.
        roles = [getattr(getattr(guard, "func", guard), "allowed_roles", None) for guard in handler.resolve_guards()]
        if roles and all(roles):
            guarded += 1
        elif not public:
            unguarded.append(path)
    assert unguarded == []
    assert guarded >= 12


# (The outbox exists only with MESTRING_SMTP_URL=outbox: or in the demo: see test_outbox.py.)
STAFF_PAGES = ["/caseload", "/enrol", "/paper", "/research", "/admin", "/admin/study"]


async def test_anonymous_visitors_are_sent_to_login_and_the_api_says_401(client):
    for path in [*STAFF_PAGES, "/caseload/ABCD-EFGH"]:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303), path
        assert response.headers["location"].startswith("/login?next=")
    for path in ["/api/v1/caseload", "/api/v1/caseload/ABCD-EFGH", "/api/v1/research/response"]:
        response = await client.get(path)
        assert response.status_code == 401 and response.json()["status_code"] == 401


@pytest.mark.parametrize(
    "role, allowed",
    [
        ("specialist", {"/caseload", "/enrol", "/paper"}),
        ("researcher", {"/research"}),
        ("admin", {"/paper", "/research", "/admin", "/admin/study"}),
    ],
)
async def test_roles_open_only_their_pages(client, role, allowed):
    await make_staff(f"{role}@example.no", role)
    assert (await login(client, f"{role}@example.no")).status_code == 303
    for path in STAFF_PAGES:
        response = await client.get(path)
        assert response.status_code == (200 if path in allowed else 403), (role, path)


async def test_a_specialist_sees_only_their_own_job_seekers(client):
    mine = await make_staff("mine@example.no")
    other = await make_staff("other@example.no")
    own = await enrol_person(mine, "Mette Min", "mette@example.no")
    foreign = await enrol_person(other, "Frank Fremmed", "frank@example.no")
    await login(client, "mine@example.no")

    page = await client.get("/caseload")
    assert "Mette Min" in page.text and "Frank Fremmed" not in page.text
    assert (await client.get(f"/caseload/{own.study_id}")).status_code == 200
    not_mine = await client.get(f"/caseload/{foreign.study_id}")
    nobody = await client.get("/caseload/ZZZZ-ZZZZ")
    assert not_mine.status_code == nobody.status_code == 404
    assert "Frank" not in not_mine.text

    api = await client.get("/api/v1/caseload")
    assert [entry["name"] for entry in api.json()] == ["Mette Min"]
    assert [(w["label"], w["state"]) for w in api.json()[0]["waves"]] == [
        ("T1", "open"),
        ("T2", "not_yet_open"),
        ("T3", "not_yet_open"),
        ("T4", "not_yet_open"),
    ]
    detail = (await client.get(f"/api/v1/caseload/{own.study_id}")).json()
    assert detail["email"] == "mette@example.no" and detail["answers"]["T1"] == {}
    assert (await client.get(f"/api/v1/caseload/{foreign.study_id}")).status_code == 404

    # Withdrawing someone else's job seeker is refused and changes nothing.
    token = csrf_from(page.text)
    response = await client.post(f"/caseload/{foreign.study_id}/withdraw", data={"_csrf_token": token})
    assert response.status_code == 404
    assert (await Participant.select(Participant.status).where(Participant.study_id == foreign.study_id).first())[
        "status"
    ] == "active"


async def test_researchers_see_no_names_or_email_addresses(client):
    specialist = await make_staff("spes@example.no")
    await enrol_person(specialist, "Hemmelig Navnesen", "hemmelig@example.no", programme="kvp")
    await make_staff("forsker@example.no", "researcher")
    await login(client, "forsker@example.no")
    page = await client.get("/research")
    api = await client.get("/api/v1/research/response")
    assert page.status_code == api.status_code == 200
    for body in (page.text, api.text):
        assert "Hemmelig" not in body and "hemmelig@example.no" not in body
    cells = {(c["programme"], c["wave"]): c for c in api.json()}
    assert cells[("kvp", "T1")]["counts"] == {"open": 1} and cells[("kvp", "T1")]["due"] == 1
    assert cells[("all", "T2")]["counts"] == {"not_yet_open": 1}
    assert (await client.get("/api/v1/caseload")).status_code == 403


async def test_forms_without_or_with_a_forged_csrf_token_are_refused(client):
    await make_staff("spes@example.no")
    await login(client, "spes@example.no")
    form = await client.get("/enrol")
    valid = csrf_from(form.text)
    data = {
        "name": "Csrf Test",
        "email": "csrf@example.no",
        "language": "nb",
        "programme": "kvp",
        "contact_mode": "email",
        "consent_date": dt.date.today().isoformat(),
        "consent_version": "1",
    }
    missing = await client.post("/enrol", data=data)
    forged = await client.post("/enrol", data={**data, "_csrf_token": valid[:-4] + "AAAA"})
    assert missing.status_code == forged.status_code == 403
    assert await Participant.count() == 0
    accepted = await client.post("/enrol", data={**data, "_csrf_token": valid}, follow_redirects=False)
    assert accepted.status_code == 303 and await Participant.count() == 1


async def test_secure_cookies_behind_https(db, tmp_path):
    import httpx

    from survey_app.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, db.settings.database_url, MESTRING_BASE_URL="https://mestring.example.no")
    await make_staff("spes@example.no")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver.local") as https_client:
        response = await login(https_client, "spes@example.no")
        cookie = next(h for h in response.headers.get_list("set-cookie") if h.startswith("mestring_session="))
        assert "Secure" in cookie


async def test_open_redirects_are_not_followed_after_login(client):
    await make_staff("spes@example.no")
    page = await client.get("/login?next=//evil.example/x")
    assert "evil.example" not in page.text
    response = await client.post(
        "/login",
        data={
            "email": "spes@example.no",
            "password": PASSWORD,
            "next": "https://evil.example",
            "_csrf_token": csrf_from(page.text),
        },
        follow_redirects=False,
    )
    assert response.headers["location"] == "/caseload"


API_PATHS = {
    "/api/v1/caseload",
    "/api/v1/caseload/{study_id}",
    "/api/v1/research/response",
    "/api/v1/research/export",
    "/api/v1/research/analysis",
}


async def test_the_api_description_is_for_logged_in_staff_only(client):
    for path in ["/schema", "/schema/swagger", "/schema/redoc"]:
        response = await client.get(path, follow_redirects=False)
        assert response.status_code in (302, 303), path
        assert response.headers["location"] == f"/login?next={path}"
    document = await client.get("/schema/openapi.json")
    assert document.status_code == 401 and document.json()["status_code"] == 401

    for role in ("specialist", "researcher", "admin"):
        await make_staff(f"{role}@example.no", role)
        await login(client, f"{role}@example.no")
        document = await client.get("/schema/openapi.json")
        assert document.status_code == 200, role
        # Only the JSON API and the health check: pages are not part of the contract.
        assert set(document.json()["paths"]) == API_PATHS | {"/healthz"}
        page = await client.get("/schema")
        assert page.status_code == 200, role
        assert "<code>GET /api/v1/caseload/{study_id}</code>" in page.text
        assert "No job seeker with this study ID in the caller&#39;s caseload." in page.text
        # Served from the package alone: no script at all, nothing from another host.
        assert "<script" not in page.text and "https://" not in page.text
        # Litestar's viewers (which load scripts from a CDN) are gone.
        assert (await client.get("/schema/swagger")).status_code == 404


async def test_the_health_check_and_the_icon_set_no_cookies(client):
    """Monitors poll /healthz all day: it must not hand out a CSRF cookie each time."""
    for path in ("/healthz", "/favicon.ico"):
        response = await client.get(path)
        assert response.status_code == 200 and "set-cookie" not in response.headers, path
    assert "set-cookie" in (await client.get("/login")).headers  # forms do get one


async def test_api_answers_and_the_api_document_are_never_stored(client):
    """Names, addresses and answers: no browser cache or proxy may keep a copy."""
    await make_staff("spes@example.no")
    await login(client, "spes@example.no")
    for path in ("/api/v1/caseload", "/schema/openapi.json"):
        response = await client.get(path)
        assert response.status_code == 200 and "no-store" in response.headers.get("cache-control", ""), path
