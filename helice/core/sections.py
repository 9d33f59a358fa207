"""Sections that other parts add to a detail page (an organisation's services,
events, spaces…), without the page's app importing theirs.

A part registers, in its AppConfig.ready(), a provider for a model::

    sections.register("directory.Organization", provider)

where ``provider(obj)`` returns a Section or None (nothing to show). The
partner space's organisation page has its own key::

    sections.register("partner-space", provider)   # provider(organization, user=...)

and "my space" (the person's own page) has ``"my-space"``: provider(user, user=...)."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_providers: dict[str, list[Callable]] = defaultdict(list)


@dataclass
class Section:
    title: str
    template: str
    items: Any
    order: int = 100


def register(model_label: str, provider: Callable) -> None:
    if provider not in _providers[model_label]:
        _providers[model_label].append(provider)


def for_object(obj, *, key: str | None = None, **context) -> list[Section]:
    """The sections of ``obj``'s page: the providers registered for its model, or
    for ``key`` when a page is not the object's public page (``"partner-space"``:
    an organisation's page in the partner space, whose providers also receive the
    ``user``)."""
    label = key or obj._meta.label
    found = [s for provider in _providers[label] if (s := provider(obj, **context)) is not None]
    return sorted(found, key=lambda s: s.order)
