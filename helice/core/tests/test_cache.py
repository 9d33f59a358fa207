"""The Redis cache backend (core/cache.py): Django's, with one client per pool.
Run against Redis in CI's PostgreSQL half (TEST_REDIS_URL)."""

import os
import subprocess
import sys
import threading
import uuid

import pytest


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


def test_one_client_serves_every_operation_and_threads(redis_cache):
    prefix = uuid.uuid4().hex
    client = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client() is client
    redis_cache.set(f"{prefix}:a", {"x": 1}, 30)
    assert redis_cache.get(f"{prefix}:a") == {"x": 1}
    assert redis_cache.add(f"{prefix}:n", 1, 30) is True
    assert redis_cache.incr(f"{prefix}:n") == 2
    assert redis_cache.get_many([f"{prefix}:a", f"{prefix}:missing"]) == {f"{prefix}:a": {"x": 1}}

    errors = []

    def bump():
        try:
            for _n in range(50):
                redis_cache.incr(f"{prefix}:n")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=bump) for _n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert redis_cache.get(f"{prefix}:n") == 2 + 8 * 50
    redis_cache.delete_many([f"{prefix}:a", f"{prefix}:n"])
