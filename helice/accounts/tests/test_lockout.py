"""django-axes: a username+IP pair is locked out after AXES_FAILURE_LIMIT failures."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.utils import timezone

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN_URL = "/comptes/login/"


def _fail(client, email, ip="203.0.113.10"):
    return client.post(LOGIN_URL, {"login": email, "password": "wrong-password"}, REMOTE_ADDR=ip)


def test_lockout_after_the_failure_limit_then_cool_off(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(verified=True)
    statuses = [_fail(client, user.email).status_code for _ in range(3)]
    assert statuses[:2] == [200, 200]
    assert statuses[2] == 429

    # locked: even the right password is refused, with our page
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 429
    content = response.content.decode()
    assert 'class="site-header"' in content and "<h1>" in content
    assert client.session.get("_auth_user_id") is None

    # the same address from another connection is not locked (username + IP)
    other = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="198.51.100.20")
    assert other.status_code == 302

    # once the cool-off has passed, the pair may sign in again
    client.logout()
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(hours=2))
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(user.pk)


def test_lockout_counts_the_address_case_insensitively(client, settings):
    settings.AXES_FAILURE_LIMIT = 2
    user = UserFactory(verified=True)
    _fail(client, user.email.upper())
    assert _fail(client, user.email).status_code == 429


def test_lockout_page_in_english(client, settings):
    settings.AXES_FAILURE_LIMIT = 1
    user = UserFactory(verified=True)
    response = client.post("/en/comptes/login/", {"login": user.email, "password": "nope"})
    assert response.status_code == 429
    content = response.content.decode()
    assert '<html lang="en">' in content
    assert "Sign-in temporarily blocked" in content


def test_a_success_resets_the_failures(client, settings):
    settings.AXES_FAILURE_LIMIT = 3
    user = UserFactory(verified=True)
    _fail(client, user.email)
    _fail(client, user.email)
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD}, REMOTE_ADDR="203.0.113.10")
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username=user.email).exists()
    client.logout()
    assert _fail(client, user.email).status_code == 200  # counting starts again
