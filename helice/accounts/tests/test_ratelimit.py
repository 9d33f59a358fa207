"""The generic rate limiter of helice.core.ratelimit."""

import uuid

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from helice.core import ratelimit

from .factories import UserFactory


def _request(ip="203.0.113.5", method="post", user=None):
    request = getattr(RequestFactory(), method)("/", REMOTE_ADDR=ip)
    request.user = user or AnonymousUser()
    return request


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("5/m", ratelimit.Rate(5, 60, "ip")),
        ("10/15m", ratelimit.Rate(10, 900, "ip")),
        ("100/d/user", ratelimit.Rate(100, 86400, "user")),
        ("3/30s", ratelimit.Rate(3, 30, "ip")),
    ],
)
def test_parse_rate(text, expected):
    assert ratelimit.parse_rate(text) == expected


@pytest.mark.parametrize("text", ["5", "5/", "x/m", "5/m/key", "5/10w", "5/m/ip/x", "-1/m"])
def test_parse_rate_refuses_malformed(text):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(text)


def test_hit_allows_up_to_the_amount_per_ip_and_scope():
    request = _request()
    assert [ratelimit.hit(request, "test.scope", rate="3/h") for _ in range(4)] == [True, True, True, False]
    # another scope and another address have their own counters
    assert ratelimit.hit(request, "test.other", rate="3/h")
    assert ratelimit.hit(_request(ip="198.51.100.7"), "test.scope", rate="3/h")


def test_key_narrows_the_counter():
    request = _request()
    assert ratelimit.hit(request, "test.key", rate="1/h", key="a@example.org")
    assert not ratelimit.hit(request, "test.key", rate="1/h", key="a@example.org")
    assert ratelimit.hit(request, "test.key", rate="1/h", key="b@example.org")


@pytest.mark.django_db
def test_per_user_counts_the_user_whatever_the_address():
    user = UserFactory()
    assert ratelimit.hit(_request(user=user), "test.user", rate="1/h/user")
    assert not ratelimit.hit(_request(ip="198.51.100.9", user=user), "test.user", rate="1/h/user")


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the forged left part is ignored
        (2, "6.6.6.6, 203.0.113.9, 10.0.0.2", "203.0.113.9"),
        (2, "203.0.113.9", "10.0.0.1"),  # too short: did not cross every proxy
        (1, "not-an-ip", None),
    ],
)
def test_client_ip_through_trusted_proxies(settings, count, forwarded, expected):
    settings.TRUSTED_PROXY_COUNT = count
    request = RequestFactory().get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert ratelimit.client_ip(request) == expected


def test_client_ip_ignores_forwarded_header_without_proxy(settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = RequestFactory().get("/", REMOTE_ADDR="203.0.113.5", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert ratelimit.client_ip(request) == "203.0.113.5"


@pytest.mark.django_db
def test_decorator_answers_429_in_our_layout_on_post_only():
    @ratelimit.ratelimit("test.view", "1/h")
    def view(request):
        return HttpResponse("ok")

    assert view(_request()).status_code == 200
    response = view(_request())
    assert response.status_code == 429
    assert "<h1>" in response.content.decode()  # our layout, not a bare text
    assert view(_request(method="get")).status_code == 200


@pytest.mark.django_db
def test_the_data_export_is_limited_per_user_by_the_decorator(client):
    assert not hasattr(ratelimit, "reset")  # unused helpers are not kept
    user = UserFactory(verified=True)
    client.force_login(user)
    url = reverse("accounts:data_export")
    assert [client.get(url).status_code for _ in range(10)] == [200] * 10
    response = client.get(url)
    assert response.status_code == 429 and 'class="site-header"' in response.content.decode()
    client.force_login(UserFactory(verified=True))  # another person has their own counter
    assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_account_deletion_attempts_are_limited_per_user(client):
    client.force_login(UserFactory(verified=True))
    url = reverse("accounts:delete")
    assert [client.post(url, {"password": "wrong"}).status_code for _ in range(10)] == [400] * 10
    assert client.post(url, {"password": "wrong"}).status_code == 429
    assert client.get(url).status_code == 200  # reading the page is not counted


def test_on_redis_the_counter_counts_every_attempt_and_expires(redis_cache, monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_030.0)  # mid-window: no boundary crossed
    rate, scope = ratelimit.parse_rate("2/m"), f"redis-test-{uuid.uuid4().hex}"
    request = _request(ip="198.51.100.7")
    assert [ratelimit.hit(request, scope, rate="2/m") for _n in range(3)] == [True, True, False]
    key = redis_cache.make_and_validate_key(ratelimit._cache_key(request, scope, rate, None, 30_000_000))
    client = redis_cache._cache.get_client(key)
    assert int(client.get(key)) == 3  # refused attempts count too
    assert 0 < client.ttl(key) <= 61  # the window's counter expires with it
    # A counter written the former way (Django's add) keeps counting.
    other = _request(ip="198.51.100.8")
    redis_cache.add(ratelimit._cache_key(other, scope, rate, None, 30_000_000), 1, timeout=61)
    assert [ratelimit.hit(other, scope, rate="2/m") for _n in range(2)] == [True, False]


def test_on_redis_concurrent_hits_never_exceed_the_amount(redis_cache, monkeypatch):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1_800_000_030.0)  # one window
    from concurrent.futures import ThreadPoolExecutor

    scope = f"redis-race-{uuid.uuid4().hex}"

    def one(_n):
        return ratelimit.hit(_request(ip="198.51.100.9"), scope, rate="10/m")

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(one, range(40)))
    assert answers.count(True) == 10
