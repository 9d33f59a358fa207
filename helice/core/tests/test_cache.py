"""The Redis cache backend (core/cache.py): Django's, with one client per pool.
Run against Redis in CI's PostgreSQL half (TEST_REDIS_URL)."""

import os
import subprocess
import sys
import threading
import uuid

import pytest
from django.core.cache import caches

REDIS_URL = os.environ.get("TEST_REDIS_URL", "")


@pytest.mark.parametrize(
    ("url", "backend", "sessions"),
    [
        ("redis://127.0.0.1:6379/1", "helice.core.cache.RedisCache", "django.contrib.sessions.backends.cached_db"),
        (
            "locmemcache://helice",
            "django.core.cache.backends.locmem.LocMemCache",
            "django.contrib.sessions.backends.db",
        ),
    ],
)
def test_the_cache_url_selects_the_backend_and_the_sessions(url, backend, sessions):
    code = "from django.conf import settings; print(settings.CACHES['default']['BACKEND'], settings.SESSION_ENGINE)"
    env = {**os.environ, "CACHE_URL": url, "DJANGO_SETTINGS_MODULE": "helice.settings"}
    env.pop("SESSION_ENGINE", None)
    out = subprocess.run(
        [sys.executable, "-c", f"import django; django.setup(); {code}"], env=env, capture_output=True, text=True
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == [backend, sessions]


@pytest.fixture
def redis_backend(settings):
    if not REDIS_URL:
        pytest.skip("Redis only: CI runs it with TEST_REDIS_URL (the PostgreSQL half)")
    settings.CACHES = {"default": {"BACKEND": "helice.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    return caches["default"]


def test_one_client_serves_every_operation_and_threads(redis_backend):
    prefix = uuid.uuid4().hex
    client = redis_backend._cache.get_client(write=True)
    assert redis_backend._cache.get_client() is client
    redis_backend.set(f"{prefix}:a", {"x": 1}, 30)
    assert redis_backend.get(f"{prefix}:a") == {"x": 1}
    assert redis_backend.add(f"{prefix}:n", 1, 30) is True
    assert redis_backend.incr(f"{prefix}:n") == 2
    assert redis_backend.get_many([f"{prefix}:a", f"{prefix}:missing"]) == {f"{prefix}:a": {"x": 1}}

    errors = []

    def bump():
        try:
            for _n in range(50):
                redis_backend.incr(f"{prefix}:n")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_backend.get(f"{prefix}:n") == 2 + 8 * 50
    redis_backend.delete_many([f"{prefix}:a", f"{prefix}:n"])
