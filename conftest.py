"""Project-wide pytest fixtures."""

import os

import pytest
from django.core.cache import cache
from django.utils import translation

from helice.directory import search_index
from helice.guichet import matching


@pytest.fixture(autouse=True)
def _hermetic(settings, tmp_path):
    """Every test: media in a temporary folder, mail kept in memory, no real tiles,
    a fast password hasher, and French active (a request under /en/ must not leak into the next test)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MAP_TILE_URL = ""
    # Hashing with PBKDF2's production cost takes a third of a second per password:
    # the suite creates hundreds of users. What is tested is who may log in, not the hash.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    cache.clear()  # cached search results must not leak from one test's data to the next
    translation.activate("fr")
    search_index.reset()
    matching.reset()
    yield
    translation.deactivate()


@pytest.fixture
def redis_cache(settings):
    """The production cache backend on a real Redis (``TEST_REDIS_URL``, which CI sets
    for its PostgreSQL half; skipped without it). Never cleared: parallel test
    processes may share the database, so each test writes under keys of its own."""
    url = os.environ.get("TEST_REDIS_URL", "")
    if not url:
        pytest.skip("Redis only: CI runs it with TEST_REDIS_URL (the PostgreSQL half)")
    settings.CACHES = {"default": {"BACKEND": "helice.core.cache.RedisCache", "LOCATION": url}}
    from django.core.cache import caches

    return caches["default"]
