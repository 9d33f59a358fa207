"""Reading a partner's iCalendar feed (RFC 5545) into events the agenda can hold.

Pure functions, no database: ``parse_feed(body)`` returns the events found,
keyed by UID, and the problems of the VEVENTs it had to skip; it raises
``FeedError`` when the whole feed is unusable (not a calendar, an HTML page,
too many events).

Rules, for hostile or sloppy feeds:

- A VEVENT is skipped, with the reason, when a line of it cannot be read, it
  has no UID, no DTSTART, no SUMMARY, a TZID that is neither a known zone nor
  defined in the feed, an end before its start, or a recurrence rule that
  cannot be read; the rest of the feed is imported.
- Times with no zone ("floating") are read in the feed's ``X-WR-TIMEZONE``
  when it names a known zone, in the site's zone (Europe/Paris) otherwise.
  Windows zone names (Outlook) are understood. A slot keeps its zone when it is
  a known IANA name; a zone defined only by the feed's VTIMEZONE gives the right
  instants and is shown in the feed's (or the site's) zone.
- Dates without time (``VALUE=DATE``) are all-day slots; a missing DTEND is one
  day for them, the DURATION when given, otherwise no end.
- A UID given twice keeps the version with the highest SEQUENCE, then the
  latest LAST-MODIFIED (or DTSTAMP); the other is reported.
- A recurring event (RRULE, RDATE, EXDATE; DAILY to YEARLY) stays one event
  whose time slots are its occurrences not over yet within ``HORIZON_DAYS``
  (at most ``MAX_OCCURRENCES``); a finished series keeps its last occurrence.
  An occurrence changed or cancelled by a VEVENT with a RECURRENCE-ID is moved
  or dropped.
- Texts: the title is plain text; the description keeps only the allowed
  markup (``core.sanitize``), so HTML in a feed never reaches a page as is.
- STATUS:CANCELLED cancels the event; URL becomes its website (http/https only)."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass, field

import icalendar
from dateutil import rrule as dateutil_rrule
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from helice.core.sanitize import clean_rich_input, plain_text

from .fetch import FeedError
from .models import EventKind, EventStatus, known_time_zones

HORIZON_DAYS = 366
MAX_OCCURRENCES = 100
MAX_ITERATIONS = 20_000
MAX_EVENTS = 3_000
MAX_DESCRIPTION = 20_000
ALLOWED_FREQUENCIES = {"DAILY", "WEEKLY", "MONTHLY", "YEARLY"}


@dataclass
class Slot:
    start: datetime.datetime
    end: datetime.datetime | None
    all_day: bool
    time_zone: str


@dataclass
class ImportedEvent:
    uid: str
    title: str
    description: str = ""
    venue_name: str = ""
    website: str = ""
    cancelled: bool = False
    kind: str = ""  # from CATEGORIES, when one names a kind of the agenda
    slots: list[Slot] = field(default_factory=list)
    sequence: int = 0
    modified: datetime.datetime | None = None


@dataclass
class ParsedFeed:
    events: dict[str, ImportedEvent] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    vevents: int = 0


class Skip(Exception):
    pass


def _text(component, name: str) -> str:
    value = component.get(name)
    if value is None:
        return ""
    if isinstance(value, list):
        value = value[0]
    return str(value)


def _zone_name(value: datetime.datetime, default: str) -> str:
    key = getattr(value.tzinfo, "key", None)
    # A time in UTC ("Z") is an instant: shown in the feed's (or the site's) zone.
    return key if key in known_time_zones() and key not in ("UTC", "Etc/UTC") else default


def _when(component, name: str, default_zone: zoneinfo.ZoneInfo):
    """(value, is_date) of a DTSTART/DTEND/RECURRENCE-ID: an aware datetime, or a date."""
    prop = component.get(name)
    if prop is None:
        return None, False
    try:
        value = prop.dt
    except Exception:  # icalendar's BrokenCalendarProperty and friends
        raise Skip(_("%(name)s cannot be read.") % {"name": name}) from None
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            tzid = prop.params.get("TZID") if hasattr(prop, "params") else None
            if tzid:
                raise Skip(_("The time zone “%(tzid)s” is unknown.") % {"tzid": str(tzid)[:80]})
            value = value.replace(tzinfo=default_zone)  # floating time
        return value, False
    if isinstance(value, datetime.date):
        return value, True
    raise Skip(_("%(name)s cannot be read.") % {"name": name})


def _midnight(day: datetime.date, zone: zoneinfo.ZoneInfo) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time(0), tzinfo=zone)


def _kind_from_categories(component) -> str:
    names = set()
    categories = component.get("CATEGORIES")
    for prop in categories if isinstance(categories, list) else [categories] if categories is not None else []:
        for category in getattr(prop, "cats", []) or []:
            names.add(str(category).strip().lower())
    for kind in EventKind:
        if kind.value in names or str(kind.label).lower() in names:
            return kind.value
    return ""


def _website(component) -> str:
    url = _text(component, "URL").strip()
    return url if url.lower().startswith(("http://", "https://")) and len(url) <= 300 else ""


def _stamp(component) -> datetime.datetime | None:
    for name in ("LAST-MODIFIED", "DTSTAMP"):
        prop = component.get(name)
        try:
            value = prop.dt if prop is not None else None
        except Exception:
            value = None
        if isinstance(value, datetime.datetime):
            return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    return None


def _sequence(component) -> int:
    try:
        return int(str(component.get("SEQUENCE", 0)))
    except ValueError:
        return 0


def _base_slot(component, default_zone: zoneinfo.ZoneInfo, default_name: str):
    """(start, duration or None, all_day, zone name) of a VEVENT's first occurrence."""
    start, start_is_date = _when(component, "DTSTART", default_zone)
    if start is None:
        raise Skip(_("It has no start (DTSTART)."))
    end, end_is_date = _when(component, "DTEND", default_zone)
    duration = None
    if end is None and component.get("DURATION") is not None:
        try:
            duration = component.get("DURATION").dt
        except Exception:
            raise Skip(_("DURATION cannot be read.")) from None
        if not isinstance(duration, datetime.timedelta) or duration < datetime.timedelta(0):
            raise Skip(_("DURATION cannot be read."))
    if start_is_date:
        zone_name = default_name
        zone = zoneinfo.ZoneInfo(zone_name)
        first = _midnight(start, zone)
        if end is not None:
            last = _midnight(end if end_is_date else end.astimezone(zone).date(), zone)
        elif duration is not None:
            last = _midnight(start + datetime.timedelta(days=max(duration.days, 1)), zone)
        else:
            last = _midnight(start + datetime.timedelta(days=1), zone)
        if last < first:
            raise Skip(_("It ends (DTEND) before it starts (DTSTART)."))
        if last == first:
            last = _midnight(start + datetime.timedelta(days=1), zone)
        return first, last - first, True, zone_name
    zone_name = _zone_name(start, default_name)
    if end is not None:
        if end_is_date:
            end = _midnight(end, start.tzinfo)
        if end < start:
            raise Skip(_("It ends (DTEND) before it starts (DTSTART)."))
        duration = end - start
    return start, duration, False, zone_name


def _occurrences(component, start: datetime.datetime, now: datetime.datetime) -> list[datetime.datetime]:
    """The starts of a recurring VEVENT's occurrences to keep (see the module's rules)."""
    rules = component.get("RRULE")
    rules = rules if isinstance(rules, list) else [rules] if rules is not None else []
    ruleset = dateutil_rrule.rruleset()
    for rule in rules:
        text = rule.to_ical().decode()
        frequency = str(rule.get("FREQ", [""])[0]).upper()
        if frequency not in ALLOWED_FREQUENCIES:
            raise Skip(_("Its recurrence (FREQ=%(freq)s) is not imported: only daily to yearly.") % {"freq": frequency})
        try:
            ruleset.rrule(dateutil_rrule.rrulestr(text, dtstart=start, ignoretz=False))
        except (ValueError, TypeError):
            raise Skip(_("Its recurrence rule (RRULE) cannot be read.")) from None
    for name, add in (("RDATE", ruleset.rdate), ("EXDATE", ruleset.exdate)):
        props = component.get(name)
        for prop in props if isinstance(props, list) else [props] if props is not None else []:
            for item in getattr(prop, "dts", []):
                value = item.dt
                if isinstance(value, datetime.datetime):
                    value = value if value.tzinfo else value.replace(tzinfo=start.tzinfo)
                elif isinstance(value, datetime.date):
                    value = datetime.datetime.combine(value, start.timetz())
                else:
                    continue
                add(value.astimezone(start.tzinfo))
    ruleset.rdate(start)
    horizon = now + datetime.timedelta(days=HORIZON_DAYS)
    kept, last_past = [], None
    for count, occurrence in enumerate(ruleset):
        if count >= MAX_ITERATIONS or occurrence > horizon or len(kept) >= MAX_OCCURRENCES:
            break
        if occurrence >= now - datetime.timedelta(days=1):
            kept.append(occurrence)
        else:
            last_past = occurrence
    if not kept and last_past is not None:
        kept = [last_past]
    return kept


def _read_vevent(component, default_zone, default_name, now) -> ImportedEvent:
    if component.errors:
        raise Skip(_("A line of it cannot be read."))
    uid = _text(component, "UID").strip()
    if not uid:
        raise Skip(_("It has no UID."))
    if len(uid) > 500:
        raise Skip(_("Its UID is longer than 500 characters."))
    title = " ".join(plain_text(_text(component, "SUMMARY")).split())[:200]
    if not title:
        raise Skip(_("It has no title (SUMMARY)."))
    start, duration, all_day, zone_name = _base_slot(component, default_zone, default_name)
    starts = [start]
    if component.get("RRULE") is not None or component.get("RDATE") is not None:
        starts = _occurrences(component, start, now)
        if not starts:
            raise Skip(_("Its recurrence gives no date."))
    slots = []
    for occurrence in starts:
        # All-day occurrences are whole days in their zone; others keep their duration.
        end = occurrence + duration if duration is not None else None
        if all_day:
            zone = zoneinfo.ZoneInfo(zone_name)
            day = occurrence.astimezone(zone).date()
            occurrence = _midnight(day, zone)
            end = _midnight(day + datetime.timedelta(days=max(duration.days, 1)), zone)
        slots.append(Slot(start=occurrence, end=end, all_day=all_day, time_zone=zone_name))
    description = clean_rich_input(_text(component, "DESCRIPTION"))[:MAX_DESCRIPTION]
    return ImportedEvent(
        uid=uid,
        title=title,
        description=description,
        venue_name=" ".join(plain_text(_text(component, "LOCATION")).split())[:200],
        website=_website(component),
        cancelled=_text(component, "STATUS").strip().upper() == "CANCELLED",
        kind=_kind_from_categories(component),
        slots=slots,
        sequence=_sequence(component),
        modified=_stamp(component),
    )


def _newer(a: ImportedEvent, b: ImportedEvent) -> bool:
    epoch = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    return (a.sequence, a.modified or epoch) > (b.sequence, b.modified or epoch)


def _apply_override(event: ImportedEvent, component, default_zone, default_name) -> None:
    """A VEVENT with a RECURRENCE-ID: move or drop that occurrence of ``event``."""
    recurrence, is_date = _when(component, "RECURRENCE-ID", default_zone)
    if is_date:
        recurrence = _midnight(recurrence, zoneinfo.ZoneInfo(default_name))
    index = next((i for i, slot in enumerate(event.slots) if slot.start == recurrence), None)
    if index is None:
        return  # an occurrence outside the horizon, or already gone
    if _text(component, "STATUS").strip().upper() == "CANCELLED":
        del event.slots[index]
        return
    start, duration, all_day, zone_name = _base_slot(component, default_zone, default_name)
    event.slots[index] = Slot(
        start=start, end=start + duration if duration is not None else None, all_day=all_day, time_zone=zone_name
    )


def looks_like_calendar(body: bytes) -> bool:
    head = body[:200].lstrip(b"\xef\xbb\xbf \t\r\n").upper()
    return head.startswith(b"BEGIN:VCALENDAR")


def parse_feed(body: bytes, *, now: datetime.datetime | None = None) -> ParsedFeed:
    now = now or timezone.now()
    if not looks_like_calendar(body):
        raise FeedError("not_calendar", _("The address did not give a calendar (an HTML page or another file?)."))
    try:
        calendar = icalendar.Calendar.from_ical(body)
    except Exception:  # icalendar raises ValueError, KeyError, IndexError… on broken input
        raise FeedError("broken", _("The calendar cannot be read: its structure is broken.")) from None
    if isinstance(calendar, list):
        calendar = calendar[0]
    default_name = _text(calendar, "X-WR-TIMEZONE").strip()
    if default_name not in known_time_zones():
        default_name = settings.TIME_ZONE
    default_zone = zoneinfo.ZoneInfo(default_name)
    components = list(calendar.walk("VEVENT"))
    if len(components) > MAX_EVENTS:
        raise FeedError(
            "too_many", _("The feed holds more than %(max)s events: it is not imported.") % {"max": MAX_EVENTS}
        )
    result = ParsedFeed(vevents=len(components))
    overrides = []
    for position, component in enumerate(components, start=1):
        label = _("Event %(n)s (“%(title)s”)") % {
            "n": position,
            "title": " ".join(plain_text(_text(component, "SUMMARY")).split())[:80] or "?",
        }
        if component.get("RECURRENCE-ID") is not None:
            overrides.append((label, component))
            continue
        try:
            event = _read_vevent(component, default_zone, default_name, now)
        except Skip as skip:
            result.problems.append(f"{label}: {skip}")
            continue
        known = result.events.get(event.uid)
        if known is not None:
            kept = event if _newer(event, known) else known
            result.problems.append(
                f"{label}: " + _("its UID is given twice in the feed; the version with the higher SEQUENCE is kept.")
            )
            result.events[event.uid] = kept
        else:
            result.events[event.uid] = event
    for label, component in overrides:
        event = result.events.get(_text(component, "UID").strip())
        if event is None:
            result.problems.append(f"{label}: " + _("it changes an occurrence of an event that is not in the feed."))
            continue
        try:
            _apply_override(event, component, default_zone, default_name)
        except Skip as skip:
            result.problems.append(f"{label}: {skip}")
    for _uid, event in list(result.events.items()):
        if not event.slots:
            result.problems.append(_("Event “%(title)s”: every occurrence is cancelled.") % {"title": event.title})
            event.cancelled = True
    return result


def status_of(event: ImportedEvent) -> str:
    return EventStatus.CANCELLED if event.cancelled else EventStatus.SCHEDULED
