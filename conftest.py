"""Project-wide pytest fixtures."""

import pytest


@pytest.fixture(autouse=True)
def _hermetic(settings, tmp_path):
    """Every test: media in a temporary folder, mail kept in memory, no real tiles."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.MAP_TILE_URL = ""
