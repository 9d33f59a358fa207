"""Read queries of the directory, shared by the HTML pages, the CSV export and
the API so that all three return the same organisations."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db import connection
from django.db.models import BooleanField, Count, Exists, ExpressionWrapper, OuterRef, Prefetch, Q, QuerySet
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


def _text_matches(base: QuerySet, parsed: search.ParsedQuery) -> search.ParsedQuery:
    """The query to run: ``parsed``, or its typos corrected when its words match
    no organisation at all. Facets are left out on purpose: a word that exists
    is not a typo because a filter excludes its organisations (and an
    ``exists()`` that finds nothing under several filters makes PostgreSQL scan
    the whole table)."""
    if parsed and not search.filter_documents(base, parsed).exists():
        corrected = search.correct_terms(parsed, name_vocabulary())
        if corrected is not None:
            return corrected
    return parsed


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
    parsed = _text_matches(base, search.parse_query(filters.q))
    qs = search.filter_documents(_apply_facets(base, filters), parsed)
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


@dataclass
class FacetSummary:
    """How many organisations match, and the live counts of every facet."""

    total: int
    facets: dict[str, list[FacetOption]]


def _facet_flag(facet: str, values: list[str]):
    """A boolean expression: does the row satisfy this facet's selection?
    Uncorrelated ``IN (subquery)`` forms, which PostgreSQL evaluates once (hashed)."""
    if facet == "kind":
        return ExpressionWrapper(Q(kind__in=values), output_field=BooleanField())
    if facet == "helix":
        return ExpressionWrapper(Q(helix__in=values), output_field=BooleanField())
    if facet == "commune":
        ids = Commune.objects.filter(slug__in=values).values("id")
        return ExpressionWrapper(Q(commune_id__in=ids), output_field=BooleanField())
    if facet == "sector":
        ids = Organization.sectors.through.objects.filter(sector__slug__in=values).values("organization_id")
        return ExpressionWrapper(Q(pk__in=ids), output_field=BooleanField())
    if facet == "country":
        ids = InternationalActivity.objects.filter(country__in=[v.upper() for v in values]).values("organization_id")
        return ExpressionWrapper(Q(pk__in=ids), output_field=BooleanField())
    raise ValueError(f"unknown facet {facet}")


def _facet_sql(filters: DirectoryFilters, parsed: search.ParsedQuery) -> tuple[str, list]:
    """One statement for the total and every facet's counts: the text query runs
    once (the CTE ``m``: one narrow row per matching organisation, with one
    boolean per selected facet), then each facet is a GROUP BY over ``m`` that
    ignores its own selection."""
    base = search.filter_documents(published_organizations(), parsed)
    active = [facet for facet in FACETS if filters.facet_values(facet)]
    flags = {f"f_{facet}": _facet_flag(facet, filters.facet_values(facet)) for facet in active}
    m = base.annotate(**flags).order_by().values("id", "kind", "helix", "commune_id", *flags)
    m_sql, m_params = m.query.sql_with_params()
    qn = connection.ops.quote_name
    through = Organization.sectors.through._meta.db_table
    activity = InternationalActivity._meta.db_table

    def where(skip: str | None = None) -> str:
        conditions = [f"m.f_{facet}" for facet in active if facet != skip]
        return f" WHERE {' AND '.join(conditions)}" if conditions else ""

    columns = ", ".join(["id", "kind", "helix", "commune_id", *flags])
    sql = (
        f"WITH m ({columns}) AS ({m_sql}) "  # noqa: S608 (identifiers and compiled ORM SQL; values are parameters)
        f"SELECT 'total', '', COUNT(*) FROM m{where()} "
        f"UNION ALL SELECT 'kind', m.kind, COUNT(*) FROM m{where('kind')} GROUP BY m.kind "
        f"UNION ALL SELECT 'helix', m.helix, COUNT(*) FROM m{where('helix')} GROUP BY m.helix "
        f"UNION ALL SELECT 'commune', c.slug, COUNT(*) FROM m JOIN {qn(Commune._meta.db_table)} c "
        f"ON c.id = m.commune_id{where('commune')} GROUP BY c.slug "
        f"UNION ALL SELECT 'sector', s.slug, COUNT(*) FROM m JOIN {qn(through)} t ON t.organization_id = m.id "
        f"JOIN {qn(Sector._meta.db_table)} s ON s.id = t.sector_id{where('sector')} GROUP BY s.slug "
        f"UNION ALL SELECT 'country', a.country, COUNT(DISTINCT m.id) FROM m JOIN {qn(activity)} a "
        f"ON a.organization_id = m.id{where('country')} GROUP BY a.country"
    )
    return sql, list(m_params)


def _facet_labels(facet: str, values: set[str]) -> dict[str, str]:
    if facet == "kind":
        return {k: str(label) for k, label in OrganizationKind.choices}
    if facet == "helix":
        return {k: str(label) for k, label in HelixStrand.choices}
    if facet == "commune":
        return dict(Commune.objects.filter(slug__in=values).values_list("slug", "name"))
    if facet == "sector":
        return {s.slug: s.name for s in Sector.objects.all()}
    if facet == "country":
        return {code.lower(): str(name) for code, name in countries}
    raise ValueError(f"unknown facet {facet}")


def _facet_raw_counts(filters: DirectoryFilters, parsed: search.ParsedQuery) -> tuple[int, dict[str, dict[str, int]]]:
    sql, params = _facet_sql(filters, parsed)
    counts: dict[str, dict[str, int]] = {facet: {} for facet in FACETS}
    total = 0
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for facet, value, n in cursor.fetchall():
            if facet == "total":
                total = n
            elif value:
                counts[facet][str(value).lower() if facet == "country" else value] = n
    return total, counts


def _facet_summary_from(filters: DirectoryFilters, total: int, counts: dict[str, dict[str, int]]) -> FacetSummary:
    result: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        selected = set(filters.facet_values(facet))
        labels = _facet_labels(facet, set(counts[facet]) | selected)
        options = [
            FacetOption(
                value=value,
                label=labels.get(value, value),
                count=counts[facet].get(value, 0),
                selected=value in selected,
            )
            for value in labels
            if counts[facet].get(value) or value in selected
        ]
        if facet in ("commune", "country"):
            options.sort(key=lambda o: (-o.count, o.label))
        result[facet] = options
    return FacetSummary(total=total, facets=result)


def facet_summary(filters: DirectoryFilters, parsed: search.ParsedQuery) -> FacetSummary:
    """The number of organisations matching the filters and live counts for every
    facet. A facet's counts ignore its own selection (values within a facet
    combine with OR, facets with AND), so a visitor sees how many organisations
    each other choice would add. Selected values always appear, even at zero, so
    they can be unticked."""
    return _facet_summary_from(filters, *_facet_raw_counts(filters, parsed))


def facet_counts(filters: DirectoryFilters, parsed: search.ParsedQuery) -> dict[str, list[FacetOption]]:
    """Live counts for every facet (see :func:`facet_summary`)."""
    return facet_summary(filters, parsed).facets


# --- Caching of search results --------------------------------------------------
# A search over 100,000 organisations touches every matching row to count the
# facets and sort the page; the result only changes when an organisation does.
# Counts and page ids are cached under a key made of the data version and the
# normalised query, so equivalent URLs share an entry. Writes bump the version
# (services.organization_reindex); SEARCH_CACHE_SECONDS bounds staleness when the
# cache is per process (locmem) and a bump in one process is not seen by others.

SEARCH_CACHE_SECONDS = 60
_VERSION_KEY = "directory:data-version"


def data_version() -> int:
    return cache.get_or_set(_VERSION_KEY, 1, timeout=None)


def bump_data_version() -> None:
    try:
        cache.incr(_VERSION_KEY)
    except ValueError:
        cache.set(_VERSION_KEY, 2, timeout=None)


def _search_key(kind: str, filters: DirectoryFilters, parsed: search.ParsedQuery, *extra) -> str:
    payload = json.dumps(
        [kind, data_version(), [t.prefixes for t in parsed.terms], [filters.facet_values(f) for f in FACETS], extra],
        sort_keys=True,
    )
    return "directory:search:" + hashlib.sha256(payload.encode()).hexdigest()


def cache_key(*parts) -> str:
    """A cache key for anything derived from the directory's data and ``parts``."""
    payload = json.dumps([data_version(), *parts], sort_keys=True, default=str)
    return "directory:" + hashlib.sha256(payload.encode()).hexdigest()


def cached_facet_summary(filters: DirectoryFilters, parsed: search.ParsedQuery) -> FacetSummary:
    key = _search_key("summary", filters, parsed)
    raw = cache.get(key)
    if raw is None:
        raw = _facet_raw_counts(filters, parsed)
        cache.set(key, raw, SEARCH_CACHE_SECONDS)
    return _facet_summary_from(filters, *raw)


class CachedResults:
    """A sliceable, countable stand-in for the ordered queryset, for the paginator:
    a slice reads the page's ids from the cache (or the database), then the rows."""

    def __init__(self, result: DirectorySearch, filters: DirectoryFilters, count: int):
        self.result, self.filters, self.total = result, filters, count

    def count(self) -> int:
        return self.total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, index):
        if not isinstance(index, slice):
            raise TypeError("CachedResults only supports slices")
        key = _search_key("ids", self.filters, self.result.parsed, self.filters.sort, index.start, index.stop)
        ids = cache.get(key)
        if ids is None:
            ids = list(self.result.queryset.values_list("id", flat=True)[index])
            cache.set(key, ids, SEARCH_CACHE_SECONDS)
        rows = {o.id: o for o in with_list_relations(published_organizations().filter(id__in=ids))}
        return [rows[i] for i in ids if i in rows]


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
