"""The specialist's workspace with a small and a large study: does it stay as fast?

For each database (SQLite, PostgreSQL) and each size (default 1,000 and 100,000 job seekers in
the database) the script

1. makes a throw-away database and runs ``mestring migrate`` on it;
2. fills it in a child process (``workspace.py seed``, the tree's own code):
   the other job seekers first, in bulk (``size - 20`` of them, 20 per specialist, so ~5,000
   other specialists at 100,000; identity, four planned waves each, scores and ~15 answers per
   answered wave, invitations and reminders, audit entries), with ``executemany`` in one
   transaction on SQLite and ``COPY`` on PostgreSQL, then ``ANALYZE`` on PostgreSQL (what
   autovacuum does soon after a bulk load); then the measured specialist and their 20 job
   seekers through the services (``insert_enrolment``, ``record_complete_response`` by way of
   the demo's ``_play_waves``), from a fixed random seed, so the caseload is the same at
   every size;
3. starts ``mestring serve``, logs in as the measured specialist (session cookie kept), and
   sends, over one keep-alive connection, in turn: GET /caseload, GET /caseload/{study_id}
   (the caseload's job seeker with the most answered waves) and GET
   /caseload/{study_id}/sheet.pdf: 5 rounds to warm up, then ``--requests`` rounds counted
   (the three pages interleaved, so that a busy spell of the shared machine hits all three);
4. in a child again (``workspace.py plans``), renders each page once in-process with every SQL
   statement recorded (SQLite's trace callback, asyncpg's fetch/execute), and reports each
   statement's plan (``EXPLAIN QUERY PLAN`` / ``EXPLAIN``) and every whole-table scan in it.

Prints one JSON document (per database and size, per page: median and p95 in ms; ratios
large/small per page; the plans); progress on stderr. Only ratios measured in one run are
meant to be compared.

    python bench/workspace.py [--sizes 1000,100000] [--databases sqlite,postgresql] [--requests 50]
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import http.client
import json
import os
import random
import re
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchlib import (
    REPO,
    CpuWatch,
    Database,
    app_env,
    free_port,
    machine,
    percentile,
    print_json,
    progress,
    server_process,
    settle,
    throwaway_database,
    wait_until_quiet,
)

CASELOAD_SIZE = 20
PER_SPECIALIST = 20
PASSWORD = "workspace bench password"
SPECIALIST_EMAIL = "measured.specialist@example.no"
WARM_UP = 5
PAGES = ("caseload", "participant", "sheet_pdf")
# Tables whose size grows with the study (for the scan report).
BIG_TABLES = (
    "participant",
    "participant_identity",
    "wave",
    "answer",
    "outgoing_message",
    "audit_event",
    "staff",
    "staff_session",
)


# --- children: run with this tree's code -----------------------------------------------------


def _child_settings():
    from survey_app.settings import load_settings

    return load_settings({k: v for k, v in os.environ.items() if k.startswith("MESTRING_")})


_STUDY_ID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _bulk_study_id(number: int) -> str:
    """A study ID of the real shape (``XXXX-XXXX``), fixed by ``number`` (the services' random
    IDs, written afterwards, check for collisions before they insert)."""
    chars = []
    for _ in range(8):
        number, digit = divmod(number, 32)
        chars.append(_STUDY_ID_ALPHABET[digit])
    text = "".join(reversed(chars))
    return f"{text[:4]}-{text[4:]}"


class _Writer:
    """Bulk rows into the database, bypassing the application: ``executemany`` in one
    transaction (SQLite, with Piccolo's adapters registered, so values are stored exactly as
    the app stores them) or ``COPY`` (PostgreSQL)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self.connection = None

    async def __aenter__(self) -> _Writer:
        if self.sqlite:
            import sqlite3

            import piccolo.engine.sqlite  # noqa: F401  (registers the adapters)

            self.connection = sqlite3.connect(self.url.removeprefix("sqlite:///"), isolation_level=None)
            self.connection.execute("PRAGMA synchronous = OFF")
            self.connection.execute("BEGIN")
        else:
            import asyncpg

            self.connection = await asyncpg.connect(self.url)
        return self

    async def __aexit__(self, *exc) -> None:
        if self.sqlite:
            self.connection.execute("COMMIT" if exc[0] is None else "ROLLBACK")
            self.connection.close()
        else:
            await self.connection.close()

    async def max_id(self, table: str) -> int:
        sql = f"SELECT COALESCE(MAX(id), 0) FROM {table}"
        if self.sqlite:
            return self.connection.execute(sql).fetchone()[0]
        return await self.connection.fetchval(sql)

    async def write(self, table: str, columns: tuple[str, ...], rows: list[tuple]) -> None:
        if not rows:
            return
        if self.sqlite:
            placeholders = ", ".join("?" for _ in columns)
            self.connection.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)
        else:
            await self.connection.copy_records_to_table(table, records=rows, columns=list(columns))

    async def finish(self, tables: list[str]) -> None:
        """PostgreSQL: move the id sequences past the ids written here."""
        if self.sqlite:
            return
        for table in tables:
            await self.connection.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))"
            )


_STAFF = ("id", "email", "display_name", "password_hash", "role", "office", "office_lead", "active", "created_at")
_PARTICIPANT = (
    "id",
    "study",
    "study_id",
    "programme",
    "specialist",
    "contact_mode",
    "language",
    "consent_date",
    "consent_version",
    "enrolled_on",
    "status",
    "withdrawn_at",
    "created_at",
)
_IDENTITY = ("id", "participant", "name", "email", "email_normalised", "phone")
_WAVE = (
    "id",
    "participant",
    "label",
    "months",
    "opens_at",
    "closes_at",
    "status",
    "started_at",
    "submitted_at",
    "mode",
    "language",
    "instrument_version",
    "work_capacity",
    "work_capacity_band",
    "coping_beliefs",
    "coping_beliefs_items",
    "rtw_expectation",
    "rtw_expectation_dont_know",
)
_ANSWER = ("id", "wave", "item_id", "status", "value_json", "instrument_version", "mode", "answered_at", "updated_at")
_MESSAGE = (
    "id",
    "participant",
    "wave",
    "kind",
    "sequence",
    "status",
    "due_at",
    "sent_at",
    "attempts",
    "last_error",
    "reason",
    "created_at",
)
_AUDIT = ("id", "at", "actor_staff", "actor", "action", "subject_type", "subject_id", "details_json")


async def _bulk(study, others: int, now: dt.datetime, chunk: int = 5000) -> dict[str, int]:
    """``others`` job seekers of ``others / 20`` other specialists, written in bulk."""
    from instruments import score_wave
    from survey_app.services.calendar import plan_waves
    from survey_app.services.demo import _answers

    url = os.environ["MESTRING_DATABASE_URL"]
    rng = random.Random(7)
    counts = dict.fromkeys(("staff", "participant", "wave", "answer", "outgoing_message", "audit_event"), 0)
    started = time.perf_counter()
    async with _Writer(url) as writer:
        ids = {table: await writer.max_id(table) for table in counts}
        specialists = max(1, round(others / PER_SPECIALIST))
        offices = max(1, specialists // 12)
        staff_ids = [ids["staff"] + 1 + n for n in range(specialists)]
        await writer.write(
            "staff",
            _STAFF,
            [
                (
                    staff_id,
                    f"specialist{n}@bench.example.no",
                    f"Specialist {n}",
                    "not a hash: nobody logs in as these",
                    "specialist",
                    f"NAV Bench {n % offices}",
                    n % 12 == 0,
                    True,
                    now - dt.timedelta(days=800),
                )
                for n, staff_id in enumerate(staff_ids)
            ],
        )
        counts["staff"] = specialists
        today = now.astimezone(study.timezone).date()
        version = study.instrument_version
        for first in range(0, others, chunk):
            participants, identities, waves, answers, messages, events = [], [], [], [], [], []
            for n in range(first, min(others, first + chunk)):
                pid = ids["participant"] + 1 + n
                specialist = staff_ids[n % specialists]
                study_id = _bulk_study_id(n)
                enrolled_on = today - dt.timedelta(days=rng.randint(0, 730))
                contact_mode = "paper" if rng.random() < 0.1 else "email"
                language = rng.choice(["nb"] * 8 + ["nn", "en"])
                enrolled_at = dt.datetime.combine(enrolled_on, dt.time(9), tzinfo=dt.UTC)
                planned = plan_waves(
                    enrolled_on, study.wave_labels, study.wave_offsets_months, study.window_days, study.timezone
                )
                opened = [wave for wave in planned if wave.opens_at <= now]
                withdraw_after = len(opened) - 1 if len(opened) > 1 and rng.random() < 0.04 else None
                withdrawn_at = (
                    opened[withdraw_after].opens_at + dt.timedelta(days=2) if withdraw_after is not None else None
                )
                participants.append(
                    (
                        pid,
                        study.id,
                        study_id,
                        rng.choice(["utvidet_oppfolging"] * 4 + ["kvp", "external"]),
                        specialist,
                        contact_mode,
                        language,
                        enrolled_on,
                        "1.0",
                        enrolled_on,
                        "withdrawn" if withdrawn_at else "active",
                        withdrawn_at,
                        enrolled_at,
                    )
                )
                email = f"person{n}@example.com" if contact_mode == "email" else None
                identities.append((pid, pid, f"Person {n}", email, email, None))
                events.append(
                    (
                        enrolled_at,
                        specialist,
                        f"staff:{specialist}",
                        "participant.enrol",
                        "participant",
                        study_id,
                        json.dumps({"programme": "utvidet_oppfolging", "contact_mode": contact_mode}),
                    )
                )
                capacity = min(10.0, max(0.0, rng.gauss(6.8, 2.0)))
                in_work = False
                for index, wave in enumerate(planned):
                    ids["wave"] += 1
                    wave_id = ids["wave"]
                    row = dict.fromkeys(_WAVE)
                    row.update(
                        id=wave_id,
                        participant=pid,
                        label=wave.label,
                        months=wave.months,
                        opens_at=wave.opens_at,
                        closes_at=wave.closes_at,
                        status="pending",
                    )
                    if wave.opens_at <= now and not (withdraw_after is not None and index > withdraw_after):
                        is_open = wave.closes_at > now
                        capacity = min(10.0, max(0.0, capacity + rng.gauss(0.3, 1.1)))
                        in_work = in_work or rng.random() < 0.12 * index + capacity / 40
                        answered = rng.random() < (0.95, 0.85, 0.75, 0.7)[min(index, 3)] * (0.5 if is_open else 1)
                        if contact_mode == "email":
                            sent_at = wave.opens_at + dt.timedelta(hours=9)
                            messages.append((pid, wave_id, "invitation", 0, "sent", sent_at, sent_at, 1, None, None))
                            if not answered and not is_open:
                                for sequence, days in enumerate((7, 14), start=1):
                                    at = sent_at + dt.timedelta(days=days)
                                    status, error = (
                                        ("undeliverable", "550 mailbox unavailable")
                                        if (rng.random() < 0.02)
                                        else ("sent", None)
                                    )
                                    messages.append(
                                        (pid, wave_id, "reminder", sequence, status, at, at, 1, error, None)
                                    )
                                if rng.random() < 0.05:
                                    events.append(
                                        (
                                            sent_at + dt.timedelta(days=10),
                                            specialist,
                                            f"staff:{specialist}",
                                            "message.remind_now",
                                            "participant",
                                            study_id,
                                            json.dumps({"wave": wave.label}),
                                        )
                                    )
                        if answered:
                            submitted_at = min(now, wave.opens_at + dt.timedelta(days=rng.randint(1, 20), hours=10))
                            values = _answers(rng, capacity, index, in_work)
                            scores = score_wave({k: v for k, v in values.items() if not isinstance(v, list)})
                            mode = "paper" if contact_mode == "paper" else "web"
                            row.update(
                                status="answered",
                                started_at=submitted_at - dt.timedelta(minutes=9),
                                submitted_at=submitted_at,
                                mode=mode,
                                language=language,
                                instrument_version=version,
                                work_capacity=scores.work_capacity,
                                work_capacity_band=scores.work_capacity_band,
                                coping_beliefs=scores.coping_beliefs,
                                coping_beliefs_items=scores.coping_beliefs_items_answered,
                                rtw_expectation=scores.rtw_expectation,
                                rtw_expectation_dont_know=scores.rtw_expectation_dont_know,
                            )
                            for item_id, value in values.items():
                                answers.append(
                                    (wave_id, item_id, "answered", json.dumps(value), version, mode, submitted_at)
                                )
                            events.append(
                                (
                                    submitted_at,
                                    None,
                                    "job_seeker",
                                    "wave.submit",
                                    "participant",
                                    study_id,
                                    json.dumps({"wave": wave.label, "mode": mode}),
                                )
                            )
                    elif withdraw_after is not None and index > withdraw_after:
                        row["status"] = "withdrawn"
                    waves.append(tuple(row[column] for column in _WAVE))
                if withdrawn_at:
                    events.append(
                        (
                            withdrawn_at,
                            specialist,
                            f"staff:{specialist}",
                            "participant.withdraw",
                            "participant",
                            study_id,
                            json.dumps({"reason_given": False}),
                        )
                    )
                for _ in range(rng.randint(0, 4)):
                    events.append(
                        (
                            enrolled_at + dt.timedelta(days=rng.randint(0, 300)),
                            specialist,
                            f"staff:{specialist}",
                            "participant.view",
                            "participant",
                            study_id,
                            json.dumps({"as": "page"}),
                        )
                    )
            answer_rows = []
            for wave_id, item_id, status, value, version_, mode, at in answers:
                ids["answer"] += 1
                answer_rows.append((ids["answer"], wave_id, item_id, status, value, version_, mode, at, at))
            message_rows = []
            for pid, wave_id, kind, sequence, status, due_at, sent_at, attempts, error, reason in messages:
                ids["outgoing_message"] += 1
                message_rows.append(
                    (
                        ids["outgoing_message"],
                        pid,
                        wave_id,
                        kind,
                        sequence,
                        status,
                        due_at,
                        sent_at,
                        attempts,
                        error,
                        reason,
                        due_at,
                    )
                )
            event_rows = []
            for event in events:
                ids["audit_event"] += 1
                event_rows.append((ids["audit_event"], *event))
            await writer.write("participant", _PARTICIPANT, participants)
            await writer.write("participant_identity", _IDENTITY, identities)
            await writer.write("wave", _WAVE, waves)
            await writer.write("answer", _ANSWER, answer_rows)
            await writer.write("outgoing_message", _MESSAGE, message_rows)
            await writer.write("audit_event", _AUDIT, event_rows)
            counts["participant"] += len(participants)
            counts["wave"] += len(waves)
            counts["answer"] += len(answer_rows)
            counts["outgoing_message"] += len(message_rows)
            counts["audit_event"] += len(event_rows)
            done = min(others, first + chunk)
            elapsed = time.perf_counter() - started
            progress(
                f"  bulk: {done}/{others} job seekers, {counts['answer']} answers, "
                f"{counts['audit_event']} audit entries ({elapsed:.0f} s)"
            )
        await writer.finish(["staff", "participant", "participant_identity", *list(counts)[2:]])
    return counts


async def seed(size: int, out: Path) -> None:
    """Fill the migrated database: ``size - 20`` others in bulk, then the measured caseload."""
    from survey_app.db.engine import activate, build_engine, close_pool, open_pool, write_transaction
    from survey_app.db.tables import Participant, Wave
    from survey_app.services import audit
    from survey_app.services.calendar import utcnow
    from survey_app.services.demo import _FIRST, _LAST, _play_waves
    from survey_app.services.enrolment import EnrolmentInput, insert_enrolment
    from survey_app.services.staff import create_staff
    from survey_app.services.studies import ensure_default_study

    engine = build_engine(_child_settings())
    activate(engine)
    await open_pool(engine)
    timings = {}
    try:
        study = await ensure_default_study()
        now = utcnow()
        started = time.perf_counter()
        counts = await _bulk(study, size - CASELOAD_SIZE, now)
        timings["bulk_s"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        specialist = await create_staff(
            SPECIALIST_EMAIL, PASSWORD, "specialist", display_name="Målt Spesialist", office="NAV Bench 0"
        )
        rng = random.Random(2026)
        today = now.astimezone(study.timezone).date()
        names = rng.sample([(first, last) for first in _FIRST for last in _LAST], CASELOAD_SIZE)
        for number, (first, last) in enumerate(names):
            enrolled_on = today - dt.timedelta(days=rng.randint(0, 730))
            entry = EnrolmentInput(
                name=f"{first} {last}",
                email=f"{first.lower().replace('ø', 'o')}.{last.lower().replace('ø', 'o')}{number}@example.com",
                phone=None,
                language="nb",
                programme=rng.choice(["utvidet_oppfolging"] * 4 + ["kvp", "external"]),
                contact_mode="paper" if number % 10 == 9 else "email",
                consent_date=enrolled_on,
                consent_version="1.0",
                enrolled_on=enrolled_on,
            )
            async with write_transaction():
                enrolled = await insert_enrolment(entry, study, specialist.id, audit.Actor.staff(specialist.id), now)
            await _play_waves(rng, enrolled.participant_id, entry, now)
        timings["caseload_s"] = round(time.perf_counter() - started, 1)
        # The participant page: the active e-mail job seeker with the most answered waves.
        people = await Participant.select(Participant.id, Participant.study_id).where(
            (Participant.specialist == specialist.id)
            & (Participant.status == "active")
            & (Participant.contact_mode == "email")
        )
        answered = {
            row["id"]: await Wave.count().where((Wave.participant == row["id"]) & (Wave.status == "answered"))
            for row in people
        }
        chosen = max(people, key=lambda row: (answered[row["id"]], row["id"]))
    finally:
        await close_pool(engine)
    caseload = await _caseload_count(specialist.id)
    if not os.environ["MESTRING_DATABASE_URL"].startswith("sqlite"):
        # What autovacuum does soon after a bulk load; the measured pages should see the
        # statistics of a database in use, not of empty tables.
        started = time.perf_counter()
        async with _Writer(os.environ["MESTRING_DATABASE_URL"]) as writer:
            await writer.connection.execute("ANALYZE")
        timings["analyze_s"] = round(time.perf_counter() - started, 1)
    out.write_text(
        json.dumps(
            {
                "study_id": chosen["study_id"],
                "answered_waves": answered[chosen["id"]],
                "specialist_id": specialist.id,
                "caseload": caseload,
                "bulk_rows": counts,
                "timings": timings,
            }
        )
    )


async def _caseload_count(specialist_id: int) -> int:
    url = os.environ["MESTRING_DATABASE_URL"]
    sql = f"SELECT COUNT(*) FROM participant WHERE specialist = {int(specialist_id)}"
    async with _Writer(url) as writer:
        if writer.sqlite:
            return writer.connection.execute(sql).fetchone()[0]
        return await writer.connection.fetchval(sql)


# --- children: the plans of the statements each page runs ----------------------------------


def _record_statements(statements: list) -> None:
    """Record every statement the app sends: SQLite's trace callback on every new connection,
    asyncpg's statement methods (the pool's proxies look them up on the class per call)."""
    import sqlite3

    real_connect = sqlite3.connect

    def connect(*args, **kwargs):
        connection = real_connect(*args, **kwargs)
        connection.set_trace_callback(lambda sql: statements.append((sql, ())))
        return connection

    sqlite3.connect = connect
    import asyncpg.connection

    cls = asyncpg.connection.Connection
    for name in ("fetch", "fetchrow", "fetchval", "execute"):
        real = getattr(cls, name)

        def wrapper(self, query, *args, _real=real, **kwargs):
            statements.append((query, args))
            return _real(self, query, *args, **kwargs)

        setattr(cls, name, wrapper)


_SKIP = re.compile(r"^\s*(BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|PRAGMA|SET|SHOW|INSERT)\b", re.I)


async def plans(study_id: str, out: Path) -> None:
    import logging

    import httpx

    logging.getLogger("httpx").setLevel(logging.WARNING)
    statements: list = []
    _record_statements(statements)
    from survey_app.db.engine import activate, build_engine, close_pool, open_pool
    from survey_app.web.app import create_app

    settings = _child_settings()
    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine)
    url = settings.database_url
    result: dict = {}
    try:
        app = create_app(settings)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
            page = await client.get("/login")
            token = re.search(r'name="_csrf_token" value="([^"]+)"', page.text).group(1)
            login = await client.post(
                "/login", data={"email": SPECIALIST_EMAIL, "password": PASSWORD, "_csrf_token": token}
            )
            if login.status_code >= 400 or not client.cookies.get("mestring_session"):
                raise RuntimeError(f"login failed: HTTP {login.status_code}")
            for name, path in _paths(study_id).items():
                await client.get(path)  # warm caches (study settings, instrument)
                statements.clear()
                response = await client.get(path)
                if response.status_code != 200:
                    raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
                result[name] = [(sql, args) for sql, args in statements if not _SKIP.match(sql)]
    finally:
        await close_pool(engine)
    explained = await _explain(url, result)
    out.write_text(json.dumps(explained))


async def _explain(url: str, pages: dict[str, list]) -> dict:
    """Per page: each distinct statement (in order), its plan and its whole-table scans."""
    import sqlite3

    sqlite = url.startswith("sqlite")
    if sqlite:
        connection = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import asyncpg

        connection = await asyncpg.connect(url)
    report = {}
    try:
        for page, statements in pages.items():
            seen, rows = set(), []
            for sql, args in statements:
                text = " ".join(sql.split())
                if text in seen:
                    continue
                seen.add(text)
                if not re.match(r"\s*(SELECT|WITH|UPDATE|DELETE)\b", sql, re.I):
                    rows.append({"sql": text, "plan": [], "whole_table_scans": [], "note": "not explained"})
                    continue
                try:
                    plan, scans = await _plan(connection, sqlite, sql, args)
                except Exception as exc:  # reported, not fatal
                    plan, scans = [f"EXPLAIN failed: {exc}"], []
                rows.append({"sql": text, "plan": plan, "whole_table_scans": scans})
            report[page] = rows
    finally:
        if sqlite:
            connection.close()
        else:
            await connection.close()
    return report


async def _plan(connection, sqlite: bool, sql: str, args: tuple) -> tuple[list[str], list[str]]:
    """The plan's lines and the tables it reads whole (SQLite: ``SCAN t`` without an index,
    or ``SCAN t USING ... INDEX``, a walk through a whole index; PostgreSQL: ``Seq Scan``)."""
    if sqlite:
        plan = [row[3] for row in connection.execute("EXPLAIN QUERY PLAN " + sql).fetchall()]
        scans = set()
        for line in plan:
            if match := re.match(r"SCAN (\w+)( USING)?", line):
                scans.add(match.group(1) + (" (whole index)" if match.group(2) else ""))
        return plan, sorted(scans)
    plan = [row[0] for row in await connection.fetch("EXPLAIN " + sql, *args)]
    return plan, sorted({m.group(1) for line in plan if (m := re.search(r"Seq Scan on (\w+)", line))})


def _paths(study_id: str) -> dict[str, str]:
    return {
        "caseload": "/caseload",
        "participant": f"/caseload/{study_id}",
        "sheet_pdf": f"/caseload/{study_id}/sheet.pdf",
    }


# --- the orchestrator: imports none of the application ------------------------------------


def _child(args: list[str]) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), *args]


def _mestring(env: dict[str, str], *args: str) -> None:
    command = [str(Path(sys.executable).parent / "mestring"), *args]
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"mestring {' '.join(args)}: {done.stderr or done.stdout}")


class Client:
    """One keep-alive HTTP connection with the session's cookies."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, dict, bytes]:
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.connection.request(method, path, body, headers)
        response = self.connection.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def login(self) -> None:
        status, _, page = self.request("GET", "/login")
        token = re.search(rb'name="_csrf_token" value="([^"]+)"', page).group(1).decode()
        body = urllib.parse.urlencode({"email": SPECIALIST_EMAIL, "password": PASSWORD, "_csrf_token": token})
        status, _, _ = self.request("POST", "/login", body)
        if status not in (302, 303) or not self.cookies.get("mestring_session"):
            raise RuntimeError(f"login: HTTP {status}, cookies {sorted(self.cookies)}")

    def reconnect(self) -> None:
        """A fresh connection (uvicorn closes one idle for 5 s)."""
        self.connection.close()
        self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)

    def close(self) -> None:
        self.connection.close()


def measure(client: Client, paths: dict[str, str], rounds: int) -> dict:
    """``WARM_UP`` + ``rounds`` rounds of the pages in turn; latency per page, in ms."""
    latencies: dict[str, list[float]] = {name: [] for name in paths}
    sizes: dict[str, int] = {}
    for number in range(WARM_UP + rounds):
        for name, path in paths.items():
            started = time.perf_counter()
            status, _, body = client.request("GET", path)
            elapsed = time.perf_counter() - started
            if status != 200:
                raise RuntimeError(f"GET {path}: HTTP {status}: {body[:300]!r}")
            if name == "sheet_pdf" and not body.startswith(b"%PDF"):
                raise RuntimeError(f"GET {path}: not a PDF")
            sizes[name] = len(body)
            if number >= WARM_UP:
                latencies[name].append(elapsed * 1000)
    return {
        name: {
            "median_ms": round(statistics.median(values), 2),
            "p95_ms": round(percentile(values, 0.95), 2),
            "min_ms": round(min(values), 2),
            "max_ms": round(max(values), 2),
            "requests": len(values),
            "bytes": sizes[name],
        }
        for name, values in latencies.items()
    }


def table_sizes(database: Database) -> dict[str, int]:
    return {table: database.count(f"SELECT COUNT(*) FROM {table}")[0][0] for table in BIG_TABLES}


def run_one(backend: str, size: int, args: argparse.Namespace) -> dict:
    with throwaway_database(backend, f"workspace-{size}") as database:
        env = app_env(REPO, database)
        progress(f"{backend} {size}: mestring migrate")
        _mestring(env, "migrate")
        progress(f"{backend} {size}: seeding {size - CASELOAD_SIZE} job seekers in bulk, then the caseload of 20")
        seeded_file = database.home / "seeded.json"
        started = time.perf_counter()
        subprocess.run(_child(["seed", "--size", str(size), "--out", str(seeded_file)]), cwd=REPO, env=env, check=True)
        seed_s = round(time.perf_counter() - started, 1)
        seeded = json.loads(seeded_file.read_text())
        seeded["seed_s"] = seed_s
        if seeded["caseload"] != CASELOAD_SIZE:
            raise RuntimeError(f"the measured caseload has {seeded['caseload']} job seekers")
        progress(f"  seeded in {seed_s} s: {seeded['bulk_rows']}, {seeded['timings']}")
        settle(database)
        sizes = table_sizes(database)
        paths = _paths(seeded["study_id"])
        port = free_port()
        log = database.home / "server.log"
        command = [str(Path(sys.executable).parent / "mestring"), "serve", "--port", str(port)]
        with server_process(command, REPO, env, port, log) as server:
            client = Client(port)
            client.login()
            quiet = wait_until_quiet([server.process.pid], database, patience=args.patience)
            client.reconnect()
            progress(f"  measuring: {WARM_UP} + {args.requests} rounds of {', '.join(paths)}")
            watch = CpuWatch([server.process.pid], database).start()
            pages = measure(client, paths, args.requests)
            cpu = watch.stop()
            client.close()
            problems = server.problems()
        for name, figures in pages.items():
            progress(f"  {name}: median {figures['median_ms']} ms, p95 {figures['p95_ms']} ms")
        progress("  recording the statements of each page and their plans")
        plans_file = database.home / "plans.json"
        subprocess.run(
            _child(["plans", "--study-id", seeded["study_id"], "--out", str(plans_file)]), cwd=REPO, env=env, check=True
        )
        plan_report = json.loads(plans_file.read_text())
        scans = sorted(
            {
                (page, scan)
                for page, statements in plan_report.items()
                for statement in statements
                for scan in statement["whole_table_scans"]
            }
        )
        return {
            "database": backend,
            "size": size,
            "rows": sizes,
            "seeded": seeded,
            "pages": pages,
            "cpu": cpu,
            "quiet_before": quiet,
            "server_problems": problems[:20],
            "whole_table_scans": [f"{page}: {scan}" for page, scan in scans],
            "plans": plan_report,
        }


def main() -> None:
    if sys.argv[1:2] == ["seed"]:
        parser = argparse.ArgumentParser(prog="workspace.py seed")
        parser.add_argument("--size", type=int, required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args(sys.argv[2:])
        asyncio.run(seed(args.size, args.out))
        return
    if sys.argv[1:2] == ["plans"]:
        parser = argparse.ArgumentParser(prog="workspace.py plans")
        parser.add_argument("--study-id", required=True)
        parser.add_argument("--out", type=Path, required=True)
        args = parser.parse_args(sys.argv[2:])
        asyncio.run(plans(args.study_id, args.out))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,100000", help="job seekers in the database (default 1000,100000)")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--requests", type=int, default=50, help="counted requests per page (default 50)")
    parser.add_argument("--patience", type=float, default=60, help="seconds to wait for a quiet machine")
    parser.add_argument("--plans", action="store_true", help="print the full plans too (default: scans only)")
    args = parser.parse_args()
    sizes = [int(value) for value in args.sizes.split(",")]
    databases = [value.strip() for value in args.databases.split(",")]
    if min(sizes) <= CASELOAD_SIZE:
        parser.error(f"every size must be above {CASELOAD_SIZE}")
    started = dt.datetime.now(dt.UTC)
    results = [run_one(backend, size, args) for backend in databases for size in sizes]
    small, large = min(sizes), max(sizes)
    ratios = {}
    for backend in databases:
        by_size = {row["size"]: row["pages"] for row in results if row["database"] == backend}
        ratios[backend] = {
            page: {
                "median": round(by_size[large][page]["median_ms"] / by_size[small][page]["median_ms"], 2),
                "p95": round(by_size[large][page]["p95_ms"] / by_size[small][page]["p95_ms"], 2),
            }
            for page in PAGES
        }
    if not args.plans:
        for row in results:
            row["plans"] = {
                page: [
                    {"sql": s["sql"][:160], "whole_table_scans": s["whole_table_scans"], "plan": s["plan"]}
                    for s in statements
                    if s["whole_table_scans"]
                ]
                for page, statements in row["plans"].items()
            }
    print_json(
        {
            "benchmark": "workspace",
            "started_utc": started.strftime("%Y-%m-%d %H:%M"),
            "machine": machine(),
            "code": str(REPO),
            "sizes": sizes,
            "caseload": CASELOAD_SIZE,
            "requests_per_page": args.requests,
            "warm_up_rounds": WARM_UP,
            "results": results,
            "ratios_large_to_small": {"sizes": f"{large}/{small}", **ratios},
        }
    )


if __name__ == "__main__":
    main()
