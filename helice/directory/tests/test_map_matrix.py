"""The map (with its text alternative) and the "who does what" matrix, through HTTP."""

import html
import json
import re

import pytest

from helice.directory.models import OrganizationKind

from .factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db

MAP_URL = "/annuaire/carte/"
MATRIX_URL = "/annuaire/matrice/"


@pytest.fixture
def ecosystem():
    energy = SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie", position=1)
    digital = SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique", position=2)
    retired = SectorFactory(name_fr="Ancienne filière", slug="ancienne", position=3, is_active=False)
    grenoble = CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185")
    meylan = CommuneFactory(name="Meylan", slug="meylan", insee_code="38229")
    return {
        "energy": energy,
        "digital": digital,
        "retired": retired,
        "minalogic": OrganizationFactory(
            name="Minalogic",
            kind=OrganizationKind.COMPETITIVENESS_CLUSTER,
            sectors=[digital],
            commune=grenoble,
            located=True,
        ),
        "alpes": OrganizationFactory(
            name="Énergies Alpines",
            startup=True,
            sectors=[energy],
            commune=meylan,
            latitude=45.21,
            longitude=5.78,
            location_precision="commune",
        ),
        "volta": OrganizationFactory(name="Volta Start", startup=True, sectors=[energy, digital], commune=meylan),
        "lab": OrganizationFactory(
            name="Laboratoire des Matériaux",
            kind=OrganizationKind.RESEARCH_LAB,
            sectors=[energy],
            commune=grenoble,
            located=True,
        ),
        "nosector": OrganizationFactory(name="Sans Filière", commune=grenoble),
        "draft": OrganizationFactory(
            name="Énergie Cachée", draft=True, kind=OrganizationKind.INVESTOR, sectors=[energy], located=True
        ),
    }


def text(response):
    return html.unescape(response.content.decode())


def map_points(response):
    match = re.search(
        r'<script id="map-points" type="application/json">(.*?)</script>', response.content.decode(), re.S
    )
    assert match, "the map data block is missing"
    return json.loads(match.group(1))


def text_alternative(response):
    """The part of the page after the map: the list of organisations."""
    body = response.content.decode()
    start = body.index('id="map-list-heading"')
    return html.unescape(body[start : body.index("</section>", start)])


# Map -------------------------------------------------------------------------------


def test_map_lists_every_matching_organisation_in_its_text_alternative(client, ecosystem):
    response = client.get("/en" + MAP_URL)
    assert response.status_code == 200
    listed = text_alternative(response)
    for key in ("minalogic", "alpes", "volta", "lab", "nosector"):
        org = ecosystem[key]
        assert f'href="{org.get_absolute_url()}"' in listed, org.name
        assert org.name in listed
    assert "Énergie Cachée" not in text(response), "a draft must never be shown"
    # Kind and commune are given in the text, and the missing locations are said in words.
    assert "Research laboratory · Grenoble" in listed
    assert "not on the map: no known location" in listed
    assert "approximate position (centre of the commune)" in listed


def test_map_embeds_data_for_located_published_organisations_only(client, ecosystem):
    points = map_points(client.get(MAP_URL))
    by_name = {p["name"]: p for p in points}
    assert set(by_name) == {"Minalogic", "Énergies Alpines", "Laboratoire des Matériaux"}
    alpes = by_name["Énergies Alpines"]
    assert alpes == {
        "name": "Énergies Alpines",
        "url": ecosystem["alpes"].get_absolute_url(),
        "lat": 45.21,
        "lon": 5.78,
        "kind": "Start-up",
        "commune": "Meylan",
        "precision": "commune",
        "approximate": True,
    }
    assert by_name["Minalogic"]["approximate"] is False


def test_map_counts_shown_and_unlocated_organisations(client, ecosystem):
    response = client.get("/en" + MAP_URL)
    summary = text(response)
    assert "5 organisations match." in summary
    assert "3 are shown on the map" in summary
    assert "2 have no known location" in summary


def test_map_applies_the_same_filters_as_the_list(client, ecosystem):
    response = client.get(MAP_URL, {"kind": "startup"})
    assert response.status_code == 200
    assert [p["name"] for p in map_points(response)] == ["Énergies Alpines"]
    listed = text_alternative(response)
    assert "Volta Start" in listed and "Minalogic" not in listed
    body = text(response)
    # The facets come back ticked inside a GET form, and the list view keeps the filter.
    assert re.search(r'<form id="map-form"[^>]*method="get"', body)
    assert re.search(r'name="kind" value="startup" id="f-kind-startup" checked', body)
    assert 'href="/annuaire/?kind=startup"' in body
    assert 'href="/annuaire/export.csv?kind=startup"' in body


def test_map_with_text_search(client, ecosystem):
    response = client.get(MAP_URL, {"q": "matériaux"})
    assert [p["name"] for p in map_points(response)] == ["Laboratoire des Matériaux"]


def test_map_is_an_accessible_region_that_can_be_skipped(client, ecosystem):
    body = text(client.get(MAP_URL))
    assert re.search(r'<div id="map" class="map" role="region" aria-label="[^"]+"', body)
    assert 'class="skip-map" href="#map-list-heading"' in body
    assert '<h2 id="map-list-heading" tabindex="-1">' in body
    # No inline script or style: data travels as JSON and data- attributes.
    assert "style=" not in body
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", body)
    assert all('type="application/json"' in attrs or 'type="application/ld+json"' in attrs for attrs in scripts)
    assert "/static/core/map.js" in body
    assert "/static/vendor/leaflet/leaflet.js" in body


def test_map_tile_layer_comes_from_settings(client, ecosystem, settings):
    assert 'data-tile-url=""' in text(client.get(MAP_URL))  # tests never load outside tiles
    settings.MAP_TILE_URL = "https://tiles.example.org/{z}/{x}/{y}.png"
    assert 'data-tile-url="https://tiles.example.org/{z}/{x}/{y}.png"' in text(client.get(MAP_URL))


def test_map_with_no_match_shows_an_empty_state(client, ecosystem):
    response = client.get("/en" + MAP_URL, {"q": "zzzzzzzzqqq"})
    assert response.status_code == 200
    assert map_points(response) == []
    assert "No organisation matches this search." in text(response)


def test_map_with_bad_filter_answers_400(client, ecosystem):
    response = client.get(MAP_URL, {"kind": "<script>"})
    assert response.status_code == 400
    body = response.content.decode()
    assert 'role="alert"' in body
    assert "<script>" not in body.split("<main", 1)[1]


def test_map_escapes_hostile_names_in_the_json(client, ecosystem):
    OrganizationFactory(name="</script><script>alert(1)</script>", located=True)
    response = client.get(MAP_URL)
    assert b"</script><script>alert(1)" not in response.content
    assert "</script><script>alert(1)</script>" in [p["name"] for p in map_points(response)]


def test_map_query_count_is_fixed(client, ecosystem, django_assert_max_num_queries):
    for i in range(5):
        OrganizationFactory(name=f"Extra {i}", located=True, sectors=[ecosystem["digital"]])
    with django_assert_max_num_queries(9):
        assert client.get(MAP_URL).status_code == 200


def test_map_in_english(client, ecosystem):
    response = client.get("/en" + MAP_URL)
    assert response.status_code == 200
    assert "/en/annuaire/" in text_alternative(response)


# Matrix ----------------------------------------------------------------------------


def cell_links(response):
    return re.findall(r'href="/annuaire/\?sector=([a-z-]+)&amp;kind=([a-z_]+)">(\d+)<', response.content.decode())


def test_matrix_counts_published_organisations_per_sector_and_kind(client, ecosystem):
    response = client.get(MATRIX_URL)
    assert response.status_code == 200
    rows = {sector.slug: {kind: n for kind, _label, n in cells} for sector, cells, _total in response.context["rows"]}
    assert rows == {
        "energie": {"competitiveness_cluster": 0, "startup": 2, "research_lab": 1},
        "numerique": {"competitiveness_cluster": 1, "startup": 1, "research_lab": 0},
    }
    totals = {sector.slug: total for sector, _cells, total in response.context["rows"]}
    assert totals == {"energie": 3, "numerique": 2}
    # The column totals count distinct organisations (Volta Start is in both sectors).
    assert {kind: n for kind, _label, n in response.context["column_totals"]} == {
        "competitiveness_cluster": 1,
        "startup": 2,
        "research_lab": 1,
    }
    assert response.context["classified"] == 4
    assert response.context["unclassified"] == 1


def test_matrix_cells_link_to_the_filtered_directory(client, ecosystem):
    response = client.get(MATRIX_URL)
    assert sorted(cell_links(response)) == [
        ("energie", "research_lab", "1"),
        ("energie", "startup", "2"),
        ("numerique", "competitiveness_cluster", "1"),
        ("numerique", "startup", "1"),
    ]
    # Each link gives the directory exactly the organisations the cell counts.
    for sector, kind, n in cell_links(response):
        listed = client.get("/annuaire/", {"sector": sector, "kind": kind})
        assert listed.context["count"] == int(n), (sector, kind)
    body = text(response)
    assert 'href="/annuaire/?sector=energie">3' in body  # row total
    assert 'href="/annuaire/?kind=startup">2' in body  # column total


def test_matrix_is_a_proper_data_table(client, ecosystem):
    body = text(client.get("/en" + MATRIX_URL))
    assert "<caption" in body
    assert body.count('<th scope="row">') == 3  # two sectors and the totals row
    assert '<th scope="col">Start-up</th>' in body
    # Empty cells: a dash for the eye, a word for screen readers.
    assert '<td class="zero"><span aria-hidden="true">—</span><span class="visually-hidden">none</span></td>' in body
    assert "1 published organisation has no sector yet" in body


def test_matrix_hides_drafts_retired_sectors_and_empty_kinds(client, ecosystem):
    OrganizationFactory(name="Vieux Fonds", kind=OrganizationKind.INVESTOR, sectors=[ecosystem["retired"]])
    response = client.get(MATRIX_URL)
    body = text(response)
    assert "Ancienne filière" not in body
    assert "investor" not in [kind for kind, _label in response.context["kinds"]]
    assert "kind=investor" not in body  # the investors are a draft and an organisation of a retired sector


def test_matrix_with_nothing_published(client):
    response = client.get("/en" + MATRIX_URL)
    assert response.status_code == 200
    assert "No published organisation is attached to a sector yet." in text(response)


def test_matrix_query_count_is_fixed(client, ecosystem, django_assert_max_num_queries):
    for i in range(5):
        OrganizationFactory(name=f"Extra {i}", kind=OrganizationKind.INCUBATOR, sectors=[ecosystem["energy"]])
    with django_assert_max_num_queries(4):
        assert client.get(MATRIX_URL).status_code == 200


def test_matrix_in_english(client, ecosystem):
    body = client.get("/en" + MATRIX_URL).content.decode()
    assert "Energy" in body
    assert 'href="/en/annuaire/?sector=energie&amp;kind=startup">2' in body
