"""Organisation detail page: content, JSON-LD, Open Graph, visibility."""

import json
import re

import pytest

from .factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


def jsonld_of(response):
    match = re.search(r'<script type="application/ld\+json">(.*?)</script>', response.content.decode(), re.S)
    assert match, "no JSON-LD block"
    return json.loads(match.group(1))


def test_detail_shows_fields_and_schema_org_organization(client):
    sector = SectorFactory(name_fr="Santé", name_en="Health", slug="sante")
    commune = CommuneFactory(name="La Tronche", slug="la-tronche", insee_code="38516")
    org = OrganizationFactory(
        name="Clinatec",
        acronym="CLT",
        sectors=[sector],
        commune=commune,
        founding_year=2011,
        website="https://example.org",
        description_fr="Centre de recherche biomédicale.",
        description_en="Biomedical research centre.",
        siren="732829320",
        countries=[("US", "partnership")],
    )
    response = client.get(org.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    for text in ("Clinatec", "Centre de recherche biomédicale.", "La Tronche", "2011", "732829320"):
        assert text in html
    data = jsonld_of(response)
    assert data["@context"] == "https://schema.org"
    assert data["@type"] == "Organization"
    assert data["name"] == "Clinatec"
    assert data["alternateName"] == "CLT"
    assert data["foundingDate"] == "2011"
    assert data["identifier"]["value"] == "732829320"
    assert data["address"]["addressLocality"] == "La Tronche"
    assert data["knowsAbout"] == ["Santé"]
    assert '<meta property="og:title" content="Clinatec">' in html


def test_detail_speaks_english_under_en(client):
    org = OrganizationFactory(name="Clinatec", description_fr="Texte français.", description_en="English text.")
    response = client.get(f"/en{org.get_absolute_url()}")
    assert response.status_code == 200
    assert "English text." in response.content.decode()
    assert jsonld_of(response)["description"] == "English text."


def test_english_falls_back_to_french_description(client):
    org = OrganizationFactory(name="Seulement FR", description_fr="Texte français.", description_en="")
    assert "Texte français." in client.get(f"/en{org.get_absolute_url()}").content.decode()


def test_draft_and_unknown_slugs_are_404(client):
    draft = OrganizationFactory(name="Brouillon", draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get("/annuaire/nope-nope/").status_code == 404


def test_hostile_text_is_rendered_inert(client):
    org = OrganizationFactory(
        name="<script>alert(1)</script>",
        slug="hostile",
        description_fr='<img src=x onerror="alert(1)"> </script><script>alert(2)</script>',
    )
    html = client.get(org.get_absolute_url()).content.decode()
    assert "<script>alert" not in html
    assert "<img src=x" not in html
    # The JSON-LD block cannot be closed early by the data.
    assert jsonld_of(client.get(org.get_absolute_url()))["name"] == "<script>alert(1)</script>"


def test_detail_query_count(client, django_assert_max_num_queries):
    sector = SectorFactory()
    org = OrganizationFactory(sectors=[sector], countries=[("DE", "export")], commune=CommuneFactory())
    # The organisation, its sectors, tags and international activities, then one
    # query per part that adds a section: the guichet's services, the agenda's
    # events, the spaces it runs.
    with django_assert_max_num_queries(7):
        client.get(org.get_absolute_url())
