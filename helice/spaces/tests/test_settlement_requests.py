"""Settlement requests through HTTP: from a space's page, a selection on the list or
the general entry, through the request engine (helice.referrals, kind
"settlement") to the operators' inbox, the statistics and the plan's KPI 4.1.1."""

import datetime
import html
import io
import re
import uuid

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone, translation

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.models import OutgoingEmail
from helice.core.testing.hostile import assert_form_resists_hostile_input, assert_inert
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
from helice.referrals import selectors as referrals_selectors
from helice.referrals.models import Case, CaseStatus, Request, RequestKind
from helice.spaces import settlement

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db

URL = "/espaces/demande/"


@pytest.fixture
def operator():
    return MembershipFactory(organization=OrganizationFactory(name="Grenoble Alpes Incubation"))


@pytest.fixture
def space(operator):
    return SpaceFactory(name="Pépinière Nord", slug="pepiniere-nord", operators=[operator.organization])


@pytest.fixture
def other_operator():
    return MembershipFactory(organization=OrganizationFactory(name="Hôtel d'entreprises Sud"))


@pytest.fixture
def other_space(other_operator):
    return SpaceFactory(
        name="Hôtel Sud", slug="hotel-sud", kind="business_hotel", operators=[other_operator.organization]
    )


@pytest.fixture
def team(settings):
    organization = OrganizationFactory(slug="metropole-equipe")
    settings.REQUESTS_TEAM_ORGANIZATION = organization.slug
    return MembershipFactory(organization=organization)


def form_data(**overrides):
    data = {
        "spaces": [],
        "surface_min_m2": "40",
        "surface_max_m2": "80",
        "people": "6",
        "budget_eur_month": "1500",
        "message": "Start-up de capteurs, six personnes, il nous faut un petit atelier et deux bureaux.",
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


def _send_and_confirm(client, capture, **overrides):
    with capture(execute=True):
        assert client.post(URL, form_data(**overrides)).status_code == 302
    request_obj = Request.objects.order_by("pk").last()
    confirmation = [m for m in mail.outbox if m.to == [request_obj.email]][-1]
    with capture(execute=True):
        assert client.post(_link(confirmation), {"action": "confirm"}).status_code == 302
    request_obj.refresh_from_db()
    return request_obj


# --- the three ways in ------------------------------------------------------------------


def test_the_form_is_reachable_from_a_space_page(client, space):
    html = client.get(space.get_absolute_url()).content.decode()
    assert f'href="{URL}?space={space.slug}"' in html
    form = client.get(URL, {"space": space.slug})
    assert form.status_code == 200
    page = form.content.decode()
    assert re.search(rf'value="{space.slug}" id="space-{space.slug}" checked', page)
    assert 'name="submission_key"' in page and "Grenoble Alpes Incubation" in page
    # The kind of the chosen space is proposed as the kind wished.
    assert re.search(r'<option value="incubator" selected', page)


def test_a_draft_space_offers_no_request(client, operator):
    draft = SpaceFactory(draft=True, operators=[operator.organization])
    client.force_login(operator.user)  # its operator sees the draft, without the request box
    html = client.get(draft.get_absolute_url()).content.decode()
    assert URL not in html
    page = client.get(URL, {"space": draft.slug}).content.decode()
    assert f'value="{draft.slug}"' not in page


def test_a_selection_on_the_list_goes_to_one_form(client, space, other_space):
    html = client.get("/espaces/").content.decode()
    assert f'<form id="spaces-selection" method="get" action="{URL}">' in html
    for s in (space, other_space):
        assert re.search(rf'name="space" value="{s.slug}" id="select-{s.slug}" form="spaces-selection"', html)
    assert 'form="spaces-selection">' in html  # the button sends the selection
    page = client.get(URL, {"space": [space.slug, other_space.slug]}).content.decode()
    assert f'id="space-{space.slug}" checked' in page and f'id="space-{other_space.slug}" checked' in page
    # Two kinds: no kind is guessed.
    assert not re.search(r'<option value="[a-z_]+" selected>', page.split('name="space_kind"')[1].split("</select>")[0])


def test_the_general_entry_carries_the_list_filters(client, space):
    commune = CommuneFactory(name="Échirolles")
    sector = SectorFactory()
    html = client.get("/espaces/", {"stage": "grow"}).content.decode()
    assert f'href="{URL}?stage=grow"' in html
    page = client.get(URL, {"kind": "fablab", "stage": "grow", "commune": commune.slug, "sector": sector.slug})
    text = page.content.decode()
    assert re.search(r'<option value="fablab" selected', text)
    assert re.search(r'<option value="grow" selected', text)
    assert re.search(rf'<option value="{commune.insee_code}" selected', text)
    assert re.search(rf'<option value="{sector.slug}" selected', text)
    assert re.search(r'name="route"[^>]*checked', text)  # nothing chosen: the team routes it


# --- the whole journey -------------------------------------------------------------------


def test_whole_journey_to_two_spaces(
    client, space, other_space, operator, other_operator, django_capture_on_commit_callbacks
):
    commune = CommuneFactory(name="Meylan")
    wished = timezone.localdate() + datetime.timedelta(days=60)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            URL,
            form_data(
                spaces=[space.slug, other_space.slug],
                wished_date=wished.isoformat(),
                space_kind="business_hotel",
                stage="grow",
                commune=commune.insee_code,
            ),
        )
    assert response.status_code == 302 and response["Location"] == "/espaces/demande/envoyee/"
    request_obj = Request.objects.get()
    assert request_obj.kind == RequestKind.SETTLEMENT and request_obj.reference.startswith("S-")
    assert not request_obj.is_submitted
    assert request_obj.commune == commune and request_obj.stage == "grow"
    assert request_obj.details == {
        "surface_min_m2": 40,
        "surface_max_m2": 80,
        "people": 6,
        "wished_date": wished.isoformat(),
        "budget_eur_month": 1500,
        "space_kind": "business_hotel",
    }
    cases = {c.organization: c for c in request_obj.cases.all()}
    assert set(cases) == {operator.organization, other_operator.organization}
    assert cases[operator.organization].subject == space
    assert cases[other_operator.organization].subject_label == "Hôtel Sud"
    (confirmation,) = mail.outbox  # nobody else is told before the address is confirmed
    link = _link(confirmation)

    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(link, {"action": "confirm"}).status_code == 302
    assert {m.to[0] for m in mail.outbox[1:]} >= {operator.user.email, other_operator.user.email}

    # Each operator sees it in their inbox (with its kind) and its details on the case.
    client.force_login(operator.user)
    inbox = client.get("/mon-espace/demandes/").content.decode()
    assert request_obj.reference in inbox and "Pépinière Nord" in inbox
    case = cases[operator.organization]
    page = client.get(f"/mon-espace/demandes/{case.pk}/").content.decode()
    assert "ana@example.org" in page and "petit atelier" in page and "Meylan" in page
    text = html.unescape(page)
    for label, value in settlement.describe(request_obj):
        assert f"<dt>{label}</dt><dd>{value}</dd>" in text
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/mon-espace/demandes/{case.pk}/", {"action": "answer", "message": "Visite possible jeudi."})
    client.logout()

    # The requester follows both on the private page.
    page = client.get(link).content.decode()
    assert "Visite possible jeudi." in page and "Hôtel Sud" in page
    assert Case.objects.get(pk=case.pk).status == CaseStatus.ANSWERED


def test_the_details_read_in_each_language():
    request_obj = Request(
        kind=RequestKind.SETTLEMENT,
        stage="reinvent",
        details={
            "surface_min_m2": 1200,
            "wished_date": "2027-03-01",
            "budget_eur_month": 0,
            "space_kind": "retired_kind",
            "people": 3,
        },
    )
    with translation.override("en"):
        rows = dict(request_obj.detail_rows)
        assert rows == {
            "Phase of the company": "Reinvent itself",
            "Kind of space wished": "retired_kind",  # a kind the code no longer knows: kept as stored
            "Surface wished": "at least 1,200 m²",
            "People to host": "3",
            "Moving-in date wished": "March 1, 2027",
            "Monthly budget": "0 € excl. tax",
        }
    assert settlement.surface_text(None, 80) == "au plus 80 m²"
    assert settlement.surface_text(50, 50) == "50 m²"
    assert settlement.surface_text(None, None) == ""


def test_a_signed_in_verified_person_sends_at_once(client, space, operator):
    user = UserFactory(verified=True, email="jade@example.org")
    client.force_login(user)
    assert 'value="jade@example.org"' in client.get(URL, {"space": space.slug}).content.decode()
    response = client.post(URL, form_data(spaces=[space.slug], email="jade@example.org"))
    request_obj = Request.objects.get()
    assert request_obj.is_submitted and request_obj.user == user
    assert response["Location"] == f"/mon-espace/mes-demandes/{request_obj.pk}/"


def test_a_double_click_is_one_request(client, space):
    data = form_data(spaces=[space.slug])
    assert client.post(URL, data).status_code == client.post(URL, data).status_code == 302
    assert Request.objects.count() == 1 and Case.objects.count() == 1


def test_two_spaces_of_one_operator_make_one_case_naming_both(client, operator, space):
    second = SpaceFactory(name="Pépinière Est", operators=[operator.organization])
    assert client.post(URL, form_data(spaces=[space.slug, second.slug])).status_code == 302
    case = Case.objects.get()
    assert case.organization == operator.organization and case.subject_label == "Pépinière Nord, Pépinière Est"


def test_no_space_goes_to_the_team(client, team):
    assert client.post(URL, form_data()).status_code == 400  # nothing chosen, routing not asked
    assert Request.objects.count() == 0
    assert client.post(URL, form_data(route="on")).status_code == 302
    case = Case.objects.get()
    assert case.routing and case.organization == team.organization


def test_a_space_without_a_published_operator_goes_to_the_team(client, team):
    orphan = SpaceFactory(operators=[OrganizationFactory(status="draft")])
    assert client.post(URL, form_data(spaces=[orphan.slug])).status_code == 302
    assert [(c.organization, c.routing) for c in Case.objects.all()] == [(team.organization, True)]


def test_a_space_and_the_team_together(client, space, operator, team):
    assert client.post(URL, form_data(spaces=[space.slug], route="on")).status_code == 302
    assert sorted((c.organization.pk, c.routing) for c in Case.objects.all()) == sorted(
        [(operator.organization.pk, False), (team.organization.pk, True)]
    )


# --- bad and hostile input ---------------------------------------------------------------


@pytest.mark.parametrize(
    "field,value",
    [
        ("email", "not-an-address"),
        ("message", ""),
        ("consent", ""),
        ("surface_min_m2", "0"),
        ("surface_max_m2", "abc"),
        ("surface_max_m2", "20"),  # smaller than the 40 m² minimum
        ("surface_min_m2", "1000000"),
        ("budget_eur_month", "-5"),
        ("people", "0"),
        ("wished_date", "2001-01-01"),
        ("wished_date", "someday"),
        ("space_kind", "castle"),
        ("stage", "retire"),
        ("commune", "99999"),
        ("phone", "<script>"),
        ("submission_key", "not-a-uuid"),
    ],
)
def test_bad_input_is_refused_with_a_message_and_nothing_saved(client, space, field, value):
    response = client.post(URL, form_data(spaces=[space.slug], **{field: value}))
    assert response.status_code == 400
    assert Request.objects.count() == 0 and Case.objects.count() == 0 and not mail.outbox
    assert 'role="alert"' in response.content.decode()


def test_a_draft_or_unknown_space_cannot_be_targeted(client, operator):
    draft = SpaceFactory(draft=True, operators=[operator.organization])
    for slug in (draft.slug, "nowhere"):
        assert client.post(URL, form_data(spaces=[slug])).status_code == 400
    assert Request.objects.count() == 0


def test_honeypot_refuses_without_saving(client, space):
    response = client.post(URL, form_data(spaces=[space.slug], website="http://spam.example"))
    assert response.status_code == 400 and Request.objects.count() == 0 and not mail.outbox


def test_rate_limited(client, space):
    for _ in range(10):
        client.post(URL, form_data(spaces=[space.slug], email=f"a{uuid.uuid4().hex[:6]}@example.org"))
    assert client.post(URL, form_data(spaces=[space.slug])).status_code == 429


def test_rate_limited_per_address(client, space):
    statuses = [client.post(URL, form_data(spaces=[space.slug])).status_code for _ in range(6)]
    assert statuses == [302] * 5 + [429]


def test_only_get_and_post(client):
    assert client.put(URL).status_code == 405
    assert client.post("/espaces/demande/envoyee/").status_code == 405


def test_a_mail_server_down_loses_nothing(client, space, settings, django_capture_on_commit_callbacks):
    settings.EMAIL_BACKEND = "helice.referrals.tests.test_services.DownBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(URL, form_data(spaces=[space.slug])).status_code == 302
    assert Request.objects.count() == 1 and Case.objects.count() == 1
    queued = OutgoingEmail.objects.get()
    assert queued.recipients == ["ana@example.org"] and queued.sent_at is None


def test_hostile_input_in_the_message(client, space, operator):
    statuses = assert_form_resists_hostile_input(
        client,
        URL,
        "message",
        data=lambda name: form_data(spaces=[space.slug], email=f"{abs(hash(name)) % 10**8}@example.org"),
        show_url=lambda name, response: None,
    )
    assert set(statuses.values()) <= {302, 400, 429}
    Request.objects.update(submitted_at=timezone.now())
    Case.objects.update(received_at=timezone.now())
    client.force_login(operator.user)
    for case in Case.objects.all():
        assert_inert(client.get(f"/mon-espace/demandes/{case.pk}/").content)


# --- counted like guichet requests ---------------------------------------------------------


def test_counted_in_the_statistics_with_their_kind(client, space, operator, django_capture_on_commit_callbacks):
    _send_and_confirm(client, django_capture_on_commit_callbacks, spaces=[space.slug])
    _send_and_confirm(client, django_capture_on_commit_callbacks, spaces=[space.slug], email="lea@example.org")
    year = timezone.localdate().year
    assert referrals_selectors.territory_statistics(year=year, kind="settlement").received == 2
    assert referrals_selectors.territory_statistics(year=year, kind="orientation").received == 0
    page = client.get("/demandes/statistiques/", {"year": year, "kind": "settlement"})
    assert page.status_code == 200
    assert operator.organization.name in page.content.decode()
    csv = client.get("/demandes/statistiques.csv", {"year": year, "kind": "settlement"}).content.decode()
    assert operator.organization.name in csv
    # An unconfirmed request is not counted.
    client.post(URL, form_data(spaces=[space.slug], email="zoe@example.org"))
    assert referrals_selectors.territory_statistics(year=year, kind="settlement").received == 2


def test_the_plan_kpi_4_1_1_counts_settlement_requests(client, space, django_capture_on_commit_callbacks):
    """End to end: the Grenoble plan loaded, two settlement requests sent and
    confirmed (and one orientation request, not counted), the cron command run:
    KPI 4.1.1 "requests to set up in dedicated spaces" gets 2 for the year."""
    from helice.core.services import territory_load_reference, territory_path
    from helice.directory.services import organizations_load
    from helice.referrals.tests.factories import send_request
    from helice.strategy import services as strategy_services
    from helice.strategy.models import Indicator, Measurement

    grenoble = territory_path("grenoble")
    territory_load_reference(path=grenoble)
    organizations_load(path=grenoble)
    strategy_services.plan_load(path=grenoble)
    indicator = Indicator.objects.get(code="4.1.1")
    assert indicator.computation == "requests_received:settlement"

    _send_and_confirm(client, django_capture_on_commit_callbacks, spaces=[space.slug])
    _send_and_confirm(client, django_capture_on_commit_callbacks, spaces=[space.slug], email="lea@example.org")
    send_request(organizations=[OrganizationFactory()])  # an orientation request
    # They were received last year: the year has ended, so the command computes it.
    last_year = timezone.localdate().year - 1
    Case.objects.update(received_at=timezone.make_aware(datetime.datetime(last_year, 6, 15, 10)))
    out = io.StringIO()
    call_command("compute_indicators", since=f"{last_year}-01-01", stdout=out)
    assert f"4.1.1 {last_year}-01: 2 (stored)" in out.getvalue()
    measurement = Measurement.objects.get(indicator=indicator, period=datetime.date(last_year, 1, 1))
    assert measurement.value == 2 and measurement.computed


def test_the_form_s_queries_do_not_grow_with_the_spaces_chosen(client, django_assert_num_queries):
    """The spaces with their communes, their operators, the sectors and the communes
    offered: four queries, however many spaces are chosen."""

    def spaces(n):
        return [SpaceFactory(operators=[OrganizationFactory(), OrganizationFactory()]).slug for _ in range(n)]

    one, five = spaces(1), spaces(5)
    client.get(URL, {"space": one})  # warm the caches (sessions, site settings)
    with django_assert_num_queries(4):
        assert client.get(URL, {"space": one}).status_code == 200
    with django_assert_num_queries(4):
        assert client.get(URL, {"space": five}).status_code == 200


def test_the_form_in_english(client, space):
    page = client.get(f"/en{URL}", {"space": space.slug})
    assert page.status_code == 200
    html = page.content.decode()
    assert "Look for premises" in html and "Surface from (m², optional)" in html
    assert '<form method="post" action="/en/espaces/demande/"' in html


def test_the_request_engine_is_reused_not_copied(client, space, operator, monkeypatch):
    """The spaces part only builds the targets: the engine's request_create stores,
    routes and mails (one Target per operator, the space as its subject)."""
    from helice.referrals import services as referrals

    calls = []
    engine = referrals.request_create

    def spy(**kwargs):
        calls.append(kwargs)
        return engine(**kwargs)

    monkeypatch.setattr(referrals, "request_create", spy)
    assert client.post(URL, form_data(spaces=[space.slug])).status_code == 302
    (call,) = calls
    assert call["kind"] == RequestKind.SETTLEMENT and call["route_to_team"] is False
    assert call["targets"] == [referrals.Target(organization=operator.organization, subject=space)]


def test_hostile_addresses_are_ignored_not_errors(client, space):
    """NUL characters (refused by PostgreSQL), over-long values and too many spaces:
    the form still opens, with what is usable."""
    many = [space.slug] + [f"espace-{n}" for n in range(50)]
    for params in (
        {"space": ["a\x00b", space.slug]},
        {"commune": "38\x00185", "sector": "x\x00", "kind": "nursery\x00"},
        {"space": "x" * 5000},
        {"space": many},
    ):
        response = client.get(URL, params)
        assert response.status_code == 200
    assert f'id="space-{space.slug}" checked' in client.get(URL, {"space": ["a\x00b", space.slug]}).content.decode()
    posted = form_data(spaces=["a\x00b", space.slug])
    assert client.post(URL, posted).status_code in (302, 400)
    assert Request.objects.count() <= 1
