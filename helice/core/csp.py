"""Helpers for the Content Security Policy (settings-time, no Django import).

The policy itself is ``CONTENT_SECURITY_POLICY`` in ``helice/settings.py``
(django-csp 4); docs/architecture.md ("Security") explains it.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit


def url_origin(url: str | None) -> str | None:
    """The origin of an address or of an address template, as a CSP source.

    ``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` -> ``https://tile.openstreetmap.org``;
    a Leaflet subdomain placeholder becomes a wildcard
    (``https://{s}.tile.example.org/...`` -> ``https://*.tile.example.org``).
    Empty, relative or non-http(s) addresses give ``None``: nothing to allow.
    """
    if not url:
        return None
    # Placeholders are not valid in a host name: replace them before parsing.
    parts = urlsplit(url.strip().replace("{s}", "__subdomain__"))
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.replace("__subdomain__", "*")
    if "{" in host or "}" in host:
        return None
    if ":" in host:  # an IPv6 address
        host = f"[{host}]"
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{host}{port}"


def origins(urls: Iterable[str | None]) -> list[str]:
    """The distinct origins of ``urls``, in order, without the empty ones."""
    found: list[str] = []
    for url in urls:
        origin = url_origin(url)
        if origin and origin not in found:
            found.append(origin)
    return found
