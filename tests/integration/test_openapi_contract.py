"""The JSON API answers as its OpenAPI document says, for every kind of caller: schemathesis
generates requests from the document (its examples, coverage and fuzzing phases) and checks
each answer: status code and content type documented, body valid against the schema, no 5xx,
405 with ``Allow`` for a method the document does not list.

Bounded and deterministic: a fixed seed, derandomized generation, few examples and no example
database. The app runs in-process, on the test's event loop (see :class:`InProcess`).
"""

from __future__ import annotations

import asyncio
import io
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import requests
import schemathesis
import urllib3
from hypothesis import HealthCheck, settings
from litestar import Litestar
from litestar.serialization import encode_json
from schemathesis.config import SchemathesisConfig

from survey_app.services import answering
from survey_app.web.app import create_app
from survey_app.web.auth import SESSION_COOKIE
from tests.conftest import make_settings
from tests.helpers import enrol_person, link_for, login, make_staff

BASE_URL = "http://testserver.local"
EMAILS = {"specialist": "spes@example.no", "researcher": "forsker@example.no", "admin": "admin@example.no"}
CALLERS = ["anonymous", "forged session", *EMAILS]
CASELOAD, PARTICIPANT, RESPONSE = "/api/v1/caseload", "/api/v1/caseload/{study_id}", "/api/v1/research/response"
# What each caller may get from a GET of each API path. Routing comes before the login check,
# so a generated study ID that is not one path segment gets 404 from anyone.
EXPORT, ANALYSIS = "/api/v1/research/export", "/api/v1/research/analysis"
# A generated group a is mostly a programme nobody is in: 404 says so.
_RESEARCH = {RESPONSE: {200}, EXPORT: {200}, ANALYSIS: {200, 404}}
OUTCOMES = {
    "anonymous": {CASELOAD: {401}, PARTICIPANT: {401, 404}, RESPONSE: {401}, EXPORT: {401}, ANALYSIS: {401}},
    "forged session": {CASELOAD: {401}, PARTICIPANT: {401, 404}, RESPONSE: {401}, EXPORT: {401}, ANALYSIS: {401}},
    "specialist": {CASELOAD: {200}, PARTICIPANT: {200, 404}, RESPONSE: {403}, EXPORT: {403}, ANALYSIS: {403}},
    "researcher": {CASELOAD: {403}, PARTICIPANT: {403, 404}, **_RESEARCH},
    "admin": {CASELOAD: {403}, PARTICIPANT: {403, 404}, **_RESEARCH},
}
CONFIG = {
    "seed": 20261123,
    "base-url": BASE_URL,
    "generation": {
        "max-examples": 8,
        "deterministic": True,
        "database": "none",
        # The caller's own session cookie is sent instead (see `api`).
        "with-security-parameters": False,
    },
    "phases": {"stateful": {"enabled": False}},
    # Its probes go out on a new HTTP session, which cannot reach an in-process app; the
    # "anonymous" and "forged session" callers check the same thing.
    "checks": {"ignored_auth": {"enabled": False}},
}


def _document() -> dict:
    """The app's OpenAPI document; building the app needs settings, not a database."""
    with tempfile.TemporaryDirectory() as home:
        app = create_app(make_settings(Path(home), f"sqlite:///{home}/unused.sqlite3"))
        return json.loads(encode_json(app.openapi_schema.to_schema()))


schema = schemathesis.openapi.from_dict(_document(), config=SchemathesisConfig.from_dict(CONFIG))


class InProcess(requests.adapters.HTTPAdapter):
    """Hands schemathesis' requests to the app through httpx's ASGI transport on ``loop``.

    Schemathesis' own ASGI client runs the app on an event loop of its own, where the
    PostgreSQL pool that the ``db`` fixture opened on the test's loop cannot be used.
    """

    def __init__(self, app: Litestar, loop: asyncio.AbstractEventLoop) -> None:
        super().__init__()
        self.app = app
        self.loop = loop

    def send(self, request: requests.PreparedRequest, *args, **kwargs) -> requests.Response:
        answer = self.loop.run_until_complete(send_in_process(self.app, request))
        raw = urllib3.HTTPResponse(
            body=io.BytesIO(answer.content),
            headers=answer.headers.multi_items(),
            status=answer.status_code,
            reason=answer.reason_phrase,
            version=11,
            preload_content=False,
        )
        return self.build_response(request, raw)


async def send_in_process(app: Litestar, request: requests.PreparedRequest) -> httpx.Response:
    # A fresh client each time: only the cookies of the request may count.
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as client:
        return await client.request(request.method, request.url, headers=dict(request.headers), content=request.body)


@dataclass
class Api:
    caller: str
    app: Litestar
    session: requests.Session
    cookies: dict[str, str]
    study_ids: dict[str, str]


async def _caseload(specialist_email: str, with_foreign: bool) -> dict[str, str]:
    """Two job seekers of one specialist (one has answered T1), and maybe another's one."""
    specialist = await make_staff(specialist_email)
    answered = await enrol_person(specialist, "Svart Ferdig", "svart@example.no")
    token = await link_for(answered.participant_id)
    await answering.save_page(token, "measures", {"was": ["3"], "rtwse_1": ["4"], "rtwexp": ["9"]}, "nb")
    await answering.submit(token, "nb")
    fresh = await enrol_person(specialist, "Ny Person", None, contact_mode="paper", programme="kvp")
    study_ids = {"own, answered": answered.study_id, "own, new": fresh.study_id}
    if with_foreign:
        other = await make_staff("other@example.no")
        study_ids["another's"] = (await enrol_person(other, "Fremmed Person", "fremmed@example.no")).study_id
    return study_ids


@pytest.fixture(params=CALLERS)
async def api(request, db) -> Api:
    """The app and one caller: logged in with a role (with a small caseload to look at), or not."""
    app = create_app(db.settings)
    caller = request.param
    # Accounts are slow to make (argon2), and without a session nothing is read: no data then.
    cookies, study_ids = {}, {}
    if caller == "forged session":
        cookies = {SESSION_COOKIE: "A" * 43}
    elif caller in EMAILS:
        if caller == "specialist":
            study_ids = await _caseload(EMAILS[caller], with_foreign=True)
        else:
            study_ids = await _caseload("colleague@example.no", with_foreign=False)
            await make_staff(EMAILS[caller], caller)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            assert (await login(http, EMAILS[caller])).status_code == 303
            cookies = {SESSION_COOKIE: http.cookies[SESSION_COOKIE]}

    session = requests.Session()
    session.mount(BASE_URL, InProcess(app, asyncio.get_running_loop()))
    return Api(caller, app, session, cookies, study_ids)


def _is_positive(case) -> bool:
    return case.meta is None or case.meta.generation.mode.is_positive


@schema.include(path_regex="^/api/").parametrize()
# The API only reads, so what `api` sets up once serves every generated request.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_answers_as_documented(case, api):
    response = case.call_and_validate(session=api.session, cookies=api.cookies)
    # Besides conforming: each caller gets what their role allows, no more.
    if _is_positive(case) and case.method == "GET":
        assert response.status_code in OUTCOMES[api.caller][case.operation.path], case.formatted_path


@schema.include(path="/healthz").parametrize()
@pytest.mark.parametrize("api", ["anonymous"], indirect=True)
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_health_check_answers_as_documented(case, api):
    case.call_and_validate(session=api.session)


@pytest.mark.parametrize("api", list(EMAILS), indirect=True)
async def test_job_seekers_that_exist_answer_as_documented(api):
    """Generated study IDs meet nobody: ask for the caller's own job seekers and another's."""
    operation = schema[PARTICIPANT]["GET"]
    expected = {"own, answered": 200, "own, new": 200, "another's": 404} if api.caller == "specialist" else {}
    for name, study_id in api.study_ids.items():
        case = operation.Case(path_parameters={"study_id": study_id}, cookies=api.cookies)
        request = requests.Request(**case.as_transport_kwargs(base_url=BASE_URL)).prepare()
        response = await send_in_process(api.app, request)
        assert response.status_code == expected.get(name, 403), name
        case.validate_response(response)
