"""Dispatcher throughput next to plain aiosmtplib sends, in one run, on PostgreSQL.

The same loopback SMTP server (aiosmtpd, in a process of its own) receives, in turn:

* ``plain_1`` / ``plain_2``: the same composed messages sent with aiosmtplib over one, then two
  connections at once (no database at all): what the server and the client library allow;
* ``dispatch_1`` / ``dispatch_2``: ``mestring dispatch --once`` in one, then two processes
  over the same number of due invitations: claims, a commit per message, SMTP, outcomes.

Rates are messages over the time between the server's first and last receipt (process start-up
is not counted). Every leg is checked: each recipient got exactly one message (duplicates and
losses are counted and must be 0), and for the dispatcher legs every message is recorded
``sent``. Prints one JSON document on stdout; progress goes to stderr.

    python bench/dispatch.py [--n 20000] [--batch-size 50]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import datetime as dt
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiosmtplib

from survey_app.db.engine import activate, build_engine, close_pool, open_pool, raw_query
from survey_app.db.migrate import migrate
from survey_app.db.tables import Staff, Study
from survey_app.mail.compose import MailContext, compose
from survey_app.mail.outbox import free_port
from survey_app.services.load_data import add_open_waves
from survey_app.services.studies import ensure_default_study
from survey_app.settings import load_settings

POSTGRES_ADMIN_URL = os.environ.get("MESTRING_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
SENDER = "Studie <s@example.no>"


def progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- the SMTP server, in its own process -------------------------------------------------


def serve_sink(port: int, report: Path) -> None:
    """Accept everything; on SIGTERM write each recipient's count and the receipt times."""
    from aiosmtpd.controller import Controller

    counts: collections.Counter[str] = collections.Counter()
    times: list[float] = []

    class Handler:
        async def handle_DATA(self, server, session, envelope):
            counts.update(envelope.rcpt_tos)
            times.append(time.time())
            return "250 OK"

    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(True))
    while not stop:
        time.sleep(0.1)
    controller.stop()
    report.write_text(json.dumps({"counts": counts, "first": min(times, default=0), "last": max(times, default=0)}))


class Sink:
    def __init__(self, workdir: Path) -> None:
        self.port = free_port()
        self.report = workdir / f"sink-{self.port}.json"
        self.process = subprocess.Popen(
            [sys.executable, __file__, "sink", str(self.port), str(self.report)], stdout=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError("the SMTP sink did not start") from None
                time.sleep(0.05)

    def finish(self, expected: set[str]) -> dict:
        self.process.send_signal(signal.SIGTERM)
        self.process.wait(timeout=60)
        data = json.loads(self.report.read_text())
        counts = data["counts"]
        received = sum(counts.values())
        return {
            "messages": received,
            "duplicates": sum(n - 1 for n in counts.values() if n > 1),
            "lost": len(expected - set(counts)),
            "per_second": round(received / max(data["last"] - data["first"], 1e-9), 1),
        }


# --- the data ----------------------------------------------------------------------------


async def open_waves(count: int, label: str) -> set[str]:
    """``count`` job seekers whose T1 is open now, written in bulk; their addresses."""
    study = await ensure_default_study()
    staff = await Staff.select(Staff.id).first()
    if staff is None:
        await Staff.insert(Staff(email="bench@example.no", display_name="Bench", password_hash="x", role="specialist"))
        staff = await Staff.select(Staff.id).first()
    addresses = await add_open_waves(study, staff["id"], count, label, dt.datetime.now(dt.UTC))
    # The benchmark runs at any hour: no quiet hours.
    await Study.update({Study.quiet_hours_start: 0, Study.quiet_hours_end: 0}).where(Study.id == study.id)
    return set(addresses.values())


def composed(addresses: list[str]) -> list:
    now = dt.datetime.now(dt.UTC)
    return [
        compose(
            MailContext(
                n,
                "invitation",
                "nb",
                f"Person {n}",
                address,
                "T1",
                0,
                "http://b/a/" + "A" * 43,
                now.date(),
                20,
                "Studien",
                "Pia",
                "p@example.no",
                "",
                "Spes",
                "s@example.no",
            ),
            SENDER,
            now,
        )
        for n, address in enumerate(addresses)
    ]


# --- the legs ------------------------------------------------------------------------------


async def plain(messages: list, port: int, connections: int) -> None:
    async def one(share: list) -> None:
        client = aiosmtplib.SMTP(hostname="127.0.0.1", port=port)
        await client.connect()
        for message in share:
            await client.send_message(message)
        await client.quit()

    await asyncio.gather(*(one(messages[k::connections]) for k in range(connections)))


def dispatchers(count: int, database_url: str, smtp_port: int, home: Path, batch_size: int) -> list[int]:
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")},
        "MESTRING_HOME": str(home),
        "MESTRING_DATABASE_URL": database_url,
        "MESTRING_SMTP_URL": f"smtp://127.0.0.1:{smtp_port}",
        "MESTRING_SECRET_KEY": "b" * 40,
        "MESTRING_MAIL_FROM": SENDER,
    }
    command = [sys.executable, "-m", "mestring_cli", "dispatch", "--once", "--batch-size", str(batch_size)]
    processes = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for _ in range(count)
    ]
    sent = []
    for process in processes:
        out, _ = process.communicate(timeout=3600)
        sent.append(sum(line.startswith("sent message") for line in out.splitlines()))
    return sent


async def run(n: int, batch_size: int) -> dict:
    import asyncpg

    name = f"mestring_bench_{secrets.token_hex(4)}"
    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    await connection.execute(f'CREATE DATABASE "{name}"')
    await connection.close()
    url = POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    home = Path(tempfile.mkdtemp(prefix="mestring-bench-"))
    settings = load_settings(
        {"MESTRING_HOME": str(home), "MESTRING_DATABASE_URL": url, "MESTRING_SECRET_KEY": "b" * 40}
    )
    engine = build_engine(settings)
    activate(engine)
    await open_pool(engine)
    legs = {}
    try:
        await migrate()
        for connections in (1, 2):
            messages = composed([f"plain{connections}-{k}@example.no" for k in range(n)])
            sink = Sink(home)
            progress(f"plain aiosmtplib, {connections} connection(s): {n} messages")
            await plain(messages, sink.port, connections)
            legs[f"plain_{connections}"] = sink.finish({m["To"] for m in messages})
            progress(f"  {legs[f'plain_{connections}']}")
        for processes in (1, 2):
            # The previous leg's job seekers have answered: their waves are not looked at again.
            await raw_query("UPDATE wave SET status = 'answered' WHERE status = 'pending'")
            progress(f"dispatcher, {processes} process(es): writing {n} job seekers with an open wave")
            expected = await open_waves(n, f"D{processes}X")
            sink = Sink(home)
            sent = dispatchers(processes, url, sink.port, home, batch_size)
            leg = sink.finish(expected)
            rows = await raw_query(
                """
                SELECT m.status, COUNT(*) AS n FROM outgoing_message m JOIN participant p ON p.id = m.participant
                WHERE p.study_id LIKE {prefix} GROUP BY m.status
                """,
                prefix=f"D{processes}X%",
            )
            leg["statuses"] = {row["status"]: row["n"] for row in rows}
            leg["sent_by_process"] = sent
            legs[f"dispatch_{processes}"] = leg
            progress(f"  {leg}")
    finally:
        await close_pool(engine)
        connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
        await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await connection.close()
    return {
        "benchmark": "dispatch",
        "date": dt.date.today().isoformat(),
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "platform": platform.platform()},
        "messages_per_leg": n,
        "batch_size": batch_size,
        "legs": legs,
        "ratios": {
            "dispatch_1_to_plain_1": round(legs["dispatch_1"]["per_second"] / legs["plain_1"]["per_second"], 3),
            "dispatch_2_to_plain_2": round(legs["dispatch_2"]["per_second"] / legs["plain_2"]["per_second"], 3),
            "dispatch_2_to_plain_1": round(legs["dispatch_2"]["per_second"] / legs["plain_1"]["per_second"], 3),
        },
    }


def main() -> None:
    if sys.argv[1:2] == ["sink"]:
        serve_sink(int(sys.argv[2]), Path(sys.argv[3]))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=20000, help="messages per leg (default 20000)")
    parser.add_argument("--batch-size", type=int, default=50)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.n, args.batch_size)), indent=2))


if __name__ == "__main__":
    main()
