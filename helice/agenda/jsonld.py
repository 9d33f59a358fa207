"""schema.org Event description of an event (its detail page)."""

from __future__ import annotations

from helice.core.jsonld import absolute_url

from .models import Event, EventKind, EventStatus

SCHEMA = "https://schema.org/"

EVENT_STATUS = {
    EventStatus.SCHEDULED: "EventScheduled",
    EventStatus.RESCHEDULED: "EventRescheduled",
    EventStatus.POSTPONED: "EventPostponed",
    EventStatus.MOVED_ONLINE: "EventMovedOnline",
    EventStatus.FULL: "EventScheduled",
    EventStatus.CANCELLED: "EventCancelled",
}
EVENT_TYPE = {
    EventKind.TRADE_FAIR: "ExhibitionEvent",
    EventKind.TRAINING: "EducationEvent",
    EventKind.WORKSHOP: "EducationEvent",
}


def _iso(slot, edge: str) -> str:
    if slot.all_day:
        return (slot.first_day if edge == "start" else slot.last_day).isoformat()
    value = slot.local_start if edge == "start" else (slot.local_end or slot.local_start)
    return value.isoformat()


def attendance_mode(event: Event) -> str:
    if event.event_status == EventStatus.MOVED_ONLINE or event.attendance == "online":
        return SCHEMA + "OnlineEventAttendanceMode"
    if event.attendance == "mixed":
        return SCHEMA + "MixedEventAttendanceMode"
    return SCHEMA + "OfflineEventAttendanceMode"


def place(event: Event, request=None) -> dict | None:
    """The schema.org Place of ``event.place``: its space's name, address,
    position and page when it is held in one of the territory's spaces."""
    where = event.place
    address = {"@type": "PostalAddress"}
    if where.country:
        address["addressCountry"] = where.country.code
    if where.address:
        address["streetAddress"] = where.address
    if where.postal_code:
        address["postalCode"] = where.postal_code
    if where.locality:
        address["addressLocality"] = where.locality
    data = {"@type": "Place", "address": address}
    name = where.name or where.locality
    if name:
        data["name"] = name
    if where.has_coordinates and not where.approximate:  # not a commune's centre
        data["geo"] = {"@type": "GeoCoordinates", "latitude": where.latitude, "longitude": where.longitude}
    if where.url:
        data["url"] = absolute_url(where.url, request)
    return data


def event(e: Event, request=None) -> dict:
    url = absolute_url(e.get_absolute_url(), request)
    data = {
        "@context": "https://schema.org",
        "@type": EVENT_TYPE.get(e.kind, "BusinessEvent"),
        "@id": url,
        "name": e.title,
        "url": url,
        "eventStatus": SCHEMA + EVENT_STATUS.get(e.event_status, "EventScheduled"),
        "eventAttendanceMode": attendance_mode(e),
    }
    slots = list(e.time_slots.all())
    if slots:
        data["startDate"] = _iso(slots[0], "start")
        last = max(slots, key=lambda s: s.ends_at)
        data["endDate"] = _iso(last, "end")
    description = e.summary or e.description_text
    if description:
        data["description"] = description
    if e.image:
        data["image"] = absolute_url(e.image.url, request)
    locations = []
    if e.is_on_site:
        locations.append(place(e, request))
    if e.is_online:
        virtual = {"@type": "VirtualLocation"}
        if e.online_url:
            virtual["url"] = e.online_url
        locations.append(virtual)
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    organisers = [
        {"@type": "Organization", "name": o.name, "url": absolute_url(o.get_absolute_url(), request)}
        for o in e.organisers.all()
        if o.status == "published"
    ]
    if organisers:
        data["organizer"] = organisers
    if e.is_free is not None or e.registration_url:
        offer = {"@type": "Offer", "url": e.registration_url or url}
        if e.is_free:
            offer.update(price="0", priceCurrency="EUR")
        if e.event_status == EventStatus.FULL:
            offer["availability"] = SCHEMA + "SoldOut"
        data["offers"] = offer
    if e.is_free is not None:
        data["isAccessibleForFree"] = e.is_free
    audiences = e.audience_labels
    if audiences:
        data["audience"] = {"@type": "Audience", "audienceType": ", ".join(audiences)}
    if e.series_id:
        data["superEvent"] = {"@type": "EventSeries", "name": e.series.name}
    return data
