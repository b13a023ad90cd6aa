"""Security headers on every kind of response (pages, JSON, static files, redirects and the
error answers that Litestar produces before any route runs), HSTS only behind HTTPS, and
the favicon that every page load used to ask for in vain."""

from __future__ import annotations

import struct

import httpx

from survey_app.web.security_headers import SecurityHeaders
from tests.helpers import csrf_from, enrol_person, link_for, login, make_staff

EXPECTED = {
    "content-security-policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self';"
        " connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": (
        "accelerometer=(), camera=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), payment=(), usb=()"
    ),
}
HSTS = "strict-transport-security"


def _missing(response: httpx.Response) -> dict[str, str | None]:
    return {name: response.headers.get(name) for name, value in EXPECTED.items() if response.headers.get(name) != value}


async def _every_kind_of_response(client: httpx.AsyncClient) -> dict[str, tuple[int, httpx.Response]]:
    """One response of each kind, with the status it must have (so that each really is that kind)."""
    specialist = await make_staff("spes@example.no")
    enrolled = await enrol_person(specialist, "Ola Nordmann", "ola@example.no")
    token = await link_for(enrolled.participant_id)
    get, post = client.get, client.post
    answers = {
        "login page": (200, await get("/login")),
        "job seeker's form": (200, await get(f"/a/{token}/page/measures")),
        "job seeker's unknown link": (404, await get("/a/" + "A" * 43)),
        "redirect to the login": (302, await get("/caseload", follow_redirects=False)),
        "stylesheet": (200, await get("/static/app.css")),
        "script": (200, await get("/static/form.js")),
        "favicon": (200, await get("/favicon.ico")),
        "health check": (200, await get("/healthz")),
        "unknown page": (404, await get("/no/such/page")),
        "unknown static file": (404, await get("/static/nothing.css")),
        "method not allowed": (405, await post("/healthz")),
        "CSRF refusal": (403, await post("/login", data={"email": "x@example.no", "password": "x"})),
        "API without login": (401, await get("/api/v1/caseload")),
        "API description without login": (401, await get("/schema/openapi.json")),
    }
    await login(client, "spes@example.no")
    caseload = await get("/caseload")
    answers |= {
        "staff page": (200, caseload),
        "API": (200, await get("/api/v1/caseload")),
        "API, wrong role": (403, await get("/api/v1/research/response")),
        "API, unknown study ID": (404, await get("/api/v1/caseload/ZZZZ-ZZZZ")),
        "API description": (200, await get("/schema/openapi.json")),
        "API documentation page": (200, await get("/schema")),
        "form posted, redirect": (
            303,
            await post("/logout", data={"_csrf_token": csrf_from(caseload.text)}, follow_redirects=False),
        ),
    }
    return answers


async def test_every_kind_of_response_carries_the_security_headers(client):
    answers = await _every_kind_of_response(client)
    assert {name: response.status_code for name, (_, response) in answers.items()} == {
        name: status for name, (status, _) in answers.items()
    }
    assert {name: _missing(response) for name, (_, response) in answers.items() if _missing(response)} == {}
    # Plain http (as in development): no HSTS, which would pin a browser to https that is not there.
    assert [name for name, (_, response) in answers.items() if HSTS in response.headers] == []


async def test_hsts_only_when_the_site_is_served_over_https(db, tmp_path):
    from survey_app.web.app import create_app
    from tests.conftest import make_settings

    settings = make_settings(tmp_path, db.settings.database_url, MESTRING_BASE_URL="https://mestring.example.no")
    transport = httpx.ASGITransport(app=create_app(settings))
    async with httpx.AsyncClient(transport=transport, base_url="https://testserver.local") as https_client:
        for path in ("/login", "/no/such/page", "/static/app.css", "/api/v1/caseload"):
            response = await https_client.get(path)
            assert response.headers.get(HSTS) == "max-age=31536000; includeSubDomains", path
            assert _missing(response) == {}, path


async def test_a_header_the_handler_set_itself_is_kept():
    message = {"type": "http.response.start", "status": 200, "headers": [(b"x-frame-options", b"SAMEORIGIN")]}
    await SecurityHeaders(https=False)(message, {})
    names = [name for name, _ in message["headers"]]
    assert names.count(b"x-frame-options") == 1 and dict(message["headers"])[b"x-frame-options"] == b"SAMEORIGIN"
    assert b"content-security-policy" in names


async def test_the_favicon_is_a_real_icon_and_every_page_links_it(client):
    response = await client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("image/")
    reserved, kind, count = struct.unpack_from("<HHH", response.content)
    assert (reserved, kind) == (0, 1) and count >= 1
    sizes = set()
    for index in range(count):
        width, height, _, _, _, bits, size, offset = struct.unpack_from("<BBBBHHII", response.content, 6 + 16 * index)
        assert bits == 32 and offset + size <= len(response.content)
        sizes.add((width, height))
    assert (32, 32) in sizes

    svg = await client.get("/static/favicon.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    page = await client.get("/login")
    assert '<link rel="icon" href="/favicon.ico"' in page.text and 'href="/static/favicon.svg"' in page.text
