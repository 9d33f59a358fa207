"""A version of the agenda's data, changed by every write to events and their
time slots: the iCalendar feeds are cached under it (and their ETags made
from it), so a change shows at once (a change of a space too: its events'
place is the space's) and an unchanged feed is served from the
cache or answered 304. Organisation names shown in a cached feed may lag by
the cache's lifetime (an hour)."""

import uuid

from django.core.cache import cache
from django.db import transaction

VERSION_KEY = "agenda:data-version"


def data_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, None)
        version = cache.get(VERSION_KEY) or "0"
    return version


def bump() -> None:
    cache.set(VERSION_KEY, uuid.uuid4().hex, None)


def _changed(sender, **kwargs) -> None:
    if kwargs.get("raw"):
        return
    bump()  # this process reads its own writes at once
    transaction.on_commit(bump)  # and no one caches the old state under the new version


def connect_signals() -> None:
    from django.db.models.signals import m2m_changed, post_delete, post_save

    from helice.spaces.models import Space

    from .models import Event, TimeSlot

    # A space's address and position are its events' place (Event.place).
    for model in (Event, TimeSlot, Space):
        post_save.connect(_changed, sender=model, dispatch_uid=f"agenda.version.save.{model.__name__}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"agenda.version.delete.{model.__name__}")
    for through in (Event.organisers.through, Event.sectors.through, Event.partners_present.through):
        m2m_changed.connect(_changed, sender=through, dispatch_uid=f"agenda.version.m2m.{through.__name__}")
