"""Write operations of the agenda: the derived fields of events (dates, search
document, iCalendar sequence), what follows a moderated change, and the
territory's dataset of events."""

from __future__ import annotations

import datetime
import logging
from pathlib import Path

from django.db import transaction
from django.db.models import Max, Min
from django.db.models.functions import Coalesce
from django.utils import timezone

from helice.core.models import Commune, Sector
from helice.core.services import TerritoryDataError, records_of, upsert
from helice.directory.models import Organization, PublicationStatus

from .models import AUDIENCE_FIELDS, Event, EventSeries, Scope, TimeSlot, known_time_zones
from .timezones import WallClockError, from_wall_clock

logger = logging.getLogger(__name__)

# Changing one of these changes what a calendar shows: the iCalendar SEQUENCE
# goes up (RFC 5545 3.8.7.4), so that subscribed calendars take the new version.
SIGNIFICANT_FIELDS = (
    "event_status",
    "attendance",
    "scope",
    "space_id",
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


# --- the territory's dataset (helice/core/data/<territory>/agenda/*.yaml) ------------------

AGENDA_FOLDER = "agenda"
SERIES_FIELDS = {
    "slug",
    "name_fr",
    "name_en",
    "organisers",
    "periodicity_fr",
    "periodicity_en",
    "description_fr",
    "description_en",
    "website",
    "sources",
}
EVENT_TEXT_FIELDS = (
    "title_fr",
    "title_en",
    "summary_fr",
    "summary_en",
    "description_fr",
    "description_en",
    "venue_name",
    "address",
    "postal_code",
    "city",
    "online_url",
    "registration_url",
    "registration_email",
    "registration_phone",
    "price_fr",
    "price_en",
    "accessibility_fr",
    "accessibility_en",
    "website",
    "status_note_fr",
    "status_note_en",
)
EVENT_FIELDS = {
    *EVENT_TEXT_FIELDS,
    "slug",
    "series",
    "kind",
    "scope",
    "country",
    "commune",
    "latitude",
    "longitude",
    "attendance",
    "audiences",
    "sectors",
    "organisers",
    "partners_present",
    "is_free",
    "event_status",
    "status",
    "time_slots",
    "sources",
}
SLOT_FIELDS = {"start", "end", "all_day", "time_zone"}


def agenda_files(path: Path | str) -> list[Path]:
    folder = Path(path) / AGENDA_FOLDER
    return sorted(folder.glob("*.yaml")) if folder.is_dir() else []


def _related(model, values, label: str, what: str, key: str) -> list:
    values = [str(v) for v in values or []]
    found = {str(getattr(o, key)): o for o in model.objects.filter(**{f"{key}__in": values})}
    unknown = [v for v in values if v not in found]
    if unknown:
        raise TerritoryDataError(f"{label}: unknown {what} {', '.join(unknown)}.")
    return [found[v] for v in values]


def _slots(records, label: str) -> list[tuple]:
    """(start, end, all_day, time_zone) of each slot of a dataset record, as
    instants; local times are read in the slot's zone (timezones.from_wall_clock)."""
    slots = []
    for index, record in enumerate(records or []):
        where = f"{label}: time_slots[{index}]"
        if not isinstance(record, dict) or set(record) - SLOT_FIELDS or not record.get("start"):
            raise TerritoryDataError(f"{where}: expected start, and optionally end, all_day, time_zone.")
        zone = str(record.get("time_zone") or "Europe/Paris")
        if zone not in known_time_zones():
            raise TerritoryDataError(f"{where}: unknown time zone {zone}.")
        values = []
        for name in ("start", "end"):
            value = record.get(name)
            if value in (None, ""):
                values.append(None)
            elif isinstance(value, datetime.datetime | datetime.date):
                values.append(value.replace(tzinfo=None) if isinstance(value, datetime.datetime) else value)
            else:
                try:
                    values.append(datetime.datetime.fromisoformat(str(value)).replace(tzinfo=None))
                except ValueError:
                    raise TerritoryDataError(f"{where}: {name} must be a date or a date and time.") from None
        all_day = bool(record.get("all_day"))
        try:
            start, end = from_wall_clock(values[0], values[1], zone, all_day=all_day)
        except WallClockError as error:
            raise TerritoryDataError(f"{where}: {error.message}") from None
        slots.append((start, end, all_day, zone))
    return slots


def _set_slots(event: Event, slots: list[tuple]) -> None:
    """Replace the event's time slots when they differ (so that loading the
    same file again changes nothing, its iCalendar sequence included)."""
    current = [(s.start, s.end, s.all_day, s.time_zone) for s in event.time_slots.order_by("start", "id")]
    if current == sorted(slots, key=lambda s: s[0]):
        return
    event.time_slots.all().delete()
    for start, end, all_day, zone in slots:
        TimeSlot.objects.create(event=event, start=start, end=end, all_day=all_day, time_zone=zone)


def events_load(*, path: Path | str) -> dict[str, int]:
    """Create or update the series and events described in
    ``<territory>/agenda/*.yaml``, matched by slug, with their organisers and
    partners (organisation slugs), sectors (slugs), commune (INSEE code) and
    time slots. An event of a series takes the series' name and organisers
    unless it gives its own. Every record is validated; the first invalid one
    raises ``TerritoryDataError`` naming it and nothing is loaded."""
    counts = {"created": 0, "updated": 0, "total": 0}
    with transaction.atomic():
        seen: dict[str, str] = {}
        for file in agenda_files(path):
            series_records, source = records_of(file, "series")
            for index, record in enumerate(series_records):
                label = f"{file.name}: series “{record.get('slug') or index}”"
                unknown = set(record) - SERIES_FIELDS
                if unknown:
                    raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
                if not record.get("slug") or not record.get("name_fr"):
                    raise TerritoryDataError(f"{label}: missing field(s) slug, name_fr.")
                values = {
                    name: str(record.get(name) or "").strip() for name in SERIES_FIELDS - {"organisers", "sources"}
                }
                values["sources"] = str(record.get("sources") or source or "").strip()
                series, _created = upsert(EventSeries, key="slug", values=values, label=label)
                series.organisers.set(_related(Organization, record.get("organisers"), label, "organiser(s)", "slug"))
            events, _source = records_of(file, "events")
            for index, record in enumerate(events):
                label = f"{file.name}: event “{record.get('slug') or index}”"
                unknown = set(record) - EVENT_FIELDS
                if unknown:
                    raise TerritoryDataError(f"{label}: unknown field(s) {', '.join(sorted(unknown))}.")
                slug = str(record.get("slug") or "")
                if not slug:
                    raise TerritoryDataError(f"{label}: missing field slug.")
                if slug in seen:
                    raise TerritoryDataError(f"{label}: slug already used in {seen[slug]}.")
                seen[slug] = file.name
                series = None
                if record.get("series"):
                    series = EventSeries.objects.filter(slug=record["series"]).first()
                    if series is None:
                        raise TerritoryDataError(f"{label}: unknown series {record['series']}.")
                audiences = [str(a) for a in record.get("audiences") or []]
                wrong = [a for a in audiences if a not in AUDIENCE_FIELDS]
                if wrong:
                    raise TerritoryDataError(f"{label}: unknown audience(s) {', '.join(wrong)}.")
                values = {name: str(record.get(name) or "").strip() for name in EVENT_TEXT_FIELDS}
                if series is not None:
                    values["title_fr"] = values["title_fr"] or series.name_fr
                    values["title_en"] = values["title_en"] or series.name_en
                scope = str(record["scope"] if record.get("scope") is not None else Scope.LOCAL)
                # In France unless said otherwise; abroad, only the country a source gives.
                country = str(record.get("country") or "") if "country" in record or scope == Scope.ABROAD else "FR"
                commune = None
                if record.get("commune"):
                    commune = _related(Commune, [record["commune"]], label, "commune", "insee_code")[0]
                values.update(
                    slug=slug,
                    series=series,
                    kind=str(record.get("kind") or ""),
                    scope=scope,
                    country=country,
                    commune=commune,
                    latitude=record.get("latitude"),
                    longitude=record.get("longitude"),
                    attendance=str(record.get("attendance") or "on_site"),
                    is_free=record.get("is_free"),
                    event_status=str(record.get("event_status") or "scheduled"),
                    status=str(record.get("status") or PublicationStatus.PUBLISHED),
                    sources=str(record.get("sources") or (series.sources if series else "") or _source or "").strip(),
                    **{AUDIENCE_FIELDS[code]: code in audiences for code in AUDIENCE_FIELDS},
                )
                existing = Event.objects.filter(slug=slug).first()
                before = significant_values(existing) if existing else None
                event, created = upsert(
                    Event, key="slug", values=values, label=label, exclude_from_clean=("uid", "search_document")
                )
                event_note_change(event=event, before=before)
                organisers = record.get("organisers")
                if organisers is None and series is not None:
                    event.organisers.set(series.organisers.all())
                else:
                    event.organisers.set(_related(Organization, organisers, label, "organiser(s)", "slug"))
                event.partners_present.set(
                    _related(Organization, record.get("partners_present"), label, "partner(s)", "slug")
                )
                event.sectors.set(_related(Sector, record.get("sectors"), label, "sector(s)", "slug"))
                _set_slots(event, _slots(record.get("time_slots"), label))
                event_refresh_dates(event=event)
                event_reindex(event=event)
                counts["created" if created else "updated"] += 1
                counts["total"] += 1
    return counts
