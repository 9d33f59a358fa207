"""Helpers for schema.org JSON-LD and Open Graph."""

import json

from django.conf import settings
from django.utils.html import escape


def absolute_url(path: str, request=None) -> str:
    if path.startswith(("http://", "https://")):
        return path
    if request is not None:
        return request.build_absolute_uri(path)
    return settings.SITE_URL.rstrip("/") + path


def dumps_for_script(data) -> str:
    """JSON safe to embed inside <script type="application/ld+json">."""
    text = json.dumps(data, ensure_ascii=False, default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


__all__ = ["absolute_url", "dumps_for_script", "escape"]
