"""Registry of personal data, so every part contributes to a person's export and to
the erasure of their account without the accounts part importing them.

A part registers its section once, in its ``AppConfig.ready()``::

    from helice.core import personal_data

    personal_data.register(
        "guichet.requests",
        exporter=lambda user: [...],          # JSON-serialisable
        eraser=erase_requests,                # optional: eraser(user) -> None
        description=_("Orientation requests you sent."),
    )

Contract:

- ``exporter(user)`` returns everything of that part the person created or is
  linked to, as JSON-serialisable data (dates as ISO strings); nothing about
  anyone else.
- ``eraser(user)`` is called inside the account-deletion transaction, before the
  user row is anonymised: it deletes or anonymises that part's personal data. If
  it raises, the whole deletion is rolled back. Public contributions may stay,
  linked to the (anonymised) user, whose ``public_name`` then reads "Deleted
  account".
- Sections run in registration order; registering a key twice replaces it (so a
  module reloaded by tests does not register twice).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["Section", "erase", "export", "register", "sections", "unregister"]


@dataclass(frozen=True)
class Section:
    key: str
    exporter: Callable[[Any], Any]
    eraser: Callable[[Any], None] | None = None
    description: str = ""


_registry: dict[str, Section] = {}


def register(
    key: str,
    exporter: Callable[[Any], Any],
    eraser: Callable[[Any], None] | None = None,
    *,
    description: str = "",
) -> None:
    """Add (or replace) the section ``key`` ("app.topic")."""
    if not callable(exporter) or (eraser is not None and not callable(eraser)):
        raise TypeError("exporter and eraser must be callables")
    _registry[key] = Section(key=key, exporter=exporter, eraser=eraser, description=description)


def unregister(key: str) -> None:
    _registry.pop(key, None)


def sections() -> list[Section]:
    return list(_registry.values())


def export(user) -> dict[str, dict[str, Any]]:
    """Every section's data: ``{key: {"description": ..., "data": ...}}``."""
    return {
        section.key: {"description": str(section.description), "data": section.exporter(user)}
        for section in _registry.values()
    }


def erase(user) -> None:
    """Call every eraser; the caller holds the transaction."""
    for section in _registry.values():
        if section.eraser is not None:
            section.eraser(user)
