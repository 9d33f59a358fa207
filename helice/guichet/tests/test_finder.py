"""The finder: understanding free text, the ranking rules (docs/guichet.md) on
named scenarios, never a dead end, closed calls, the page and the API."""

import datetime

import pytest
from django.urls import reverse

from helice.core.testing.hostile import assert_inert
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.guichet import matching, services
from helice.guichet.models import Need
from helice.guichet.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    """A small catalogue in which each scenario has one best answer."""
    services.taxonomy_load()
    needs = {n.code: n for n in Need.objects.all()}
    stages = {s.code: s for s in services.Stage.objects.all()}
    health = SectorFactory(slug="sante", name_fr="Santé")
    digital = SectorFactory(slug="numerique", name_fr="Numérique")
    grenoble = CommuneFactory(insee_code="38185", name="Grenoble", slug="grenoble")
    metropole = OrganizationFactory(name="Grenoble-Alpes Métropole", slug="grenoble-alpes-metropole")
    incubator = OrganizationFactory(name="Incubateur Santé", commune=grenoble)
    today = datetime.date.today()
    made = {
        "health_incubation": ServiceFactory(
            name="Incubation santé",
            providers=[incubator],
            needs=[needs["coaching-creation"]],
            stages=[stages["idea"], stages["creation"]],
            sectors=[health],
        ),
        "generic_creation": ServiceFactory(
            name="Accompagnement à la création", needs=[needs["coaching-creation"]], stages=[stages["creation"]]
        ),
        "export": ServiceFactory(
            name="Accompagnement export",
            kind="export",
            needs=[needs["international-export"]],
            stages=[stages["growth"], stages["international"]],
        ),
        "export_small": ServiceFactory(
            name="Export des TPE",
            kind="export",
            needs=[needs["international-export"]],
            stages=[stages["growth"]],
            max_headcount=10,
        ),
        "industrial": ServiceFactory(
            name="Accélérateur industriel",
            kind="industrialisation",
            needs=[needs["industrialise-prototype"], needs["finance-equity"]],
            stages=[stages["industrialisation"]],
        ),
        "digital_grant": ServiceFactory(
            name="Subvention numérique",
            kind="grant",
            needs=[needs["finance-grant"]],
            stages=[stages["growth"]],
            sectors=[digital],
        ),
        "nursery": ServiceFactory(
            name="Pépinière d'entreprises",
            kind="hosting",
            needs=[needs["premises-incubator"]],
            stages=[stages["creation"]],
        ),
        "premises_call": ServiceFactory(
            name="Appel à candidatures locaux",
            kind="hosting",
            call=True,
            closes_on=today + datetime.timedelta(days=20),
            needs=[needs["premises-office"]],
            stages=[stages["creation"]],
        ),
        "closed_call": ServiceFactory(
            name="Appel clos",
            kind="prize_call",
            call=True,
            closes_on=today - datetime.timedelta(days=1),
            needs=[needs["premises-office"]],
            stages=[stages["creation"]],
        ),
    }
    return {"services": made, "metropole": metropole}


def names(result):
    return [m.service.name for m in result.matches]


def test_free_text_is_understood_as_needs_and_a_stage(catalogue):
    understood = matching.understand("Je cherche un financement pour industrialiser mon prototype")
    assert understood.needs == ["finance", "industrialise-prototype"]
    assert understood.stage == "industrialisation"
    assert understood.words == []
    understood = matching.understand("exporter nos capteurs en Asie")
    assert understood.needs == ["international-export"] or "international" in understood.needs
    assert "asie" in understood.shown_words


def test_a_sub_need_wins_over_its_parent(catalogue):
    understood = matching.understand("trouver des locaux en pépinière")
    assert "premises-incubator" in understood.needs
    assert "premises" not in understood.needs


def test_student_with_an_idea_in_digital_health(catalogue):
    result = matching.match(matching.Criteria(needs=["coaching-creation"], stage="idea", sector="sante"))
    assert names(result) == ["Incubation santé"]
    reasons = result.matches[0].reasons
    assert any("Santé" in r for r in reasons) and any("Idée" in r for r in reasons)
    assert result.excluded_by == {"need": 6, "stage": 1}


def test_industrial_sme_wanting_to_export(catalogue):
    result = matching.match(matching.Criteria(needs=["international-export"], stage="growth", size=80))
    assert names(result) == ["Accompagnement export"]
    assert result.excluded_by["size"] == 1  # "Export des TPE" is for ten employees at most
    small = matching.match(matching.Criteria(needs=["international-export"], stage="growth", size=8))
    assert names(small)[0] == "Export des TPE"  # its limit fits: five more points


def test_medtech_start_up_needing_to_industrialise_its_prototype(catalogue):
    result = matching.match(
        matching.Criteria(q="je cherche un financement pour industrialiser mon prototype", sector="sante")
    )
    assert names(result)[0] == "Accélérateur industriel"
    top = result.matches[0]
    assert top.score == matching.NEED_EXACT + matching.NEED_EACH_MORE + matching.STAGE_EXPLICIT + matching.SECTOR_ANY


def test_social_enterprise_looking_for_premises_gets_open_calls_first(catalogue):
    result = matching.match(matching.Criteria(needs=["premises"], stage="creation"))
    assert names(result) == ["Appel à candidatures locaux", "Pépinière d'entreprises"]
    assert result.matches[0].score == result.matches[1].score  # equal fit: the open call first
    assert "Appel ouvert en ce moment" in result.matches[0].reasons
    assert result.closed_calls == 1  # the closed call is never proposed


def test_the_person_s_choices_win_over_the_understood_text(catalogue):
    result = matching.match(matching.Criteria(q="financement industrialiser", stage="creation"))
    assert result.criteria.stage == "creation"
    assert result.understood.stage == "industrialisation"


def test_never_a_dead_end(catalogue):
    result = matching.match(matching.Criteria(needs=["protect-patent"], stage="idea", sector="sante"))
    assert result.matches == []
    assert result.would_match_without["need"] >= 1
    assert result.relaxed == "need"
    assert result.nearest[0].service.name == "Incubation santé"


def test_finder_page_explains_and_keeps_the_criteria_in_the_url(client, catalogue):
    url = reverse("guichet:finder")
    page = client.get(url)
    assert page.status_code == 200 and "finder-results" not in page.content.decode()
    html = client.get(url, {"q": "je cherche un financement pour industrialiser mon prototype"}).content.decode()
    assert "Accélérateur industriel" in html
    assert "Ce que nous avons compris" in html
    assert 'value="industrialise-prototype" id="need-industrialise-prototype" checked' in html
    assert "Pourquoi il convient" in html
    dead_end = client.get(url, {"need": "protect-patent", "stage": "idea", "sector": "sante"}).content.decode()
    assert "Aucun dispositif ne convient" in dead_end
    assert catalogue["metropole"].get_absolute_url() in dead_end


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"need": "inconnu"}, 400),
        ({"stage": "<script>"}, 400),
        ({"size": "beaucoup"}, 400),
        ({"age": "-3"}, 400),
        ({"q": "x" * 5000}, 400),
        ({"q": "<script>alert(1)</script>"}, 200),
        ({"commune": "99999"}, 400),
    ],
)
def test_bad_answers_get_a_clear_4xx(client, catalogue, params, status):
    response = client.get(reverse("guichet:finder"), params)
    assert response.status_code == status
    assert_inert(response.content)


def test_a_retired_need_keeps_old_links_working(client, catalogue):
    Need.objects.filter(code="coaching-creation").update(is_active=False)
    response = client.get(reverse("guichet:finder"), {"need": "coaching-creation"})
    assert response.status_code == 200
    assert "Incubation santé" in response.content.decode()


def test_api_match_gives_the_page_s_ranking(client, catalogue):
    data = client.get("/api/v1/guichet/match", {"need": "premises", "stage": "creation"}).json()
    assert [i["service"]["name"] for i in data["items"]] == ["Appel à candidatures locaux", "Pépinière d'entreprises"]
    assert data["items"][0]["score"] >= data["items"][1]["score"]
    assert data["items"][0]["reasons"]
    assert data["closed_calls"] == 1
    text = client.get("/api/v1/guichet/match", {"q": "financement pour industrialiser mon prototype"}).json()
    assert text["understood"]["stage"] == "industrialisation"
    assert text["items"][0]["service"]["slug"] == catalogue["services"]["industrial"].slug
    dead = client.get("/api/v1/guichet/match", {"need": "protect-patent", "stage": "idea"}).json()
    assert dead["count"] == 0 and dead["nearest"] and dead["generalist"]["slug"] == "grenoble-alpes-metropole"
    assert client.get("/api/v1/guichet/match", {"need": "inconnu"}).status_code == 400
    assert client.get("/api/v1/guichet/match", {"size": "-1"}).status_code == 400


def test_the_snapshot_follows_every_change(catalogue):
    first = matching.match(matching.Criteria(needs=["premises"], stage="creation"))
    assert len(first.matches) == 2
    nursery = catalogue["services"]["nursery"]
    nursery.status = "draft"
    nursery.save()
    services.service_reindex(service=nursery)
    assert names(matching.match(matching.Criteria(needs=["premises"], stage="creation"))) == [
        "Appel à candidatures locaux"
    ]


def test_cached_results_follow_the_catalogue(client, catalogue):
    """Results are cached per catalogue version: a change to a service shows at once."""
    url = reverse("guichet:finder")
    params = {"need": "premises", "stage": "creation"}
    assert "Pépinière d&#x27;entreprises" in client.get(url, params).content.decode()
    api = client.get("/api/v1/guichet/match", params).json()
    assert len(api["items"]) == 2
    nursery = catalogue["services"]["nursery"]
    nursery.status = "draft"
    nursery.save()
    services.service_reindex(service=nursery)
    assert "Pépinière d&#x27;entreprises" not in client.get(url, params).content.decode()
    assert len(client.get("/api/v1/guichet/match", params).json()["items"]) == 1
