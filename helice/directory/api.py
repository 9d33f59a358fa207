"""Public API of the directory: organisations, their map and their detail.

The list and the map parse their query with the HTML page's form
(:class:`~helice.directory.forms.DirectoryFilterForm`) and run the HTML page's
selectors, so the API returns the same organisations in the same order.

Bad input never gives a 500: an invalid filter value, an over-long search text or
an unknown sort is a 400 with a ``detail`` message; a page past the end is a 404
with a ``detail`` message (as on the HTML list). A well-formed facet value that
names nothing simply finds nothing.
"""

from __future__ import annotations

from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError
from ninja.params import P

from helice.core.pagination import PageError, get_page

from . import selectors
from .forms import MAX_VALUES_PER_FACET, DirectoryFilterForm
from .models import Organization

router = Router(tags=["organisations"])

DEFAULT_PAGE_SIZE = 20  # the HTML list's page size
MAX_PAGE_SIZE = 100


# --- Schemas -----------------------------------------------------------------


class ErrorOut(Schema):
    detail: str = Field(description="A human-readable explanation, in the requested language.")
    errors: dict[str, list[str]] | None = Field(None, description="Messages per query parameter, when known.")


class SectorRef(Schema):
    slug: str
    name: str


class CommuneRef(Schema):
    insee_code: str
    slug: str
    name: str


class OrganizationItem(Schema):
    slug: str
    name: str
    acronym: str
    kind: str
    kind_label: str
    helix: str
    helix_label: str
    sectors: list[SectorRef]
    commune: CommuneRef | None
    latitude: float | None
    longitude: float | None
    location_precision: str = Field(description="'address', 'commune' (centre of the commune) or empty.")
    website: str
    url: str = Field(description="Absolute URL of the public page.")
    founding_year: int | None


class Correction(Schema):
    original: str = Field(description="A word of the query that matched nothing.")
    corrected: str = Field(description="The word searched instead.")


class FacetOptionOut(Schema):
    value: str
    label: str
    count: int
    selected: bool


class OrganizationPage(Schema):
    count: int = Field(description="Number of organisations matching the filters.")
    page: int
    page_size: int
    items: list[OrganizationItem]
    corrections: list[Correction]
    facets: dict[str, list[FacetOptionOut]] = Field(
        description="For each facet (kind, sector, commune, helix, country), its values with live counts. "
        "A facet's counts ignore its own selection."
    )


class InternationalActivityOut(Schema):
    country: str = Field(description="ISO 3166-1 alpha-2 code.")
    country_name: str
    kind: str
    kind_label: str
    note: str


class TagOut(Schema):
    slug: str
    name: str


class OrganizationDetail(OrganizationItem):
    naf_code: str
    siren: str
    siret: str
    address: str
    postal_code: str
    description: str = Field(
        description="Description in the requested language, French as fallback. Plain text, or an HTML fragment "
        "limited to p, br, strong, em, b, i, ul, ol, li, h3, h4, blockquote, code and a (sanitised)."
    )
    description_fr: str
    description_en: str
    logo: str | None = Field(description="Absolute URL of the logo, if any.")
    headcount_band: str
    headcount_label: str
    tags: list[TagOut]
    international_activities: list[InternationalActivityOut]
    sources: str
    updated_at: str


class GeoGeometry(Schema):
    type: str = "Point"
    coordinates: list[float] = Field(description="[longitude, latitude]")


class GeoProperties(Schema):
    name: str
    slug: str
    url: str
    kind: str
    kind_label: str
    commune: str | None
    location_precision: str


class GeoFeature(Schema):
    type: str = "Feature"
    geometry: GeoGeometry
    properties: GeoProperties


class GeoFeatureCollection(Schema):
    type: str = "FeatureCollection"
    features: list[GeoFeature]


# --- Query parsing -------------------------------------------------------------

_FACET_HELP = f"Repeat the parameter for several values (OR); at most {MAX_VALUES_PER_FACET} values."


class FilterError(Exception):
    def __init__(self, form: DirectoryFilterForm):
        super().__init__(form.error_text())
        self.form = form


def _filters(request: HttpRequest) -> selectors.DirectoryFilters:
    """The HTML list's form reads the raw query string, so HTML and API agree."""
    form = DirectoryFilterForm(request.GET)
    if not form.is_valid():
        raise FilterError(form)
    return form.to_filters()


def filter_error_response(request: HttpRequest, exc: FilterError):
    errors = {name: [str(e) for e in messages] for name, messages in exc.form.errors.items()}
    return JsonResponse(
        {"detail": exc.form.error_text(), "errors": errors}, status=400, json_dumps_params={"ensure_ascii": False}
    )


# --- Serialisation ---------------------------------------------------------------


def _commune(commune):
    if commune is None:
        return None
    return {"insee_code": commune.insee_code, "slug": commune.slug, "name": commune.name}


def _item(request: HttpRequest, o: Organization) -> dict:
    return {
        "slug": o.slug,
        "name": o.name,
        "acronym": o.acronym,
        "kind": o.kind,
        "kind_label": o.kind_label,
        "helix": o.helix,
        "helix_label": o.helix_label,
        "sectors": [{"slug": s.slug, "name": s.name} for s in o.list_sectors],
        "commune": _commune(o.commune),
        "latitude": o.latitude,
        "longitude": o.longitude,
        "location_precision": o.location_precision,
        "website": o.website,
        "url": request.build_absolute_uri(o.get_absolute_url()),
        "founding_year": o.founding_year,
    }


def _detail(request: HttpRequest, o: Organization) -> dict:
    data = _item(request, o)
    data.update(
        naf_code=o.naf_code,
        siren=o.siren,
        siret=o.siret,
        address=o.address,
        postal_code=o.postal_code,
        description=o.description,
        description_fr=o.description_fr,
        description_en=o.description_en,
        logo=request.build_absolute_uri(o.logo.url) if o.logo else None,
        headcount_band=o.headcount_band,
        headcount_label=str(o.get_headcount_band_display()) if o.headcount_band else "",
        tags=[{"slug": t.slug, "name": t.name} for t in o.tags.all()],
        international_activities=[
            {
                "country": a.country.code,
                "country_name": str(a.country.name),
                "kind": a.kind,
                "kind_label": str(a.get_kind_display()),
                "note": a.note,
            }
            for a in o.international_activities.all()
        ],
        sources=o.sources,
        updated_at=o.updated_at.isoformat(),
    )
    return data


# --- Endpoints ----------------------------------------------------------------------

_LIST_RESPONSES = {400: ErrorOut, 404: ErrorOut}


@router.get(
    "",
    response={200: OrganizationPage, **_LIST_RESPONSES},
    summary="Search organisations",
    url_name="organization_list",
)
def organization_list(
    request: HttpRequest,
    q: Query[str, P(description="Free text: accents and case ignored, prefixes and small typos tolerated.")] = "",
    kind: Query[list[str] | None, P(description="Kind of actor. " + _FACET_HELP)] = None,
    sector: Query[list[str] | None, P(description="Sector slug. " + _FACET_HELP)] = None,
    commune: Query[list[str] | None, P(description="Commune slug. " + _FACET_HELP)] = None,
    helix: Query[list[str] | None, P(description="Helix strand. " + _FACET_HELP)] = None,
    country: Query[
        list[str] | None, P(description="ISO country code of an international activity. " + _FACET_HELP)
    ] = None,
    sort: Query[str, P(description="One of: " + ", ".join(selectors.SORTS))] = "",
    page: Query[int, P(ge=1, description="1-based page number. A page past the end is a 404.")] = 1,
    page_size: Query[int, P(ge=1, le=MAX_PAGE_SIZE, description="Items per page.")] = DEFAULT_PAGE_SIZE,
):
    """Published organisations matching the filters, in the order of the HTML
    list, with live facet counts. The parameters are read exactly as on the HTML
    list (`/annuaire/`)."""
    filters = _filters(request)
    result = selectors.organization_search(filters)
    summary = selectors.facet_summary(result)
    count = summary.total
    try:
        page_obj = get_page(result.results, str(page), page_size, count=count)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None
    facets = summary.facets
    return {
        "count": count,
        "page": page_obj.number,
        "page_size": page_size,
        "items": [_item(request, o) for o in page_obj.object_list],
        "corrections": [{"original": a, "corrected": b} for a, b in result.corrections],
        "facets": {
            facet: [{"value": o.value, "label": o.label, "count": o.count, "selected": o.selected} for o in options]
            for facet, options in facets.items()
        },
    }


@router.get(
    "/geo",
    response={200: GeoFeatureCollection, 400: ErrorOut},
    summary="Organisations on a map (GeoJSON)",
    url_name="organization_geo",
)
def organization_geo(
    request: HttpRequest,
    q: Query[str, P(description="As for the list.")] = "",
    kind: Query[list[str] | None, P(description="As for the list.")] = None,
    sector: Query[list[str] | None, P(description="As for the list.")] = None,
    commune: Query[list[str] | None, P(description="As for the list.")] = None,
    helix: Query[list[str] | None, P(description="As for the list.")] = None,
    country: Query[list[str] | None, P(description="As for the list.")] = None,
    sort: Query[str, P(description="As for the list.")] = "",
):
    """A GeoJSON FeatureCollection of the published organisations that match the
    filters and have coordinates. `location_precision` says whether a point is
    the address or only the centre of the commune."""
    filters = _filters(request)
    rows = selectors.organization_search(filters).iter_values(
        "name", "slug", "kind", "commune__name", "latitude", "longitude", "location_precision", located=True
    )
    # One reverse() for all rows: the detail URL differs only by its slug.
    template = request.build_absolute_uri(reverse("directory:detail", kwargs={"slug": "0"}))
    head, tail = template.rsplit("0", 1)
    kind_labels = {value: str(label) for value, label in Organization._meta.get_field("kind").choices}
    features = [
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [longitude, latitude]},
            "properties": {
                "name": name,
                "slug": slug,
                "url": f"{head}{slug}{tail}",
                "kind": kind,
                "kind_label": kind_labels.get(kind, kind),
                "commune": commune_name,
                "location_precision": precision,
            },
        }
        for name, slug, kind, commune_name, latitude, longitude, precision in rows
    ]
    return JsonResponse(
        {"type": "FeatureCollection", "features": features},
        content_type="application/geo+json",
        json_dumps_params={"ensure_ascii": False},
    )


@router.get(
    "/{slug}",
    response={200: OrganizationDetail, 404: ErrorOut},
    summary="One organisation",
    url_name="organization_detail",
)
def organization_detail(request: HttpRequest, slug: str):
    """Every public field of a published organisation. Drafts, archived records
    and unknown slugs are a 404."""
    organization = selectors.organization_by_slug(slug)
    if organization is None:
        raise HttpError(404, _("No published organisation has this address."))
    return _detail(request, organization)
