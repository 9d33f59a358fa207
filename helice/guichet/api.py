"""Public API of the guichet's services: the list with the HTML page's filters,
and each service."""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.errors import HttpError

from helice.core.pagination import PageError, get_page

from . import selectors
from .forms import ServiceFilterForm

router = Router(tags=["services"])
MAX_PAGE_SIZE = 100


class ProviderRef(Schema):
    slug: str
    name: str


class ServiceItem(Schema):
    slug: str
    name: str
    kind: str
    kind_label: str
    providers: list[ProviderRef]
    needs: list[str] = Field(description="Codes of the needs answered (sub-needs).")
    stages: list[str] = Field(description="Codes of the company stages served.")
    sectors: list[str] = Field(description="Sector slugs; empty means every sector.")
    availability: str = Field(description="permanent, open, upcoming, closed or dates_tbc.")
    opens_on: str | None
    closes_on: str | None
    summary: str
    url: str


class ServiceDetail(ServiceItem):
    description: str = Field(description="Plain text or the allowed HTML subset (sanitised).")
    eligibility: str
    amount_note: str
    how_to_apply: str
    website: str
    sources: str


class ServicePage(Schema):
    count: int
    items: list[ServiceItem]


class FilterQuery(Schema):
    q: str = Field("", description="Free text: accents and case ignored, prefixes tolerated.")
    kind: list[str] = Field([], description="Kinds of service (repeat the parameter).")
    need: list[str] = Field([], description="Need codes; a need matches its sub-needs.")
    stage: list[str] = Field([], description="Company stage codes.")
    sector: list[str] = Field([], description="Sector slugs; services open to every sector always match.")
    provider: list[str] = Field([], description="Organisation slugs.")
    availability: list[str] = Field([], description="permanent, open, upcoming, closed, dates_tbc.")
    page: int = Field(1, ge=1)
    page_size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _item(s, request: HttpRequest, detail: bool = False) -> dict:
    data = {
        "slug": s.slug,
        "name": s.display_name,
        "kind": s.kind,
        "kind_label": s.get_kind_display(),
        "providers": [{"slug": o.slug, "name": o.name} for o in s.providers.all()],
        "needs": [n.code for n in s.needs.all()],
        "stages": [st.code for st in s.stages.all()],
        "sectors": [sec.slug for sec in s.sectors.all()],
        "availability": s.call_state(),
        "opens_on": s.opens_on.isoformat() if s.opens_on else None,
        "closes_on": s.closes_on.isoformat() if s.closes_on else None,
        "summary": s.summary,
        "url": request.build_absolute_uri(s.get_absolute_url()),
    }
    if detail:
        data.update(
            description=s.description,
            eligibility=s.eligibility,
            amount_note=s.amount_note,
            how_to_apply=s.how_to_apply,
            website=s.website,
            sources=s.sources,
        )
    return data


@router.get("", response=ServicePage, summary="Services with search and filters")
def service_list(request, filters: Query[FilterQuery]):
    raw = filters.dict()
    form = ServiceFilterForm({k: raw[k] for k in ("q", *selectors.FACETS)})
    if not form.is_valid():
        raise HttpError(400, form.error_text())
    services = selectors.service_search(form.to_filters())
    try:
        page = get_page(services, str(filters.page), filters.page_size)
    except PageError as exc:
        raise HttpError(exc.status, exc.message) from None
    return {"count": page.paginator.count, "items": [_item(s, request) for s in page.object_list]}


@router.get("/{slug}", response=ServiceDetail, summary="One service")
def service_detail(request, slug: str):
    service = selectors.service_by_slug(slug)
    if service is None:
        raise HttpError(404, _("No published service has this address."))
    return _item(service, request, detail=True)
