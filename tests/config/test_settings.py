"""Settings come from the environment only, with safe defaults and loud errors."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, parse_database_url

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DATABASE_URL": "postgres://omov:secret@db:5432/omov",
    "REDIS_URL": "redis://redis:6379/0",
    "SECRET_KEY": "k8#Jd2-pQ0x!vT7zL4mN9wR1yB6cF3hG5sE0uA2iO8qW4eZ7rX1tY6",
    "ALLOWED_HOSTS": "omov.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://omov.example.org",
    "EMAIL_HOST": "smtp.example.org",
    "TRUST_X_FORWARDED_PROTO": "1",
}


def manage(*args, env):
    clean = {k: v for k, v in os.environ.items()
             if k not in {"DATABASE_URL", "REDIS_URL", "SECRET_KEY", "DEBUG", "HTTPS",
                          "DJANGO_ALLOW_ASYNC_UNSAFE"}}
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env={**clean, **env},
                          capture_output=True, text=True, timeout=120, check=False)


def test_check_deploy_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_secret_key_is_required_when_debug_is_off():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off" in result.stderr


def test_a_bad_boolean_names_the_variable():
    result = manage("check", env={**PRODUCTION, "DEBUG": "perhaps"})
    assert "DEBUG must be a boolean" in result.stderr


def test_env_parsers(monkeypatch):
    monkeypatch.setenv("X_FLAG", "yes")
    assert env_bool("X_FLAG", False) is True
    monkeypatch.setenv("X_NUM", "12x")
    with pytest.raises(ImproperlyConfigured, match="X_NUM must be an integer"):
        env_int("X_NUM", 1)


def test_database_urls(tmp_path):
    pg = parse_database_url("postgres://u:p%40ss@127.0.0.1:5433/omov?sslmode=require", tmp_path)
    assert pg["ENGINE"] == "django.db.backends.postgresql"
    assert (pg["NAME"], pg["USER"], pg["PASSWORD"], pg["HOST"], pg["PORT"]) == (
        "omov", "u", "p@ss", "127.0.0.1", "5433")
    assert pg["OPTIONS"] == {"sslmode": "require"}
    sqlite = parse_database_url("sqlite:///db.sqlite3", tmp_path)
    assert sqlite["NAME"] == str(tmp_path / "db.sqlite3")
    assert parse_database_url("sqlite:////var/omov.db", tmp_path)["NAME"] == "/var/omov.db"
    with pytest.raises(ImproperlyConfigured, match="not supported"):
        parse_database_url("mysql://x/y", tmp_path)


def _database_options(env):
    result = manage("shell", "-c",
                    "from django.conf import settings; "
                    "print(sorted(settings.DATABASES['default']['OPTIONS'].items()))", env=env)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_postgresql_prepares_repeated_statements_unless_told_not_to():
    assert _database_options(PRODUCTION) == (
        "[('prepare_threshold', 5), ('server_side_binding', True)]")
    off = _database_options({**PRODUCTION, "DATABASE_PREPARED_STATEMENTS": "0"})
    assert off == "[]"
