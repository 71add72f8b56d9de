"""Settings come from the environment; production settings pass Django's deploy checks."""

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "a-long-random-production-secret-key-for-tests-only-0123456789abcdef",
    "ALLOWED_HOSTS": "learn.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://learn.example.com",
}


def run(args, env_overrides, **kwargs):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    for key in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS"):
        env.pop(key, None)
    env.update(env_overrides)
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, **kwargs
    )


def settings_value(expression, env_overrides):
    code = (
        "import django, json, os; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings');"
        "django.setup(); from django.conf import settings as s;"
        f"print(json.dumps({expression}))"
    )
    result = run(["-c", code], env_overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_check_deploy_is_clean_with_production_settings():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_warns_with_development_defaults():
    result = run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], {})
    assert result.returncode != 0
    assert "security.W018" in result.stderr  # DEBUG on


def test_production_refuses_to_start_without_a_secret_key():
    env = dict(PRODUCTION)
    del env["SECRET_KEY"]
    result = run(["manage.py", "check"], env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_development_defaults_run_on_sqlite_with_local_hosts():
    value = settings_value(
        "[s.DEBUG, s.DATABASES['default']['ENGINE'], s.ALLOWED_HOSTS, s.SESSION_COOKIE_SECURE]", {}
    )
    assert value == [True, "django.db.backends.sqlite3", ["127.0.0.1", "localhost", "[::1]"], False]


def test_database_url_selects_postgresql_with_psycopg():
    url = "postgres://learner:pw@db.internal:5433/vsk"
    engine, name, host, port = settings_value(
        "[s.DATABASES['default'][k] for k in ('ENGINE', 'NAME', 'HOST', 'PORT')]", {"DATABASE_URL": url}
    )
    assert (engine, name, host, port) == ("django.db.backends.postgresql", "vsk", "db.internal", 5433)
    import psycopg  # the driver Django's backend will use

    assert psycopg.__version__.startswith("3.")


def test_postgresql_connections_are_kept_and_sqlite_ones_are_not():
    """A new PostgreSQL connection is a new server process: kept 60 s (health-checked)
    unless DATABASE_CONN_MAX_AGE says otherwise; SQLite's are opened per request."""
    keep = "[s.DATABASES['default'][k] for k in ('CONN_MAX_AGE', 'CONN_HEALTH_CHECKS')]"
    url = "postgres://learner:pw@db.internal:5433/vsk"
    assert settings_value(keep, {"DATABASE_URL": url}) == [60, True]
    assert settings_value(keep, {"DATABASE_URL": url, "DATABASE_CONN_MAX_AGE": "0"})[0] == 0
    assert settings_value(keep, {})[0] == 0


def test_production_security_settings_come_on_together():
    value = settings_value(
        "[s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS,"
        " s.ALLOWED_HOSTS, s.CSRF_TRUSTED_ORIGINS]",
        PRODUCTION,
    )
    assert value == [True, True, True, 31536000, ["learn.example.com"], ["https://learn.example.com"]]


@pytest.mark.parametrize("bad", ["maybe", "2"])
def test_a_malformed_boolean_is_an_error_not_a_guess(bad):
    result = run(["manage.py", "check"], {"DEBUG": bad})
    assert result.returncode != 0
    assert f"DEBUG={bad!r} is not a boolean" in result.stderr


def test_sqlite_writes_ahead_and_syncs_at_checkpoints(tmp_path):
    """SQLite in write-ahead-log mode with synchronous=NORMAL: readers do not wait for a
    writer, and a commit is not a disk sync of its own (the log is synced at checkpoints;
    a crash of the app loses nothing, a power cut at most the last commits). With the
    default rollback journal each commit synced the disk twice, several ms of every save."""
    code = (
        "import django; django.setup(); from django.db import connection; c = connection.cursor(); "
        "print(c.execute('PRAGMA journal_mode').fetchone()[0], c.execute('PRAGMA synchronous').fetchone()[0])"
    )
    result = run(
        ["-c", code],
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]  # 1: NORMAL


def test_a_sqlite_backup_holds_what_the_write_ahead_log_has_not_checkpointed(tmp_path):
    """The README's advice: while the app runs, a commit may be only in db.sqlite3-wal;
    SQLite's backup copies it, where copying db.sqlite3 alone does not."""
    code = (
        "import django, shutil, sqlite3, sys; django.setup(); from django.db import connection; "
        "c = connection.cursor(); c.execute('PRAGMA wal_autocheckpoint=0'); "
        "c.execute('CREATE TABLE t (v TEXT)'); c.execute(\"INSERT INTO t VALUES ('kept')\"); "
        "db = sys.argv[1]; shutil.copy(db, db + '.copied'); "
        "out = sqlite3.connect(db + '.backup'); sqlite3.connect(db).backup(out); out.close(); "
        "print(len(open(db + '-wal', 'rb').read()) > 0)"
    )
    db = tmp_path / "db.sqlite3"
    result = run(
        ["-c", code, str(db)],
        {"DJANGO_SETTINGS_MODULE": "config.settings", "DATABASE_URL": f"sqlite:///{db}"},
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True"]  # the commit is in the log
    with sqlite3.connect(tmp_path / "db.sqlite3.backup") as backup:
        assert backup.execute("SELECT v FROM t").fetchall() == [("kept",)]
    with sqlite3.connect(tmp_path / "db.sqlite3.copied") as copied:
        with pytest.raises(sqlite3.OperationalError, match="no such table"):
            copied.execute("SELECT v FROM t")
