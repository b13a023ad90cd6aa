"""The ``mestring`` command line, run as a separate process the way people run it."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from mestring_cli.main import NO_SCHEMA, parse_now
from survey_app.mail.outbox import free_port
from survey_app.services.demo import PEOPLE_PER_SPECIALIST, SHOWCASES
from tests.conftest import create_postgres_database, drop_postgres_database, postgres_reachable, unavailable
from tests.helpers import MIGRATION_COUNT, pdf_text

ROOT = Path(__file__).resolve().parents[2]
COHORT = (
    "name,email,language,programme,contact_mode,consent_date,consent_version,specialist_email,enrolled_on\n"
    "Anne,anne@example.no,nb,kvp,email,2025-01-01,1,kari@example.no,2025-01-01\n"
)


def _environ(home: Path, env: dict[str, str]) -> dict[str, str]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MESTRING_")}
    environ.update({"MESTRING_HOME": str(home), **env})
    return environ


def mestring(
    *args: str, home: Path, stdin: str | None = None, timeout: float = 300, **env: str
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "mestring_cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=_environ(home, env),
        timeout=timeout,
    )


def refused(result: subprocess.CompletedProcess, message: str, returncode: int = 1) -> bool:
    """The command stopped with ``message`` as its one line on stderr, and no traceback."""
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == returncode, result.stderr
    assert result.stderr.strip().splitlines() == [f"mestring: {message}"], result.stderr
    return True


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
    assert f"applied {MIGRATION_COUNT} migration(s)" in first.stdout
    again = mestring("migrate", home=tmp_path).stdout
    assert f"applied 0 migration(s), {MIGRATION_COUNT} were already applied" in again

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
    # Without a mail server, nothing pretends to send: the dispatcher says what to set.
    unset = mestring("dispatch", "--once", "--now", "2026-04-30T00:01", home=tmp_path)
    assert unset.returncode == 2 and "MESTRING_SMTP_URL" in unset.stderr and "Traceback" not in unset.stderr
    assert not (tmp_path / "var" / "outbox").exists()
    scheduler = mestring("scheduler", home=tmp_path)
    assert scheduler.returncode == 2 and "MESTRING_SMTP_URL" in scheduler.stderr
    # T2 opens 30 April 2026 at midnight, Oslo time (UTC+2 in summer), in the quiet hours:
    # its invitation waits for 08:00.
    outbox = {"MESTRING_SMTP_URL": "outbox:"}
    early = mestring("dispatch", "--once", "--now", "2026-04-29T23:59", home=tmp_path, **outbox)
    assert "sent 0" in early.stdout, early.stdout + early.stderr
    night = mestring("dispatch", "--once", "--now", "2026-04-30T00:01", home=tmp_path, **outbox)
    assert "sent 0" in night.stdout and "quiet hours" in night.stdout
    on_time = mestring("dispatch", "--once", "--now", "2026-04-30T08:00", home=tmp_path, **outbox)
    assert on_time.returncode == 0 and "sent message" in on_time.stdout and "sent 1" in on_time.stdout
    kept = list((tmp_path / "var" / "outbox").glob("*.eml"))
    assert len(kept) == 1 and b"anne@example.no" in kept[0].read_bytes()
    assert mestring("dispatch", "--once", "--now", "yesterday", home=tmp_path).returncode == 2


def test_naive_times_are_oslo_time():
    assert parse_now("2026-07-01T12:00").isoformat() == "2026-07-01T10:00:00+00:00"
    assert parse_now("2026-01-01T12:00").isoformat() == "2026-01-01T11:00:00+00:00"
    assert parse_now("2026-01-01T12:00+00:00").isoformat() == "2026-01-01T12:00:00+00:00"


def test_demo_seed_only_shows_every_wave_state(tmp_path):
    result = mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path / "ignored")
    assert result.returncode == 0, result.stderr
    assert "demo-passord" in result.stdout and "kari.nordmann@demo.mestring.no" in result.stdout
    total = PEOPLE_PER_SPECIALIST * 3 + len(SHOWCASES)
    assert f"Seeding demo job seekers: {total}/{total}" in result.stderr
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
    assert database.execute("select count(*) from participant").fetchone()[0] == total
    database.close()
    _print_the_demos_paper_forms(tmp_path)


def _print_the_demos_paper_forms(home: Path) -> None:
    """``mestring paper-forms`` on the demo: the due forms once, then nothing, then a reprint."""
    url = {"MESTRING_DATABASE_URL": f"sqlite:///{home / 'var' / 'demo.sqlite3'}"}
    database = sqlite3.connect(home / "var" / "demo.sqlite3")
    due = database.execute(
        "select count(*) from wave w join participant p on p.id = w.participant where p.contact_mode = 'paper' "
        "and p.status = 'active' and w.status in ('pending', 'in_progress') and w.opens_at <= datetime('now') "
        "and w.closes_at > datetime('now') and not exists (select 1 from paper_print pp where pp.wave = w.id)"
    ).fetchone()[0]
    assert due >= 1  # Marit Post's T1 at least
    out = home / "forms.pdf"
    printed = mestring("paper-forms", "--due", "--out", str(out), home=home, **url)
    assert printed.returncode == 0, printed.stderr
    assert f"Wrote {due} form(s)" in printed.stderr and f"Laying out forms: {due}/{due}" in printed.stderr
    assert "Marit Post" in pdf_text(out.read_bytes())
    nothing = mestring("paper-forms", "--due", "--out", str(home / "none.pdf"), home=home, **url)
    assert nothing.returncode == 0 and "Nothing is due" in nothing.stderr and not (home / "none.pdf").exists()
    study_id, wave = database.execute(
        "select p.study_id, w.label from paper_print pp join wave w on w.id = pp.wave "
        "join participant p on p.id = w.participant order by pp.id limit 1"
    ).fetchone()
    again = mestring("paper-forms", "--study-id", study_id, "--wave", wave, "--out", str(out), home=home, **url)
    assert again.returncode == 0 and "reprinted" in again.stderr, again.stderr
    reminders = mestring("paper-forms", "--reminders", "--out", str(home / "letters.pdf"), home=home, **url)
    assert reminders.returncode == 0 and "reminder letter(s)" in reminders.stderr, reminders.stderr
    assert "Nils Brevik" in pdf_text((home / "letters.pdf").read_bytes())
    kinds = database.execute("select kind, reprint, count(*) from paper_print group by kind, reprint").fetchall()
    assert sorted(kinds) == sorted([("form", 0, due + 1), ("form", 1, 1), ("reminder", 0, 1)])


@pytest.mark.parametrize("value", ["mysql://x/y", "sqlite://", "postgresql://app@db:notaport/mestring"])
def test_bad_settings_are_reported_not_raised(tmp_path, value):
    result = mestring("migrate", home=tmp_path, MESTRING_DATABASE_URL=value)
    assert result.returncode == 2 and "MESTRING_DATABASE_URL" in result.stderr and "Traceback" not in result.stderr


# --- mistakes people make: one line that says what to do, never a traceback ------------------


@pytest.fixture
def cohort_csv(tmp_path) -> Path:
    path = tmp_path / "cohort.csv"
    path.write_text(COHORT, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "command",
    [
        ["study"],
        ["dispatch", "--once"],
        ["enrol", "--csv", "{csv}"],
        ["user", "add", "kari@example.no", "--role", "admin"],
        ["scheduler"],
        ["serve", "--port", "{port}"],
    ],
)
def test_commands_before_migrate_say_to_migrate_first(tmp_path, cohort_csv, command):
    arguments = [part.format(csv=cohort_csv, port=free_port()) for part in command]
    mail = {"MESTRING_SMTP_URL": "outbox:"}  # the dispatcher's commands would stop at the mail first
    result = mestring(*arguments, home=tmp_path, stdin="a long enough password\n", timeout=60, **mail)
    assert refused(result, NO_SCHEMA)
    assert not (tmp_path / "var" / "mestring.sqlite3").exists()  # asking created no empty database


def test_a_schema_missing_a_migration_is_out_of_date(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    database = sqlite3.connect(tmp_path / "var" / "mestring.sqlite3")
    with database:
        database.execute("delete from migration where id = (select max(id) from migration)")
    database.close()
    assert refused(mestring("study", home=tmp_path), NO_SCHEMA)


@pytest.mark.postgres
async def test_schema_check_on_postgresql(tmp_path):
    if not postgres_reachable():
        unavailable("PostgreSQL is not reachable")
    url = await create_postgres_database()
    try:
        assert refused(mestring("study", home=tmp_path, MESTRING_DATABASE_URL=url), NO_SCHEMA)
        assert mestring("migrate", home=tmp_path, MESTRING_DATABASE_URL=url).returncode == 0
        shown = mestring("study", home=tmp_path, MESTRING_DATABASE_URL=url)
        assert shown.returncode == 0 and json.loads(shown.stdout)["code"] == "default"
    finally:
        await drop_postgres_database(url)


@pytest.mark.parametrize("command", ["migrate", "study"])
def test_an_unreachable_postgresql_is_named_without_its_password(tmp_path, command):
    url = "postgresql://nobody:s3cret@127.0.0.1:1/mestring"  # nothing listens on port 1
    result = mestring(command, home=tmp_path, timeout=60, MESTRING_DATABASE_URL=url)
    assert "s3cret" not in result.stderr + result.stdout
    assert refused(
        result,
        "Cannot reach the database postgresql://nobody@127.0.0.1:1/mestring (Connect call failed ('127.0.0.1', 1)): "
        "check MESTRING_DATABASE_URL and that the database server is running.",
    )


def test_a_sqlite_file_that_cannot_be_made_is_named(tmp_path):
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    database = tmp_path / "a-file" / "mestring.sqlite3"
    result = mestring("migrate", home=tmp_path, MESTRING_DATABASE_URL=f"sqlite:///{database}")
    assert "Traceback" not in result.stderr and result.returncode == 1
    assert f"Cannot open the database file {database}" in result.stderr
    assert "check MESTRING_DATABASE_URL" in result.stderr


def test_a_home_that_cannot_hold_var_is_named(tmp_path):
    home = tmp_path / "a-file"
    home.write_text("", encoding="utf-8")
    result = mestring("study", home=home)
    assert "Traceback" not in result.stderr and result.returncode == 2
    assert f"cannot use {home / 'var'}" in result.stderr and "set MESTRING_HOME" in result.stderr


def test_a_deleted_study_is_reported_not_raised(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    database = sqlite3.connect(tmp_path / "var" / "mestring.sqlite3")
    with database:
        database.execute("delete from study")
    database.close()
    assert refused(mestring("study", home=tmp_path), "No study is set up yet: run 'mestring migrate'.")


def test_a_missing_or_unreadable_csv_is_named(tmp_path):
    missing = tmp_path / "missing.csv"
    result = mestring("enrol", "--csv", str(missing), home=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{missing}: cannot read the file (No such file or directory): check the path"
    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes(COHORT.replace("Anne", "Åse").encode("latin-1"))
    result = mestring("enrol", "--csv", str(latin1), home=tmp_path)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip() == f"{latin1}: not UTF-8 text: save it as CSV in UTF-8 and try again"


@pytest.mark.parametrize(
    "arguments, complaint",
    [
        (["serve", "--port", "70000"], "argument --port: '70000' is not a port number (1 to 65535), e.g. 8000"),
        (["demo", "--port", "http"], "argument --port: 'http' is not a port number (1 to 65535), e.g. 8000"),
        (["scheduler", "--interval", "0"], "argument --interval: '0' is not a whole number of seconds above 0"),
        (["instruments", "--version", "nope"], "argument --version: invalid choice: 'nope'"),
    ],
)
def test_bad_arguments_are_usage_errors(tmp_path, arguments, complaint):
    result = mestring(*arguments, home=tmp_path, timeout=60)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert complaint in result.stderr


# --- the web server's address ----------------------------------------------------------------


@pytest.fixture
def taken_port() -> Iterator[int]:
    """A port another program listens on."""
    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        yield other.getsockname()[1]


def in_use(port: int) -> str:
    return (
        f"Port {port} on 127.0.0.1 is already in use: stop the other program or choose another with --port {port + 1}"
    )


def test_demo_on_a_taken_port_stops_before_seeding(tmp_path, taken_port):
    result = mestring("demo", "--port", str(taken_port), "--home", str(tmp_path), home=tmp_path, timeout=60)
    assert refused(result, in_use(taken_port))
    assert "is running" not in result.stdout
    assert not (tmp_path / "var" / "demo.sqlite3").exists()


def test_serve_on_a_taken_port_says_which_and_what_to_do(tmp_path, taken_port):
    assert mestring("migrate", home=tmp_path).returncode == 0
    assert refused(mestring("serve", "--port", str(taken_port), home=tmp_path, timeout=60), in_use(taken_port))


@pytest.mark.parametrize(
    "host, complaint",
    [
        ("no-such-host.invalid", "is not a name or address this machine knows"),
        ("192.0.2.1", "is not an address of this machine"),  # TEST-NET-1: never a local address
    ],
)
@pytest.mark.parametrize("command", ["serve", "demo"])
def test_a_host_we_cannot_listen_on_is_named(tmp_path, command, host, complaint):
    result = mestring(command, "--host", host, "--port", str(free_port()), home=tmp_path, timeout=60)
    advice = "use 127.0.0.1 (this machine only) or 0.0.0.0 (all its networks)"
    assert refused(result, f"--host {host} {complaint}: {advice}")


def test_serve_answers_on_its_port_and_stops_cleanly_on_ctrl_c(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "mestring_cli", "serve", "--port", str(port)],
        env=_environ(tmp_path, {}),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert _healthy(f"http://127.0.0.1:{port}/healthz", server)
        server.send_signal(signal.SIGINT)
        _, stderr = server.communicate(timeout=30)
    finally:
        server.kill()
    assert server.returncode == 0 and "Traceback" not in stderr
    assert f"Serving on http://127.0.0.1:{port}" in stderr


def _healthy(url: str, server: subprocess.Popen, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and server.poll() is None:
        try:
            return httpx.get(url, timeout=2).text == "ok"
        except httpx.TransportError:
            time.sleep(0.1)
    return False


def test_readme_needs_nothing_outside_the_repository_and_names_the_port_option():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "../" not in readme
    assert "mestring demo --port 8001" in readme


def test_export_and_analyse_the_demo_panel_without_names(tmp_path):
    assert mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path).returncode == 0
    demo_database = {"MESTRING_DATABASE_URL": f"sqlite:///{tmp_path / 'var' / 'demo.sqlite3'}"}
    for shape, rows in (("long", 4 * (PEOPLE_PER_SPECIALIST * 3 + len(SHOWCASES))), ("wide", None)):
        out = tmp_path / f"panel-{shape}.csv"
        result = mestring("export", "--shape", shape, "--out", str(out), home=tmp_path, **demo_database)
        assert result.returncode == 0, result.stderr
        assert "Exporting participants:" in result.stderr  # progress on the terminal
        text = out.read_text()
        assert text.startswith("study_id,programme,")
        assert "@" not in text and "Nordmann" not in text and "Anne Lund" not in text
        if rows:
            assert len(text.splitlines()) == rows + 1
    missing = mestring("export", "--out", str(tmp_path / "no" / "such" / "p.csv"), home=tmp_path, **demo_database)
    assert missing.returncode == 2 and "no such folder" in missing.stderr and "Traceback" not in missing.stderr

    # The analyses of the demo's database and of its exported long CSV agree (only meta differs).
    from_database = mestring(
        "analyse",
        "--json",
        str(tmp_path / "db.json"),
        "--pdf",
        str(tmp_path / "db.pdf"),
        home=tmp_path,
        **demo_database,
    )
    assert from_database.returncode == 0, from_database.stderr
    assert "Reading participants:" in from_database.stderr and "Analyses: 6/6" in from_database.stderr
    from_file = mestring("analyse", "--input", str(tmp_path / "panel-long.csv"), home=tmp_path)
    assert from_file.returncode == 0, from_file.stderr
    database_result = json.loads((tmp_path / "db.json").read_text())
    file_result = json.loads(from_file.stdout)
    assert database_result["meta"]["input"] == "database" and file_result["meta"]["input"] == "file:panel-long.csv"
    assert {k: v for k, v in database_result.items() if k != "meta"} == {
        k: v for k, v in file_result.items() if k != "meta"
    }
    # The demo has register data for those enrolled a year ago or more: the hours analyses run.
    assert database_result["hours_by_time"]["time"]["F"] is not None
    assert database_result["prediction"]["multiple"]["n"] > 6
    assert (tmp_path / "db.pdf").read_bytes().startswith(b"%PDF")
    unknown = mestring("analyse", "--group-a", "nope", home=tmp_path, **demo_database)
    assert unknown.returncode == 2 and "no participant in programme 'nope'" in unknown.stderr
    assert "Traceback" not in unknown.stderr


def test_power_reproduces_the_studys_a_priori_n_and_refuses_bad_settings(tmp_path):
    # study.md: G*Power, power .80, f = .25, alpha .05, two groups, repeated measures: total N 78;
    # the between factor with two measurements correlated .2 gives it (analysis/power.py).
    result = mestring(
        "power", "rm-between", "--effect", "0.25", "--power", "0.8", "--corr", "0.2", "--json", home=tmp_path
    )
    assert result.returncode == 0, result.stderr
    answer = json.loads(result.stdout)
    assert answer["test"] == "rm-between" and answer["n_total"] == 78 and 0.80 <= answer["power"] < 0.81
    # pwr.t.test(d = .5, power = .8): n = 63.77 per group, so 128 in all (pwr 1.3-0 vignette).
    assert (
        json.loads(mestring("power", "ttest", "--effect", "0.5", "--power", ".8", "--json", home=tmp_path).stdout)[
            "n_total"
        ]
        == 128
    )
    bad = mestring("power", "anova", "--effect", "-1", "--n", "10", home=tmp_path)
    assert bad.returncode == 2 and "effect" in bad.stderr and "Traceback" not in bad.stderr


def test_register_import_reports_lines_and_imports_all_or_nothing(tmp_path):
    assert mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path).returncode == 0
    database = tmp_path / "var" / "demo.sqlite3"
    env = {"MESTRING_DATABASE_URL": f"sqlite:///{database}"}

    def register_rows() -> list[tuple]:
        query = "select participant, hours_before, hours_after from register_outcome order by participant"
        return sqlite3.connect(database).execute(query).fetchall()

    # The demo has register data for those enrolled a year ago or more; these two have none yet.
    query = "select study_id from participant where id not in (select participant from register_outcome) limit 2"
    study_ids = [row[0] for row in sqlite3.connect(database).execute(query)]
    before = register_rows()
    bad = tmp_path / "bad.csv"
    bad.write_text(f"study_id;hours_before;hours_after\n{study_ids[0]};10;12\n{study_ids[1]};-3;12\n")
    refused_run = mestring("register", "import", str(bad), "--lang", "nb", home=tmp_path, **env)
    assert (
        refused_run.returncode == 1 and f"{bad}:3 [hours_before]: Timer kan ikke være negative." in refused_run.stderr
    )
    assert register_rows() == before
    good = tmp_path / "good.csv"
    good.write_text(f"study_id,hours_before,hours_after\n{study_ids[0]},10,12\n{study_ids[1]},0,37.5\n")
    done = mestring("register", "import", str(good), home=tmp_path, **env)
    assert done.returncode == 0 and "for 2 participant(s)" in done.stdout, done.stderr
    assert len(register_rows()) == len(before) + 2
