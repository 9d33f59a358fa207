"""Public API of the economic spaces: the list with the HTML page's filters, a
GeoJSON of the same spaces for maps, and each space.

Availability follows the pages' rule: ``units_available`` is given only while
its confirmation is recent (``SPACES_AVAILABILITY_MAX_AGE_DAYS``); otherwise it is
null, ``availability`` says ``stale`` and ``availability_confirmed_at`` says since
when."""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from helice.core.pagination import PageError, get_page

from . import selectors
from .forms import SpaceFilterForm

router = Router(tags=["spaces"])
MAX_PAGE_SIZE = 100


class Ref(Schema):
    slug: str
    name: str


class SpaceItem(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    operators: list[Ref]
    phases: list[str] = Field(description="Phases of the company path served: born, grow, reinvent.")
    sectors: list[str] = Field(description="Sector slugs; empty means every sector.")
    commune: str | None = Field(description="INSEE code of the commune.")
    latitude: float | None
    longitude: float | None
    location_precision: str = Field(description="'address', 'commune' (centre of the commune, approximate) or empty.")
    availability: str = Field(description="available, full, stale (older than the allowed age) or unknown.")
    units_available: int | None = Field(description="Free units now; null unless confirmed recently.")
    availability_confirmed_at: str | None
    plan_status: str = Field(description="existing, to_strengthen, to_create, or empty when the plan does not say.")
    plan_horizon: str = Field(description="short, medium, long or empty.")
    summary: str
    url: str


class SpaceDetail(SpaceItem):
    description: str = Field(description="Plain text or the allowed HTML subset (sanitised).")
    address: str
    postal_code: str
    total_surface_m2: int | None
    unit_count: int | None
    unit_size_min_m2: int | None
    unit_size_max_m2: int | None
    price_range: str
    services: str
    equipment: str
    selection_required: bool | None
    max_stay_months: int | None
    access_conditions: str
    wheelchair_accessible: bool | None
    accessibility: str
    opening_hours: str
    website: str
    contact_email: str
    contact_phone: str
    plan_note: str
    source: str


class SpacePage(Schema):
    count: int
    items: list[SpaceItem]


class FilterQuery(Schema):
    q: str = Field("", description="Free text: accents and case ignored, prefixes tolerated.")
    kind: list[str] = Field([], description="Kinds of space (repeat the parameter).")
    stage: list[str] = Field([], description="Phases of the company path: born, grow, reinvent.")
    sector: list[str] = Field([], description="Sector slugs; spaces open to every sector always match.")
    commune: list[str] = Field([], description="Commune slugs.")
    status: list[str] = Field([], description="Status in the plan: existing, to_strengthen, to_create, none.")
    available: str = Field("", description="1: only spaces with units available, confirmed recently.")


class ListQuery(FilterQuery):
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _filters(query: FilterQuery):
    raw = query.dict()
    form = SpaceFilterForm({k: raw[k] for k in ("q", "available", *selectors.FACETS)})
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    return form.to_filters()


def _item(s, request: HttpRequest, detail: bool = False) -> dict:
    data = {
        "slug": s.slug,
        "name": s.display_name,
        "kind": s.kind,
        "kind_label": s.kind_label,
        "operators": [{"slug": o.slug, "name": o.name} for o in s.operators.all()],
        "phases": s.phases,
        "sectors": [sec.slug for sec in s.sectors.all()],
        "commune": s.commune.insee_code if s.commune_id else None,
        "latitude": s.latitude,
        "longitude": s.longitude,
        "location_precision": s.location_precision,
        "availability": s.availability_state(),
        "units_available": s.current_units_available,
        "availability_confirmed_at": s.availability_confirmed_at.isoformat() if s.availability_confirmed_at else None,
        "plan_status": s.plan_status,
        "plan_horizon": s.plan_horizon,
        "summary": s.summary,
        "url": request.build_absolute_uri(s.get_absolute_url()),
    }
    if detail:
        data.update(
            description=s.description,
            address=s.address,
            postal_code=s.postal_code,
            total_surface_m2=s.total_surface_m2,
            unit_count=s.unit_count,
            unit_size_min_m2=s.unit_size_min_m2,
            unit_size_max_m2=s.unit_size_max_m2,
            price_range=s.price_range,
            services=s.services,
            equipment=s.equipment,
            selection_required=s.selection_required,
            max_stay_months=s.max_stay_months,
            access_conditions=s.access_conditions,
            wheelchair_accessible=s.wheelchair_accessible,
            accessibility=s.accessibility,
            opening_hours=s.opening_hours,
            website=s.website,
            contact_email=s.contact_email,
            contact_phone=s.contact_phone,
            plan_note=s.plan_note,
            source=s.source,
        )
    return data


@router.get("", response=SpacePage, summary="Economic spaces with search and filters")
def space_list(request, query: Query[ListQuery]):
    spaces = selectors.space_search(_filters(query))
    try:
        page = get_page(spaces, str(query.page), query.page_size)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None
    return {"count": page.paginator.count, "items": [_item(s, request) for s in page.object_list]}


@router.get("/geo", summary="Economic spaces on a map (GeoJSON)", url_name="space_geo")
def space_geo(request, query: Query[FilterQuery]):
    """A GeoJSON FeatureCollection of the published spaces that match the filters
    and have coordinates; ``missing`` counts those that match but have none.
    ``location_precision`` says whether a point is the address or only the centre
    of the commune."""
    spaces = list(selectors.space_search(_filters(query)))
    located = [s for s in spaces if s.has_coordinates]
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [s.longitude, s.latitude]},
            "properties": {
                "name": s.display_name,
                "slug": s.slug,
                "url": request.build_absolute_uri(s.get_absolute_url()),
                "kind": s.kind,
                "kind_label": s.kind_label,
                "commune": s.commune.name if s.commune_id else "",
                "location_precision": s.location_precision,
                "availability": s.availability_state(),
                "units_available": s.current_units_available,
            },
        }
        for s in located
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features, "missing": len(spaces) - len(located)},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


@router.get("/{slug}", response=SpaceDetail, summary="One economic space")
def space_detail(request, slug: str):
    space = selectors.space_by_slug(slug)
    if space is None:
        raise HttpError(404, _("No published space has this address."))
    return _item(space, request, detail=True)
