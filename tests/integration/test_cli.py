"""The ``mestring`` command line, run as a separate process the way people run it."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from mestring_cli.main import parse_now


def mestring(*args: str, home: Path, stdin: str | None = None, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    environ.update({"MESTRING_HOME": str(home), **env})
    return subprocess.run(
        [sys.executable, "-m", "mestring_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environ,
        timeout=300,
    )


def test_help_says_what_each_command_does(tmp_path):
    result = mestring("--help", home=tmp_path)
    assert result.returncode == 0
    for command in ("migrate", "instruments", "user", "enrol", "serve", "scheduler", "dispatch", "demo"):
        assert command in result.stdout
    assert "not built" not in result.stdout


def test_instruments_json_has_the_three_measures_with_exact_ranges_and_codes(tmp_path):
    result = mestring("instruments", "--json", "--lang", "en", home=tmp_path)
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    items = {item["id"]: item for section in data["sections"] for item in section["items"]}
    assert (items["was"]["min"], items["was"]["max"]) == (0, 10)
    for coping in ("rtwse_1", "rtwse_2", "rtwse_3"):
        assert (items[coping]["min"], items[coping]["max"]) == (1, 10)
    assert [option["code"] for option in items["rtwexp"]["options"]] == list(range(10))
    assert items["rtwexp"]["missing_codes"] == [9]
    text = mestring("instruments", home=tmp_path)
    assert "Hvordan vurderer du din arbeidsevne?" in text.stdout


def test_migrate_user_add_and_bulk_enrol(tmp_path):
    first = mestring("migrate", home=tmp_path)
    assert first.returncode == 0, first.stderr
    assert "applied 2 migration(s)" in first.stdout
    assert "applied 0 migration(s), 2 were already applied" in mestring("migrate", home=tmp_path).stdout

    refused = mestring("user", "add", "kari@example.no", "--role", "specialist", "--password", "x" * 12, home=tmp_path)
    assert refused.returncode == 2  # passwords never come from the command line
    short = mestring("user", "add", "kari@example.no", "--role", "specialist", home=tmp_path, stdin="short\n")
    assert short.returncode == 2 and "10 characters" in short.stderr
    created = mestring(
        "user",
        "add",
        "Kari@Example.no",
        "--role",
        "specialist",
        "--office",
        "NAV Bergen",
        home=tmp_path,
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "a long enough password" not in created.stdout + created.stderr
    duplicate = mestring(
        "user", "add", "kari@example.no", "--role", "admin", home=tmp_path, stdin="another password!\n"
    )
    assert duplicate.returncode == 1

    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,email,language,programme,contact_mode,consent_date,consent_version,specialist_email,enrolled_on\n"
        "Anne,anne@example.no,nb,kvp,email,2025-01-01,1,kari@example.no,2025-01-01\n"
        "Bad,not-mail,nb,kvp,email,2025-01-01,1,nobody@example.no,2025-01-01\n",
        encoding="utf-8",
    )
    rejected = mestring("enrol", "--csv", str(bad), home=tmp_path)
    assert rejected.returncode == 1
    assert f"{bad}:3 [email]" in rejected.stderr and f"{bad}:3 [specialist_email]" in rejected.stderr
    assert "nothing was enrolled" in rejected.stderr
    database = sqlite3.connect(tmp_path / "var" / "mestring.sqlite3")
    assert database.execute("select count(*) from participant").fetchone() == (0,)

    good = tmp_path / "good.csv"
    good.write_text(bad.read_text().splitlines()[0] + "\n" + bad.read_text().splitlines()[1] + "\n", encoding="utf-8")
    enrolled = mestring("enrol", "--csv", str(good), home=tmp_path)
    assert enrolled.returncode == 0, enrolled.stderr
    assert "Enrolled 1 job seeker(s)" in enrolled.stdout and "Enrolling: 1/1" in enrolled.stderr
    assert database.execute("select count(*) from wave").fetchone() == (4,)


def test_dispatch_once_with_a_given_time_sends_into_the_outbox(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    mestring("user", "add", "kari@example.no", "--role", "specialist", home=tmp_path, stdin="a long enough password\n")
    csv = tmp_path / "c.csv"
    csv.write_text(
        "name,email,language,programme,contact_mode,consent_date,consent_version,specialist_email,enrolled_on\n"
        "Anne,anne@example.no,en,kvp,email,2026-01-31,1,kari@example.no,2026-01-31\n",
        encoding="utf-8",
    )
    assert mestring("enrol", "--csv", str(csv), home=tmp_path).returncode == 0
    # T2 opens 30 April 2026 at midnight, Oslo time (UTC+2 in summer).
    early = mestring("dispatch", "--once", "--now", "2026-04-29T23:59", home=tmp_path)
    assert "sent 0" in early.stdout, early.stdout + early.stderr
    on_time = mestring("dispatch", "--once", "--now", "2026-04-30T00:01", home=tmp_path)
    assert on_time.returncode == 0 and "sent message" in on_time.stdout and "sent 1" in on_time.stdout
    outbox = list((tmp_path / "var" / "outbox").glob("*.eml"))
    assert len(outbox) == 1 and b"anne@example.no" in outbox[0].read_bytes()
    assert mestring("dispatch", "--once", "--now", "yesterday", home=tmp_path).returncode == 2


def test_naive_times_are_oslo_time():
    assert parse_now("2026-07-01T12:00").isoformat() == "2026-07-01T10:00:00+00:00"
    assert parse_now("2026-01-01T12:00").isoformat() == "2026-01-01T11:00:00+00:00"
    assert parse_now("2026-01-01T12:00+00:00").isoformat() == "2026-01-01T12:00:00+00:00"


def test_demo_seed_only_shows_every_wave_state(tmp_path):
    result = mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path / "ignored")
    assert result.returncode == 0, result.stderr
    assert "demo-passord" in result.stdout and "kari.nordmann@demo.mestring.no" in result.stdout
    assert "Seeding demo job seekers: 36/36" in result.stderr
    database = sqlite3.connect(tmp_path / "var" / "demo.sqlite3")
    programmes = {row[0] for row in database.execute("select distinct programme from participant")}
    assert programmes == {"utvidet_oppfolging", "kvp", "external"}
    specialists = database.execute("select count(distinct specialist) from participant").fetchone()[0]
    assert specialists == 3
    statuses = {row[0] for row in database.execute("select distinct status from wave")}
    assert {"pending", "in_progress", "answered", "withdrawn"} <= statuses
    now = "strftime('%Y-%m-%d %H:%M:%S', 'now')"
    missed = database.execute(
        f"select count(*) from wave where status in ('pending','in_progress') and closes_at < {now}"
    ).fetchone()[0]
    upcoming = database.execute(f"select count(*) from wave where status = 'pending' and opens_at > {now}").fetchone()[
        0
    ]
    assert missed > 0 and upcoming > 0
    work_capacity = [
        row[0] for row in database.execute("select work_capacity from wave where work_capacity is not null")
    ]
    assert len(set(work_capacity)) >= 5
    again = mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path)
    assert again.returncode == 0 and "Seeding" not in again.stderr
    assert database.execute("select count(*) from participant").fetchone()[0] == 36


@pytest.mark.parametrize("value", ["mysql://x/y", "sqlite://"])
def test_bad_settings_are_reported_not_raised(tmp_path, value):
    result = mestring("migrate", home=tmp_path, MESTRING_DATABASE_URL=value)
    assert result.returncode == 2 and "MESTRING_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr
