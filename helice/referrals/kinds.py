"""What each kind of request adds to the common fields: the part that owns the
kind (the guichet for orientation requests, the spaces for settlement requests)
registers how its details read, so the handlers' and requester's pages show them
without this app importing that part."""

from collections.abc import Callable

_describers: dict[str, Callable] = {}


def register(kind: str, describe: Callable) -> None:
    """``describe(request) -> [(label, value), ...]``, in reading order."""
    _describers[kind] = describe


def describe(request) -> list[tuple[str, str]]:
    describer = _describers.get(request.kind)
    return describer(request) if describer else []
