"""Reads of the agenda. The list page, its CSV export, its iCalendar feed, the
month view, the map, the international agenda and the API all filter events
through ``event_search`` with the same ``EventFilters``, so they show the same
events."""

from __future__ import annotations

import datetime
import zoneinfo
from collections import OrderedDict
from dataclasses import dataclass, field, fields

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language

from helice.core import search
from helice.core.models import Sector
from helice.directory.models import Organization

from .models import AUDIENCE_FIELDS, HERE_SCOPES, Event, Scope, TimeSlot
from .versioning import data_version


class Where:
    HERE = "here"
    ABROAD = "abroad"


@dataclass
class EventFilters:
    q: str = ""
    kind: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    audience: list[str] = field(default_factory=list)
    organiser: list[str] = field(default_factory=list)
    status: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    where: str = ""
    space: str = ""  # a space's slug (forms.EventFilterForm checks that it is published)
    free: bool = False
    start: datetime.date | None = None  # "from": events not over before this day
    end: datetime.date | None = None  # "to": events starting on or before this day

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in fields(self))

    def has_dates(self) -> bool:
        return self.start is not None or self.end is not None


def local_zone() -> zoneinfo.ZoneInfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the territory's zone."""
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=local_zone())


def _slots_prefetch() -> Prefetch:
    return Prefetch("time_slots", queryset=TimeSlot.objects.order_by("start", "id"))


# The space an event takes place in, and the space's commune: its place (Event.place).
SPACE_RELATIONS = ("space", "space__commune")


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a row of a list shows: organisers, sectors, time slots, commune, space."""
    return qs.select_related("commune", "series", *SPACE_RELATIONS).prefetch_related(
        Prefetch("organisers", queryset=Organization.objects.only("id", "name", "slug", "acronym", "status")),
        Prefetch("sectors", queryset=Sector.objects.only("id", "slug", "name_fr", "name_en", "position")),
        _slots_prefetch(),
    )


def with_month_relations(qs: QuerySet) -> QuerySet:
    """What a line of the month view shows: time slots, commune, space."""
    return qs.select_related("commune", *SPACE_RELATIONS).prefetch_related(_slots_prefetch())


def with_feed_relations(qs: QuerySet) -> QuerySet:
    """What an iCalendar feed writes: organisers' names, time slots, commune, space."""
    return qs.select_related("commune", *SPACE_RELATIONS).prefetch_related(
        Prefetch("organisers", queryset=Organization.objects.only("id", "name")),
        _slots_prefetch(),
    )


def _filter(qs: QuerySet, filters: EventFilters) -> QuerySet:
    if filters.kind:
        qs = qs.filter(kind__in=filters.kind)
    if filters.status:
        qs = qs.filter(event_status__in=filters.status)
    if filters.sector:
        qs = qs.filter(
            Exists(Event.sectors.through.objects.filter(event_id=OuterRef("pk"), sector__slug__in=filters.sector))
        )
    if filters.organiser:
        qs = qs.filter(
            Exists(
                Event.organisers.through.objects.filter(
                    event_id=OuterRef("pk"), organization__slug__in=filters.organiser
                )
            )
        )
    if filters.audience:
        condition = Q()
        for code in filters.audience:
            if code in AUDIENCE_FIELDS:
                condition |= Q(**{AUDIENCE_FIELDS[code]: True})
        qs = qs.filter(condition) if condition else qs.none()
    if filters.where == Where.HERE:
        qs = qs.filter(scope__in=HERE_SCOPES)
    elif filters.where == Where.ABROAD:
        qs = qs.filter(scope=Scope.ABROAD)
    if filters.country:
        qs = qs.filter(country__in=[c.upper() for c in filters.country])
    if filters.space:
        qs = qs.filter(space__slug=filters.space)
    if filters.free:
        qs = qs.filter(is_free=True)
    if filters.q:
        qs = search.filter_documents(qs, search.parse_query(filters.q))
    return qs


def _in_period(qs: QuerySet, start: datetime.datetime | None, end: datetime.datetime | None) -> QuerySet:
    """Events with a time slot that meets [start, end) (either may be open).
    The event's own first start and last end narrow the rows first (indexed);
    the slots decide, so that a gap between two slots is not a match."""
    if start is not None:
        qs = qs.filter(ends_at__gte=start)
    if end is not None:
        qs = qs.filter(starts_at__lt=end)
    slots = TimeSlot.objects.filter(event_id=OuterRef("pk"))
    if start is not None:
        slots = slots.annotate(slot_end=Coalesce("end", "start")).filter(slot_end__gte=start)
    if end is not None:
        slots = slots.filter(start__lt=end)
    return qs.filter(Exists(slots))


def event_search(filters: EventFilters, *, now: datetime.datetime | None = None) -> QuerySet:
    """Published events with dates matching ``filters``, soonest first. Without
    a date range: the events not over yet."""
    qs = _filter(Event.objects.published(), filters)
    if filters.has_dates():
        start = day_start(filters.start) if filters.start else None
        end = day_start(filters.end + datetime.timedelta(days=1)) if filters.end else None
        qs = _in_period(qs, start, end)
    else:
        qs = qs.upcoming(now)
    return qs.order_by("starts_at", "id")


def feed_events(
    filters: EventFilters, *, limit: int, past_days: int, now: datetime.datetime | None = None
) -> list[Event]:
    """The events of an iCalendar feed, in start order, without relations (the
    feed's VEVENTs are cached per event): at most ``limit``, the soonest not
    over yet first, then, while there is room and no date range is asked,
    those that ended in the last ``past_days`` days (so that a subscribed
    calendar does not drop an event the moment it ends)."""
    now = now or timezone.now()
    rows = list(event_search(filters, now=now)[:limit])
    if not filters.has_dates() and len(rows) < limit:
        recent = (
            _filter(Event.objects.published(), filters)
            .filter(ends_at__lt=now, ends_at__gte=now - datetime.timedelta(days=past_days))
            .order_by("-ends_at", "-id")
        )
        rows = sorted(recent[: limit - len(rows)], key=lambda e: (e.starts_at, e.pk)) + rows
    return rows


def events_to_be_confirmed(filters: EventFilters) -> QuerySet:
    """Published editions whose dates no source gives yet, with the same filters
    (dates aside)."""
    return _filter(Event.objects.published().dates_to_be_confirmed(), filters).order_by("title_fr", "id")


def event_by_slug(slug: str) -> Event | None:
    return (
        Event.objects.published()
        .filter(slug=slug)
        .select_related("commune", "series", *SPACE_RELATIONS)
        .prefetch_related("organisers", "partners_present", "sectors", _slots_prefetch())
        .first()
    )


# --- month view -----------------------------------------------------------------------


@dataclass
class DayEntry:
    event: Event
    slot: TimeSlot
    continued: bool  # began before this day


@dataclass
class MonthView:
    first_day: datetime.date
    days: list[tuple[datetime.date, list[DayEntry]]]
    previous: datetime.date
    next: datetime.date

    @property
    def count(self) -> int:
        return len({entry.event.pk for _day, entries in self.days for entry in entries})


def month_bounds(first_day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """The first day of the month and the first day of the next one."""
    following = (first_day.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return first_day, following


def month_view(first_day: datetime.date, filters: EventFilters) -> MonthView:
    """The month's time slots grouped by day: a slot is listed on its first
    day in the month (its own zone's day: a fair in Tokyo on Tokyo's date)."""
    first_day, following = month_bounds(first_day)
    previous = (first_day - datetime.timedelta(days=1)).replace(day=1)
    # One day of margin on each side: a slot's day is read in its own zone.
    start = day_start(first_day) - datetime.timedelta(days=1)
    end = day_start(following) + datetime.timedelta(days=1)
    month_filters = EventFilters(**{**filters.__dict__, "start": None, "end": None})
    events = _in_period(_filter(Event.objects.published(), month_filters), start, end)
    events = with_month_relations(events)
    by_day: dict[datetime.date, list[DayEntry]] = {}
    for event in events:
        for slot in event.time_slots.all():
            if slot.last_day < first_day or slot.first_day >= following:
                continue
            day = max(slot.first_day, first_day)
            by_day.setdefault(day, []).append(DayEntry(event, slot, continued=slot.first_day < first_day))
    days = []
    for day in sorted(by_day):
        entries = sorted(by_day[day], key=lambda e: (e.slot.all_day is False, e.slot.start, e.event.pk))
        days.append((day, entries))
    return MonthView(first_day=first_day, days=days, previous=previous, next=following)


# --- map and international agenda -----------------------------------------------------


def map_events(filters: EventFilters) -> list[Event]:
    """Upcoming events in France (the territory's own agenda) matching
    ``filters``, with a place: their own coordinates or their commune's centre."""
    here = EventFilters(**{**filters.__dict__, "where": Where.HERE})
    return list(with_list_relations(event_search(here)))


def international_agenda(filters: EventFilters) -> list[tuple[object, list[Event], list[Event]]]:
    """Events abroad, grouped by country (by the country's name): for each
    country, its dated upcoming events and its editions with dates to be
    confirmed."""
    abroad = EventFilters(**{**filters.__dict__, "where": Where.ABROAD})
    dated = with_list_relations(event_search(abroad)).prefetch_related("partners_present")
    pending = with_list_relations(events_to_be_confirmed(abroad)).prefetch_related("partners_present")
    groups: dict[str, tuple[object, list[Event], list[Event]]] = OrderedDict()
    for event in dated:
        groups.setdefault(event.country.code or "", (event.country, [], []))[1].append(event)
    for event in pending:
        groups.setdefault(event.country.code or "", (event.country, [], []))[2].append(event)
    # By the country's name; the events whose country no source gives come last.
    return sorted(groups.values(), key=lambda g: (not g[0].code, search.normalize(str(g[0].name or ""))))


# --- organisations' pages and filter choices ---------------------------------------------


def events_of(organization: Organization, *, limit: int = 10) -> tuple[list[Event], int]:
    """The organisation's upcoming events, as organiser or partner present (and
    how many there are)."""
    qs = (
        Event.objects.published()
        .upcoming()
        .filter(Q(organisers=organization) | Q(partners_present=organization))
        .distinct()
        .order_by("starts_at", "id")
    )
    rows = list(qs.select_related("commune", *SPACE_RELATIONS).prefetch_related(_slots_prefetch())[:limit])
    count = len(rows) if len(rows) < limit else qs.count()
    return rows, count


SPACE_EVENTS_SHOWN = 10


def events_at(space, *, limit: int = SPACE_EVENTS_SHOWN) -> list[Event]:
    """The space's upcoming published events, soonest first, in one query: at
    most ``limit`` + 1 rows (the extra one says there are more), each with its
    first time slot (``first_slot``, unsaved) and its number of other dates
    (``other_dates``) read by subqueries."""
    first = TimeSlot.objects.filter(event_id=OuterRef("pk")).order_by("start", "id")
    others = (
        TimeSlot.objects.filter(event_id=OuterRef("pk"))
        .order_by()
        .values("event_id")
        .annotate(n=Count("id"))
        .values("n")
    )
    rows = list(
        Event.objects.published()
        .upcoming()
        .filter(space=space)
        .order_by("starts_at", "id")
        .only("id", "slug", "title_fr", "title_en", "event_status", "starts_at")
        .annotate(
            slot_start=Subquery(first.values("start")[:1]),
            slot_end=Subquery(first.values("end")[:1]),
            slot_all_day=Subquery(first.values("all_day")[:1]),
            slot_time_zone=Subquery(first.values("time_zone")[:1]),
            slot_count=Subquery(others),
        )[: limit + 1]
    )
    for event in rows:
        event.first_slot = TimeSlot(
            start=event.slot_start, end=event.slot_end, all_day=event.slot_all_day, time_zone=event.slot_time_zone
        )
        event.other_dates = (event.slot_count or 1) - 1
    return rows


def filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Sectors and organisers that published events use (the form's options),
    cached per data version and language: every agenda page shows them."""
    key = f"agenda:choices:{data_version()}:{today().isoformat()}:{get_language()}"
    choices = cache.get(key)
    if choices is None:
        choices = _filter_choices()
        cache.set(key, choices, 3600)
    return choices


def _filter_choices() -> dict[str, list[tuple[str, str]]]:
    """Sectors of published events; organisers of upcoming ones (the select
    offers those a visitor can still go to; older links keep working)."""
    published = Event.objects.published()
    sectors = Sector.objects.filter(events__in=published).distinct().order_by("position", "slug")
    organisers = (
        Organization.objects.published()
        .filter(events__in=published.upcoming(day_start(today())))
        .distinct()
        .order_by("name_key", "id")
    )
    return {
        "sector": [(s.slug, s.name) for s in sectors],
        "organiser": [(o.slug, o.name) for o in organisers.only("slug", "name")],
    }


def today() -> datetime.date:
    return timezone.localdate()
