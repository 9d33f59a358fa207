"""The agenda's events under moderation (helice.moderation), with their dates.

An event's time slots are rows of their own (``TimeSlot``), not fields, so the
plain moderation adapter cannot hold them. ``EventAdapter`` adds one more entry
to a revision, ``time_slots``: the list of the event's slots as plain JSON
(instants in UTC, all-day flag, time zone), sorted. A partner's change of
dates is therefore reviewed, shown in the moderator's diff, applied on approval
and restorable, exactly as a change of title; a new event proposed by a partner
keeps its dates in its proposal until a moderator publishes it."""

from __future__ import annotations

import datetime
import functools
import zoneinfo

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from helice.moderation.registry import EMPTY, Adapter

TIME_SLOTS = "time_slots"


def slot_state(*, start, end, all_day: bool, time_zone: str) -> dict:
    """One slot as a revision holds it."""
    return {
        "start": start.astimezone(datetime.UTC).isoformat(),
        "end": end.astimezone(datetime.UTC).isoformat() if end is not None else None,
        "all_day": bool(all_day),
        "time_zone": time_zone,
    }


def _sort_key(state: dict):
    return (state["start"], state["end"] or "", state["time_zone"], state["all_day"])


def slots_state(slots) -> list[dict]:
    states = [slot_state(start=s.start, end=s.end, all_day=s.all_day, time_zone=s.time_zone) for s in slots]
    return sorted(states, key=_sort_key)


def slot_from_state(state: dict, event=None):
    from .models import TimeSlot

    return TimeSlot(
        event=event,
        start=datetime.datetime.fromisoformat(state["start"]),
        end=datetime.datetime.fromisoformat(state["end"]) if state.get("end") else None,
        all_day=bool(state.get("all_day")),
        time_zone=state.get("time_zone") or "Europe/Paris",
    )


def slot_in_words(state: dict) -> str:
    slot = slot_from_state(state)
    if slot.all_day:
        first, last = slot.first_day, slot.last_day
        days = first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"
        return _("%(days)s, all day (%(zone)s)") % {"days": days, "zone": slot.time_zone}
    start = slot.local_start
    text = f"{start:%Y-%m-%d %H:%M}"
    if slot.end is not None:
        end = slot.local_end
        text += f" – {end:%H:%M}" if end.date() == start.date() else f" – {end:%Y-%m-%d %H:%M}"
    return f"{text} ({slot.time_zone})"


class EventAdapter(Adapter):
    """The moderation adapter of ``Event``: its fields plus ``time_slots``."""

    @functools.cached_property
    def _plain(self) -> Adapter:
        return self.without(TIME_SLOTS)

    def serialize(self, obj) -> dict:
        data = self._plain.serialize(obj)
        if TIME_SLOTS in self.fields:
            data[TIME_SLOTS] = slots_state(obj.time_slots.all()) if obj.pk else []
        return data

    def apply(self, obj, data: dict) -> None:
        if TIME_SLOTS in data and obj.pk:
            self._apply_slots(obj, data[TIME_SLOTS] or [])
        self._plain.apply(obj, data)

    def _apply_slots(self, obj, wanted: list[dict]) -> None:
        """Keep the slots already right, delete the others, add the missing ones."""
        from .models import TimeSlot

        missing = sorted(wanted, key=_sort_key)
        for slot in list(TimeSlot.objects.filter(event=obj)):
            state = slot_state(start=slot.start, end=slot.end, all_day=slot.all_day, time_zone=slot.time_zone)
            if state in missing:
                missing.remove(state)
            else:
                slot.delete()
        for state in missing:
            slot = slot_from_state(state, event=obj)
            slot.save()

    def preview(self, obj, data: dict):
        copy, related = self._plain.preview(obj, data)
        if TIME_SLOTS in self.fields:
            states = data.get(TIME_SLOTS, self.serialize(obj)[TIME_SLOTS] if obj.pk else [])
            related[TIME_SLOTS] = [slot_from_state(s, event=copy) for s in sorted(states or [], key=_sort_key)]
        return copy, related

    def label(self, name: str) -> str:
        if name == TIME_SLOTS:
            return str(gettext_lazy("Dates"))
        return super().label(name)

    def display(self, name: str, value) -> str:
        if name != TIME_SLOTS:
            return super().display(name, value)
        if not value:
            return str(_("Dates to be confirmed")) if value == [] else EMPTY
        try:
            return "; ".join(slot_in_words(state) for state in sorted(value, key=_sort_key))
        except (KeyError, TypeError, ValueError, zoneinfo.ZoneInfoNotFoundError):
            return str(value)
