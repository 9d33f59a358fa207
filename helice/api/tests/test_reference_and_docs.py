"""Public API v1: reference data, OpenAPI document and the self-hosted docs page."""

import re

import pytest
from django.contrib.staticfiles import finders

from helice.core.models import Sector
from helice.directory.tests.factories import CommuneFactory, SectorFactory

pytestmark = pytest.mark.django_db


def test_sectors_lists_active_sectors_in_order_and_language(client):
    SectorFactory(name_fr="Santé", name_en="Health", slug="sante", position=2)
    SectorFactory(name_fr="Énergie", name_en="", slug="energie", position=1)
    Sector.objects.create(slug="old", name_fr="Ancienne", is_active=False)
    data = client.get("/api/v1/sectors").json()
    assert [s["slug"] for s in data] == ["energie", "sante"]
    assert data[1]["name"] == "Santé"
    en = client.get("/api/v1/sectors", headers={"Accept-Language": "en"}).json()
    assert [s["name"] for s in en] == ["Énergie", "Health"]  # French when no English name
    assert en[1] == {
        "slug": "sante",
        "name": "Health",
        "name_fr": "Santé",
        "name_en": "Health",
        "description": "",
        "priority_domains": [],
    }


def test_communes_lists_active_communes_by_name(client):
    CommuneFactory(name="Meylan", slug="meylan", insee_code="38229", postal_codes=["38240"], population=17000)
    CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185", postal_codes=["38000", "38100"])
    CommuneFactory(name="Ancienne", slug="ancienne", insee_code="38999", is_active=False)
    data = client.get("/api/v1/communes").json()
    assert [c["slug"] for c in data] == ["grenoble", "meylan"]
    assert data[0]["postal_codes"] == ["38000", "38100"]
    assert data[1]["insee_code"] == "38229" and data[1]["population"] == 17000


def test_openapi_document_is_valid_json_and_lists_the_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Hélice API"
    assert {
        "/api/v1/organizations",
        "/api/v1/organizations/geo",
        "/api/v1/organizations/{slug}",
        "/api/v1/sectors",
        "/api/v1/communes",
    } <= set(schema["paths"])
    parameters = {p["name"] for p in schema["paths"]["/api/v1/organizations"]["get"]["parameters"]}
    assert parameters == {"q", "kind", "sector", "commune", "helix", "country", "sort", "page", "page_size"}
    for path in schema["paths"].values():
        assert set(path) == {"get"}  # read-only


def test_docs_page_uses_only_self_hosted_assets(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger-ui" in html
    assert "cdn" not in html.lower()
    sources = re.findall(r'<(?:script|link)[^>]+(?:src|href)="([^"]+)"', html)
    assert sources, "the docs page loads no asset?"
    for source in sources:
        assert not re.match(r"^(https?:)?//", source), source
        assert source.startswith("/static/")
        assert finders.find(source.removeprefix("/static/")), f"{source} is not a static file"
    # Swagger UI would otherwise send the schema's URL to validator.swagger.io.
    assert '"validatorUrl": null' in html
