"""Public API of the agenda: the events with the list page's filters (same form,
same selector, same order) and each event with its time slots."""

from __future__ import annotations

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from helice.core.pagination import PageError, get_page

from . import selectors
from .forms import MULTI, EventFilterForm

router = Router(tags=["agenda"])
MAX_PAGE_SIZE = 100


class OrganisationRef(Schema):
    slug: str
    name: str


class SlotItem(Schema):
    start: str = Field(description="ISO 8601 in the slot's time zone; a date for an all-day slot.")
    end: str | None = Field(description="ISO 8601; for an all-day slot, its last day (inclusive).")
    all_day: bool
    time_zone: str = Field(description="IANA time zone name, e.g. Europe/Paris.")


class PlaceItem(Schema):
    scope: str = Field(description="local (the territory), france (elsewhere in France), abroad, or empty: not given.")
    space: str | None = Field(
        description="Slug of the space it is held in; the address and position are the space's "
        "when the event gives none of its own."
    )
    venue: str
    address: str
    postal_code: str
    commune: str | None = Field(description="INSEE code of the commune, for events in the territory.")
    city: str
    country: str = Field(description="ISO 3166-1 alpha-2 code; empty when no source gives it.")
    latitude: float | None
    longitude: float | None


class EventItem(Schema):
    uid: str = Field(description="The iCalendar UID: stable, never reused.")
    slug: str
    title: str
    kind: str = Field(description="Kind of event; empty when no source says.")
    kind_label: str
    event_status: str = Field(description="scheduled, rescheduled, postponed, moved_online, full or cancelled.")
    dates_to_be_confirmed: bool
    time_slots: list[SlotItem]
    attendance: str = Field(description="on_site, online or mixed.")
    place: PlaceItem
    abroad: bool
    organisers: list[OrganisationRef]
    sectors: list[str] = Field(description="Sector slugs; empty means every sector.")
    audiences: list[str]
    free: bool | None = Field(description="Unknown (null) when no source says.")
    summary: str
    url: str
    ics_url: str


class EventDetail(EventItem):
    description: str = Field(description="Plain text or the allowed HTML subset (sanitised).")
    online_url: str
    price: str
    registration_url: str
    registration_email: str
    registration_phone: str
    accessibility: str
    website: str
    partners_present: list[OrganisationRef]
    series: str | None = Field(description="Slug of the recurring event this is an edition of.")
    status_note: str
    sources: str


class EventPage(Schema):
    count: int
    items: list[EventItem]


class FilterQuery(Schema):
    q: str = Field("", description="Free text: accents and case ignored, prefixes tolerated.")
    kind: list[str] = Field([], description="Kinds of event (repeat the parameter).")
    sector: list[str] = Field([], description="Sector slugs.")
    audience: list[str] = Field([], description="professionals, general_public, students, researchers.")
    organiser: list[str] = Field([], description="Organisation slugs.")
    status: list[str] = Field([], description="Event statuses.")
    country: list[str] = Field([], description="ISO country codes.")
    where: str = Field("", description="here (France), abroad, or empty for both.")
    space: str = Field("", description="Slug of a published space: the events held there (400 when unknown).")
    free: bool = Field(False, description="Only events known to be free.")
    du: str = Field("", description="From this day (YYYY-MM-DD). Without dates: the events not over yet.")
    au: str = Field("", description="Until this day (YYYY-MM-DD), inclusive.")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _slot(slot) -> dict:
    if slot.all_day:
        return {
            "start": slot.first_day.isoformat(),
            "end": slot.last_day.isoformat(),
            "all_day": True,
            "time_zone": slot.time_zone,
        }
    return {
        "start": slot.local_start.isoformat(),
        "end": slot.local_end.isoformat() if slot.end else None,
        "all_day": False,
        "time_zone": slot.time_zone,
    }


def _item(e, request: HttpRequest, detail: bool = False) -> dict:
    place = e.place
    data = {
        "uid": e.uid,
        "slug": e.slug,
        "title": e.title,
        "kind": e.kind,
        "kind_label": e.kind_label,
        "event_status": e.event_status,
        "dates_to_be_confirmed": e.dates_to_be_confirmed,
        "time_slots": [_slot(s) for s in e.time_slots.all()],
        "attendance": e.attendance,
        "place": {
            "scope": e.scope,
            "space": place.space.slug if place.space else None,
            "venue": place.name,
            "address": place.address,
            "postal_code": place.postal_code,
            "commune": place.commune.insee_code if place.commune else None,
            "city": place.locality,
            "country": e.country.code or "",
            "latitude": place.latitude,
            "longitude": place.longitude,
        },
        "abroad": e.is_abroad,
        "organisers": [{"slug": o.slug, "name": o.name} for o in e.organisers.all()],
        "sectors": [s.slug for s in e.sectors.all()],
        "audiences": e.audiences,
        "free": e.is_free,
        "summary": e.summary,
        "url": request.build_absolute_uri(e.get_absolute_url()),
        "ics_url": request.build_absolute_uri(reverse("agenda:ics", kwargs={"slug": e.slug})),
    }
    if detail:
        data.update(
            description=e.description,
            online_url=e.online_url,
            price=e.price,
            registration_url=e.registration_url,
            registration_email=e.registration_email,
            registration_phone=e.registration_phone,
            accessibility=e.accessibility,
            website=e.website,
            partners_present=[{"slug": o.slug, "name": o.name} for o in e.partners_present.all()],
            series=e.series.slug if e.series_id else None,
            status_note=e.status_note,
            sources=e.sources,
        )
    return data


@router.get("", response=EventPage, summary="Events with the agenda's filters")
def event_list(request, filters: Query[FilterQuery]):
    raw = filters.dict()
    data = {name: raw[name] for name in MULTI}
    data.update(
        q=raw["q"], where=raw["where"], space=raw["space"], free="on" if raw["free"] else "", du=raw["du"], au=raw["au"]
    )
    form = EventFilterForm(data)
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    events = selectors.with_list_relations(selectors.event_search(form.to_filters()))
    try:
        page = get_page(events, str(filters.page), filters.page_size)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None
    return {"count": page.paginator.count, "items": [_item(e, request) for e in page.object_list]}


@router.get("/{slug}", response=EventDetail, summary="One event")
def event_detail(request, slug: str):
    event = selectors.event_by_slug(slug)
    if event is None:
        raise HttpError(404, _("No published event has this address."))
    return _item(event, request, detail=True)
