"""Home, global search and the legal pages, through HTTP."""

import html

import pytest
from django.urls import reverse

from helice.directory.models import OrganizationKind
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ecosystem():
    energy = SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie", position=1)
    digital = SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique", position=2)
    empty = SectorFactory(name_fr="Santé", name_en="Health", slug="sante", position=3)
    grenoble = CommuneFactory(name="Grenoble", slug="grenoble", insee_code="38185")
    meylan = CommuneFactory(name="Meylan", slug="meylan", insee_code="38229")
    return {
        "energy": energy,
        "digital": digital,
        "empty": empty,
        "minalogic": OrganizationFactory(
            name="Minalogic", kind=OrganizationKind.COMPETITIVENESS_CLUSTER, sectors=[digital], commune=grenoble
        ),
        "alpes": OrganizationFactory(name="Énergies Alpines", startup=True, sectors=[energy], commune=meylan),
        "volta": OrganizationFactory(name="Volta Start", startup=True, sectors=[energy, digital], commune=meylan),
        "lab": OrganizationFactory(
            name="Laboratoire des Matériaux", kind=OrganizationKind.RESEARCH_LAB, sectors=[energy], commune=grenoble
        ),
        "draft": OrganizationFactory(
            name="Énergie Cachée", draft=True, kind=OrganizationKind.INVESTOR, sectors=[energy, empty]
        ),
    }


def text(response):
    return html.unescape(response.content.decode())


# Home ------------------------------------------------------------------------------


def test_home_counts_published_organisations_with_links_to_the_directory(client, ecosystem):
    response = client.get("/")
    assert response.status_code == 200
    counts = response.context["counts"]
    assert counts["total"] == 4
    assert counts["communes"] == 2
    assert {kind: n for kind, _label, n in counts["by_kind"]} == {
        "competitiveness_cluster": 1,
        "startup": 2,
        "research_lab": 1,
    }
    body = text(response)
    # Each kind and each non-empty sector links to the filtered directory.
    assert 'href="/annuaire/?kind=startup"' in body
    assert 'href="/annuaire/?kind=research_lab"' in body
    assert 'href="/annuaire/?sector=energie"' in body
    assert 'href="/annuaire/?sector=numerique"' in body
    # A sector with no published organisation is shown, but not as a dead-end link.
    assert "Santé" in body
    assert 'href="/annuaire/?sector=sante"' not in body


def test_home_never_counts_drafts(client, ecosystem):
    response = client.get("/")
    body = text(response)
    assert "?kind=investor" not in body  # the only investor is a draft
    by_sector = {sector.slug: n for sector, n in response.context["counts"]["by_sector"]}
    assert by_sector == {"energie": 3, "numerique": 2, "sante": 0}
    assert "Énergie Cachée" not in body


def test_home_links_to_the_parts_that_exist(client, ecosystem):
    body = text(client.get("/"))
    for name in ("directory:list", "directory:map", "directory:matrix"):
        assert f'href="{reverse(name)}"' in body
    assert f'action="{reverse("core:search")}"' in body


def test_home_with_an_empty_directory_says_so(client):
    response = client.get("/en/")
    assert response.status_code == 200
    assert response.context["counts"]["total"] == 0
    assert "No organisation is published yet" in text(response)


def test_home_query_count_is_fixed(client, ecosystem, django_assert_max_num_queries):
    for i in range(5):
        OrganizationFactory(name=f"Extra {i}", startup=True, sectors=[ecosystem["digital"]])
    with django_assert_max_num_queries(4):
        assert client.get("/").status_code == 200


def test_home_in_english(client, ecosystem):
    response = client.get("/en/")
    assert response.status_code == 200
    body = text(response)
    assert '<html lang="en">' in body
    assert "Energy" in body
    assert 'href="/en/annuaire/?kind=startup"' in body


# Global search ---------------------------------------------------------------------


def test_search_finds_published_organisations_only(client, ecosystem):
    response = client.get("/recherche/", {"q": "énergie"})
    assert response.status_code == 200
    names = [o.name for o in response.context["organizations"]]
    assert "Énergies Alpines" in names
    assert "Énergie Cachée" not in names
    body = text(response)
    assert ecosystem["alpes"].get_absolute_url() in body
    assert "Énergie Cachée" not in body
    assert 'href="/annuaire/?q=%C3%A9nergie"' in body


def test_search_without_words_invites_to_type(client, ecosystem):
    response = client.get("/en/recherche/")
    assert response.status_code == 200
    assert "organizations" not in response.context
    assert "Type a word above" in text(response)


def test_search_with_no_match_shows_an_empty_state(client, ecosystem):
    response = client.get("/en/recherche/", {"q": "zzzzzzzzqqq"})
    assert response.status_code == 200
    assert response.context["organizations_count"] == 0
    assert "No organisation matches" in text(response)


def test_search_corrects_a_typo(client, ecosystem):
    response = client.get("/en/recherche/", {"q": "minalogik"})
    assert [o.name for o in response.context["organizations"]] == ["Minalogic"]
    assert "showing results for “minalogic”" in text(response)


def test_search_with_bad_input_answers_400_with_a_message(client, ecosystem):
    response = client.get("/en/recherche/", {"q": "x" * 5000})
    assert response.status_code == 400
    body = text(response)
    assert 'role="alert"' in body
    assert "limited to" in body


def test_search_escapes_the_query(client, ecosystem):
    response = client.get("/recherche/", {"q": "<script>alert(1)</script>"})
    assert response.status_code == 200
    assert b"<script>alert(1)</script>" not in response.content


# Legal pages -----------------------------------------------------------------------


@pytest.mark.parametrize("prefix", ["", "/en"])
@pytest.mark.parametrize("path", ["/accessibilite/", "/mentions-legales/"])
def test_legal_pages_answer_in_both_languages(client, prefix, path):
    response = client.get(prefix + path)
    assert response.status_code == 200
    assert f'<html lang="{"en" if prefix else "fr"}">' in response.content.decode()


def test_accessibility_statement_states_its_status_and_the_recourse(client):
    body = text(client.get("/en/accessibilite/"))
    assert "RGAA" in body
    assert "no compliance audit has been carried out yet" in body
    assert "axe-core" in body
    assert "Défenseur des droits" in body
    assert 'href="/en/mentions-legales/"' in body  # contact goes through the legal notice
    assert "@" not in body.split("<main", 1)[1].split("</main>", 1)[0]  # no invented e-mail address


def test_legal_notice_names_the_publisher_and_the_licence(client):
    body = text(client.get("/en/mentions-legales/"))
    assert "Grenoble-Alpes Métropole" in body
    assert "AGPL-3.0" in body
    assert "Personal data" in body
    assert 'href="/en/accessibilite/"' in body


def test_every_page_links_to_the_legal_pages(client):
    body = text(client.get("/"))
    assert 'href="/accessibilite/"' in body
    assert 'href="/mentions-legales/"' in body


def test_language_switch_goes_back_to_french_from_an_english_page(client):
    response = client.post("/i18n/setlang/", {"language": "fr", "next": "/en/annuaire/"})
    assert response.status_code == 302
    assert response["Location"] == "/annuaire/"
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/annuaire/?q=energie"})
    assert response["Location"] == "/en/annuaire/?q=energie"
