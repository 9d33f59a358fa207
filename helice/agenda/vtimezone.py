"""VTIMEZONE components (RFC 5545 3.6.5) written from the IANA database.

Why not ``icalendar.Calendar.add_missing_timezones()``: the version we use
writes the onset of daylight saving time in the new offset's local time
(``DTSTART:20270328T030000`` for Paris), where the RFC wants it in the
offset in use before the change (``TZOFFSETFROM``: 02:00), so a strict reader
moves the change by an hour and misreads times on that night (our tests read
the feed back with vobject and caught it). Here the transitions are found from
``zoneinfo`` itself, for the years the calendar covers, and each observance is
written with its onset in the previous offset, and one RDATE line for each
later onset.
"""

from __future__ import annotations

import datetime
import functools
import zoneinfo

import icalendar

UTC = datetime.UTC
STEP = datetime.timedelta(hours=6)
MINUTE = datetime.timedelta(minutes=1)


def _offset(zone: zoneinfo.ZoneInfo, instant: datetime.datetime) -> tuple[datetime.timedelta, bool, str]:
    local = instant.astimezone(zone)
    return local.utcoffset(), bool(local.dst()), local.tzname() or ""


def transitions(zone_name: str, first_year: int, last_year: int) -> list[tuple]:
    """(instant, offset before, offset after, is daylight time after, name after)
    for every change of offset in the zone from 1 January ``first_year`` to the
    end of ``last_year``."""
    zone = zoneinfo.ZoneInfo(zone_name)
    instant = datetime.datetime(first_year, 1, 1, tzinfo=UTC)
    end = datetime.datetime(last_year + 1, 1, 1, tzinfo=UTC)
    found = []
    current = _offset(zone, instant)
    while instant < end:
        following = instant + STEP
        state = _offset(zone, following)
        if state[0] != current[0] or state[1] != current[1]:
            low, high = instant, following  # offset(low) is the old one, offset(high) the new one
            while high - low > MINUTE:
                middle = low + (high - low) / 2
                middle = middle.replace(second=0, microsecond=0)
                if middle <= low:
                    middle = low + MINUTE
                if _offset(zone, middle)[:2] == current[:2]:
                    low = middle
                else:
                    high = middle
            state = _offset(zone, high)
            found.append((high, current[0], state[0], state[1], state[2]))
        current = state
        instant = following
    return found


def _local(instant: datetime.datetime, offset: datetime.timedelta) -> datetime.datetime:
    return (instant + offset).replace(tzinfo=None)


def vtimezone(zone_name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """The VTIMEZONE of ``zone_name`` for the given years."""
    zone = zoneinfo.ZoneInfo(zone_name)
    start = datetime.datetime(first_year, 1, 1, tzinfo=UTC)
    changes = transitions(zone_name, first_year, last_year)
    earlier = transitions(zone_name, first_year - 2, first_year - 1)
    observances: dict[tuple, list[datetime.datetime]] = {}
    if earlier:
        # The change in force on 1 January: a real onset, as readers expect.
        changes = [earlier[-1], *changes]
    else:
        # No change for two years (a zone without daylight saving time): one
        # observance from 1 January on.
        offset, dst, name = _offset(zone, start)
        observances[(dst, offset, offset, name)] = [_local(start, offset)]
    # Each observance: the first onset in DTSTART, the others as RDATEs.
    for instant, before, after, is_dst, after_name in changes:
        observances.setdefault((is_dst, before, after, after_name), []).append(_local(instant, before))
    component = icalendar.Timezone()
    component.add("tzid", zone_name)
    for (is_dst, before, after, tzname), onsets in sorted(observances.items(), key=lambda item: item[1][0]):
        observance = icalendar.TimezoneDaylight() if is_dst else icalendar.TimezoneStandard()
        observance.add("dtstart", onsets[0])
        for onset in onsets[1:]:
            # One RDATE line each: dateutil's reader (behind vobject) takes only the
            # first value of a comma-separated list.
            observance.add("rdate", onset)
        if tzname:
            observance.add("tzname", tzname)
        observance.add("tzoffsetfrom", before)
        observance.add("tzoffsetto", after)
        component.add_component(observance)
    return component


@functools.lru_cache(maxsize=256)
def timezone_component(zone_name: str, first_year: int, last_year: int) -> icalendar.Timezone:
    """``vtimezone``, computed once per zone and years while the process runs
    (the rules do not change meanwhile); calendars share it and never change it."""
    return vtimezone(zone_name, first_year, last_year)
