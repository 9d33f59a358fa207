"""The list, map, CSV export, detail page, company path and spread pages through
HTTP: filters in the URL, bad input, stale availability, JSON-LD and Open Graph,
and query counts pinned on the busy pages."""

import csv
import datetime
import io
import json
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from helice.core.testing.hostile import HOSTILE_INPUTS, assert_inert
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.spaces.models import PlanStatus, SpaceKind

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db
LIST = reverse("spaces:list")


def names(response):
    return [s.name for s in response.context["page"].object_list]


@pytest.fixture
def territory():
    grenoble = CommuneFactory(name="Grenoble", insee_code="38185", latitude=45.1875, longitude=5.7357)
    meylan = CommuneFactory(name="Meylan", insee_code="38229", latitude=45.2094, longitude=5.7792)
    health = SectorFactory(name_fr="Santé", slug="sante")
    digital = SectorFactory(name_fr="Numérique", slug="numerique")
    return {"grenoble": grenoble, "meylan": meylan, "health": health, "digital": digital}


def test_filters_combine_and_keep_spaces_open_to_every_sector(client, territory):
    SpaceFactory(
        name="Pépinière santé", kind=SpaceKind.NURSERY, sectors=[territory["health"]], commune=territory["grenoble"]
    )
    SpaceFactory(name="Coworking ouvert", kind=SpaceKind.THIRD_PLACE, commune=territory["meylan"], serves_grow=True)
    SpaceFactory(
        name="Hôtel numérique",
        kind=SpaceKind.BUSINESS_HOTEL,
        sectors=[territory["digital"]],
        serves_born=False,
        serves_grow=True,
    )
    SpaceFactory(name="Brouillon", draft=True)

    assert names(client.get(LIST)) == ["Coworking ouvert", "Hôtel numérique", "Pépinière santé"]
    assert names(client.get(LIST, {"sector": "sante"})) == ["Coworking ouvert", "Pépinière santé"]
    assert names(client.get(LIST, {"kind": ["nursery", "business_hotel"]})) == ["Hôtel numérique", "Pépinière santé"]
    assert names(client.get(LIST, {"stage": "grow", "sector": "numerique"})) == ["Coworking ouvert", "Hôtel numérique"]
    assert names(client.get(LIST, {"commune": "meylan"})) == ["Coworking ouvert"]
    assert names(client.get(LIST, {"q": "pepiniere"})) == ["Pépinière santé"]
    assert names(client.get(LIST, {"sector": "inconnue"})) == ["Coworking ouvert"]


def test_has_units_available_never_counts_stale_availability(client, settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    SpaceFactory(name="Frais", units_available=2, availability_confirmed_at=timezone.now())
    SpaceFactory(name="Périmé", stale=True)
    SpaceFactory(name="Plein", units_available=0, availability_confirmed_at=timezone.now())
    SpaceFactory(name="Jamais confirmé", units_available=9)
    response = client.get(LIST, {"available": "1"})
    assert names(response) == ["Frais"]
    available_facet = {f: o for f, _label, o in response.context["facets"]}["available"]
    assert available_facet[0].count == 1
    # The stale space is listed without filter, and its count is never shown as current.
    html = client.get(LIST).content.decode()
    assert "Disponibilité non confirmée depuis" in html or "not confirmed since" in html
    assert "3 locaux disponibles" not in html and "3 units available" not in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"kind": "spaceship"}, "spaceship"),
        ({"stage": "retire"}, "retire"),
        ({"status": "maybe"}, "maybe"),
        ({"available": "perhaps"}, "perhaps"),
        ({"page": "abc"}, "abc"),
        ({"q": "x" * 500}, "200"),
        ({"sector": "<script>"}, "script"),
    ],
)
def test_bad_input_is_a_400_with_a_clear_message(client, params, message):
    SpaceFactory()
    urls = [LIST] if "page" in params else [LIST, reverse("spaces:map"), reverse("spaces:export")]
    for url in urls:
        response = client.get(url, params)
        assert response.status_code == 400, (url, params)
        assert message in response.content.decode()
        if response["Content-Type"].startswith("text/html"):
            assert "<script>" not in response.content.decode()


def test_page_past_the_end_is_a_404(client):
    SpaceFactory()
    assert client.get(LIST, {"page": "9"}).status_code == 404


def test_list_query_count_is_pinned(client, django_assert_num_queries, territory):
    for n in range(25):
        SpaceFactory(
            name=f"Espace {n:02d}",
            commune=territory["grenoble"],
            sectors=[territory["health"]],
            operators=[OrganizationFactory(), OrganizationFactory()],
        )
    client.get(LIST)  # warm up the session, caches
    with django_assert_num_queries(11):  # the same with 5 or 500 spaces on the page
        response = client.get(LIST, {"sector": "sante", "page": "2"})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 5


def test_csv_export_is_formula_safe_and_never_gives_a_stale_count(client, settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    SpaceFactory(name="=HYPERLINK(1)", slug="formule", stale=True)
    SpaceFactory(name="Frais", slug="frais", available=True, kind=SpaceKind.FABLAB)
    response = client.get(reverse("spaces:export"), {"kind": ["incubator", "fablab"]})
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    by_slug = {row["slug"]: row for row in rows}
    assert by_slug["formule"]["name"].startswith("'=")
    assert by_slug["formule"]["availability"] == "stale"
    assert by_slug["formule"]["units_available"] == ""
    assert by_slug["formule"]["availability_confirmed_at"]
    assert by_slug["frais"]["units_available"] == "3"


def test_map_lists_every_space_and_says_how_many_are_missing(client, territory):
    SpaceFactory(name="Situé", latitude=45.19, longitude=5.72, location_precision="address")
    SpaceFactory(
        name="Approché", commune=territory["meylan"], latitude=45.2094, longitude=5.7792, location_precision="commune"
    )
    SpaceFactory(name="Sans position")
    response = client.get(reverse("spaces:map"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Sans position" in html
    points = json.loads(
        re.search(r'<script id="map-points" type="application/json">(.*?)</script>', html, re.S).group(1)
    )
    assert sorted(p["name"] for p in points) == ["Approché", "Situé"]
    assert [p["approximate"] for p in points if p["name"] == "Approché"] == [True]
    assert response.context["unlocated_count"] == 1


def test_detail_page_has_place_json_ld_and_open_graph(client, territory):
    operator = OrganizationFactory(name="Technopole")
    space = SpaceFactory(
        name="Pépinière du parc",
        summary_fr="Des bureaux pour jeunes entreprises.",
        operators=[operator],
        commune=territory["meylan"],
        address="1 rue des Essais",
        postal_code="38240",
        latitude=45.21,
        longitude=5.78,
        location_precision="address",
        sectors=[territory["digital"]],
        unit_count=10,
        unit_size_min_m2=15,
        unit_size_max_m2=60,
        wheelchair_accessible=True,
        plan_status=PlanStatus.TO_STRENGTHEN,
        plan_horizon="medium",
        source="Test source",
    )
    response = client.get(space.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert data["@type"] == "Place"
    assert data["address"]["streetAddress"] == "1 rue des Essais"
    assert data["address"]["addressLocality"] == "Meylan"
    assert data["geo"] == {"@type": "GeoCoordinates", "latitude": 45.21, "longitude": 5.78}
    assert '<meta property="og:title" content="Pépinière du parc">' in html
    assert 'property="og:description" content="Des bureaux pour jeunes entreprises."' in html
    assert "Technopole" in html and "Test source" in html and "À renforcer" in html


def test_detail_json_ld_leaves_out_an_approximate_position(client, territory):
    space = SpaceFactory(commune=territory["meylan"], latitude=45.2, longitude=5.7, location_precision="commune")
    html = client.get(space.get_absolute_url()).content.decode()
    data = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert "geo" not in data


def test_detail_shows_stale_availability_as_such(client, settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    confirmed = timezone.now() - datetime.timedelta(days=45)
    space = SpaceFactory(units_available=4, availability_confirmed_at=confirmed)
    html = client.get(space.get_absolute_url()).content.decode()
    assert "Disponibilité non confirmée depuis" in html
    assert "4 locaux disponibles" not in html


def test_drafts_are_hidden_from_the_public(client):
    draft = SpaceFactory(draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("spaces:detail", kwargs={"slug": "nothing"})).status_code == 404


def test_company_path_shows_gaps_in_words(client, territory):
    SpaceFactory(name="Pépinière santé", sectors=[territory["health"]], serves_born=True)
    SpaceFactory(
        name="Cité à créer",
        sectors=[territory["health"]],
        serves_born=False,
        serves_grow=True,
        plan_status=PlanStatus.TO_CREATE,
    )
    response = client.get(reverse("spaces:path"))
    assert response.status_code == 200
    html = response.content.decode()
    # Santé: "grow" and "reinvent" are gaps, the planned space is shown beside the gap.
    assert "Santé : aucun espace existant ne sert la phase « Se développer »." in html
    assert "Cité à créer" in html
    assert response.context["gap_count"] == 2 + 3  # Santé: 2; Numérique: 3


def test_spread_page_renders_and_says_what_it_cannot_show(client, territory):
    SpaceFactory(
        name="Au centre",
        commune=territory["grenoble"],
        latitude=45.1875,
        longitude=5.7357,
        location_precision="address",
    )
    territory["grenoble"].population = 150000
    territory["grenoble"].save()
    response = client.get(reverse("spaces:spread"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "quartiers prioritaires" in html
    assert "Au centre" in html


def test_spread_page_names_the_less_dense_communes_served_or_not(client, settings, django_assert_num_queries):
    settings.SPACES_SERVED_RADIUS_KM = 5
    settings.SPACES_LESS_DENSE_MAX_PER_KM2 = None
    grenoble = CommuneFactory(
        name="Grenoble", slug="grenoble", latitude=45.18663, longitude=5.73631, population=156000, area_km2=18.5
    )
    CommuneFactory(name="Meylan", slug="meylan", latitude=45.209, longitude=5.78, population=17000, area_km2=12.5)
    CommuneFactory(name="Sarcenas", slug="sarcenas", latitude=45.28, longitude=5.76, population=200, area_km2=10)
    SpaceFactory(name="Au centre", commune=grenoble, latitude=45.18663, longitude=5.73631)
    with django_assert_num_queries(3):  # spaces, communes, priority neighbourhoods
        response = client.get(reverse("spaces:spread"))
    html = response.content.decode()
    # Densities 8432, 1360, 20: the median is 1360, so Sarcenas alone is less dense, 10.6 km away.
    section = html[html.index('id="less-dense-heading"') :]
    assert 'id="less-dense-sarcenas"' in section and 'id="less-dense-meylan"' not in section
    row = section[
        section.index('id="less-dense-sarcenas"') : section.index("</tr>", section.index("less-dense-sarcenas"))
    ]
    assert "Au centre" in row and "non desservie (aucun espace à moins de 5 km)" in row
    assert "1 commune est moins dense (moins de 1360 habitants au km²)" in html
    assert "densité médiane des communes du territoire" in html
    assert "quartiers prioritaires" in html and "pas été chargée" in html  # no list loaded: said so
    points = {p["name"]: p for p in response.context["map_points"]}
    assert points["Sarcenas"]["commune"] == (
        "commune moins dense (20 habitants/km²) · non desservie : aucun espace à moins de 5 km"
    )
    assert points["Meylan"]["commune"] == "desservie : un espace à moins de 5 km"


def test_english_pages(client, territory):
    space = SpaceFactory(name="Pépinière", name_en="Nursery", kind=SpaceKind.NURSERY)
    response = client.get("/en" + space.get_absolute_url(), follow=True)
    assert response.status_code == 200


def test_organisation_page_and_global_search_show_spaces(client):
    operator = OrganizationFactory(name="Technopole des Alpes")
    SpaceFactory(name="Pépinière Tarmacadam", operators=[operator])
    SpaceFactory(name="Brouillon caché", operators=[operator], draft=True)
    html = client.get(operator.get_absolute_url()).content.decode()
    assert "Espaces gérés" in html and "Pépinière Tarmacadam" in html and "Brouillon caché" not in html
    html = client.get(reverse("core:search"), {"q": "tarmacadam"}).content.decode()
    assert "Pépinière Tarmacadam" in html


@pytest.mark.parametrize("name, value", HOSTILE_INPUTS)
def test_hostile_search_text_is_inert(client, name, value):
    SpaceFactory(name="Pépinière")
    for url in (LIST, reverse("spaces:map")):
        response = client.get(url, {"q": value, "sector": "sante"})
        assert response.status_code in (200, 400), (name, url)
        assert_inert(response.content.decode())


@pytest.mark.parametrize("count", [3, 30])
def test_map_path_and_spread_query_counts_do_not_grow_with_the_spaces(
    client, django_assert_num_queries, territory, count
):
    for n in range(count):
        SpaceFactory(
            name=f"Espace {n:02d}",
            commune=territory["grenoble"],
            latitude=45.19,
            longitude=5.72,
            sectors=[territory["health"]],
            operators=[OrganizationFactory()],
        )
    client.get(LIST)
    for url, exact in ((reverse("spaces:map"), 10), (reverse("spaces:path"), 3), (reverse("spaces:spread"), 3)):
        with django_assert_num_queries(exact):
            assert client.get(url).status_code == 200
