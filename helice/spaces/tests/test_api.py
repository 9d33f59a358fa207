"""The API twin of the list, its GeoJSON and the detail: same filters, same
availability rule, clear 400s."""

import datetime

import pytest
from django.utils import timezone

from helice.directory.tests.factories import CommuneFactory, SectorFactory
from helice.spaces.models import SpaceKind

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db
API = "/api/v1/spaces"


def test_list_filters_like_the_page(client, settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    health = SectorFactory(slug="sante")
    SpaceFactory(name="A santé", sectors=[health], kind=SpaceKind.NURSERY, available=True)
    SpaceFactory(name="B périmé", stale=True)
    SpaceFactory(name="C brouillon", draft=True)
    data = client.get(API).json()
    assert data["count"] == 2
    assert [i["name"] for i in data["items"]] == ["A santé", "B périmé"]
    assert client.get(API, {"kind": "nursery"}).json()["count"] == 1
    assert [i["name"] for i in client.get(API, {"available": "1"}).json()["items"]] == ["A santé"]
    stale = client.get(API).json()["items"][1]
    assert stale["availability"] == "stale"
    assert stale["units_available"] is None
    assert stale["availability_confirmed_at"]


@pytest.mark.parametrize(
    "params",
    [
        {"kind": "spaceship"},
        {"stage": "x"},
        {"available": "perhaps"},
        {"page": "abc"},
        {"page_size": "1000"},
        {"page": "0"},
    ],
)
def test_bad_parameters_are_400(client, params):
    response = client.get(API, params)
    assert response.status_code == 400
    assert response.json()["detail"]


def test_page_past_the_end_is_404(client):
    SpaceFactory()
    assert client.get(API, {"page": "5"}).status_code == 404


def test_geojson_counts_the_spaces_it_cannot_place(client):
    commune = CommuneFactory(name="Meylan")
    SpaceFactory(name="Placé", commune=commune, latitude=45.21, longitude=5.78, location_precision="commune")
    SpaceFactory(name="Sans position")
    response = client.get(f"{API}/geo")
    assert response["Content-Type"] == "application/geo+json"
    data = response.json()
    assert data["type"] == "FeatureCollection"
    assert data["missing"] == 1
    (feature,) = data["features"]
    assert feature["geometry"]["coordinates"] == [5.78, 45.21]
    assert feature["properties"]["location_precision"] == "commune"
    assert client.get(f"{API}/geo", {"kind": "nope"}).status_code == 400


def test_detail_and_404(client, settings):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    space = SpaceFactory(
        name="Pépinière",
        units_available=2,
        availability_confirmed_at=timezone.now() - datetime.timedelta(days=3),
        unit_count=5,
        source="Seed 000",
    )
    data = client.get(f"{API}/{space.slug}").json()
    assert data["units_available"] == 2
    assert data["availability"] == "available"
    assert data["unit_count"] == 5
    assert data["source"] == "Seed 000"
    assert data["phases"] == ["born"]
    assert client.get(f"{API}/nothing").status_code == 404
    assert client.get(f"{API}/{SpaceFactory(draft=True).slug}").status_code == 404
