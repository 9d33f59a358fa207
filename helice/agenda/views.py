"""Agenda pages: upcoming events with filters (and their CSV and iCalendar
twins), the month view, the map of local events, the international agenda,
and each event's page with its .ics file."""

from __future__ import annotations

import csv
import datetime
import hashlib
from urllib.parse import urlencode

from django.conf import settings
from django.core.cache import cache
from django.http import Http404, HttpResponse, HttpResponseNotModified, StreamingHttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from helice.core.pagination import PageError, get_page
from helice.directory.exports import Echo, safe_cell

from . import ical, jsonld, selectors
from .forms import MULTI, SINGLE, EventFilterForm, filters_query, parse_month
from .models import Audience, Event, EventKind, EventStatus
from .versioning import data_version

PER_PAGE = 20
TO_BE_CONFIRMED_SHOWN = 50  # editions with dates to be confirmed, under the first page
FEED_MAX_AGE = 900  # seconds calendars and proxies may keep a feed
FEED_CACHE_SECONDS = 3600


def _form(request):
    form = EventFilterForm(request.GET)
    if form.is_valid():
        return form, form.to_filters(), None
    return form, None, form.error_text()


def _links(filters) -> dict:
    """The same filter in each of the agenda's views, the feed and the export."""
    query = urlencode(filters_query(filters)) if filters else ""
    suffix = f"?{query}" if query else ""
    links = {
        name: reverse(f"agenda:{name}") + suffix for name in ("list", "month", "map", "international", "feed", "export")
    }
    links["query"] = query
    return links


def _selected(form) -> dict:
    """The values of the form as sent (shown again, even when wrong)."""
    data = form.data if form.is_bound else {}
    selected = {name: data.get(name) or "" for name in SINGLE}
    selected.update({name: data.get(name) or [] for name in MULTI})
    return selected


def _base_context(request, form, filters, error) -> dict:
    choices = selectors.filter_choices()
    return {
        "action": request.path,
        "selected": _selected(form),
        "form": form,
        "filters": filters,
        "error": error,
        "choices": choices,
        "kinds": EventKind.choices,
        "audiences": Audience.choices,
        "statuses": EventStatus.choices,
        "links": _links(filters),
    }


def _list_content(request) -> tuple[str, dict, int]:
    """The list page's content (filters, results, subscription box), its feed
    link and its status."""
    form, filters, error = _form(request)
    context = _base_context(request, form, filters, error)
    status = 200
    if error:
        status = 400
    else:
        events = selectors.with_list_relations(selectors.event_search(filters))
        try:
            page = get_page(events, request.GET.get("page"), PER_PAGE)
        except PageError as exc:
            context["error"], status, page = exc.message, exc.status, None
        context["page"] = page
        if page is not None and page.number == 1 and not filters.has_dates():
            pending = selectors.events_to_be_confirmed(filters)
            shown = list(selectors.with_list_relations(pending)[:TO_BE_CONFIRMED_SHOWN])
            context["to_be_confirmed"] = shown
            more = pending.count() - len(shown) if len(shown) == TO_BE_CONFIRMED_SHOWN else 0
            context["to_be_confirmed_more"] = more
    context["feed_url"] = request.build_absolute_uri(context["links"]["feed"])
    context["feed_bound"] = ical.feed_bound()
    context["webcal_url"] = "webcal://" + context["feed_url"].split("://", 1)[1]
    content = render_to_string("agenda/_event_list_content.html", context, request)
    return content, {"feed": context["links"]["feed"]}, status


def _content_cache_key(request, page: str) -> str:
    """A page's content that holds nothing personal depends on the data, the
    language, the address the portal is reached at (the feed's link) and the
    query as sent (the form shows it back)."""
    query = request.META.get("QUERY_STRING", "")  # as sent: the page's links keep its order
    raw = repr((page, data_version(), get_language(), request.scheme, request.get_host(), request.path, query))
    return "agenda:page:" + hashlib.sha256(raw.encode()).hexdigest()


def _cached_content(request, page: str, compute) -> tuple[str, dict, int]:
    """``compute(request)`` -> (content, extra, status), kept for
    ``AGENDA_LIST_CACHE_SECONDS`` under the data version when the status is 200:
    any change to an event shows at once; an event that ends leaves the page
    within that time. The layout around it (menu, CSRF token) is rendered for
    each visitor."""
    seconds = settings.AGENDA_LIST_CACHE_SECONDS
    key = _content_cache_key(request, page) if seconds > 0 else None
    cached = cache.get(key) if key else None
    if cached is not None:
        content, extra = cached
        return mark_safe(content), extra, 200  # noqa: S308 — rendered by our template
    content, extra, status = compute(request)
    if key and status == 200:
        cache.set(key, (str(content), extra), seconds)
    return content, extra, status


@require_GET
def event_list(request):
    """Upcoming events with filters (the content cached: ``_cached_content``)."""
    content, extra, status = _cached_content(request, "list", _list_content)
    context = {"content": content, "links": {"feed": extra["feed"]}}
    return render(request, "agenda/event_list.html", context, status=status)


EXPORT_COLUMNS = (
    "uid",
    "slug",
    "title",
    "kind",
    "event_status",
    "start",
    "end",
    "all_day",
    "time_zone",
    "other_dates",
    "attendance",
    "venue",
    "address",
    "postal_code",
    "commune_insee",
    "commune",
    "city",
    "scope",
    "country",
    "latitude",
    "longitude",
    "space",
    "organisers",
    "sectors",
    "audiences",
    "free",
    "price",
    "registration_url",
    "url",
)


def _export_row(event, request) -> list:
    slots = list(event.time_slots.all())
    first = slots[0] if slots else None
    last = max(slots, key=lambda s: s.ends_at) if slots else None
    where = event.place

    def moment(slot, edge):
        if slot is None:
            return ""
        if slot.all_day:
            return (slot.first_day if edge == "start" else slot.last_day).isoformat()
        value = slot.local_start if edge == "start" else slot.local_end
        return value.isoformat() if value else ""

    return [
        safe_cell(value)
        for value in (
            event.uid,
            event.slug,
            event.title,
            event.kind,
            event.event_status,
            moment(first, "start"),
            moment(last, "end"),
            "yes" if first and first.all_day else ("no" if first else ""),
            first.time_zone if first else "",
            max(len(slots) - 1, 0),
            event.attendance,
            where.name,
            where.address,
            where.postal_code,
            where.commune.insee_code if where.commune else "",
            where.commune.name if where.commune else "",
            event.city,
            event.scope,
            event.country.code or "",
            where.latitude if where.latitude is not None else "",
            where.longitude if where.longitude is not None else "",
            where.space.slug if where.space else "",
            "; ".join(o.slug for o in event.organisers.all()),
            "; ".join(s.slug for s in event.sectors.all()),
            "; ".join(event.audiences),
            {True: "yes", False: "no", None: ""}[event.is_free],
            event.price,
            event.registration_url,
            request.build_absolute_uri(event.get_absolute_url()),
        )
    ]


@require_GET
def event_export(request):
    _unused, filters, error = _form(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    events = selectors.with_list_relations(selectors.event_search(filters))

    def rows():
        yield EXPORT_COLUMNS
        for start in range(0, 10**9, 500):  # prefetches apply per chunk
            chunk = list(events[start : start + 500])
            for event in chunk:
                yield _export_row(event, request)
            if len(chunk) < 500:
                break

    writer = csv.writer(Echo())
    response = StreamingHttpResponse((writer.writerow(r) for r in rows()), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="helice-agenda.csv"'
    return response


def _ical_response(body: bytes, filename: str, etag: str, *, max_age: int) -> HttpResponse:
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=max_age)
    return response


def _etag_matches(request, etag: str) -> bool:
    header = request.headers.get("If-None-Match", "")
    return any(tag.strip() in (etag, "*") for tag in header.split(","))


@require_GET
def event_feed(request):
    """The iCalendar feed of the list's filter: the soonest ``FEED_LIMIT``
    events, cached per data version, day, language and filter; an ETag lets
    calendars ask again for nothing (304)."""
    _unused, filters, error = _form(request)
    if error:
        return HttpResponse(error, status=400, content_type="text/plain; charset=utf-8")
    query = urlencode(sorted(filters_query(filters)))
    digest = hashlib.sha256(repr((data_version(), timezone.localdate(), get_language(), query)).encode()).hexdigest()
    etag = f'"{digest[:32]}"'
    if _etag_matches(request, etag):
        response = HttpResponseNotModified()
        response["ETag"] = etag
        patch_cache_control(response, public=True, max_age=FEED_MAX_AGE)
        return response
    key = f"agenda:feed:{digest}"
    body = cache.get(key)
    if body is None:
        events = selectors.feed_events(filters, limit=ical.feed_max_events(), past_days=ical.feed_past_days())
        body = ical.feed(
            events,
            name=ical.feed_name(),
            description=ical.feed_bound(),
            load=lambda ids: selectors.with_feed_relations(Event.objects.filter(pk__in=ids)),
            request=request,
        )
        cache.set(key, body, FEED_CACHE_SECONDS)
    return _ical_response(body, "helice-agenda.ics", etag, max_age=FEED_MAX_AGE)


def _published_event(slug):
    event = selectors.event_by_slug(slug)
    if event is None:
        raise Http404(_("No published event has this address."))
    return event


@require_GET
def event_ics(request, slug):
    """The event as a one-event calendar file ("add to my calendar")."""
    event = _published_event(slug)
    etag = f'"{event.uid}-{event.sequence}-{int(event.updated_at.timestamp())}-{get_language()}"'
    if _etag_matches(request, etag):
        return HttpResponseNotModified()
    return _ical_response(ical.event_file(event, request), f"{event.slug}.ics", etag, max_age=300)


@require_GET
def event_detail(request, slug):
    event = _published_event(slug)
    context = {
        "event": event,
        "place": event.place,
        "jsonld": jsonld.event(event, request),
        "image_url": request.build_absolute_uri(event.image.url) if event.image else "",
        "slots": list(event.time_slots.all()),
        "organisers": list(event.organisers.all()),
        "partners": list(event.partners_present.all()),
        "sectors": list(event.sectors.all()),
        "other_editions": (
            list(
                selectors.with_list_relations(
                    event.series.editions.published().exclude(pk=event.pk).order_by("-starts_at")
                )[:10]
            )
            if event.series_id
            else []
        ),
    }
    return render(request, "agenda/event_detail.html", context)


MONTH_DAY_SHOWN = 12  # events shown under a day of the month view; the rest in the list of that day


def _month_content(request, first_day) -> tuple[str, dict, int]:
    form, filters, error = _form(request)
    context = _base_context(request, form, filters, error)
    status = 200
    if error:
        status = 400
    else:
        view = selectors.month_view(first_day, filters)
        query = context["links"]["query"]
        context["view"] = view
        context["days"] = [
            (day, entries[:MONTH_DAY_SHOWN], len(entries) - MONTH_DAY_SHOWN, _day_url(day, query))
            for day, entries in view.days
        ]
        context["previous_url"] = _month_url(view.previous, query)
        context["next_url"] = _month_url(view.next, query)
    context["first_day"] = first_day
    return render_to_string("agenda/_event_month_content.html", context, request), {}, status


@require_GET
def event_month(request, month: str | None = None):
    """The month's events day by day (at most ``MONTH_DAY_SHOWN`` a day, then
    a link to that day's list); the content cached as the list's."""
    if month is None:
        first_day = selectors.today().replace(day=1)
    else:
        first_day = parse_month(month)
        if first_day is None:
            raise Http404(_("There is no such month in the agenda."))
    content, _extra, status = _cached_content(
        request, f"month:{first_day:%Y-%m}", lambda request: _month_content(request, first_day)
    )
    return render(request, "agenda/event_month.html", {"content": content, "first_day": first_day}, status=status)


def _day_url(day: datetime.date, query: str) -> str:
    """The list of one day's events, with the same filters."""
    dates = urlencode({"du": day.isoformat(), "au": day.isoformat()})
    return f"{reverse('agenda:list')}?{dates}" + (f"&{query}" if query else "")


def _month_url(day: datetime.date, query: str) -> str:
    url = reverse("agenda:month_of", kwargs={"month": f"{day:%Y-%m}"})
    return f"{url}?{query}" if query else url


def _map_point(event) -> dict | None:
    """What the map script needs for one marker (sent with json_script)."""
    where = event.place  # the space's position when the event is held there
    if where.has_coordinates:
        lat, lon, approximate = where.latitude, where.longitude, where.approximate
    elif where.commune is not None and where.commune.latitude is not None:
        lat, lon, approximate = where.commune.latitude, where.commune.longitude, True
    else:
        return None
    slots = list(event.time_slots.all())
    from .templatetags.agenda import slot_text

    return {
        "name": event.title,
        "url": event.get_absolute_url(),
        "lat": lat,
        "lon": lon,
        "kind": slot_text(slots[0]) if slots else "",
        "commune": where.label,
        "approximate": approximate,
    }


@require_GET
def event_map(request):
    form, filters, error = _form(request)
    context = _base_context(request, form, filters, error)
    context.update(tile_url=settings.MAP_TILE_URL, tile_attribution=settings.MAP_TILE_ATTRIBUTION)
    status = 200
    if error:
        status = 400
    else:
        events = selectors.map_events(filters)
        points = []
        for event in events:
            point = _map_point(event)
            event.map_point = point
            if point:
                points.append(point)
        context.update(events=events, map_points=points, unlocated_count=len(events) - len(points))
    return render(request, "agenda/event_map.html", context, status=status)


@require_GET
def event_international(request):
    form, filters, error = _form(request)
    context = _base_context(request, form, filters, error)
    status = 200
    if error:
        status = 400
    else:
        context["countries"] = selectors.international_agenda(filters)
    return render(request, "agenda/event_international.html", context, status=status)
