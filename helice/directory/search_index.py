"""The directory's in-process search index.

Searching 100,000 organisations and counting five facets over every match takes
PostgreSQL 50 to 150 ms for a common word; the directory must answer in a few
milliseconds. Each server process therefore keeps a compact index of the
*published* organisations in memory, built from the database and kept current
from a change log:

* every organisation has a *position*; positions are assigned in name order
  (``name_key``, then id), so a set of positions read in increasing order is a
  list sorted by name;
* every word of the search documents, every word of the names, and every facet
  value maps to a compressed bitmap of positions (Roaring bitmaps, ``pyroaring``);
* a query is a few bitmap unions (a term's prefixes cover a range of the sorted
  vocabulary) and intersections; a facet count is an intersection cardinality;
  a page is a slice of a bitmap by rank. No row is read before the page's own
  20 rows.

It answers exactly the question :func:`helice.core.search.filter_documents`
answers in SQL (for every term, a word of the document starts with one of its
prefixes), on the same documents, so the result is the same on SQLite and
PostgreSQL (tested against the SQL path).

Freshness: writes append to :class:`~helice.directory.models.SearchChange`
(``services.record_search_change``, in the writer's transaction). Before each
search, the index reads the log past its own last entry (one indexed query that
returns no row when nothing changed) and reloads only the organisations named
there: their old positions are marked dead and they get new positions at the
end; the few positions beyond the name-ordered range are merged in by name when
a page is read. After many changes, or when the log does not continue the one
the index was built from (pruned, or a rolled-back entry reissued), it is rebuilt.
"""

from __future__ import annotations

import bisect
import heapq
import math
import threading
import time
from array import array
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.db.models.functions import Collate
from pyroaring import BitMap

from helice.core import search

from .models import InternationalActivity, Organization, PublicationStatus, SearchChange

FACETS = ("kind", "sector", "commune", "helix", "country")
# Rebuild instead of patching when more organisations than this changed at once.
MAX_DELTA = 2000
# Rebuild when this share of positions is dead or out of name order.
MAX_UNSORTED_SHARE = 0.05
NULL_YEAR = 1 << 30  # founding year unknown: sorts last either way


@dataclass
class _Row:
    id: int
    name_key: str
    document: str
    kind: str
    helix: str
    commune: str | None
    created: float
    year: int | None
    sectors: list[str] = field(default_factory=list)
    countries: list[str] = field(default_factory=list)


def _iter_rows(ids: list[int] | None = None):
    """Published organisations (all, or those of ``ids``) with their facet values,
    in name order (``name_key`` compared byte by byte, as Python compares it; the
    key is ASCII), streamed so that building never holds every document at once."""
    published = {"organization__status": PublicationStatus.PUBLISHED}
    if ids is not None:
        published["organization_id__in"] = ids
    sectors: dict[int, list[str]] = defaultdict(list)
    through = Organization.sectors.through.objects.filter(**published)
    for pk, slug in through.values_list("organization_id", "sector__slug").iterator(chunk_size=10000):
        sectors[pk].append(slug)
    countries: dict[int, list[str]] = defaultdict(list)
    activities = InternationalActivity.objects.filter(**published).values_list("organization_id", "country")
    for pk, country in activities.distinct().iterator(chunk_size=10000):
        countries[pk].append(str(country).lower())
    qs = Organization.objects.published()
    if ids is not None:
        qs = qs.filter(id__in=ids)
    name_order = Collate("name_key", "C") if connection.vendor == "postgresql" else "name_key"
    fields = ("id", "name_key", "search_document", "kind", "helix", "commune__slug", "created_at", "founding_year")
    for pk, key, doc, kind, helix, commune, created, year in (
        qs.order_by(name_order, "id").values_list(*fields).iterator(chunk_size=2000)
    ):
        yield _Row(
            pk, key, doc, kind, helix, commune, created.timestamp(), year, sectors.get(pk, []), countries.get(pk, [])
        )


def _log_tail(from_id: int) -> list[tuple[int, int, int]]:
    """Change-log entries from ``from_id`` on (inclusive): (id, token, organisation id)."""
    return list(
        SearchChange.objects.filter(id__gte=from_id).order_by("id").values_list("id", "token", "organization_id")
    )


class _Vocabulary:
    """Words mapped to bitmaps, with prefix lookups over the sorted words."""

    def __init__(self):
        self.postings: dict[str, BitMap] = {}
        self.words: list[str] = []
        self._prefix_cache: dict[str, BitMap] = {}

    def add(self, word: str, position: int) -> None:
        bm = self.postings.get(word)
        if bm is None:
            bm = self.postings[word] = BitMap()
        bm.add(position)

    def freeze(self) -> None:
        self.words = sorted(self.postings)
        self._prefix_cache.clear()

    def prefix(self, prefix: str) -> BitMap:
        cached = self._prefix_cache.get(prefix)
        if cached is not None:
            return cached
        lo = bisect.bisect_left(self.words, prefix)
        hi = bisect.bisect_left(self.words, prefix + "\x7f", lo)
        result = BitMap.union(*(self.postings[w] for w in self.words[lo:hi])) if hi > lo else BitMap()
        if len(self._prefix_cache) > 2000:
            self._prefix_cache.clear()
        self._prefix_cache[prefix] = result
        return result

    def any_starts_with(self, prefix: str) -> bool:
        i = bisect.bisect_left(self.words, prefix)
        return i < len(self.words) and self.words[i].startswith(prefix)


class DirectoryIndex:
    """An immutable-between-updates index; updates happen under the module lock."""

    def __init__(self):
        self.ids: list[int] = []
        self.names: list[str] = []
        self.position_of: dict[int, int] = {}
        self.alive = BitMap()
        self.sorted_upto = 0  # positions below this are in name order
        self.sorted_range = BitMap()
        self.documents = _Vocabulary()
        self.name_words = _Vocabulary()
        self.name_first = _Vocabulary()  # the first word of each name: "the name starts with"
        self.facets: dict[str, dict[str, BitMap]] = {f: defaultdict(BitMap) for f in FACETS}
        self.created = array("d")
        self.years = array("q")
        self.sectors_at: list[tuple[str, ...]] = []  # sector slugs of each position, for list rows
        self.memo: dict = {}  # values derived from the index (labels...), dropped at each update
        # Organisations read for list rows, by position. A change to an organisation
        # gives it a new position, so an entry never outlives the data it shows.
        self.row_cache: dict[int, object] = {}
        self.log_id = 0
        self.log_token: int | None = None

    # --- building ------------------------------------------------------------
    @classmethod
    def build(cls) -> DirectoryIndex:
        index = cls()
        tail = SearchChange.objects.order_by("-id").values_list("id", "token").first()
        if tail:
            index.log_id, index.log_token = tail
        previous = None
        for row in _iter_rows():
            key = (row.name_key, row.id)
            if previous is not None and key < previous:  # a collation we did not expect
                raise ImproperlyConfigured(f"The database does not sort name_key byte by byte: {previous} > {key}")
            previous = key
            index._add(row)
        index.sorted_upto = len(index.ids)
        index.sorted_range.add_range(0, index.sorted_upto)
        index._freeze()
        return index

    def _add(self, row: _Row) -> None:
        position = len(self.ids)
        self.ids.append(row.id)
        self.names.append(row.name_key)
        self.position_of[row.id] = position
        self.alive.add(position)
        for word in row.document.split():
            self.documents.add(word, position)
        name = row.name_key.split()
        for word in name:
            self.name_words.add(word, position)
        if name:
            self.name_first.add(name[0], position)
        self.facets["kind"][row.kind].add(position)
        self.facets["helix"][row.helix].add(position)
        if row.commune:
            self.facets["commune"][row.commune].add(position)
        for slug in row.sectors:
            self.facets["sector"][slug].add(position)
        self.sectors_at.append(tuple(row.sectors))
        for country in row.countries:
            self.facets["country"][country].add(position)
        self.created.append(row.created)
        self.years.append(row.year if row.year is not None else NULL_YEAR)

    def _freeze(self) -> None:
        self.memo = {}
        for vocabulary in (self.documents, self.name_words, self.name_first):
            vocabulary.freeze()
        self._created = np.array(self.created, dtype=np.float64)  # a copy: the arrays grow
        self._years = np.array(self.years, dtype=np.int64)
        self._ids = np.array(self.ids, dtype=np.int64)

    def apply(self, entries: list[tuple[int, int, int]]) -> bool:
        """Apply new change-log entries. False when the index must be rebuilt instead."""
        changed = {organization_id for _id, _token, organization_id in entries}
        unsorted = (len(self.ids) - self.sorted_upto) + (len(self.ids) - len(self.alive))
        if len(changed) > MAX_DELTA or unsorted + len(changed) > max(200, MAX_UNSORTED_SHARE * len(self.ids)):
            return False
        for organization_id in changed:
            position = self.position_of.pop(organization_id, None)
            if position is not None:
                self.alive.discard(position)
        for row in _iter_rows(sorted(changed)):
            self._add(row)
        self._freeze()
        self.log_id, self.log_token = entries[-1][0], entries[-1][1]
        return True

    # --- queries -------------------------------------------------------------
    def text_matches(self, parsed: search.ParsedQuery) -> BitMap:
        result = self.alive
        for term in parsed.terms:
            result = result & BitMap.union(*(self.documents.prefix(p) for p in term.prefixes))
        return result

    def has_match(self, parsed: search.ParsedQuery) -> bool:
        return bool(self.text_matches(parsed)) if parsed else bool(self.alive)

    def sector_slugs(self, organization_id: int) -> tuple[str, ...] | None:
        position = self.position_of.get(organization_id)
        return None if position is None else self.sectors_at[position]

    def name_vocabulary(self) -> list[str]:
        """Words of the published names (typo correction), computed once per update."""
        words = self.memo.get("name_vocabulary")
        if words is None:
            alive = self.alive
            words = self.memo["name_vocabulary"] = [
                w for w in self.name_words.words if len(w) > 2 and self.name_words.postings[w].intersect(alive)
            ]
        return words

    def selection(self, facet: str, values: list[str]) -> BitMap:
        bitmaps = self.facets[facet]
        found = [bitmaps[v] for v in values if v in bitmaps]
        return BitMap.union(*found) if found else BitMap()

    def search(self, parsed: search.ParsedQuery, selected: dict[str, list[str]]) -> Hits:
        return Hits(self, parsed, selected)

    # --- ordering ------------------------------------------------------------
    def _name_ordered(self, bm: BitMap, start: int, stop: int) -> list[int]:
        """Positions of ``bm`` ranked ``start`` to ``stop`` in name order."""
        if start >= stop:
            return []
        clean = bm & self.sorted_range
        extra = bm - clean
        if not extra:
            return list(clean[start:stop])
        key = self._name_key
        merged = heapq.merge(clean[0:stop], sorted(extra, key=key), key=key)
        return [p for i, p in zip(range(stop), merged, strict=False) if i >= start]

    def _name_key(self, position: int) -> tuple[str, int]:
        return self.names[position], self.ids[position]

    def _by_key(self, bm: BitMap, start: int, stop: int, sort: str) -> list[int]:
        """Positions of ``bm`` ranked ``start`` to ``stop`` by date or year."""
        positions = np.frombuffer(bm.to_array(), dtype=np.uint32).astype(np.int64)
        if self.sorted_upto < len(self.ids):
            names = sorted(positions.tolist(), key=self._name_key)
            positions = np.asarray(names, dtype=np.int64)
        # positions are now in name order; a stable sort keeps it between equal keys
        if sort == "newest":
            order = np.lexsort((-self._ids[positions], -self._created[positions]))
        elif sort == "founding_year":
            order = np.argsort(self._years[positions], kind="stable")
        else:  # "-founding_year": youngest first, unknown years last
            years = self._years[positions]
            order = np.argsort(np.where(years == NULL_YEAR, -1, -years), kind="stable")
        return positions[order[start:stop]].tolist()


class Hits:
    """The organisations matching a query and facet selections."""

    def __init__(self, index: DirectoryIndex, parsed: search.ParsedQuery, selected: dict[str, list[str]]):
        self.index, self.parsed = index, parsed
        self.matched = index.text_matches(parsed) if parsed else index.alive
        self.selections = {f: index.selection(f, v) for f, v in selected.items() if v}
        result = self.matched
        for bm in self.selections.values():
            result = result & bm
        self.result = result
        self.total = len(result)

    def facet_counts(self) -> dict[str, dict[str, int]]:
        """For every facet, the count of each value among the matches, ignoring
        the facet's own selection (OR within a facet, AND across facets)."""
        counts: dict[str, dict[str, int]] = {}
        for facet in FACETS:
            base = self.matched
            for other, bm in self.selections.items():
                if other != facet:
                    base = base & bm
            counts[facet] = {
                value: n for value, bm in self.index.facets[facet].items() if (n := base.intersection_cardinality(bm))
            }
        return counts

    def _segments(self, sort: str) -> list[BitMap]:
        if sort == "relevance" and self.parsed:
            first = BitMap.union(*(self.index.name_first.prefix(p) for p in self.parsed.terms[0].prefixes))
            in_name = self.index.alive
            for term in self.parsed.terms:
                in_name = in_name & BitMap.union(*(self.index.name_words.prefix(p) for p in term.prefixes))
            rank0 = self.result & first & in_name
            rank1 = (self.result & in_name) - rank0
            return [rank0, rank1, self.result - in_name]
        return [self.result]

    def positions(self, start: int, stop: int, sort: str = "relevance") -> list[int]:
        stop = min(stop, self.total)
        if start >= stop:
            return []
        if sort in ("newest", "founding_year", "-founding_year"):
            return self.index._by_key(self.result, start, stop, sort)
        if sort == "-name":
            n = self.total
            return list(reversed(self.index._name_ordered(self.result, n - stop, n - start)))
        out: list[int] = []
        offset = 0
        for segment in self._segments(sort):
            size = len(segment)
            if offset + size > start and offset < stop:
                out += self.index._name_ordered(segment, max(start - offset, 0), min(stop - offset, size))
            offset += size
            if offset >= stop:
                break
        return out

    def ids(self, start: int, stop: int, sort: str = "relevance") -> list[int]:
        return [self.index.ids[p] for p in self.positions(start, stop, sort)]

    def all_ids(self, sort: str = "relevance", chunk: int = 2000):
        """Every matching id in order, a chunk at a time."""
        for start in range(0, self.total, chunk):
            yield self.ids(start, start + chunk, sort)


# --- the process's index ----------------------------------------------------------
_lock = threading.Lock()
_current: dict[str, DirectoryIndex] = {}


def _key() -> str:
    # One index per database (tests and tools may switch DATABASES).
    settings_dict = connection.settings_dict
    return f"{connection.vendor}:{settings_dict.get('HOST')}:{settings_dict.get('PORT')}:{settings_dict['NAME']}"


_checked_at: dict[str, float] = {}  # when each index last read the change log


def get_index() -> DirectoryIndex:
    """The current index, brought up to date with the change log first.

    The log is read at most every ``DIRECTORY_SEARCH_REFRESH_SECONDS`` (1 s by
    default, like the refresh interval of Elasticsearch's near-real-time search):
    a write made by another process shows in this one's searches within that
    delay; a write made by this process marks its index stale at once
    (:func:`mark_stale`), so a partner sees its own change immediately.
    """
    key = _key()
    index = _current.get(key)
    # Inside a transaction, always read the log: the transaction may have written
    # to it, and what the index learns there must not outlive a rollback.
    in_transaction = connection.in_atomic_block
    fresh_until = _checked_at.get(key, -math.inf) + settings.DIRECTORY_SEARCH_REFRESH_SECONDS
    if index is not None and not in_transaction and time.monotonic() < fresh_until:
        return index
    with _lock:
        index = _current.get(key)
        if index is not None:
            entries = _new_entries(index, _log_tail(index.log_id))
            if not (entries == [] or (entries and index.apply(entries))):
                index = None
        if index is None:
            index = _current[key] = DirectoryIndex.build()
        if in_transaction:
            _checked_at.pop(key, None)
        else:
            _checked_at[key] = time.monotonic()
        return index


def mark_stale() -> None:
    """Make the next search of this process read the change log."""
    _checked_at.clear()


def _new_entries(index: DirectoryIndex, tail: list[tuple[int, int, int]]) -> list[tuple[int, int, int]] | None:
    """The log entries the index has not applied yet, or None when the log does
    not continue the one the index was built from (then it must be rebuilt)."""
    if index.log_token is None:  # built from an empty log: everything is new
        return tail
    if tail and tail[0][0] == index.log_id and tail[0][1] == index.log_token:
        return tail[1:]
    return None


def reset() -> None:
    """Forget every index (tests: each test starts from its own data)."""
    with _lock:
        _current.clear()
        _checked_at.clear()
