"""Settings: defaults that work out of the box, overrides from MESTRING_* variables."""

from __future__ import annotations

import os
import stat

import pytest

from survey_app.settings import SettingsError, load_settings, parse_smtp_url


def test_defaults_put_everything_under_var(tmp_path):
    settings = load_settings({"MESTRING_HOME": str(tmp_path)})
    assert settings.database_url == "sqlite:///var/mestring.sqlite3"
    assert settings.sqlite_path == tmp_path / "var" / "mestring.sqlite3"
    # No mail server unless one is set: mail is never filed away as if it had been sent.
    assert not settings.uses_outbox and settings.smtp_url is None
    with pytest.raises(SettingsError, match="MESTRING_SMTP_URL"):
        _ = settings.smtp_server
    explicit = load_settings({"MESTRING_HOME": str(tmp_path), "MESTRING_SMTP_URL": "outbox:"})
    assert explicit.uses_outbox and explicit.outbox_roles == ("admin",)
    assert settings.outbox_dir == tmp_path / "var" / "outbox"
    assert settings.base_url == "http://127.0.0.1:8000"
    assert not settings.secure_cookies


def test_secret_key_is_generated_once_with_mode_0600(tmp_path):
    first = load_settings({"MESTRING_HOME": str(tmp_path)})
    second = load_settings({"MESTRING_HOME": str(tmp_path)})
    key_file = tmp_path / "var" / "secret_key"
    assert first.secret_key == second.secret_key
    assert len(first.secret_key) >= 48
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    other = load_settings({"MESTRING_HOME": str(tmp_path / "elsewhere")})
    assert other.secret_key != first.secret_key


def test_overrides(tmp_path):
    settings = load_settings(
        {
            "MESTRING_HOME": str(tmp_path),
            "MESTRING_DATABASE_URL": "postgresql://app@db.internal:5433/mestring",
            "MESTRING_SMTP_URL": "smtps://user:p%40ss@mail.example.no",
            "MESTRING_BASE_URL": "https://mestring.example.no/",
            "MESTRING_SECRET_KEY": "k" * 40,
            "MESTRING_MAIL_FROM": "Studien <studie@example.no>",
        }
    )
    assert settings.database_kind == "postgresql"
    assert settings.base_url == "https://mestring.example.no"
    assert settings.secure_cookies
    assert settings.secret_key == "k" * 40
    assert not (tmp_path / "var" / "secret_key").exists()
    assert settings.mail_from == "Studien <studie@example.no>"
    server = settings.smtp_server
    assert (server.host, server.port, server.use_tls, server.username, server.password) == (
        "mail.example.no",
        465,
        True,
        "user",
        "p@ss",
    )


def test_sqlite_urls_relative_and_absolute(tmp_path):
    relative = load_settings({"MESTRING_HOME": str(tmp_path), "MESTRING_DATABASE_URL": "sqlite:///data/x.db"})
    absolute = load_settings({"MESTRING_HOME": str(tmp_path), "MESTRING_DATABASE_URL": "sqlite:////srv/m/x.db"})
    assert relative.sqlite_path == tmp_path / "data" / "x.db"
    assert str(absolute.sqlite_path) == "/srv/m/x.db"


@pytest.mark.parametrize(
    "name, value",
    [
        ("MESTRING_DATABASE_URL", "mysql://localhost/x"),
        ("MESTRING_DATABASE_URL", "sqlite://"),
        ("MESTRING_DATABASE_URL", "postgresql://app@db.internal:notaport/mestring"),
        ("MESTRING_DATABASE_URL", "postgresql://app@db.internal:99999/mestring"),
        ("MESTRING_SMTP_URL", "http://mail"),
        ("MESTRING_SMTP_URL", "smtp://mail:notaport"),
        ("MESTRING_BASE_URL", "ftp://x"),
        ("MESTRING_SECRET_KEY", "short"),
    ],
)
def test_unusable_values_are_refused_with_the_variable_named(tmp_path, name, value):
    with pytest.raises(SettingsError, match=name):
        load_settings({"MESTRING_HOME": str(tmp_path), name: value})


def test_plain_smtp_defaults_to_port_25():
    assert parse_smtp_url("smtp://localhost").port == 25


def _mode(path) -> int:
    return stat.S_IMODE(path.lstat().st_mode)


def test_var_is_created_private_whatever_the_umask(tmp_path):
    previous = os.umask(0o022)
    try:
        load_settings({"MESTRING_HOME": str(tmp_path / "new-home")})
    finally:
        os.umask(previous)
    assert _mode(tmp_path / "new-home" / "var") == 0o700
    assert _mode(tmp_path / "new-home" / "var" / "secret_key") == 0o600


def test_what_an_older_version_left_readable_in_var_is_made_private(tmp_path):
    var_dir = tmp_path / "var"
    (var_dir / "outbox").mkdir(parents=True)
    files = [var_dir / "mestring.sqlite3", var_dir / "mestring.sqlite3-wal", var_dir / "outbox" / "1.eml"]
    for path in files:
        path.write_bytes(b"personal data")
        path.chmod(0o644)
    for folder in (var_dir / "outbox", var_dir):
        folder.chmod(0o755)
    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not ours", encoding="utf-8")
    elsewhere.chmod(0o644)
    (var_dir / "link").symlink_to(elsewhere)

    load_settings({"MESTRING_HOME": str(tmp_path)})

    assert _mode(var_dir) == _mode(var_dir / "outbox") == 0o700
    assert [_mode(path) for path in files] == [0o600] * len(files)
    assert _mode(elsewhere) == 0o644  # links are not followed out of var/


def test_a_home_that_cannot_hold_var_is_refused_with_the_variable_named(tmp_path):
    home = tmp_path / "a-file"
    home.write_text("", encoding="utf-8")
    with pytest.raises(SettingsError, match="MESTRING_HOME"):
        load_settings({"MESTRING_HOME": str(home)})


def test_an_unreadable_secret_key_is_refused_with_the_remedy(tmp_path):
    (tmp_path / "var" / "secret_key").mkdir(parents=True)
    with pytest.raises(SettingsError, match="delete it"):
        load_settings({"MESTRING_HOME": str(tmp_path)})
