"""Throughput of the job seeker's form next to a bare Litestar route, in one run.

For each database (SQLite, PostgreSQL) the script migrates a fresh database, enrols job
seekers with a personal link each, and then times, with the same HTTP client and concurrency:

* ``bare_insert``: a bare Litestar route that inserts one row (Piccolo, same database);
* ``page_save``:   POST of the first form page (five answers: validate, store, start the wave);
* ``submit``:      POST of the final submission (scores, skipped rows, audit entry).

Two ways in, each reported on its own line:

* ``via asgi``: httpx's ASGI transport, no sockets: the apps' own work, compared bare;
* ``via http``: both apps behind uvicorn in another process, requests over loopback TCP, as a
  browser's requests arrive.

The job seekers are split into a warm-up round and five counted rounds; each round runs all
three legs (alternating which goes first) and the median rate per leg is reported. Only ratios
within one run are meant to be compared; absolute rates depend on the machine. Prints one JSON
document on stdout; progress goes to stderr.

    python bench/answer_form.py [--backend sqlite|postgresql|both] [--via asgi|http|both]
                                [--n 600] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, get, post

from survey_app.db.engine import activate, build_engine, close_pool, open_pool, write_transaction
from survey_app.db.migrate import migrate
from survey_app.db.tables import AuditEvent, LinkToken, Wave
from survey_app.mail.outbox import free_port
from survey_app.services import audit
from survey_app.services.enrolment import EnrolmentInput, insert_enrolment
from survey_app.services.staff import create_staff
from survey_app.services.studies import ensure_default_study
from survey_app.services.tokens import new_token
from survey_app.settings import Settings, load_settings
from survey_app.web.app import create_app

POSTGRES_ADMIN_URL = os.environ.get("MESTRING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROUNDS = 5
MEASURES = {"was": "7", "rtwse_1": "6", "rtwse_2": "7", "rtwse_3": "8", "rtwexp": "4"}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@get("/healthz", media_type="text/plain")
async def health() -> str:
    return "ok"


@post("/bare", status_code=204)
async def bare_insert() -> None:
    await AuditEvent.insert(AuditEvent(actor="bench", action="bench.insert", subject_type="bench", subject_id="1"))


async def _database_url(backend: str, home: Path) -> tuple[str, str | None]:
    if backend == "sqlite":
        return f"sqlite:///{home / 'bench.sqlite3'}", None
    import asyncpg

    name = f"mestring_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    return POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}", name


async def _drop(name: str | None) -> None:
    if name:
        import asyncpg

        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()


async def _links(count: int, chunk: int = 250) -> list[str]:
    """Enrol ``count`` job seekers and return one T1 link token each (``chunk`` job seekers per
    write transaction, which on SQLite is what makes thousands take seconds, not minutes)."""
    study = await ensure_default_study()
    specialist = await create_staff(f"bench-{secrets.token_hex(3)}@example.no", "bench password!", "specialist")
    today = dt.date.today()
    tokens = []
    for first in range(0, count, chunk):
        async with write_transaction():
            for number in range(first, min(count, first + chunk)):
                entry = EnrolmentInput(
                    name=f"Bench {number}",
                    email=f"bench{number}@example.no",
                    phone=None,
                    language="nb",
                    programme="utvidet_oppfolging",
                    contact_mode="email",
                    consent_date=today,
                    consent_version="1",
                    enrolled_on=today,
                )
                enrolled = await insert_enrolment(entry, study, specialist.id, audit.SYSTEM, dt.datetime.now(dt.UTC))
                wave = (
                    await Wave.select(Wave.id)
                    .where((Wave.participant == enrolled.participant_id) & (Wave.label == "T1"))
                    .first()
                )
                token, token_hash = new_token()
                await LinkToken.insert(LinkToken(wave=wave["id"], token_hash=token_hash))
                tokens.append(token)
    return tokens


async def _timed(label: str, requests, concurrency: int) -> float:
    """Run the request coroutines ``concurrency`` at a time; returns requests per second."""
    queue = list(requests)
    total = len(queue)
    failures = []

    async def worker() -> None:
        while queue:
            response = await queue.pop()
            if response.status_code >= 400:
                failures.append(response.status_code)

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{label}: {len(failures)} failed requests, e.g. HTTP {failures[0]}")
    rate = total / elapsed
    progress(f"  {label}: {total} requests in {elapsed:.2f} s = {rate:.1f}/s")
    return rate


async def _measure(form: httpx.AsyncClient, bare: httpx.AsyncClient, tokens: list[str], concurrency: int) -> dict:
    """Median rate per leg over the counted rounds (the first round only warms up)."""
    page = await form.get(f"/a/{tokens[0]}/page/measures")
    csrf = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
    legs = {
        "bare_insert": lambda chunk: (bare.post("/bare") for _ in chunk),
        "page_save": lambda chunk: (
            form.post(f"/a/{t}/page/measures", data={**MEASURES, "_csrf_token": csrf}) for t in chunk
        ),
        "submit": lambda chunk: (form.post(f"/a/{t}/submit", data={"_csrf_token": csrf}) for t in chunk),
    }
    rates: dict[str, list[float]] = {name: [] for name in legs}
    for number, chunk in enumerate(tokens[i :: ROUNDS + 1] for i in range(ROUNDS + 1)):
        # Alternate whether the bare leg runs first or last, so neither side always starts cold.
        order = ["page_save", "submit", "bare_insert"] if number % 2 else ["bare_insert", "page_save", "submit"]
        for name in order:
            rate = await _timed(f"round {number} {name}", legs[name](chunk), concurrency)
            if number:
                rates[name].append(rate)
    median = {name: statistics.median(values) for name, values in rates.items()}
    return {
        "bare_insert_per_s": round(median["bare_insert"], 1),
        "page_save_per_s": round(median["page_save"], 1),
        "submit_per_s": round(median["submit"], 1),
        "page_save_to_bare": round(median["page_save"] / median["bare_insert"], 3),
        "submit_to_bare": round(median["submit"] / median["bare_insert"], 3),
    }


@contextlib.asynccontextmanager
async def _http_servers(settings: Settings, concurrency: int):
    """Both apps behind real uvicorn servers in another process; yields the two base URLs."""
    form_port, bare_port = free_port(), free_port()
    command = [
        sys.executable,
        __file__,
        "serve",
        settings.database_url,
        str(settings.home),
        str(form_port),
        str(bare_port),
    ]
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    urls = (f"http://127.0.0.1:{form_port}", f"http://127.0.0.1:{bare_port}")
    try:
        async with httpx.AsyncClient() as probe:
            for _ in range(200):
                try:
                    statuses = [(await probe.get(f"{url}/healthz")).status_code for url in urls]
                    if statuses == [200, 200]:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
            else:
                raise RuntimeError("the benchmark servers did not start")
        yield urls
    finally:
        server.terminate()
        server.wait(timeout=30)


async def run_backend(backend: str, count: int, concurrency: int, vias: tuple[str, ...]) -> list[dict]:
    home = Path(tempfile.mkdtemp(prefix="mestring-bench-"))
    url, created = await _database_url(backend, home)
    settings = _settings(url, home)
    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine, max_size=concurrency + 2)
    results = []
    try:
        await migrate()
        for via in vias:
            progress(f"{backend} via {via}: enrolling {count} job seekers")
            tokens = await _links(count)
            limits = httpx.Limits(max_connections=concurrency)
            if via == "asgi":
                form_app, bare_app = create_app(settings), _bare_app()
                async with (
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=form_app), base_url="http://bench") as form,
                    httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app), base_url="http://bench") as bare,
                ):
                    rates = await _measure(form, bare, tokens, concurrency)
            else:
                async with (
                    _http_servers(settings, concurrency) as (form_url, bare_url),
                    httpx.AsyncClient(base_url=form_url, limits=limits) as form,
                    httpx.AsyncClient(base_url=bare_url, limits=limits) as bare,
                ):
                    rates = await _measure(form, bare, tokens, concurrency)
            answered = await Wave.count().where(Wave.status == "answered")
            if answered != count * len(results) + count:
                raise RuntimeError(f"{backend}: {answered} waves answered, expected {count * (len(results) + 1)}")
            results.append(
                {
                    "backend": backend,
                    "via": via,
                    "requests_per_leg": count,
                    "rounds_counted": ROUNDS,
                    "concurrency": concurrency,
                    **rates,
                }
            )
    finally:
        await close_pool(engine)
        await _drop(created)
        shutil.rmtree(home, ignore_errors=True)
    return results


def _settings(database_url: str, home: Path) -> Settings:
    return load_settings(
        {"MESTRING_HOME": str(home), "MESTRING_DATABASE_URL": database_url, "MESTRING_SECRET_KEY": "b" * 40}
    )


def _bare_app() -> Litestar:
    return Litestar(route_handlers=[bare_insert, health])


async def serve(database_url: str, home: str, form_port: int, bare_port: int) -> None:
    """The server side of ``--via http``: the form app and the bare app, one uvicorn each."""
    settings = _settings(database_url, Path(home))
    await serve_apps(settings, lambda: [(create_app(settings), form_port), (_bare_app(), bare_port)])


async def serve_apps(settings: Settings, apps, pool_size: int = 12) -> None:
    """Serve each ``(app, port)`` of ``apps()`` with uvicorn in this process, all on one pool
    (PostgreSQL) of ``pool_size`` connections. ``apps`` is called once the engine is active."""
    import uvicorn

    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine, max_size=pool_size)
    servers = [
        uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, access_log=False, log_level="warning"))
        for app, port in apps()
    ]
    await asyncio.gather(*(server.serve() for server in servers))


async def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        database_url, home, form_port, bare_port = sys.argv[2:6]
        await serve(database_url, home, int(form_port), int(bare_port))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=600, help="job seekers, i.e. requests per leg (default 600)")
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--via", choices=("asgi", "http", "both"), default="both")
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    vias = ("asgi", "http") if args.via == "both" else (args.via,)
    results = [row for backend in backends for row in await run_backend(backend, args.n, args.concurrency, vias)]
    print(
        json.dumps(
            {
                "benchmark": "answer_form",
                "date": dt.date.today().isoformat(),
                "machine": {
                    "python": platform.python_version(),
                    "cpus": os.cpu_count(),
                    "platform": platform.platform(),
                },
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    asyncio.run(main())
