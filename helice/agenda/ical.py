"""iCalendar (RFC 5545) out: a feed for any filter of the agenda and a file
per event, written with the ``icalendar`` package.

- One VEVENT per time slot. The event's ``uid`` is the UID of its first slot
  (the oldest row); its other slots take ``<slot id>.<uid>``, so that adding a
  second day never changes the first day's UID in subscribed calendars.
- DTSTAMP and LAST-MODIFIED are the event's last change (UTC), CREATED its
  creation, SEQUENCE its revision number (raised when dates, place or status
  change).
- Timed slots are written in their own zone (``DTSTART;TZID=Asia/Tokyo:…``)
  and the calendar carries a VTIMEZONE for each zone used, for the years its
  events cover (written by ``vtimezone.py`` from the IANA database); all-day slots are DATE values (the end is the day after the
  last day).
- A cancelled event is ``STATUS:CANCELLED`` (and its title says so, for
  calendars that do not show the status); a postponed one is TENTATIVE.
- No METHOD: this is a published calendar, not a scheduling message (iTIP).
"""

from __future__ import annotations

import datetime
import hashlib
import re
import threading
from collections import OrderedDict

import icalendar
from django.conf import settings
from django.core.cache import cache
from django.utils import translation
from django.utils.translation import gettext as _

from helice.core.jsonld import absolute_url

from . import vtimezone
from .models import Event, EventStatus, TimeSlot

PRODID = "-//Hélice//Agenda//FR"
REFRESH_INTERVAL = datetime.timedelta(hours=1)

ICAL_STATUS = {
    EventStatus.SCHEDULED: "CONFIRMED",
    EventStatus.RESCHEDULED: "CONFIRMED",
    EventStatus.MOVED_ONLINE: "CONFIRMED",
    EventStatus.FULL: "CONFIRMED",
    EventStatus.POSTPONED: "TENTATIVE",
    EventStatus.CANCELLED: "CANCELLED",
}
# Statuses a reader must see even where a calendar ignores STATUS.
TITLE_PREFIX_STATUSES = (EventStatus.CANCELLED, EventStatus.POSTPONED, EventStatus.MOVED_ONLINE, EventStatus.FULL)


def slot_uid(event: Event, slot: TimeSlot, first_slot_id: int) -> str:
    return event.uid if slot.pk == first_slot_id else f"{slot.pk}.{event.uid}"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def _location(event: Event) -> str:
    where = event.place  # the space's address when the event is held there
    parts = [where.name, where.address]
    if where.locality:
        parts.append(" ".join(p for p in (where.postal_code, where.locality) if p))
    if where.abroad and where.country:
        parts.append(str(where.country.name))
    location = ", ".join(p for p in parts if p)
    if event.is_online and event.online_url:
        location = f"{location} · {event.online_url}" if location else event.online_url
    return location


def _description(event: Event, url: str) -> str:
    parts = [event.summary, event.description_text]
    if event.status_note:
        parts.insert(0, event.status_note)
    if event.registration_url:
        parts.append(_("Registration: %(url)s") % {"url": event.registration_url})
    parts.append(url)
    return "\n\n".join(p for p in parts if p)


def vevents(event: Event, request=None) -> list[icalendar.Event]:
    """The VEVENTs of one event (one per time slot; none when its dates are to
    be confirmed)."""
    slots = list(event.time_slots.all())
    if not slots:
        return []
    first_slot_id = min(slot.pk for slot in slots)
    url = absolute_url(event.get_absolute_url(), request)
    title = event.title
    if event.event_status in TITLE_PREFIX_STATUSES:
        title = _("%(status)s: %(title)s") % {"status": event.event_status_label, "title": title}
    location = _location(event)
    where = event.place
    description = _description(event, url)
    organisers = ", ".join(o.name for o in event.organisers.all())
    components = []
    for slot in slots:
        component = icalendar.Event()
        component.add("uid", slot_uid(event, slot, first_slot_id))
        component.add("dtstamp", _utc(event.updated_at))
        component.add("created", _utc(event.created_at))
        component.add("last-modified", _utc(event.updated_at))
        component.add("sequence", event.sequence)
        component.add("summary", title)
        if slot.all_day:
            component.add("dtstart", slot.first_day)
            component.add("dtend", slot.last_day + datetime.timedelta(days=1))
        else:
            component.add("dtstart", slot.local_start)
            if slot.end is not None:
                component.add("dtend", slot.local_end)
        component.add("status", ICAL_STATUS.get(event.event_status, "CONFIRMED"))
        component.add("transp", "TRANSPARENT")
        component.add("url", url)
        if description:
            component.add("description", description)
        if location:
            component.add("location", location)
        if where.has_coordinates and not where.approximate:
            component.add("geo", (where.latitude, where.longitude))
        if event.kind:
            component.add("categories", [event.kind_label])
        if organisers:
            component.add("x-helice-organisers", organisers)
        components.append(component)
    return components


def calendar(events, *, name: str, request=None, description: str = "", texts: list[bytes] | None = None) -> bytes:
    """A VCALENDAR of ``events`` (with their time slots, organisers and commune
    loaded), as bytes with CRLF line endings and folded lines.

    Each event's VEVENTs are serialised once and kept under everything they
    show (``_vevent_key``): a feed is then its header, the VTIMEZONEs of the
    zones its events name, and the events' text, in order."""
    events = list(events)
    cal = icalendar.Calendar()
    cal.add("version", "2.0")
    cal.add("prodid", PRODID)
    cal.add("calscale", "GREGORIAN")
    cal.add("name", name)
    cal.add("x-wr-calname", name)
    if description:
        cal.add("x-wr-caldesc", description)
    cal.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    cal.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    body = b"".join(_vevent_texts(events, request) if texts is None else texts)
    if texts is None:
        starts = [slot.start for event in events for slot in event.time_slots.all()]
        ends = [slot.ends_at for event in events for slot in event.time_slots.all()]
    else:  # the events' own first start and last end (the same years)
        starts = [event.starts_at for event in events if event.starts_at]
        ends = [event.ends_at for event in events if event.ends_at]
    if starts:
        # A VTIMEZONE for each zone the events name, for the years they cover
        # (vtimezone.py says why not icalendar's own), before the events.
        for zone in sorted({m.decode() for m in TZID.findall(body)}):
            cal.add_component(vtimezone.timezone_component(zone, min(starts).year - 1, max(ends).year + 1))
    head = cal.to_ical()
    closing = b"END:VCALENDAR\r\n"
    return head[: -len(closing)] + body + closing


TZID = re.compile(rb";TZID=([^:;\r\n]+)[:;]")
VEVENT_MEMO_SIZE = 20_000  # serialised events kept per process (a few kB each at most)
_vevent_memo: OrderedDict[str, bytes] = OrderedDict()
_vevent_lock = threading.Lock()


def _vevent_key(event: Event, request) -> str:
    """Everything the event's VEVENTs show: when any of it changes, the key does."""
    parts = (
        event.pk,
        event.uid,
        event.sequence,
        event.updated_at.isoformat(),
        [
            (s.pk, s.start.isoformat(), s.end.isoformat() if s.end else "", s.all_day, s.time_zone)
            for s in event.time_slots.all()
        ],
        [o.name for o in event.organisers.all()],
        event.place.key(),
        translation.get_language(),
        absolute_url("/", request),
    )
    return hashlib.sha256(repr(parts).encode()).hexdigest()


def _vevent_texts(events: list[Event], request) -> list[bytes]:
    """The serialised VEVENTs of each event, from this process's memo (least
    recently used first out) or written now (``feed`` shares them through the
    cache; this memo spares rewriting them when only the data version moved)."""
    texts = []
    for event in events:
        key = _vevent_key(event, request)
        with _vevent_lock:
            text = _vevent_memo.get(key)
            if text is not None:
                _vevent_memo.move_to_end(key)
        if text is None:
            text = b"".join(component.to_ical() for component in vevents(event, request))
            with _vevent_lock:
                _vevent_memo[key] = text
                while len(_vevent_memo) > VEVENT_MEMO_SIZE:
                    _vevent_memo.popitem(last=False)
        texts.append(text)
    return texts


SHARED_VEVENT_SECONDS = 24 * 3600


def _shared_key(event: Event, version: str, base: str) -> str:
    """The event's VEVENTs in the shared cache: its row's id, revision and last
    change, the agenda's data version (a change to its time slots, organisers
    or space bumps it), the language and the site's address."""
    stamp = event.updated_at.isoformat()
    site = hashlib.sha256(base.encode()).hexdigest()[:12]
    return f"agenda:vevent:{event.pk}:{event.sequence}:{stamp}:{version}:{translation.get_language()}:{site}"


def feed(events: list[Event], *, name: str, description: str, load, request=None) -> bytes:
    """A feed of ``events`` (bare rows, in order) whose VEVENTs come from the
    shared cache (Redis in production: every worker and every filter reuses
    them); the missing events only are loaded with their relations by
    ``load(ids)`` and written (through this process's memo)."""
    from .versioning import data_version

    version, base = data_version(), absolute_url("/", request)
    keys = [_shared_key(event, version, base) for event in events]
    found = cache.get_many(keys) if keys else {}
    missing = [event.pk for event, key in zip(events, keys, strict=True) if key not in found]
    if missing:
        loaded = {event.pk: event for event in load(missing)}
        written = dict(zip(missing, _vevent_texts([loaded[pk] for pk in missing], request), strict=True))
        fresh = {key: written[event.pk] for event, key in zip(events, keys, strict=True) if event.pk in written}
        cache.set_many(fresh, SHARED_VEVENT_SECONDS)
        found.update(fresh)
    return calendar(events, name=name, request=request, description=description, texts=[found[key] for key in keys])


def event_file(event: Event, request=None) -> bytes:
    return calendar([event], name=event.title, request=request)


def feed_max_events() -> int:
    """Setting ``AGENDA_FEED_MAX_EVENTS``: the most events a feed holds (500)."""
    return getattr(settings, "AGENDA_FEED_MAX_EVENTS", 500)


def feed_past_days() -> int:
    """Setting ``AGENDA_FEED_PAST_DAYS``: how long a feed keeps an event once over (30)."""
    return getattr(settings, "AGENDA_FEED_PAST_DAYS", 30)


def feed_bound() -> str:
    """What a feed holds, said in the feed (X-WR-CALDESC) and on the page."""
    return _(
        "The events not over yet and those of the last %(days)d days that match the filters, "
        "at most %(max)d (the soonest)."
    ) % {"days": feed_past_days(), "max": feed_max_events()}


def feed_name() -> str:
    return _("%(site)s agenda") % {"site": settings.HELICE_SITE_NAME}
