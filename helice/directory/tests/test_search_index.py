"""The in-process search index answers what the SQL search answers, in the
documented order, and follows every write through the change log."""

import io
import random

import pytest
from django.db import connection, transaction

from helice.core import search
from helice.directory import search_index, selectors, services
from helice.directory.models import InternationalActivity, Organization, PublicationStatus, SearchChange
from helice.directory.selectors import DirectoryFilters, organization_search

from .factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

WORDS = ["alpes", "energie", "energies", "capteur", "capteurs", "micro", "microsysteme", "robot", "sante", "laser"]
KINDS = ["company", "startup", "research_lab", "association"]


@pytest.fixture
def corpus():
    """80 organisations with random names, descriptions, facets (seeded)."""
    rng = random.Random(7)
    sectors = [SectorFactory(name_fr=f"Secteur {c}", slug=f"secteur-{c}") for c in "abc"]
    communes = [CommuneFactory(name=f"Ville {c}", slug=f"ville-{c}") for c in "xy"]
    orgs = []
    for i in range(80):
        name = " ".join(rng.sample(WORDS, 2)).title() + f" {i}"
        orgs.append(
            OrganizationFactory(
                name=name,
                kind=rng.choice(KINDS),
                description_fr=" ".join(rng.sample(WORDS, 3)),
                sectors=rng.sample(sectors, rng.randint(0, 2)),
                commune=rng.choice([*communes, None]),
                founding_year=rng.choice([None, 1990, 2005, 2015, 2020]),
                countries=[("DE", "export")] if i % 5 == 0 else [],
            )
        )
    OrganizationFactory(name="Energie brouillon", draft=True)
    return orgs


def sql_ids(q: str, **facets) -> set[int]:
    """The SQL path: filter_documents plus facets as plain ORM filters."""
    qs = search.filter_documents(Organization.objects.published(), search.parse_query(q))
    if facets.get("kind"):
        qs = qs.filter(kind__in=facets["kind"])
    if facets.get("sector"):
        qs = qs.filter(sectors__slug__in=facets["sector"])
    if facets.get("commune"):
        qs = qs.filter(commune__slug__in=facets["commune"])
    if facets.get("country"):
        qs = qs.filter(international_activities__country__in=[c.upper() for c in facets["country"]])
    return set(qs.values_list("id", flat=True).distinct())


def index_ids(q: str, sort: str = "name", **facets) -> list[int]:
    result = organization_search(DirectoryFilters(q=q, sort=sort, **facets))
    return list(result.ids(0, result.total))


QUERIES = ["", "energie", "energ", "capteurs", "capteur", "micro", "micro alpes", "sante laser", "ville", "xyz"]


@pytest.mark.parametrize("q", QUERIES)
def test_index_matches_exactly_what_sql_matches(corpus, q):
    assert set(index_ids(q)) == sql_ids(q)
    facets = {"kind": ["company", "startup"], "sector": ["secteur-a"]}
    assert set(index_ids(q, **facets)) == sql_ids(q, **facets)
    assert set(index_ids(q, commune=["ville-x"], country=["de"])) == sql_ids(q, commune=["ville-x"], country=["de"])


def test_drafts_are_never_found(corpus):
    assert "Energie brouillon" not in [
        o.name for o in organization_search(DirectoryFilters(q="brouillon")).results[0:50]
    ]
    assert organization_search(DirectoryFilters(q="brouillon")).total == 0


def test_facet_counts_ignore_their_own_selection(corpus):
    filters = DirectoryFilters(q="energie", kind=["company"], sector=["secteur-b"])
    counts = organization_search(filters).hits.facet_counts()
    for kind in KINDS:
        expected = len(sql_ids("energie", kind=[kind], sector=["secteur-b"]))
        assert counts["kind"].get(kind, 0) == expected
    for sector in ("secteur-a", "secteur-b", "secteur-c"):
        assert counts["sector"].get(sector, 0) == len(sql_ids("energie", kind=["company"], sector=[sector]))
    in_both = sql_ids("energie", kind=["company"], sector=["secteur-b"])
    assert sum(counts["helix"].values()) == len(in_both)


def test_orders(corpus):
    published = list(Organization.objects.published())
    by_name = [o.id for o in sorted(published, key=lambda o: (o.name_key, o.id))]
    assert index_ids("", sort="name") == by_name
    assert index_ids("", sort="-name") == by_name[::-1]
    newest = [o.id for o in sorted(published, key=lambda o: (o.created_at, o.id), reverse=True)]
    assert index_ids("", sort="newest") == newest
    rank = {pk: i for i, pk in enumerate(by_name)}
    oldest = sorted(published, key=lambda o: (o.founding_year is None, o.founding_year or 0, rank[o.id]))
    assert index_ids("", sort="founding_year") == [o.id for o in oldest]
    youngest = sorted(published, key=lambda o: (o.founding_year is None, -(o.founding_year or 0), rank[o.id]))
    assert index_ids("", sort="-founding_year") == [o.id for o in youngest]


def test_relevance_puts_names_starting_with_the_term_first(corpus):
    ids = index_ids("capteur", sort="relevance")
    orgs = {o.id: o for o in Organization.objects.filter(id__in=ids)}

    def rank(o):
        words = o.name_key.split()
        if words[0].startswith("capteur"):
            return 0
        return 1 if any(w.startswith("capteur") for w in words) else 2

    expected = sorted(ids, key=lambda pk: (rank(orgs[pk]), orgs[pk].name_key, pk))
    assert ids == expected
    assert rank(orgs[ids[0]]) == 0 and rank(orgs[ids[-1]]) == 2


@pytest.mark.parametrize("sort", ["relevance", "name", "-name", "newest", "founding_year"])
def test_pages_are_slices_of_the_whole_order(corpus, sort):
    result = organization_search(DirectoryFilters(q="energie", sort=sort))
    whole = result.ids(0, result.total)
    pages = [pk for start in range(0, result.total, 7) for pk in result.ids(start, start + 7)]
    assert pages == whole
    assert result.ids(result.total, result.total + 10) == []


def test_writes_reach_the_index_without_a_rebuild(corpus):
    first = search_index.get_index()
    sector = SectorFactory(name_fr="Quantique", slug="quantique")
    new = OrganizationFactory(name="Zeta Quantum", sectors=[sector])
    assert index_ids("zeta") == [new.id]
    assert search_index.get_index() is first  # patched, not rebuilt
    # edits: name, facets, status, activities, deletion
    new.name = "Omega Quantum"
    new.save()
    services.organization_reindex(organization=new)
    assert index_ids("zeta") == [] and index_ids("omega") == [new.id]
    InternationalActivity.objects.create(organization=new, country="JP", kind="export")
    assert index_ids("", country=["jp"]) == [new.id]
    new.sectors.clear()
    assert index_ids("", sector=["quantique"]) == []
    sector.organizations.add(new)
    assert index_ids("", sector=["quantique"]) == [new.id]
    Organization.objects.filter(pk=new.pk).update(status=PublicationStatus.DRAFT)  # no signal...
    services.record_search_change(new.pk)  # ...so the writer logs it, as services do
    assert index_ids("omega") == []
    other = corpus[0]
    other.delete()
    assert other.id not in index_ids("")
    # the edited organisation is merged into name order
    assert index_ids("", sort="name") == [
        o.id for o in sorted(Organization.objects.published(), key=lambda o: (o.name_key, o.id))
    ]
    assert search_index.get_index() is first


def test_many_changes_rebuild_the_index(corpus, monkeypatch):
    first = search_index.get_index()
    monkeypatch.setattr(search_index, "MAX_DELTA", 3)
    for org in corpus[:5]:
        services.record_search_change(org.id)
    assert search_index.get_index() is not first
    assert set(index_ids("")) == sql_ids("")


def test_a_log_that_no_longer_continues_forces_a_rebuild(corpus):
    services.record_search_change(corpus[0].id)
    first = search_index.get_index()
    # the entry the index stands on disappears (pruned, or rolled back and reissued)
    SearchChange.objects.all().delete()
    services.record_search_change(corpus[1].id)
    assert search_index.get_index() is not first


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_write_is_not_searchable():
    OrganizationFactory(name="Stable")
    assert len(index_ids("")) == 1
    with pytest.raises(RuntimeError), transaction.atomic():
        OrganizationFactory(name="Phantom")
        assert index_ids("phantom")  # seen inside its own transaction
        raise RuntimeError
    assert index_ids("phantom") == []
    assert len(index_ids("")) == 1


def test_typo_correction_uses_the_names_of_the_index(corpus):
    result = organization_search(DirectoryFilters(q="microsystem"))
    assert result.total > 0
    result = organization_search(DirectoryFilters(q="mikrosysteme"))
    assert result.corrections == [("mikrosysteme", "microsysteme")]
    assert result.total == len(sql_ids("microsysteme"))


def test_one_query_per_search_once_the_index_is_built(corpus, django_assert_num_queries):
    search_index.get_index()
    with django_assert_num_queries(1):  # the change log, which has nothing new
        result = organization_search(DirectoryFilters(q="energie", kind=["company"], sector=["secteur-a"]))
        result.hits.facet_counts()
        result.ids(0, 20)
    before = selectors.cache_key(search_index.get_index(), "x")
    assert selectors.cache_key(search_index.get_index(), "x") == before
    services.record_search_change(corpus[0].id)
    assert selectors.cache_key(search_index.get_index(), "x") != before


def test_each_database_has_its_own_index(corpus):
    index = search_index.get_index()
    assert search_index._current[search_index._key()] is index
    assert connection.settings_dict["NAME"] in search_index._key()


@pytest.mark.django_db(transaction=True)
def test_another_process_write_shows_within_the_refresh_delay(settings, monkeypatch):
    settings.DIRECTORY_SEARCH_REFRESH_SECONDS = 30
    clock = [1000.0]
    monkeypatch.setattr(search_index.time, "monotonic", lambda: clock[0])
    seen = OrganizationFactory(name="Visible")
    assert index_ids("") == [seen.id]
    # another process writes: the rows and the log change, this process is not told
    Organization.objects.filter(pk=seen.pk).update(status=PublicationStatus.DRAFT)
    SearchChange.objects.create(organization_id=seen.pk)
    assert index_ids("") == [seen.id]  # within the refresh delay: the index is not re-read
    clock[0] += 31
    assert index_ids("") == []
    # a write of this process is seen at once
    mine = OrganizationFactory(name="Mine")
    assert index_ids("") == [mine.id]


def test_pruning_the_log_keeps_the_newest_entry_and_searches_stay_right(corpus):
    import datetime

    from django.core.management import call_command
    from django.utils import timezone

    SearchChange.objects.update(created_at=timezone.now() - datetime.timedelta(days=30))
    newest = SearchChange.objects.order_by("-id").first()
    services.record_search_change(corpus[0].id)  # a recent entry
    recent = SearchChange.objects.order_by("-id").first()
    index = search_index.get_index()
    call_command("prune_search_log", "--days", "7", stdout=io.StringIO())
    assert list(SearchChange.objects.values_list("id", flat=True)) == [recent.id]
    assert newest.id != recent.id
    assert search_index.get_index() is index  # it stands on the kept entry
    assert set(index_ids("")) == sql_ids("")
    with pytest.raises(SystemExit):
        call_command("prune_search_log", "--days", "0", stderr=io.StringIO())
