"""Throughput of the job seeker's form next to a bare Litestar route, in one run.

For each database (SQLite, PostgreSQL) the script migrates a fresh database, enrols job
seekers with a personal link each, and then times, with the same HTTP client and concurrency:

* ``bare_insert``: a bare Litestar route that inserts one row (Piccolo, same database);
* ``page_save``:   POST of the first form page (five answers: validate, upsert, wave update);
* ``submit``:      POST of the final submission (scores, skipped rows, audit, messages).

Requests go through httpx's ASGI transport (no sockets), so the figures compare the app's own
work. The job seekers are split into a warm-up round and five counted rounds; each round runs
all three legs (alternating which goes first) and the median rate per leg is reported. Only the
ratios within one run are meant to be compared; absolute rates depend on the machine. Prints
one JSON document on stdout; progress goes to stderr.

    python bench/answer_form.py [--backend sqlite|postgresql|both] [--n 600] [--concurrency 8]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import json
import os
import platform
import re
import secrets
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
from litestar import Litestar, post

from survey_app.db.engine import activate, build_engine, close_pool, open_pool
from survey_app.db.migrate import migrate
from survey_app.db.tables import AuditEvent, LinkToken, Wave
from survey_app.services import audit
from survey_app.services.enrolment import EnrolmentInput, insert_enrolment
from survey_app.services.staff import create_staff
from survey_app.services.studies import ensure_default_study
from survey_app.services.tokens import new_token
from survey_app.settings import load_settings
from survey_app.web.app import create_app

POSTGRES_ADMIN_URL = os.environ.get("MESTRING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
ROUNDS = 5
MEASURES = {"was": "7", "rtwse_1": "6", "rtwse_2": "7", "rtwse_3": "8", "rtwexp": "4"}


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


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


async def _links(count: int) -> list[str]:
    """Enrol ``count`` job seekers and return one T1 link token each."""
    study = await ensure_default_study()
    specialist = await create_staff(f"bench-{secrets.token_hex(3)}@example.no", "bench password!", "specialist")
    today = dt.date.today()
    tokens = []
    for number in range(count):
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


async def run_backend(backend: str, count: int, concurrency: int) -> dict:
    home = Path(tempfile.mkdtemp(prefix="mestring-bench-"))
    url, created = await _database_url(backend, home)
    settings = load_settings(
        {"MESTRING_HOME": str(home), "MESTRING_DATABASE_URL": url, "MESTRING_SECRET_KEY": "b" * 40}
    )
    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine, max_size=concurrency + 2)
    try:
        await migrate()
        progress(f"{backend}: enrolling {count} job seekers")
        tokens = await _links(count)
        form_app = create_app(settings)
        bare_app = Litestar(route_handlers=[bare_insert])
        async with (
            httpx.AsyncClient(transport=httpx.ASGITransport(app=form_app), base_url="http://bench") as form,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=bare_app), base_url="http://bench") as bare,
        ):
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
            chunks = [tokens[i :: ROUNDS + 1] for i in range(ROUNDS + 1)]
            for number, chunk in enumerate(chunks):
                # Round 0 warms caches and connections and is not counted; later rounds rotate
                # the order of the bare leg so that neither side always runs first.
                order = ["bare_insert", "page_save", "submit"]
                if number % 2:
                    order = ["page_save", "submit", "bare_insert"]
                for name in order:
                    rate = await _timed(f"round {number} {name}", legs[name](chunk), concurrency)
                    if number:
                        rates[name].append(rate)
        answered = await Wave.count().where(Wave.status == "answered")
        if answered != count:
            raise RuntimeError(f"{backend}: {answered} of {count} waves were stored as answered")
        median = {name: statistics.median(values) for name, values in rates.items()}
        return {
            "backend": backend,
            "requests_per_leg": count,
            "rounds_counted": ROUNDS,
            "concurrency": concurrency,
            "bare_insert_per_s": round(median["bare_insert"], 1),
            "page_save_per_s": round(median["page_save"], 1),
            "submit_per_s": round(median["submit"], 1),
            "page_save_to_bare": round(median["page_save"] / median["bare_insert"], 3),
            "submit_to_bare": round(median["submit"] / median["bare_insert"], 3),
        }
    finally:
        await close_pool(engine)
        await _drop(created)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--n", type=int, default=600, help="job seekers, i.e. requests per leg (default 600)")
    parser.add_argument("--concurrency", type=int, default=8)
    args = parser.parse_args()
    backends = ("sqlite", "postgresql") if args.backend == "both" else (args.backend,)
    results = [await run_backend(backend, args.n, args.concurrency) for backend in backends]
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
