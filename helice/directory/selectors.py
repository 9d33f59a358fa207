"""Read queries of the directory, shared by the HTML pages, the CSV export and
the API so that all three return the same organisations."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from helice.core import search
from helice.core.models import Commune, Sector

from .models import (
    HelixStrand,
    InternationalActivity,
    Organization,
    OrganizationKind,
)

FACETS = ("kind", "sector", "commune", "helix", "country")
FACET_LABELS = {
    "kind": _("Kind of actor"),
    "sector": _("Sector"),
    "commune": _("Commune"),
    "helix": _("Helix strand"),
    "country": _("International activity"),
}
SORTS = {
    "relevance": _("Relevance"),
    "name": _("Name (A–Z)"),
    "-name": _("Name (Z–A)"),
    "newest": _("Recently added"),
    "founding_year": _("Oldest first"),
    "-founding_year": _("Youngest first"),
}


@dataclass
class DirectoryFilters:
    """A validated directory query: free text, facet values, sort order."""

    q: str = ""
    kind: list[str] = field(default_factory=list)
    sector: list[str] = field(default_factory=list)
    commune: list[str] = field(default_factory=list)
    helix: list[str] = field(default_factory=list)
    country: list[str] = field(default_factory=list)
    sort: str = "relevance"

    def facet_values(self, facet: str) -> list[str]:
        return getattr(self, facet)

    @property
    def is_empty(self) -> bool:
        return not self.q and not any(self.facet_values(f) for f in FACETS)


@dataclass
class DirectorySearch:
    queryset: QuerySet
    parsed: search.ParsedQuery
    corrections: list[tuple[str, str]]


def published_organizations() -> QuerySet:
    return Organization.objects.published()


def _apply_facet(qs: QuerySet, facet: str, values: list[str]) -> QuerySet:
    if not values:
        return qs
    if facet == "kind":
        return qs.filter(kind__in=values)
    if facet == "helix":
        return qs.filter(helix__in=values)
    if facet == "commune":
        return qs.filter(commune__slug__in=values)
    if facet == "sector":
        through = Organization.sectors.through
        return qs.filter(Exists(through.objects.filter(organization_id=OuterRef("pk"), sector__slug__in=values)))
    if facet == "country":
        return qs.filter(
            Exists(
                InternationalActivity.objects.filter(
                    organization_id=OuterRef("pk"), country__in=[v.upper() for v in values]
                )
            )
        )
    raise ValueError(f"unknown facet {facet}")


def _apply_facets(qs: QuerySet, filters: DirectoryFilters, *, skip: str | None = None) -> QuerySet:
    for facet in FACETS:
        if facet != skip:
            qs = _apply_facet(qs, facet, filters.facet_values(facet))
    return qs


_vocabulary_cache: dict[str, tuple[float, list[str]]] = {}
VOCABULARY_TTL = 60.0


def name_vocabulary() -> list[str]:
    """Distinct words of published organisations' names, for typo correction.
    Kept for a minute in the process: it is only read when a search finds nothing."""
    cached = _vocabulary_cache.get("names")
    if cached and time.monotonic() - cached[0] < VOCABULARY_TTL:
        return cached[1]
    vocabulary: set[str] = set()
    for key in published_organizations().values_list("name_key", flat=True).iterator(chunk_size=5000):
        vocabulary.update(w for w in key.split() if len(w) > 2)
    result = sorted(vocabulary)
    _vocabulary_cache["names"] = (time.monotonic(), result)
    return result


def _text_matches(base: QuerySet, parsed: search.ParsedQuery) -> tuple[QuerySet, search.ParsedQuery]:
    """Apply the text query; when it finds nothing, retry with typos corrected."""
    matched = search.filter_documents(base, parsed)
    if parsed and not matched.exists():
        corrected = search.correct_terms(parsed, name_vocabulary())
        if corrected is not None:
            return search.filter_documents(base, corrected), corrected
    return matched, parsed


def _ordered(qs: QuerySet, parsed: search.ParsedQuery, sort: str) -> QuerySet:
    if sort == "relevance" and parsed:
        return qs.annotate(search_rank=search.rank_expression(parsed)).order_by("search_rank", "name_key", "id")
    if sort == "-name":
        return qs.order_by("-name_key", "-id")
    if sort == "newest":
        return qs.order_by("-created_at", "-id")
    if sort == "founding_year":
        return qs.order_by("founding_year", "name_key", "id")
    if sort == "-founding_year":
        return qs.order_by("-founding_year", "name_key", "id")
    return qs.order_by("name_key", "id")


def organization_search(filters: DirectoryFilters, *, base: QuerySet | None = None) -> DirectorySearch:
    """Published organisations matching the filters, in the requested order."""
    base = published_organizations() if base is None else base
    parsed = search.parse_query(filters.q)
    qs, parsed = _text_matches(_apply_facets(base, filters), parsed)
    return DirectorySearch(
        queryset=_ordered(qs, parsed, filters.sort),
        parsed=parsed,
        corrections=parsed.corrections,
    )


def with_list_relations(qs: QuerySet) -> QuerySet:
    """What a list row shows, in a fixed number of queries."""
    return qs.select_related("commune").prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.order_by("position", "slug"))
    )


def with_detail_relations(qs: QuerySet) -> QuerySet:
    return qs.select_related("commune").prefetch_related(
        Prefetch("sectors", queryset=Sector.objects.order_by("position", "slug")),
        "tags",
        "international_activities",
    )


@dataclass
class FacetOption:
    value: str
    label: str
    count: int
    selected: bool


def facet_counts(filters: DirectoryFilters, parsed: search.ParsedQuery) -> dict[str, list[FacetOption]]:
    """Live counts for every facet. A facet's counts ignore its own selection
    (values within a facet combine with OR, facets with AND), so a visitor sees
    how many organisations each other choice would add. Selected values always
    appear, even at zero, so they can be unticked."""
    base = search.filter_documents(published_organizations(), parsed)
    result: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        qs = _apply_facets(base, filters, skip=facet)
        selected = set(filters.facet_values(facet))
        counts, labels = _facet_query(facet, qs, selected)
        options = [
            FacetOption(
                value=value, label=labels.get(value, value), count=counts.get(value, 0), selected=value in selected
            )
            for value in labels
            if counts.get(value) or value in selected
        ]
        if facet in ("commune", "country"):
            options.sort(key=lambda o: (-o.count, o.label))
        result[facet] = options
    return result


def _facet_query(facet: str, qs: QuerySet, selected: set[str]) -> tuple[dict[str, int], dict[str, str]]:
    if facet == "kind":
        counts = dict(qs.order_by().values_list("kind").annotate(n=Count("id")))
        return counts, {k: str(label) for k, label in OrganizationKind.choices}
    if facet == "helix":
        counts = dict(qs.order_by().values_list("helix").annotate(n=Count("id")))
        return counts, {k: str(label) for k, label in HelixStrand.choices}
    if facet == "commune":
        rows = qs.order_by().values_list("commune__slug").annotate(n=Count("id"))
        counts = {slug: n for slug, n in rows if slug}
        communes = Commune.objects.filter(slug__in=set(counts) | selected).values_list("slug", "name")
        return counts, dict(communes)
    if facet == "sector":
        through = Organization.sectors.through
        rows = (
            through.objects.filter(organization__in=qs.values("pk")).values_list("sector__slug").annotate(n=Count("id"))
        )
        counts = dict(rows)
        labels = {s.slug: s.name for s in Sector.objects.all()}
        return counts, labels
    if facet == "country":
        rows = (
            InternationalActivity.objects.filter(organization__in=qs.values("pk"))
            .order_by()
            .values_list("country")
            .annotate(n=Count("organization_id", distinct=True))
        )
        counts = {str(code).lower(): n for code, n in rows}
        labels = {code.lower(): str(name) for code, name in countries}
        return counts, labels
    raise ValueError(f"unknown facet {facet}")


def organization_by_slug(slug: str, *, base: QuerySet | None = None) -> Organization | None:
    qs = published_organizations() if base is None else base
    return with_detail_relations(qs).filter(slug=slug).first()


def sector_kind_matrix() -> tuple[list[Sector], list[tuple[str, str]], dict[tuple[int, str], int]]:
    """Counts of published organisations per sector and kind ("who does what")."""
    through = Organization.sectors.through
    rows = (
        through.objects.filter(organization__status="published")
        .values_list("sector_id", "organization__kind")
        .annotate(n=Count("id"))
    )
    cells = {(sector_id, kind): n for sector_id, kind, n in rows}
    sectors = list(Sector.objects.active())
    kinds = [(k, str(label)) for k, label in OrganizationKind.choices if any(key[1] == k for key in cells)]
    return sectors, kinds, cells


def home_counts() -> dict:
    qs = published_organizations()
    by_kind = dict(qs.order_by().values_list("kind").annotate(n=Count("id")))
    through = Organization.sectors.through
    by_sector = dict(
        through.objects.filter(organization__status="published").values_list("sector_id").annotate(n=Count("id"))
    )
    return {
        "total": sum(by_kind.values()),
        "by_kind": [(k, str(label), by_kind[k]) for k, label in OrganizationKind.choices if by_kind.get(k)],
        "by_sector": [(s, by_sector.get(s.id, 0)) for s in Sector.objects.active()],
        "communes": qs.exclude(commune=None).values("commune").distinct().count(),
    }
