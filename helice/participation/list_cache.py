"""The proposals list's short cache (docs/participation.md, "Caching").

The results fragment of a consultation's list (count, cards, pagination) is kept
``PARTICIPATION_LIST_CACHE_SECONDS`` (10 by default) per consultation, content
version, language, normalised filters, sort, seed and page. The version
(``Consultation.list_version``) moves whenever a proposal is created, edited,
changes state or is deleted (signals.py), so those show at once; opinions and
comments do not move it, so their counts lag at most the cache's lifetime.

Nothing personal is cached: the fragment is rendered without the request (no
context processors, no user), and each card carries a slot (``<helice-mine N>``,
which no escaped value can produce) where the person's own opinion goes. The
cache holds the fragment split at those slots; ``join`` fills them from the
person's own query, on every request."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

SLOT = re.compile(r"<helice-mine (\d+)>")


class _Slots(dict):
    """Given to ``proposal_cards`` instead of the person's opinions: each card gets
    the slot of its proposal instead of a mark."""


SLOTS = _Slots()


def slot(proposal_id: int) -> SafeString:
    return mark_safe(f"<helice-mine {int(proposal_id)}>")  # noqa: S308 - an int


def seconds() -> int:
    return max(0, int(getattr(settings, "PARTICIPATION_LIST_CACHE_SECONDS", 0) or 0))


def key(kind: str, consultation, params: dict) -> str:
    """The cache key of one list answer: ``kind`` (page, api…), the consultation
    (id, slug, version), the language and the normalised parameters."""
    raw = urlencode(sorted((k, str(v)) for k, v in params.items()))
    digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
    return (
        f"participation:list:{kind}:{consultation.pk}:{consultation.list_version}:{consultation.slug}:"
        f"{get_language() or ''}:{digest}"
    )


def get(cache_key: str):
    return cache.get(cache_key) if seconds() else None


def put(cache_key: str, value) -> None:
    if seconds():
        cache.set(cache_key, value, seconds())


def get_many(keys: dict[str, str]) -> dict:
    """{name: value} for the names of ``keys`` ({name: cache key}) found, in one round trip."""
    if not keys or not seconds():
        return {}
    found = cache.get_many(list(keys.values()))
    return {name: found[k] for name, k in keys.items() if k in found}


def put_many(values: dict) -> None:
    """Keep ``values`` ({cache key: value}), in one round trip."""
    if values and seconds():
        cache.set_many(values, seconds())


def split(html: str) -> list:
    """The fragment cut at its slots: [html, id, html, id, …, html]."""
    parts = SLOT.split(str(html))
    return [int(p) if i % 2 else p for i, p in enumerate(parts)]


def ids(parts: list) -> list[int]:
    return parts[1::2]


def join(parts: list, marks: dict[int, str]) -> SafeString:
    """The fragment with each slot replaced by the person's mark (or nothing)."""
    return mark_safe(  # noqa: S308 - the fragment and the marks are built by format_html
        "".join(marks.get(p, "") if i % 2 else p for i, p in enumerate(parts))
    )
