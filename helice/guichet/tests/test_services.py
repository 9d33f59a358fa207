"""The guichet's services: taxonomy and dataset loading, call states, the list
with search and facets, the CSV export, the detail page, the API, the
organisation page's section, and who may edit a service."""

import csv
import datetime
import io
import json
import re

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.services import TerritoryDataError
from helice.core.testing.hostile import assert_inert
from helice.directory.tests.factories import OrganizationFactory, SectorFactory
from helice.guichet import services
from helice.guichet.models import Calendar, CallState, Need, Service, Stage
from helice.guichet.tests.factories import ServiceFactory
from helice.moderation import services as moderation
from helice.moderation.registry import adapter_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def taxonomy():
    services.taxonomy_load()
    return {"needs": {n.code: n for n in Need.objects.all()}, "stages": {s.code: s for s in Stage.objects.all()}}


def test_taxonomy_has_two_levels_of_needs_and_the_stages(taxonomy):
    parents = Need.objects.filter(parent__isnull=True)
    assert parents.count() >= 10
    assert all(need.children.exists() for need in parents)
    assert set(taxonomy["stages"]) == {
        "idea",
        "creation",
        "seed",
        "growth",
        "scaleup",
        "industrialisation",
        "international",
    }
    assert all(n.name_en for n in Need.objects.all())
    # Loading again changes nothing (matched by code).
    count = Need.objects.count()
    services.taxonomy_load()
    assert Need.objects.count() == count


def write(tmp_path, text):
    folder = tmp_path / "services"
    folder.mkdir(exist_ok=True)
    (folder / "test.yaml").write_text(text, encoding="utf-8")
    return tmp_path


def test_services_load_links_providers_and_reference_data(tmp_path, taxonomy):
    OrganizationFactory(slug="pepiniere-alpes", name="Pépinière des Alpes")
    SectorFactory(slug="numerique")
    path = write(
        tmp_path,
        """
source: test
services:
  - name: Prêt d'amorçage
    slug: pret-amorcage
    providers: [pepiniere-alpes]
    kind: honour_loan
    needs: [finance-loan]
    stages: [creation, seed]
    sectors: [numerique]
    calendar: call
    opens_on: 2026-01-15
    closes_on: 2026-03-31
""",
    )
    counts = services.services_load(path=path)
    assert counts == {"created": 1, "updated": 0, "total": 1}
    service = Service.objects.get(slug="pret-amorcage")
    assert [o.slug for o in service.providers.all()] == ["pepiniere-alpes"]
    assert {s.code for s in service.stages.all()} == {"creation", "seed"}
    assert service.sources == "test"
    assert " amorcage" in service.search_document or " amorc" in service.search_document


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("providers", "[inconnue]", "unknown provider"),
        ("needs", "[besoin-inconnu]", "unknown need"),
        ("kind", "magic", "unknown kind"),
        ("opens_on", "demain", "must be a date"),
    ],
)
def test_an_invalid_record_loads_nothing(tmp_path, taxonomy, field, value, message):
    OrganizationFactory(slug="fournisseur")
    record = {
        "name": "Service valide",
        "slug": "service-valide",
        "providers": "[fournisseur]",
        "kind": "grant",
    }
    record[field] = value
    body = "\n".join(f"    {k}: {v}" for k, v in record.items())
    good = "  - name: Autre\n    slug: autre\n    providers: [fournisseur]\n    kind: grant\n"
    path = write(tmp_path, f"services:\n{good}  - {body.strip()}\n")
    with pytest.raises(TerritoryDataError, match=message):
        services.services_load(path=path)
    assert not Service.objects.exists()


@pytest.mark.parametrize(
    ("calendar", "opens", "closes", "expected"),
    [
        (Calendar.PERMANENT, None, None, CallState.PERMANENT),
        (Calendar.CALL, None, None, CallState.DATES_TBC),
        (Calendar.CALL, "2026-11-01", "2026-12-31", CallState.OPEN),
        (Calendar.CALL, "2027-01-10", "2027-02-28", CallState.UPCOMING),
        (Calendar.CALL, "2026-01-01", "2026-03-31", CallState.CLOSED),
        (Calendar.CALL, None, "2026-11-28", CallState.OPEN),  # closes today: still open
    ],
)
def test_call_state(calendar, opens, closes, expected):
    today = datetime.date(2026, 11, 28)
    service = Service(
        calendar=calendar,
        opens_on=datetime.date.fromisoformat(opens) if opens else None,
        closes_on=datetime.date.fromisoformat(closes) if closes else None,
    )
    assert service.call_state(today) == expected


def test_availability_filter_agrees_with_call_state(client):
    today = datetime.date.today()
    past = ServiceFactory(name="Appel clos", call=True, closes_on=today - datetime.timedelta(days=1))
    current = ServiceFactory(name="Appel ouvert", call=True, closes_on=today + datetime.timedelta(days=10))
    ServiceFactory(name="Toujours ouvert")
    html = client.get(reverse("guichet:services"), {"availability": "open"}).content.decode()
    assert "Appel ouvert" in html and "Appel clos" not in html and "Toujours ouvert" not in html
    assert past.call_state() == CallState.CLOSED
    assert current.call_state() == CallState.OPEN
    detail = client.get(past.get_absolute_url()).content.decode()
    assert "Clôturé" in detail


def test_list_search_and_facets(client, taxonomy):
    digital = SectorFactory(slug="numerique", name_fr="Numérique")
    health = SectorFactory(slug="sante", name_fr="Santé")
    loan = ServiceFactory(name="Prêt d'honneur création", needs=[taxonomy["needs"]["finance-loan"]])
    ServiceFactory(name="Accélérateur santé", sectors=[health], needs=[taxonomy["needs"]["coaching-growth"]])
    everyone = ServiceFactory(name="Conseil pour tous", needs=[taxonomy["needs"]["coaching-creation"]])
    ServiceFactory(name="Brouillon caché", draft=True)
    url = reverse("guichet:services")

    html = client.get(url).content.decode()
    assert "3 dispositifs" in html and "Brouillon caché" not in html

    # A parent need matches its sub-needs.
    html = client.get(url, {"need": "finance"}).content.decode()
    assert "Prêt d&#x27;honneur création" in html and "Accélérateur santé" not in html

    # A service without sectors is open to every sector.
    html = client.get(url, {"sector": "numerique"}).content.decode()
    assert "Conseil pour tous" in html and "Prêt d&#x27;honneur création" in html
    assert "Accélérateur santé" not in html
    del digital

    # Accents and case ignored, prefixes matched.
    html = client.get(url, {"q": "PRET HONN"}).content.decode()
    assert "1 dispositif" in html and loan.get_absolute_url() in html
    assert everyone.get_absolute_url() not in html


def test_facet_counts_ignore_their_own_selection(client, taxonomy):
    ServiceFactory(name="A", kind="grant")
    ServiceFactory(name="B", kind="loan")
    html = client.get(reverse("guichet:services"), {"kind": "grant"}).content.decode()
    assert re.search(r'value="loan"[^>]*>\s*<label[^>]*>[^<]*<span class="count">\(1\)', html)
    assert re.search(r'value="grant" id="f-kind-grant" checked', html)


@pytest.mark.parametrize(
    ("params", "status"),
    [
        ({"page": "abc"}, 400),
        ({"page": "99"}, 404),
        ({"q": "x" * 10_000}, 400),
        ({"kind": "<script>"}, 400),
        ({"q": "'; DROP TABLE guichet_service; --"}, 200),
        ({"kind": "unknown-kind"}, 200),
    ],
)
def test_bad_parameters_get_a_clear_answer(client, params, status):
    ServiceFactory()
    response = client.get(reverse("guichet:services"), params)
    assert response.status_code == status
    assert_inert(response.content)


def test_csv_export_of_the_current_filter_is_formula_safe(client):
    ServiceFactory(name="=HYPERLINK(1)", kind="grant")
    ServiceFactory(name="Autre", kind="loan")
    response = client.get(reverse("guichet:export"), {"kind": "grant"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "slug"
    assert len(rows) == 2
    assert rows[1][1] == "'=HYPERLINK(1)"


def test_detail_page_with_json_ld(client, taxonomy):
    provider = OrganizationFactory(name="Banque Publique")
    service = ServiceFactory(
        name="Prêt innovation", financing=True, providers=[provider], summary_fr="Un prêt pour innover."
    )
    html = client.get(service.get_absolute_url()).content.decode()
    payload = json.loads(re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S).group(1))
    assert payload["@type"] == "FinancialProduct"
    assert payload["provider"][0]["name"] == "Banque Publique"
    assert provider.get_absolute_url() in html
    assert client.get(reverse("guichet:service", args=["inexistant"])).status_code == 404
    draft = ServiceFactory(name="Pas encore", draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404


def test_organisation_page_lists_its_services(client):
    provider = OrganizationFactory(name="Incubateur Cimes")
    ServiceFactory(name="Programme d'incubation", providers=[provider])
    html = client.get(provider.get_absolute_url()).content.decode()
    assert "Programme d&#x27;incubation" in html


def test_api_list_and_detail(client, taxonomy):
    service = ServiceFactory(
        name="Subvention export", financing=True, needs=[taxonomy["needs"]["international-export"]]
    )
    ServiceFactory(name="Hébergement")
    data = client.get("/api/v1/services", {"need": "international"}).json()
    assert data["count"] == 1 and data["items"][0]["slug"] == service.slug
    assert data["items"][0]["availability"] == "permanent"
    assert client.get("/api/v1/services", {"kind": "<b>"}).status_code == 400
    assert client.get(f"/api/v1/services/{service.slug}").json()["name"] == "Subvention export"
    assert client.get("/api/v1/services/inexistant").status_code == 404


def test_provider_members_edit_services_through_moderation():
    provider = OrganizationFactory()
    service = ServiceFactory(providers=[provider])
    member = MembershipFactory(organization=provider).user
    outsider = MembershipFactory().user
    data = {
        **adapter_for(service).serialize(service),
        "summary_fr": "Résumé revu.",
        "calendar": "call",
        "closes_on": "2027-01-31",
    }
    with pytest.raises(PermissionDenied):
        moderation.revision_submit(obj=service, data=data, author=outsider)
    revision = moderation.revision_submit(obj=service, data=data, author=member)
    assert revision.status == "pending" and revision.organization == provider
    moderation.revision_approve(revision=revision, by=UserFactory(moderator=True))
    service.refresh_from_db()
    assert service.summary_fr == "Résumé revu."
    assert service.closes_on == datetime.date(2027, 1, 31)


def test_global_search_lists_services_too(client):
    ServiceFactory(name="Prêt d'amorçage régional", summary_fr="Un prêt pour démarrer.")
    ServiceFactory(name="Hébergement en pépinière")
    html = client.get(reverse("core:search"), {"q": "amorcage"}).content.decode()
    assert "Prêt d&#x27;amorçage régional" in html and "Hébergement en pépinière" not in html
    assert reverse("guichet:finder") + "?q=amorcage" in html
    assert_inert(client.get(reverse("core:search"), {"q": "<script>x</script>"}).content)
