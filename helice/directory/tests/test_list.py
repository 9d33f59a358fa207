"""The directory list: search, facets, sorting, pagination, export, bad input."""

import csv
import io

import pytest

from helice.directory import services
from helice.directory.models import HelixStrand, OrganizationKind

from .factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecosystem():
    energy = SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie")
    digital = SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique")
    grenoble = CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185")
    meylan = CommuneFactory(name="Meylan", slug="meylan", insee_code="38229")
    orgs = {
        "minalogic": OrganizationFactory(
            name="Minalogic",
            kind=OrganizationKind.COMPETITIVENESS_CLUSTER,
            sectors=[digital],
            commune=grenoble,
            description_fr="Pôle de compétitivité des technologies du numérique.",
            countries=[("DE", "partnership")],
        ),
        "tenerrdis": OrganizationFactory(
            name="Tenerrdis",
            kind=OrganizationKind.COMPETITIVENESS_CLUSTER,
            sectors=[energy],
            commune=grenoble,
            description_fr="Pôle des nouvelles technologies de l'énergie.",
        ),
        "alpes": OrganizationFactory(
            name="Énergies Alpines",
            kind=OrganizationKind.STARTUP,
            sectors=[energy],
            commune=meylan,
            description_fr="Jeune pousse qui stocke l'électricité solaire.",
            countries=[("CH", "export")],
        ),
        "lab": OrganizationFactory(
            name="Laboratoire des Matériaux",
            kind=OrganizationKind.RESEARCH_LAB,
            helix=HelixStrand.RESEARCH,
            sectors=[energy, digital],
            commune=meylan,
            description_fr="Recherche sur les batteries.",
        ),
        "draft": OrganizationFactory(name="Énergie Cachée", draft=True, sectors=[energy]),
    }
    return orgs


def names(response):
    return [o.name for o in response.context["page"].object_list]


def test_all_published_organisations_are_listed_by_name(client, ecosystem):
    response = client.get("/annuaire/")
    assert response.status_code == 200
    assert names(response) == ["Énergies Alpines", "Laboratoire des Matériaux", "Minalogic", "Tenerrdis"]
    assert response.context["count"] == 4


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("energie", {"Énergies Alpines", "Tenerrdis", "Laboratoire des Matériaux"}),  # accents, stems, sectors
        ("ÉNERGIES", {"Énergies Alpines", "Tenerrdis", "Laboratoire des Matériaux"}),
        ("mina", {"Minalogic"}),  # prefix while typing
        ("minalogik", {"Minalogic"}),  # typo on a name
        ("batterie", {"Laboratoire des Matériaux"}),  # singular finds plural
        ("energie meylan", {"Énergies Alpines", "Laboratoire des Matériaux"}),  # every term must match
        ("cachée", set()),  # drafts never show
        ("zzzzzzqqq", set()),
    ],
)
def test_full_text_search(client, ecosystem, q, expected):
    response = client.get("/annuaire/", {"q": q})
    assert response.status_code == 200
    assert set(names(response)) == expected


def test_typo_correction_is_announced(client, ecosystem):
    response = client.get("/annuaire/", {"q": "minalogik"})
    assert response.context["result"].corrections == [("minalogik", "minalogic")]
    assert "minalogic" in response.content.decode()


def test_relevance_puts_name_matches_first(client, ecosystem):
    response = client.get("/annuaire/", {"q": "energie"})
    assert names(response)[0] == "Énergies Alpines"


def test_facets_combine_or_within_and_across(client, ecosystem):
    response = client.get("/annuaire/?kind=startup&kind=research_lab")
    assert set(names(response)) == {"Énergies Alpines", "Laboratoire des Matériaux"}
    response = client.get("/annuaire/?kind=startup&kind=research_lab&commune=meylan&sector=numerique")
    assert names(response) == ["Laboratoire des Matériaux"]
    response = client.get("/annuaire/?country=ch")
    assert names(response) == ["Énergies Alpines"]
    response = client.get("/annuaire/?helix=research")
    assert names(response) == ["Laboratoire des Matériaux"]


def test_facet_counts_ignore_their_own_selection(client, ecosystem):
    response = client.get("/annuaire/?kind=startup&q=energie")
    facets = response.context["facets"]
    kinds = {o.value: (o.count, o.selected) for o in facets["kind"]}
    # Other kinds keep their counts for the same text query, so a visitor can add them.
    assert kinds["startup"] == (1, True)
    assert kinds["competitiveness_cluster"] == (1, False)
    assert kinds["research_lab"] == (1, False)
    sectors = {o.value: o.count for o in facets["sector"]}
    assert sectors == {"energie": 1}
    communes = {o.value: o.count for o in facets["commune"]}
    assert communes == {"meylan": 1}


def test_drafts_are_not_counted_in_facets(client, ecosystem):
    facets = client.get("/annuaire/").context["facets"]
    assert {o.value: o.count for o in facets["sector"]} == {"energie": 3, "numerique": 2}


def test_selected_value_with_no_result_stays_visible(client, ecosystem):
    facets = client.get("/annuaire/?kind=investor").context["facets"]
    assert [(o.value, o.count, o.selected) for o in facets["kind"] if o.value == "investor"] == [("investor", 0, True)]


def test_unknown_facet_value_gives_an_empty_result_not_an_error(client, ecosystem):
    response = client.get("/annuaire/?sector=does-not-exist")
    assert response.status_code == 200
    assert response.context["count"] == 0
    assert "No organisation matches" in response.content.decode() or "Aucune organisation" in response.content.decode()


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "abc"}, 400),
        ({"page": "-1"}, 400),
        ({"page": "0"}, 400),
        ({"page": "999999"}, 404),
        ({"page": "9" * 50}, 400),
        ({"q": "x" * 10_000}, 400),
        ({"kind": "<script>"}, 400),
        ({"sort": "DROP TABLE"}, 400),
        ({"sector": [f"s{i}" for i in range(40)]}, 400),
        ({"q": "\x00energie"}, 400),
    ],
)
def test_bad_parameters_get_a_clear_4xx(client, ecosystem, params, status):
    response = client.get("/annuaire/", params)
    assert response.status_code == status
    assert response.context["error"]


@pytest.mark.parametrize("q", ["'", '"', "'; DROP TABLE directory_organization; --", "%", "_", "\\", "a:* | b", "()!&"])
def test_sql_and_tsquery_metacharacters_are_harmless(client, ecosystem, q):
    response = client.get("/annuaire/", {"q": q})
    assert response.status_code == 200


def test_invalid_utf8_in_the_url_is_not_a_server_error(client, ecosystem):
    response = client.get("/annuaire/?q=%ff%fe%C3")
    assert response.status_code in (200, 400)


def test_pagination_keeps_filters(client, ecosystem):
    for i in range(25):
        OrganizationFactory(name=f"Start-up {i:02d}", kind=OrganizationKind.STARTUP)
    response = client.get("/annuaire/?kind=startup")
    assert response.context["count"] == 26
    assert len(names(response)) == 20
    html = response.content.decode()
    assert "kind=startup" in html and "page=2" in html
    second = client.get("/annuaire/?kind=startup&page=2")
    assert len(names(second)) == 6


def test_sorting(client, ecosystem):
    ecosystem["minalogic"].founding_year = 2005
    ecosystem["minalogic"].save()
    ecosystem["tenerrdis"].founding_year = 2007
    ecosystem["tenerrdis"].save()
    response = client.get("/annuaire/?sort=-name")
    assert names(response)[0] == "Tenerrdis"
    response = client.get("/annuaire/?sort=founding_year&kind=competitiveness_cluster")
    assert names(response) == ["Minalogic", "Tenerrdis"]


def test_htmx_request_gets_the_fragment_only(client, ecosystem):
    response = client.get("/annuaire/?q=mina", headers={"HX-Request": "true"})
    html = response.content.decode()
    assert 'id="directory-layout"' in html
    assert "<html" not in html
    assert "HX-Request" in response["Vary"]


def test_list_page_query_count_is_fixed(client, ecosystem, django_assert_max_num_queries):
    for i in range(30):
        OrganizationFactory(name=f"Extra {i}", sectors=[ecosystem["lab"].sectors.first()])
    client.get("/annuaire/?q=extra")  # builds the index, reads sector and commune names
    # the change log (nothing new), then the page's rows: nothing per row, nothing per facet
    with django_assert_max_num_queries(2):
        response = client.get("/annuaire/?q=extra&kind=company&sector=energie")
    assert response.context["count"] == 30
    with django_assert_max_num_queries(1):  # the same rows again: from the row cache
        client.get("/annuaire/?q=extra&kind=company&sector=energie&sort=name")


def test_edits_show_at_once_in_cached_lists(client, ecosystem):
    """Rendered panels and list rows are cached; an edit must never show stale data."""
    assert "Minalogic" in client.get("/annuaire/").content.decode()
    assert "Minalogic" in client.get("/annuaire/").content.decode()  # from the caches now
    org = ecosystem["minalogic"]
    org.name = "Minalogic Renommé"
    org.save()
    services.organization_reindex(organization=org)
    html = client.get("/annuaire/").content.decode()
    assert "Minalogic Renommé" in html
    org.status = "draft"
    org.save()
    assert "Minalogic" not in client.get("/annuaire/").content.decode()


def test_csv_export_follows_the_current_filter(client, ecosystem):
    response = client.get("/annuaire/export.csv?q=energie&commune=meylan")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert {r["name"] for r in rows} == {"Énergies Alpines", "Laboratoire des Matériaux"}
    alpes = next(r for r in rows if r["slug"] == ecosystem["alpes"].slug)
    assert alpes["commune_insee"] == "38229"
    assert alpes["international"] == "CH:export"


def test_csv_export_neutralises_formulas(client):
    OrganizationFactory(name='=HYPERLINK("http://evil")', slug="evil")
    rows = list(csv.reader(io.StringIO(b"".join(client.get("/annuaire/export.csv").streaming_content).decode())))
    assert rows[1][1].startswith("'=")


def test_csv_export_rejects_bad_input(client):
    assert client.get("/annuaire/export.csv", {"q": "x" * 5000}).status_code == 400
