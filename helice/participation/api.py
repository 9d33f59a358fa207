"""Public API of the participation part."""

from ninja import Router

router = Router(tags=["participation"])
