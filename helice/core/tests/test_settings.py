"""Production mode refuses unsafe configuration; development works with defaults."""

import os
import subprocess
import sys

import pytest
from django.conf import settings

CHECK = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


def run(env_overrides):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "HELICE_ENV", "DEBUG", "DATABASE_URL")}
    env.update({"DJANGO_SETTINGS_MODULE": "helice.settings", **env_overrides})
    return subprocess.run([sys.executable, "-c", CHECK], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)


def test_production_refuses_to_start_without_a_secret_key():
    result = run({"HELICE_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run({"HELICE_ENV": "production", "SECRET_KEY": "short"})
    assert result.returncode != 0


def test_production_with_a_key_is_not_in_debug():
    result = run({"HELICE_ENV": "production", "SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": "example.org"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_defaults_need_no_environment():
    result = run({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


@pytest.mark.skipif("sqlite" not in settings.DATABASES["default"]["ENGINE"], reason="SQLite only")
def test_sqlite_runs_in_wal_mode(db):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("PRAGMA journal_mode")
        mode = cursor.fetchone()[0]
    # In-memory test databases cannot use WAL; the option must at least be configured.
    assert mode in ("wal", "memory")
    assert "journal_mode=WAL" in settings.DATABASES["default"]["OPTIONS"]["init_command"]
