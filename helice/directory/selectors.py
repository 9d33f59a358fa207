"""Read queries of the directory, shared by the HTML pages, the CSV export and
the API so that all three return the same organisations."""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from helice.core import search
from helice.core.models import Commune, Sector

from . import search_index
from .models import HelixStrand, Organization, OrganizationKind

FACETS = search_index.FACETS
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


class DirectorySearch:
    """The published organisations matching a query, in the requested order,
    answered by the in-process index (search_index.py); rows are read from the
    database only for the slice asked for."""

    def __init__(self, hits: search_index.Hits, filters: DirectoryFilters):
        self.hits, self.filters, self.parsed = hits, filters, hits.parsed
        self.corrections = hits.parsed.corrections
        self.sort = filters.sort if filters.sort in SORTS else "relevance"
        self.total = hits.total

    def ids(self, start: int, stop: int) -> list[int]:
        return self.hits.ids(start, stop, self.sort)

    def organizations(self, start: int, stop: int, relations=None) -> list[Organization]:
        """The organisations ranked ``start`` to ``stop``, with ``relations``
        loaded (default: what a list row shows, from the index's row cache)."""
        if relations is not None:
            return _in_order(self.ids(start, stop), relations)
        if not settings.DIRECTORY_ROW_CACHE_SIZE:
            return self._list_rows(self.ids(start, stop))
        index = self.hits.index
        positions = self.hits.positions(start, stop, self.sort)
        cache = index.row_cache
        missing = [index.ids[p] for p in positions if p not in cache]
        if missing:
            if len(cache) + len(missing) > settings.DIRECTORY_ROW_CACHE_SIZE:
                cache.clear()  # simpler than an LRU, and safe with threads
            for o in self._list_rows(missing):
                position = index.position_of.get(o.id)
                if position is not None:
                    cache[position] = o
        return [cache[p] for p in positions if p in cache]

    def iter_organizations(self, relations=None, chunk: int = 2000):
        """Every matching organisation in order, read ``chunk`` rows at a time."""
        for ids in self.hits.all_ids(self.sort, chunk):
            yield from (_in_order(ids, relations) if relations else self._list_rows(ids))

    def _list_rows(self, ids: list[int]) -> list[Organization]:
        """What a list row shows: the row, its commune, its sectors (from the index)."""
        rows = _in_order(ids, lambda qs: qs.select_related("commune").defer(*LIST_DEFERRED))
        sectors = sectors_by_slug(self.hits.index)
        for o in rows:
            slugs = self.hits.index.sector_slugs(o.id) or ()
            o._list_sectors = sorted((sectors[s] for s in slugs if s in sectors), key=lambda s: (s.position, s.slug))
        return rows

    def iter_values(self, *fields: str, located: bool = False, chunk: int = 2000):
        """``values_list(*fields)`` of every match in order; ``located``: only those with coordinates."""
        for ids in self.hits.all_ids(self.sort, chunk):
            qs = published_organizations().filter(id__in=ids)
            if located:
                qs = qs.filter(latitude__isnull=False, longitude__isnull=False)
            rows = {row[0]: row[1:] for row in qs.values_list("id", *fields)}
            yield from (rows[pk] for pk in ids if pk in rows)

    @property
    def results(self) -> OrderedResults:
        """A sliceable, countable sequence of the organisations, for a paginator."""
        return OrderedResults(self)


# Columns a list row (HTML card, API item) never shows: not read for a page.
LIST_DEFERRED = ("search_document", "sources", "siren", "siret", "naf_code", "address", "postal_code")


class OrderedResults:
    def __init__(self, result: DirectorySearch):
        self.result = result

    def count(self) -> int:
        return self.result.total

    def __len__(self) -> int:
        return self.result.total

    def __getitem__(self, index):
        if not isinstance(index, slice) or index.step not in (None, 1):
            raise TypeError("OrderedResults only supports contiguous slices")
        start, stop, _step = index.indices(self.result.total)
        return self.result.organizations(start, stop)


def _in_order(ids: list[int], relations) -> list[Organization]:
    rows = {o.id: o for o in relations(published_organizations().filter(id__in=ids))}
    return [rows[i] for i in ids if i in rows]


def published_organizations() -> QuerySet:
    return Organization.objects.published()


def name_vocabulary() -> list[str]:
    """Distinct words of published organisations' names, for typo correction."""
    return search_index.get_index().name_vocabulary()


def _text_query(index: search_index.DirectoryIndex, parsed: search.ParsedQuery) -> search.ParsedQuery:
    """The query to run: ``parsed``, or its typos corrected when its words match
    no organisation at all. Facets are left out on purpose: a word that exists
    is not a typo because a filter excludes its organisations."""
    if parsed and not index.has_match(parsed):
        corrected = search.correct_terms(parsed, index.name_vocabulary())
        if corrected is not None:
            return corrected
    return parsed


def organization_search(
    filters: DirectoryFilters, *, index: search_index.DirectoryIndex | None = None
) -> DirectorySearch:
    """Published organisations matching the filters, in the requested order
    (``index``: one the caller already brought up to date in this request)."""
    index = index or search_index.get_index()
    parsed = _text_query(index, search.parse_query(filters.q))
    selected = {facet: filters.facet_values(facet) for facet in FACETS}
    return DirectorySearch(index.search(parsed, selected), filters)


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


# Reference data (sector and commune names) rarely changes; a process keeps what
# it read for REFERENCE_SECONDS at most, and less when the index changes.
REFERENCE_SECONDS = 60


def _memo(index: search_index.DirectoryIndex, name: str, compute):
    key = (name, get_language(), int(time.monotonic() // REFERENCE_SECONDS))
    value = index.memo.get(key)
    if value is None:
        value = index.memo[key] = compute()
    return value


def sectors_by_slug(index: search_index.DirectoryIndex) -> dict[str, Sector]:
    return _memo(index, "sectors", lambda: {s.slug: s for s in Sector.objects.all()})


def _facet_labels(index: search_index.DirectoryIndex, facet: str) -> dict[str, str]:
    """Value → label of every value a facet may show, in the active language."""
    if facet == "kind":
        return _memo(index, facet, lambda: {k: str(label) for k, label in OrganizationKind.choices})
    if facet == "helix":
        return _memo(index, facet, lambda: {k: str(label) for k, label in HelixStrand.choices})
    if facet == "commune":
        return _memo(index, facet, lambda: dict(Commune.objects.values_list("slug", "name")))
    if facet == "sector":
        return _memo(index, facet, lambda: {slug: s.name for slug, s in sectors_by_slug(index).items()})
    if facet == "country":
        return _memo(index, facet, lambda: {code.lower(): str(name) for code, name in countries})
    raise ValueError(f"unknown facet {facet}")


def _facet_summary_from(
    index: search_index.DirectoryIndex, filters: DirectoryFilters, total: int, counts: dict[str, dict[str, int]]
) -> FacetSummary:
    result: dict[str, list[FacetOption]] = {}
    for facet in FACETS:
        selected = set(filters.facet_values(facet))
        labels = _facet_labels(index, facet)
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


def facet_summary(result: DirectorySearch) -> FacetSummary:
    """The number of organisations matching the filters and live counts for every
    facet. A facet's counts ignore its own selection (values within a facet
    combine with OR, facets with AND), so a visitor sees how many organisations
    each other choice would add. Selected values always appear, even at zero, so
    they can be unticked."""
    return _facet_summary_from(result.hits.index, result.filters, result.total, result.hits.facet_counts())


def facet_counts(result: DirectorySearch) -> dict[str, list[FacetOption]]:
    """Live counts for every facet (see :func:`facet_summary`)."""
    return facet_summary(result).facets


def cache_key(index: search_index.DirectoryIndex, *parts) -> str:
    """A cache key for anything derived from the directory's published data and
    ``parts``: it changes with the (current) search index's position in the
    change log, which every process reads from the database, so no process
    serves a stale entry."""
    payload = json.dumps([index.log_id, index.log_token, len(index.alive), *parts], sort_keys=True, default=str)
    return "directory:" + hashlib.sha256(payload.encode()).hexdigest()


SEARCH_CACHE_SECONDS = 60


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
