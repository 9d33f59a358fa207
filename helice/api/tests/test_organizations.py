"""Public API v1, organisations: list, facets, search, map, detail, bad input."""

import pytest

from helice.directory.models import HelixStrand, OrganizationKind
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/organizations"


@pytest.fixture
def ecosystem():
    energy = SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie")
    digital = SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique")
    grenoble = CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185")
    meylan = CommuneFactory(name="Meylan", slug="meylan", insee_code="38229")
    return {
        "minalogic": OrganizationFactory(
            name="Minalogic",
            kind=OrganizationKind.COMPETITIVENESS_CLUSTER,
            sectors=[digital],
            commune=grenoble,
            located=True,
            founding_year=2005,
            website="https://www.minalogic.com",
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
            startup=True,
            sectors=[energy],
            commune=meylan,
            latitude=45.21,
            longitude=5.78,
            location_precision="commune",
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
        "draft": OrganizationFactory(name="Énergie Cachée", draft=True, located=True, sectors=[energy]),
    }


def names(response):
    return [item["name"] for item in response.json()["items"]]


def html_names(client, params):
    return [o.name for o in client.get("/annuaire/", params).context["page"].object_list]


# --- List -------------------------------------------------------------------------


def test_list_returns_published_organisations_with_count_and_items(client, ecosystem):
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    data = response.json()
    assert data["count"] == 4
    assert data["page"] == 1
    assert data["page_size"] == 20
    assert data["corrections"] == []
    assert names(response) == ["Énergies Alpines", "Laboratoire des Matériaux", "Minalogic", "Tenerrdis"]
    minalogic = next(i for i in data["items"] if i["slug"] == "minalogic")
    assert minalogic == {
        "slug": "minalogic",
        "name": "Minalogic",
        "acronym": "",
        "kind": "competitiveness_cluster",
        "kind_label": minalogic["kind_label"],
        "helix": "industry",
        "helix_label": minalogic["helix_label"],
        "sectors": [{"slug": "numerique", "name": "Numérique"}],
        "commune": {"insee_code": "38185", "slug": "grenoble", "name": "Grenoble"},
        "latitude": 45.19,
        "longitude": 5.72,
        "location_precision": "address",
        "website": "https://www.minalogic.com",
        "url": "http://testserver/annuaire/minalogic/",
        "founding_year": 2005,
    }
    assert minalogic["kind_label"] and minalogic["helix_label"]


def test_list_facets_have_values_labels_counts_and_selection(client, ecosystem):
    facets = client.get(URL, {"kind": "startup", "q": "energie"}).json()["facets"]
    assert set(facets) == {"kind", "sector", "commune", "helix", "country"}
    kinds = {o["value"]: (o["count"], o["selected"]) for o in facets["kind"]}
    assert kinds["startup"] == (1, True)
    assert kinds["competitiveness_cluster"] == (1, False)
    assert {o["value"]: o["count"] for o in facets["sector"]} == {"energie": 1}
    assert facets["commune"] == [{"value": "meylan", "label": "Meylan", "count": 1, "selected": False}]
    assert {o["value"] for o in facets["country"]} == {"ch"}


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "startup"}, ["Énergies Alpines"]),
        ({"kind": ["startup", "research_lab"]}, ["Énergies Alpines", "Laboratoire des Matériaux"]),
        ({"sector": "numerique"}, ["Laboratoire des Matériaux", "Minalogic"]),
        ({"commune": "grenoble"}, ["Minalogic", "Tenerrdis"]),
        ({"helix": "research"}, ["Laboratoire des Matériaux"]),
        ({"country": "ch"}, ["Énergies Alpines"]),
        ({"country": "DE"}, ["Minalogic"]),
        (
            {"kind": ["startup", "research_lab"], "commune": "meylan", "sector": "numerique"},
            ["Laboratoire des Matériaux"],
        ),
    ],
)
def test_each_facet_filters(client, ecosystem, params, expected):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert names(response) == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("params", [{"sector": "does-not-exist"}, {"kind": "nothing"}, {"country": "zz"}])
def test_unknown_facet_value_gives_an_empty_result(client, ecosystem, params):
    response = client.get(URL, params)
    assert response.status_code == 200
    assert response.json()["count"] == 0
    assert response.json()["items"] == []


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("energie", {"Énergies Alpines", "Tenerrdis", "Laboratoire des Matériaux"}),
        ("ÉNERGIES", {"Énergies Alpines", "Tenerrdis", "Laboratoire des Matériaux"}),
        ("mina", {"Minalogic"}),
        ("batterie", {"Laboratoire des Matériaux"}),
        ("cachée", set()),
    ],
)
def test_full_text_search_ignores_accents_and_case(client, ecosystem, q, expected):
    assert set(names(client.get(URL, {"q": q}))) == expected


def test_typo_is_corrected_and_announced(client, ecosystem):
    data = client.get(URL, {"q": "minalogik"}).json()
    assert [i["name"] for i in data["items"]] == ["Minalogic"]
    assert data["corrections"] == [{"original": "minalogik", "corrected": "minalogic"}]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"q": "energie"},
        {"q": "energie", "sort": "-name"},
        {"sort": "newest"},
        {"sort": "founding_year"},
        {"sort": "-founding_year", "kind": "competitiveness_cluster"},
        {"q": "minalogik"},
        {"sector": "energie", "sort": "-name"},
    ],
)
def test_same_results_in_the_same_order_as_the_html_list(client, ecosystem, params):
    assert names(client.get(URL, params)) == html_names(client, params)


def test_pagination_and_page_size(client, ecosystem):
    for i in range(25):
        OrganizationFactory(name=f"Start-up {i:02d}", startup=True)
    first = client.get(URL, {"kind": "startup"}).json()
    assert first["count"] == 26
    assert len(first["items"]) == 20
    second = client.get(URL, {"kind": "startup", "page": 2}).json()
    assert len(second["items"]) == 6
    assert second["page"] == 2
    assert [i["name"] for i in first["items"] + second["items"]] == html_names(
        client, {"kind": "startup"}
    ) + html_names(client, {"kind": "startup", "page": 2})
    big = client.get(URL, {"kind": "startup", "page_size": 100}).json()
    assert len(big["items"]) == 26 and big["page_size"] == 100
    small = client.get(URL, {"kind": "startup", "page_size": 5, "page": 6}).json()
    assert len(small["items"]) == 1


def test_empty_result_first_page_is_not_an_error(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json()["count"] == 0


@pytest.mark.parametrize(
    ("params", "status", "param"),
    [
        ({"page": "abc"}, 400, "page"),
        ({"page": "0"}, 400, "page"),
        ({"page": "-1"}, 400, "page"),
        ({"page": "1.5"}, 400, "page"),
        ({"page": "999999"}, 404, None),
        ({"page": "9" * 50}, 400, None),  # as on the HTML list
        ({"page_size": "0"}, 400, "page_size"),
        ({"page_size": "101"}, 400, "page_size"),
        ({"page_size": "many"}, 400, "page_size"),
        ({"q": "x" * 10_000}, 400, "q"),
        ({"q": "\x00energie"}, 400, "q"),
        ({"kind": "<script>"}, 400, "kind"),
        ({"country": "d e"}, 400, "country"),
        ({"sort": "DROP TABLE"}, 400, "sort"),
        ({"sector": [f"s{i}" for i in range(40)]}, 400, "sector"),
    ],
)
def test_bad_parameters_get_a_clear_json_4xx(client, ecosystem, params, status, param):
    response = client.get(URL, params)
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert isinstance(body["detail"], str) and body["detail"]
    if param:
        assert param in body["errors"]


@pytest.mark.parametrize("q", ["'", '"', "'; DROP TABLE directory_organization; --", "%", "_", "\\", "a:* | b", "()!&"])
def test_sql_and_tsquery_metacharacters_are_harmless(client, ecosystem, q):
    assert client.get(URL, {"q": q}).status_code == 200


def test_invalid_utf8_is_not_a_server_error(client, ecosystem):
    assert client.get(URL + "?q=%ff%fe%C3").status_code in (200, 400)


def test_labels_follow_accept_language(client, ecosystem):
    en = client.get(URL, {"sector": "numerique"}, headers={"Accept-Language": "en"})
    assert "Accept-Language" in en["Vary"]
    assert en["Content-Language"] == "en"
    item = next(i for i in en.json()["items"] if i["slug"] == "minalogic")
    assert item["kind_label"] == "Competitiveness cluster"
    assert item["sectors"] == [{"slug": "numerique", "name": "Digital"}]
    assert {o["label"] for o in en.json()["facets"]["sector"]} == {"Energy", "Digital"}
    assert {o["label"] for o in en.json()["facets"]["country"]} == {"Germany"}
    fr = client.get(URL, {"sector": "numerique"}, headers={"Accept-Language": "fr"})
    assert fr["Content-Language"] == "fr"
    item = next(i for i in fr.json()["items"] if i["slug"] == "minalogic")
    assert item["sectors"] == [{"slug": "numerique", "name": "Numérique"}]
    assert {o["label"] for o in fr.json()["facets"]["country"]} == {"Allemagne"}


def test_list_query_count_is_fixed(client, ecosystem, django_assert_max_num_queries):
    energy = ecosystem["lab"].sectors.first()
    for i in range(30):
        OrganizationFactory(name=f"Extra {i}", sectors=[energy], located=True, countries=[("IT", "export")])
    with django_assert_max_num_queries(12):
        response = client.get(URL, {"q": "extra", "kind": "company", "sector": "energie", "page_size": 100})
    assert response.json()["count"] == 30
    with django_assert_max_num_queries(12):
        client.get(URL, {"page_size": 100})


# --- Map ---------------------------------------------------------------------------


def test_geo_returns_a_geojson_feature_collection_of_located_published_organisations(client, ecosystem):
    response = client.get(URL + "/geo")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/geo+json")
    data = response.json()
    assert data["type"] == "FeatureCollection"
    features = {f["properties"]["slug"]: f for f in data["features"]}
    assert set(features) == {"minalogic", "energies-alpines"}  # located and published only
    alpes = features["energies-alpines"]
    assert alpes["type"] == "Feature"
    assert alpes["geometry"] == {"type": "Point", "coordinates": [5.78, 45.21]}  # longitude first
    assert alpes["properties"] == {
        "name": "Énergies Alpines",
        "slug": "energies-alpines",
        "url": "http://testserver/annuaire/energies-alpines/",
        "kind": "startup",
        "kind_label": alpes["properties"]["kind_label"],
        "commune": "Meylan",
        "location_precision": "commune",
    }
    for feature in data["features"]:
        lon, lat = feature["geometry"]["coordinates"]
        assert -180 <= lon <= 180 and -90 <= lat <= 90


def test_geo_follows_the_filters_and_rejects_bad_ones(client, ecosystem):
    data = client.get(URL + "/geo", {"kind": "startup"}).json()
    assert [f["properties"]["name"] for f in data["features"]] == ["Énergies Alpines"]
    assert client.get(URL + "/geo", {"q": "minalogik"}).json()["features"][0]["properties"]["slug"] == "minalogic"
    response = client.get(URL + "/geo", {"kind": "<b>"})
    assert response.status_code == 400
    assert response.json()["detail"]
    assert client.get(URL + "/geo", {"q": "x" * 10_000}).status_code == 400


def test_error_messages_follow_accept_language(client, ecosystem):
    en = client.get(URL, {"q": "x" * 10_000}, headers={"Accept-Language": "en"}).json()
    assert en["detail"] == "The search text is limited to 200 characters."
    assert client.get(f"{URL}/unknown", headers={"Accept-Language": "en"}).json() == {
        "detail": "No published organisation has this address."
    }


def test_geo_query_count_does_not_grow_with_results(client, ecosystem, django_assert_max_num_queries):
    for i in range(50):
        OrganizationFactory(name=f"Point {i}", located=True, commune=ecosystem["lab"].commune)
    client.get(URL + "/geo")  # builds the process's search index
    # then: the change log (nothing new), one read of the rows
    with django_assert_max_num_queries(2):
        response = client.get(URL + "/geo")
    assert len(response.json()["features"]) == 52


def test_geo_labels_follow_accept_language(client, ecosystem):
    data = client.get(URL + "/geo", {"kind": "startup"}, headers={"Accept-Language": "en"}).json()
    properties = data["features"][0]["properties"]
    assert properties["kind_label"] == "Start-up"
    assert properties["url"] == "http://testserver/en/annuaire/energies-alpines/"


# --- Detail -------------------------------------------------------------------------


def test_detail_has_every_public_field(client, ecosystem):
    org = ecosystem["minalogic"]
    org.siren = "732829320"
    org.siret = "73282932000074"
    org.naf_code = "62.01Z"
    org.description_en = "Digital technologies cluster."
    org.headcount_band = "10-49"
    org.sources = "Annual report."
    org.save()
    org.tags.create(slug="deeptech", name="Deeptech")
    response = client.get(f"{URL}/minalogic")
    assert response.status_code == 200
    data = response.json()
    for key, value in {
        "slug": "minalogic",
        "name": "Minalogic",
        "siren": "732829320",
        "siret": "73282932000074",
        "naf_code": "62.01Z",
        "description_fr": "Pôle de compétitivité des technologies du numérique.",
        "description_en": "Digital technologies cluster.",
        "description": "Pôle de compétitivité des technologies du numérique.",
        "headcount_band": "10-49",
        "tags": [{"slug": "deeptech", "name": "Deeptech"}],
        "sectors": [{"slug": "numerique", "name": "Numérique"}],
        "sources": "Annual report.",
        "logo": None,
        "url": "http://testserver/annuaire/minalogic/",
    }.items():
        assert data[key] == value, key
    assert data["international_activities"] == [
        {
            "country": "DE",
            "country_name": "Allemagne",
            "kind": "partnership",
            "kind_label": data["international_activities"][0]["kind_label"],
            "note": "",
        }
    ]
    assert "status" not in data and "search_document" not in data
    en = client.get(f"{URL}/minalogic", headers={"Accept-Language": "en"}).json()
    assert en["description"] == "Digital technologies cluster."
    assert en["international_activities"][0]["country_name"] == "Germany"
    assert en["international_activities"][0]["kind_label"] == "Partnership"
    assert en["headcount_label"] == "10 to 49"


@pytest.mark.parametrize("slug", ["energie-cachee", "unknown", "geo-x"])
def test_detail_of_a_draft_or_unknown_slug_is_a_json_404(client, ecosystem, slug):
    response = client.get(f"{URL}/{slug}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["detail"]


def test_archived_organisation_is_a_404(client):
    OrganizationFactory(name="Old", status="archived")
    assert client.get(f"{URL}/old").status_code == 404


def test_api_is_read_only(client, ecosystem):
    assert client.post(URL, {}).status_code == 405
    assert client.delete(f"{URL}/minalogic").status_code == 405
