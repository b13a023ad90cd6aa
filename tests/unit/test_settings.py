"""Settings: defaults that work out of the box, overrides from MESTRING_* variables."""

from __future__ import annotations

import stat

import pytest

from survey_app.settings import SettingsError, load_settings, parse_smtp_url


def test_defaults_put_everything_under_var(tmp_path):
    settings = load_settings({"MESTRING_HOME": str(tmp_path)})
    assert settings.database_url == "sqlite:///var/mestring.sqlite3"
    assert settings.sqlite_path == tmp_path / "var" / "mestring.sqlite3"
    assert settings.uses_outbox and settings.smtp_url is None
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
