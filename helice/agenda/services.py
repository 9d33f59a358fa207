"""Write operations of the agenda: the derived fields of events (dates, search
document, iCalendar sequence), what follows a moderated change, and the
territory's dataset of events."""

from __future__ import annotations

import logging

from django.db.models import Max, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from helice.directory.models import PublicationStatus

from .models import Event, TimeSlot

logger = logging.getLogger(__name__)

# Changing one of these changes what a calendar shows: the iCalendar SEQUENCE
# goes up (RFC 5545 3.8.7.4), so that subscribed calendars take the new version.
SIGNIFICANT_FIELDS = (
    "event_status",
    "attendance",
    "scope",
    "venue_name",
    "address",
    "commune_id",
    "city",
    "country",
    "online_url",
)


def event_refresh_dates(*, event: Event, bump_sequence: bool = True) -> None:
    """Copy the first start and the last end of the event's time slots on the
    event (``starts_at``, ``ends_at``; both empty when it has none: dates to be
    confirmed). When they changed, the iCalendar sequence goes up."""
    found = TimeSlot.objects.filter(event_id=event.pk).aggregate(first=Min("start"), last=Max(Coalesce("end", "start")))
    first, last = found["first"], found["last"]
    if (first, last) == (event.starts_at, event.ends_at):
        return
    now = timezone.now()
    changes = {"starts_at": first, "ends_at": last, "updated_at": now}
    if bump_sequence and event.starts_at is not None:
        changes["sequence"] = event.sequence + 1
    Event.objects.filter(pk=event.pk).update(**changes)
    for name, value in changes.items():
        setattr(event, name, value)


def event_reindex(*, event: Event) -> None:
    """Recompute the event's search document (after its organisers, sectors or
    texts changed)."""
    document = event.build_search_document()
    Event.objects.filter(pk=event.pk).update(search_document=document)
    event.search_document = document


def event_note_change(*, event: Event, before: dict | None) -> None:
    """Raise the iCalendar sequence when a significant field changed since
    ``before`` (the values of ``SIGNIFICANT_FIELDS`` read before the change)."""
    if before is None:
        return
    if any(before.get(name) != getattr(event, name) for name in SIGNIFICANT_FIELDS):
        Event.objects.filter(pk=event.pk).update(sequence=event.sequence + 1)
        event.sequence += 1


def significant_values(event: Event) -> dict | None:
    if event.pk is None:
        return None
    stored = Event.objects.filter(pk=event.pk).values(*SIGNIFICANT_FIELDS).first()
    return stored


def event_after_change(*, event: Event) -> None:
    """After a moderated change is applied to ``event`` (moderation's
    ``after_apply``): a draft proposed by a partner (``publish_on_approval``) is
    published; then its derived fields are recomputed. An admin-made draft stays
    a draft."""
    if event.publish_on_approval and event.status == PublicationStatus.DRAFT:
        event.status = PublicationStatus.PUBLISHED
        event.save(update_fields=["status", "updated_at"])
    if event.publish_on_approval and event.status == PublicationStatus.PUBLISHED:
        Event.objects.filter(pk=event.pk).update(publish_on_approval=False)
        event.publish_on_approval = False
    event_refresh_dates(event=event)
    event_reindex(event=event)


def _slot_changed(sender, instance: TimeSlot, **kwargs) -> None:
    """A time slot saved or deleted, by any path (admin inline, import, partner
    form): the event's dates follow."""
    if kwargs.get("raw"):
        return
    event = Event.objects.filter(pk=instance.event_id).first()
    if event is not None:
        event_refresh_dates(event=event)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    post_save.connect(_slot_changed, sender=TimeSlot, dispatch_uid="agenda.timeslot.saved")
    post_delete.connect(_slot_changed, sender=TimeSlot, dispatch_uid="agenda.timeslot.deleted")
