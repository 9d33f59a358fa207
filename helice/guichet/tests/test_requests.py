"""Orientation requests through HTTP: from a service or a finder result to the
provider's inbox and back to the requester's private page."""

import re
import uuid

import pytest
from django.core import mail
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_form_resists_hostile_input
from helice.directory.models import HeadcountBand
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.guichet.forms_request import band_for
from helice.referrals.models import Case, CaseStatus, Request

from .factories import NeedFactory, ServiceFactory, StageFactory

pytestmark = pytest.mark.django_db

URL = "/guichet/demande/"
VALID_SIREN = "732829320"
VALID_SIRET = "73282932000074"


@pytest.fixture
def provider():
    return MembershipFactory()


@pytest.fixture
def service(provider):
    return ServiceFactory(name="Prêt d'honneur Amorçage", providers=[provider.organization])


@pytest.fixture
def team(settings):
    organization = OrganizationFactory(slug="metropole-equipe")
    settings.REQUESTS_TEAM_ORGANIZATION = organization.slug
    return MembershipFactory(organization=organization)


def form_data(**overrides):
    data = {
        "services": [],
        "message": "Je prépare la création d'une start-up en e-santé et cherche un premier financement.",
        "name": "Ana Lopez",
        "email": "ana@example.org",
        "consent": "on",
        "submission_key": str(uuid.uuid4()),
        "action": "send",
    }
    data.update(overrides)
    return data


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/demandes/suivi/[^/\s]+/)", message.body).group(1)


def test_the_form_is_reachable_from_a_service(client, service):
    page = client.get(service.get_absolute_url())
    assert f"{URL}?service={service.slug}" in page.content.decode()
    form = client.get(URL, {"service": service.slug})
    assert form.status_code == 200
    html = form.content.decode()
    assert f'value="{service.slug}"' in html and "checked" in html
    assert 'name="submission_key"' in html


def test_whole_journey_anonymous(client, service, provider, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(f"{URL}?service={service.slug}", form_data(services=[service.slug]))
    assert response.status_code == 302 and response["Location"] == "/guichet/demande/envoyee/"
    request_obj = Request.objects.get()
    assert not request_obj.is_submitted and request_obj.cases.get().organization == provider.organization
    (confirmation,) = mail.outbox
    assert confirmation.to == ["ana@example.org"]
    link = _link(confirmation)

    # The link shows the request and a button; opening it (GET) sends nothing.
    page = client.get(link)
    assert page.status_code == 200 and "noindex" in page.content.decode()
    assert not Request.objects.get().is_submitted
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link, {"action": "confirm"}).status_code == 302
    case = Case.objects.get()
    assert case.received_at is not None
    assert any(m.to == [provider.user.email] for m in mail.outbox)

    # The provider sees it in their inbox, answers.
    client.force_login(provider.user)
    inbox = client.get("/mon-espace/demandes/").content.decode()
    assert request_obj.reference in inbox
    case_url = f"/mon-espace/demandes/{case.pk}/"
    page = client.get(case_url).content.decode()
    assert "ana@example.org" in page and "e-santé" in page
    with django_capture_on_commit_callbacks(execute=True):
        answered = client.post(case_url, {"action": "answer", "message": "Rendez-vous le 12 à 10 h."})
    assert answered.status_code == 302
    client.logout()

    # The requester sees the answer on the private page.
    page = client.get(link).content.decode()
    assert "Rendez-vous le 12 à 10 h." in page
    assert Case.objects.get().status == CaseStatus.ANSWERED


def test_a_signed_in_verified_person_sends_at_once(client, service, provider):
    user = UserFactory(verified=True, email="jade@example.org")
    client.force_login(user)
    form = client.get(URL, {"service": service.slug}).content.decode()
    assert 'value="jade@example.org"' in form
    response = client.post(URL, form_data(services=[service.slug], email="jade@example.org"))
    request_obj = Request.objects.get()
    assert request_obj.is_submitted and request_obj.user == user
    assert response["Location"] == f"/mon-espace/mes-demandes/{request_obj.pk}/"
    assert request_obj.reference in client.get(response["Location"]).content.decode()
    assert request_obj.reference in client.get("/mon-espace/mes-demandes/").content.decode()


def test_a_double_click_is_one_request(client, service):
    data = form_data(services=[service.slug])
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert first.status_code == second.status_code == 302
    assert Request.objects.count() == 1 and Case.objects.count() == 1


def test_no_service_goes_to_the_team(client, team):
    response = client.post(URL, form_data())  # nothing ticked, routing not ticked either
    assert response.status_code == 400
    assert Request.objects.count() == 0
    assert client.post(URL, form_data(route="on")).status_code == 302
    case = Case.objects.get()
    assert case.routing and case.organization == team.organization


@pytest.mark.parametrize(
    "field,value",
    [
        ("email", "not-an-address"),
        ("message", ""),
        ("consent", ""),
        ("siret", "12345678901234"),
        ("siret", "123"),
        ("founding_year", "2999"),
        ("phone", "<script>"),
        ("submission_key", "not-a-uuid"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, service, field, value):
    response = client.post(URL, form_data(services=[service.slug], **{field: value}))
    assert response.status_code == 400
    assert Request.objects.count() == 0
    assert 'role="alert"' in response.content.decode()


def test_no_siret_is_needed_and_a_valid_one_is_kept(client, service):
    assert client.post(URL, form_data(services=[service.slug])).status_code == 302
    assert client.post(URL, form_data(services=[service.slug], siret="732 829 320 00074")).status_code == 302
    with_siret = Request.objects.order_by("pk").last()
    assert (with_siret.siren, with_siret.siret) == (VALID_SIREN, VALID_SIRET)


def test_siren_fills_in_from_the_directory(client, service):
    sector = SectorFactory(name_fr="Santé")
    commune = CommuneFactory()
    company = OrganizationFactory(
        name="Medisoft", siren=VALID_SIREN, founding_year=2019, headcount_band=HeadcountBand.SMALL, commune=commune
    )
    company.sectors.set([sector])
    # The button: the form comes back filled, nothing is saved.
    page = client.post(URL, form_data(services=[service.slug], siret=VALID_SIREN, action="prefill"))
    assert page.status_code == 200 and Request.objects.count() == 0
    html = page.content.decode()
    assert 'value="Medisoft"' in html and 'value="2019"' in html
    assert re.search(r'<option value="10-49" selected', html)
    assert re.search(rf'<option value="{commune.insee_code}" selected', html)
    assert re.search(rf'<option value="{sector.slug}" selected', html)
    # Sent without the button: the server fills what is empty, keeps what was given.
    client.post(URL, form_data(services=[service.slug], siret=VALID_SIRET, founding_year="2020"))
    request_obj = Request.objects.get()
    assert (request_obj.company_name, request_obj.founding_year, request_obj.headcount_band) == (
        "Medisoft",
        2020,
        "10-49",
    )
    assert request_obj.sector == sector and request_obj.commune == commune


def test_prefill_with_an_unknown_or_invalid_number(client, service):
    unknown = client.post(URL, form_data(services=[service.slug], siret=VALID_SIREN, action="prefill"))
    assert unknown.status_code == 200 and Request.objects.count() == 0
    invalid = client.post(URL, form_data(services=[service.slug], siret="123456789", action="prefill"))
    assert "SIREN" in invalid.content.decode() and Request.objects.count() == 0


def test_finder_criteria_are_carried_to_the_form(client, service):
    stage = StageFactory(code="creation")
    need = NeedFactory(code="financer-amorcage", parent=NeedFactory(code="financer"))
    form = client.get(URL, {"service": service.slug, "stage": stage.code, "need": need.code, "size": "12", "age": "2"})
    html = form.content.decode()
    assert re.search(rf'<option value="{stage.code}" selected', html)
    assert re.search(rf'value="{need.code}"[^>]*checked', html)
    assert re.search(r'<option value="10-49" selected', html)


def test_band_for_headcounts():
    assert [band_for(n) for n in (None, 0, 1, 9, 10, 49, 50, 999, 5000)] == [
        "",
        "0",
        "1-9",
        "1-9",
        "10-49",
        "10-49",
        "50-249",
        "250-999",
        "5000+",
    ]


def test_honeypot_refuses_without_saving(client, service):
    response = client.post(URL, form_data(services=[service.slug], website="http://spam.example"))
    assert response.status_code == 400 and Request.objects.count() == 0 and not mail.outbox


def test_rate_limited(client, service, settings):
    for _ in range(10):
        client.post(URL, form_data(services=[service.slug], email=f"a{uuid.uuid4().hex[:6]}@example.org"))
    assert client.post(URL, form_data(services=[service.slug])).status_code == 429


def test_rate_limited_per_address(client, service):
    statuses = [client.post(URL, form_data(services=[service.slug])).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]


def test_a_draft_service_cannot_be_targeted(client, provider):
    draft = ServiceFactory(draft=True, providers=[provider.organization])
    response = client.post(URL, form_data(services=[draft.slug]))
    assert response.status_code == 400 and Request.objects.count() == 0


def test_hostile_input_in_the_message(client, service, provider, django_capture_on_commit_callbacks):
    statuses = assert_form_resists_hostile_input(
        client,
        URL,
        "message",
        data=lambda name: form_data(services=[service.slug], email=f"{abs(hash(name)) % 10**8}@example.org"),
        show_url=lambda name, response: None,
    )
    assert set(statuses.values()) <= {302, 400, 429}
    # What was saved is shown inert on the provider's page.
    Request.objects.update(submitted_at="2026-01-05T10:00:00Z")
    from django.utils import timezone

    Case.objects.update(received_at=timezone.now())
    client.force_login(provider.user)
    from helice.core.testing.hostile import assert_inert

    for case in Case.objects.all():
        assert_inert(client.get(f"/mon-espace/demandes/{case.pk}/").content)


def test_the_result_offers_a_request_with_the_criteria(client, provider):
    stage = StageFactory(code="creation")
    service = ServiceFactory(providers=[provider.organization], stages=[stage])
    html = client.get(reverse("guichet:finder"), {"stage": "creation", "size": "3"}).content.decode()
    assert f"{URL}?service={service.slug}&amp;stage=creation&amp;size=3" in html
    # and the generalist way out, with the same criteria
    assert f'href="{URL}?stage=creation&amp;size=3"' in html
