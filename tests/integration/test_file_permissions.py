"""Everything under ``var/`` is for the service user only, whatever the umask of whoever
starts it: the database and its WAL files, the secret key and the outbox's messages hold
names, addresses and personal links."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

from survey_app.db.engine import activate, build_engine
from survey_app.db.migrate import migrate
from survey_app.mail.outbox import Outbox
from tests.conftest import make_settings
from tests.integration.test_cli import mestring

# What many systems give their users: files 0644 and folders 0755, readable by everyone.
PERMISSIVE_UMASK = 0o022
COHORT = (
    "name,email,language,programme,contact_mode,consent_date,consent_version,specialist_email,enrolled_on\n"
    "Anne,anne@example.no,en,kvp,email,2026-01-31,1,kari@example.no,2026-01-31\n"
)


@contextlib.contextmanager
def permissive_umask() -> Iterator[None]:
    """This process's umask, and so that of the commands it starts, as on a typical system."""
    previous = os.umask(PERMISSIVE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_private(var_dir: Path) -> None:
    """``var/`` and every folder in it 0700, every file in it 0600 (links aside: they have no mode)."""
    assert mode(var_dir) == 0o700
    for path in var_dir.rglob("*"):
        if not path.is_symlink():
            assert mode(path) == (0o700 if path.is_dir() else 0o600), path


def test_the_demo_database_its_wal_files_and_the_key_are_private(tmp_path):
    with permissive_umask():
        seeded = mestring("demo", "--seed-only", "--home", str(tmp_path), home=tmp_path)
    assert seeded.returncode == 0, seeded.stderr
    var_dir = tmp_path / "var"
    assert {path.name for path in var_dir.iterdir()} >= {"demo.sqlite3", "secret_key"}
    # SQLite removes -wal and -shm when the last connection closes; an open one brings them back.
    database = sqlite3.connect(var_dir / "demo.sqlite3")
    try:
        assert database.execute("select count(*) from participant").fetchone()[0] > 0
        assert (var_dir / "demo.sqlite3-wal").exists() and (var_dir / "demo.sqlite3-shm").exists()
        assert_private(var_dir)
    finally:
        database.close()


def test_mail_filed_in_the_outbox_by_the_dispatcher_is_private(tmp_path):
    csv = tmp_path / "cohort.csv"
    csv.write_text(COHORT, encoding="utf-8")
    with permissive_umask():
        assert mestring("migrate", home=tmp_path).returncode == 0
        staff = mestring(
            "user", "add", "kari@example.no", "--role", "specialist", home=tmp_path, stdin="long password 1\n"
        )
        assert staff.returncode == 0, staff.stderr
        assert mestring("enrol", "--csv", str(csv), home=tmp_path).returncode == 0
        sent = mestring("dispatch", "--once", "--now", "2026-01-31T12:00", home=tmp_path, MESTRING_SMTP_URL="outbox:")
    assert "sent 1" in sent.stdout, sent.stdout + sent.stderr
    var_dir = tmp_path / "var"
    assert len(list((var_dir / "outbox").glob("*.eml"))) == 1
    assert (var_dir / "mestring.sqlite3").exists()
    assert_private(var_dir)


def test_an_installation_left_readable_by_an_older_version_is_made_private_at_start(tmp_path):
    assert mestring("migrate", home=tmp_path).returncode == 0
    var_dir = tmp_path / "var"
    Outbox(var_dir / "outbox").store(b"Subject: old\r\n\r\nhello\r\n")
    for path in [var_dir, *var_dir.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    outside = tmp_path / "not-ours.txt"
    outside.write_text("someone else's", encoding="utf-8")
    outside.chmod(0o644)
    (var_dir / "link").symlink_to(outside)

    assert mestring("study", home=tmp_path).returncode == 0
    assert_private(var_dir)
    assert mode(outside) == 0o644  # a link is not followed out of var/


def test_the_outbox_files_messages_privately_in_a_private_folder(tmp_path):
    outbox = Outbox(tmp_path / "var" / "outbox")
    with permissive_umask():
        key = outbox.store(b"Subject: Hei\r\nTo: anne@example.no\r\n\r\nhttps://x/a/token\r\n")
    assert mode(outbox.directory) == 0o700
    assert mode(outbox.directory / f"{key}.eml") == 0o600
    assert [entry.key for entry in outbox.entries()] == [key]


async def test_migrate_creates_a_private_sqlite_database_without_the_cli(tmp_path):
    path = tmp_path / "library.sqlite3"
    activate(build_engine(make_settings(tmp_path, f"sqlite:///{path}")))
    with permissive_umask():
        await migrate()
    database = sqlite3.connect(path)
    try:
        database.execute("select count(*) from study").fetchone()
        assert mode(path) == mode(Path(f"{path}-wal")) == mode(Path(f"{path}-shm")) == 0o600
    finally:
        database.close()
