"""A small rate limiter for forms that anonymous visitors or users can submit.

Backed by Django's cache with fixed windows, so it works with the local-memory
cache in development and a shared cache (Redis, Memcached, database) in
production, where several processes must see the same counters.

Usage, in a view::

    from helice.core import ratelimit

    if not ratelimit.hit(request, "guichet.request", rate="5/h"):
        return ratelimit.too_many_requests(request)

or as a decorator (POST only by default; the personal-data export counts GETs too)::

    @ratelimit.ratelimit("accounts.data_export", "10/h/user", methods=("GET", "POST"))

A rate is ``"<amount>/<period>[/<per>]"``: the period is a number of seconds,
minutes, hours or days (``"s"``, ``"15m"``, ``"h"``, ``"d"``, a bare unit meaning
one); ``per`` is ``ip`` (default) or ``user`` (the signed-in user, falling back to
the client IP for anonymous visitors). Unlike allauth's rates, ``key`` is not a
``per``: a ``key`` argument passed to :func:`hit` narrows the counter further (for
instance an email address being targeted).

The client IP is read through ``TRUSTED_PROXY_COUNT`` reverse proxies (see
:func:`client_ip` and docs/configuration.md), so a reverse proxy does not make
every visitor share one counter.

allauth's own limiter (``allauth.core.ratelimit``) reads its rates from
``ACCOUNT_RATE_LIMITS`` only, so it cannot serve other parts' scopes; this module
keeps the same rate syntax."""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time
from dataclasses import dataclass
from functools import wraps
from http import HTTPStatus

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

__all__ = ["Rate", "client_ip", "hit", "parse_rate", "ratelimit", "too_many_requests"]

_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
_PERIOD = re.compile(r"^(\d+(?:\.\d+)?)?([smhd])$")


@dataclass(frozen=True)
class Rate:
    amount: int
    seconds: int
    per: str = "ip"


def parse_rate(rate: str) -> Rate:
    """Parse ``"5/m"``, ``"10/15m"``, ``"100/d/user"``; ValueError when malformed."""
    parts = [part.strip() for part in rate.split("/")]
    if len(parts) not in (2, 3):
        raise ValueError(f"Malformed rate {rate!r}: expected '<amount>/<period>[/<per>]'.")
    amount = int(parts[0])
    match = _PERIOD.match(parts[1])
    if amount < 0 or not match:
        raise ValueError(f"Malformed rate {rate!r}: period must look like 's', '15m', 'h' or '2d'.")
    seconds = int(float(match.group(1) or 1) * _UNITS[match.group(2)])
    per = parts[2] if len(parts) == 3 else "ip"
    if per not in ("ip", "user") or seconds < 1:
        raise ValueError(f"Malformed rate {rate!r}: 'per' must be 'ip' or 'user'.")
    return Rate(amount=amount, seconds=seconds, per=per)


def client_ip(request: HttpRequest) -> str | None:
    """The client's IP address, seen through ``TRUSTED_PROXY_COUNT`` reverse proxies.

    Each trusted proxy appends the address it received the request from to
    X-Forwarded-For, so the client is the N-th entry from the right; anything to
    its left may be forged by the client and is ignored. With no trusted proxy (or
    a header too short to have crossed them all) the connection's address is used.
    django-axes (AXES_CLIENT_IP_CALLABLE) and allauth (our account adapter) use
    this same function, so all limits agree on who the client is. None when no
    valid address is known (a request built in code, a malformed header): axes
    stores it as NULL, the limiter counts all such requests together."""
    proxies = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    candidate = None
    if proxies > 0:
        forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxies:
            candidate = forwarded[-proxies]
    if candidate is None:
        candidate = request.META.get("REMOTE_ADDR", "")
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return None


def _cache_key(request: HttpRequest, scope: str, rate: Rate, key: str | None, window: int) -> str:
    user = getattr(request, "user", None)
    if rate.per == "user" and user is not None and user.is_authenticated:
        who = f"user:{user.pk}"
    else:
        who = f"ip:{client_ip(request) or 'unknown'}"
    if key is not None:
        who += ":" + hashlib.sha256(key.encode("utf-8")).hexdigest()[:32]
    return f"helice:rl:{scope}:{rate.amount}/{rate.seconds}:{who}:{window}"


def hit(request: HttpRequest, scope: str, *, rate: str, key: str | None = None) -> bool:
    """Count one attempt in ``scope``; True while within ``rate``, False once over it.

    Every call counts, allowed or not, so hammering keeps the counter full until
    the window ends."""
    parsed = parse_rate(rate)
    window = int(time.time() // parsed.seconds)
    cache_key = _cache_key(request, scope, parsed, key, window)
    return _count(cache_key, parsed.seconds + 1) <= parsed.amount


def _count(cache_key: str, timeout: int) -> int:
    """Add one to the window's counter and return it."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):
        # One round trip on Redis (this runs on every rate-limited request): create
        # the counter with its expiry if it is missing, then increment it; both
        # commands are atomic, and the pipeline keeps their order.
        key = backend.make_and_validate_key(cache_key)
        pipe = backend._cache.get_client(key, write=True).pipeline(transaction=False)
        pipe.set(key, 0, ex=timeout, nx=True)
        pipe.incr(key)
        return int(pipe.execute()[1])
    # add() is atomic; incr() is atomic on Memcached, and good enough on the
    # local-memory cache (one process).
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add() and incr()
        cache.set(cache_key, 1, timeout=timeout)
        return 1


def too_many_requests(request: HttpRequest) -> HttpResponse:
    """Our 429 page, in the site's layout (also used by allauth's limiter)."""
    return TemplateResponse(request, "429.html", status=HTTPStatus.TOO_MANY_REQUESTS).render()


def ratelimit(scope: str, rate: str, *, methods: tuple[str, ...] = ("POST",)):
    """Decorate a view: requests with one of ``methods`` beyond ``rate`` get a 429."""

    parse_rate(rate)  # fail at import time on a malformed rate

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method in methods and not hit(request, scope, rate=rate):
                return too_many_requests(request)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator
