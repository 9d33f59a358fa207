"""Public API of the agenda part."""

from ninja import Router

router = Router(tags=["agenda"])
