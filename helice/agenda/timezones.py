"""Local times ("wall clock") of a time slot and the instants stored.

People type an event's times as the poster gives them, in the zone of the
place; the database stores instants. The conversion is where daylight saving
time bites: a local time that does not exist (the hour skipped in spring) is
refused; a local time that happens twice (the hour repeated in autumn) is read
as its first occurrence."""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass

from django.utils.translation import gettext as _

MIDNIGHT = datetime.time(0)
ONE_DAY = datetime.timedelta(days=1)


@dataclass
class WallClockError(Exception):
    field: str
    message: str


def localise(value: datetime.datetime, zone: zoneinfo.ZoneInfo, field: str = "start") -> datetime.datetime:
    """The instant of the naive local time ``value`` in ``zone``; WallClockError
    when that local time does not exist there (skipped by a change of time)."""
    aware = value.replace(tzinfo=zone, fold=0)
    back = aware.astimezone(datetime.UTC).astimezone(zone).replace(tzinfo=None)
    if back != value.replace(fold=0):
        raise WallClockError(
            field,
            _("%(time)s does not exist in %(zone)s (the clocks change that night).")
            % {"time": value.strftime("%Y-%m-%d %H:%M"), "zone": zone.key},
        )
    # An instant in UTC: a local time in the repeated hour never compares equal
    # to another zone's datetime (PEP 495), its UTC value does.
    return aware.astimezone(datetime.UTC)


def from_wall_clock(
    start: datetime.datetime | datetime.date,
    end: datetime.datetime | datetime.date | None,
    zone_name: str,
    *,
    all_day: bool = False,
) -> tuple[datetime.datetime, datetime.datetime | None]:
    """Instants for a slot typed in local time. For an all-day slot, only the
    dates count and ``end`` is the last day (inclusive); the slot then ends at
    midnight after it."""
    zone = zoneinfo.ZoneInfo(zone_name)
    if all_day:
        first = start.date() if isinstance(start, datetime.datetime) else start
        last = (end.date() if isinstance(end, datetime.datetime) else end) if end is not None else first
        if last < first:
            raise WallClockError("end", _("The last day is before the first day."))
        return (
            localise(datetime.datetime.combine(first, MIDNIGHT), zone),
            localise(datetime.datetime.combine(last + ONE_DAY, MIDNIGHT), zone, "end"),
        )
    if not isinstance(start, datetime.datetime):
        start = datetime.datetime.combine(start, MIDNIGHT)
    if end is not None and not isinstance(end, datetime.datetime):
        end = datetime.datetime.combine(end, MIDNIGHT)
    aware_start = localise(start, zone)
    aware_end = localise(end, zone, "end") if end is not None else None
    if aware_end is not None and aware_end < aware_start:
        raise WallClockError("end", _("The end is before the start."))
    return aware_start, aware_end


def to_wall_clock(slot) -> tuple[datetime.datetime, datetime.datetime | None]:
    """The slot's start and end as typed (naive local times in its zone); for
    an all-day slot the end is its last day."""
    start = slot.local_start.replace(tzinfo=None)
    end = slot.local_end.replace(tzinfo=None) if slot.end else None
    if slot.all_day and end is not None:
        end = datetime.datetime.combine(slot.last_day, MIDNIGHT)
    return start, end
