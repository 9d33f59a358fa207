"""Public API of the spaces part."""

from ninja import Router

router = Router(tags=["spaces"])
