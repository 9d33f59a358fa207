"""Public API of the reference data: sectors (filières) and communes.

Only active records are listed (retired ones keep working in old links and
filters). How many organisations each one holds is given, for the current
filters, by the ``facets`` of ``/organizations``: ``core`` does not know the
directory.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import Field, Router, Schema

from .models import Commune, Sector

router = Router(tags=["reference data"])


class SectorOut(Schema):
    slug: str
    name: str = Field(description="Name in the requested language, French as fallback.")
    name_fr: str
    name_en: str
    description: str
    priority_domains: list[str] = Field(description="Codes of the regional priority domains (SRI-SI).")


class CommuneOut(Schema):
    insee_code: str
    slug: str
    name: str
    postal_codes: list[str]
    population: int | None
    population_year: int | None
    latitude: float | None
    longitude: float | None


@router.get("/sectors", response=list[SectorOut], summary="Sectors", url_name="sector_list")
def sector_list(request: HttpRequest):
    """The active sectors (filières), in their display order."""
    sectors = Sector.objects.active().prefetch_related("priority_domains")
    return [
        {
            "slug": s.slug,
            "name": s.name,
            "name_fr": s.name_fr,
            "name_en": s.name_en,
            "description": s.description,
            "priority_domains": [d.code for d in s.priority_domains.all()],
        }
        for s in sectors
    ]


@router.get("/communes", response=list[CommuneOut], summary="Communes", url_name="commune_list")
def commune_list(request: HttpRequest):
    """The active communes of the territory, by name."""
    rows = Commune.objects.active().values(
        "insee_code",
        "slug",
        "name",
        "postal_codes",
        "population",
        "population_year",
        "latitude",
        "longitude",
    )
    return [{**row, "postal_codes": [str(code) for code in row["postal_codes"] or []]} for row in rows]
