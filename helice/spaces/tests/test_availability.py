"""Operators confirm their availability (permissions as a matrix, bad input), and
are reminded when it is stale (command, dry run, interval, recipients)."""

import datetime
import io

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.models import OutgoingEmail
from helice.directory.tests.factories import OrganizationFactory
from helice.spaces.models import PlanStatus, Space

from .factories import SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    operator = OrganizationFactory(name="Technopole")
    other = OrganizationFactory(name="Autre")
    space = SpaceFactory(name="Pépinière", operators=[operator], unit_count=10, stale=True)
    return {"operator": operator, "other": other, "space": space}


def url(space):
    return reverse("spaces:confirm_availability", kwargs={"slug": space.slug})


@pytest.mark.parametrize(
    "who, expected",
    [
        ("anonymous", 302),  # to the login page
        ("member", 302),  # confirmed, back to the space
        ("other_member", 403),
        ("plain_user", 403),
        ("moderator", 302),
        ("observatory_analyst", 302),
        ("staff", 302),
    ],
)
def test_who_may_confirm(client, setting, who, expected):
    space = setting["space"]
    if who == "member":
        client.force_login(MembershipFactory(organization=setting["operator"]).user)
    elif who == "other_member":
        client.force_login(MembershipFactory(organization=setting["other"]).user)
    elif who == "plain_user":
        client.force_login(UserFactory())
    elif who == "staff":
        client.force_login(UserFactory(is_staff=True))
    elif who in ("moderator", "observatory_analyst"):
        client.force_login(UserFactory(**{who: True}))
    before = timezone.now()
    response = client.post(url(space), {"units_available": "4"})
    assert response.status_code == expected
    space.refresh_from_db()
    if who == "anonymous":
        assert "/comptes/" in response["Location"] or "login" in response["Location"]
    if expected == 302 and who != "anonymous":
        assert space.units_available == 4
        assert space.availability_confirmed_at >= before
        assert space.availability_state() == "available"
        assert response["Location"] == space.get_absolute_url()
    else:
        assert space.units_available == 3  # unchanged


def test_get_shows_the_form_and_a_member_sees_the_link(client, setting):
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    response = client.get(url(setting["space"]))
    assert response.status_code == 200
    assert 'name="units_available"' in response.content.decode()
    detail = client.get(setting["space"].get_absolute_url()).content.decode()
    assert url(setting["space"]) in detail


@pytest.mark.parametrize("value, message", [("-1", "0"), ("11", "10"), ("abc", "nombre")])
def test_bad_input_changes_nothing(client, setting, value, message):
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    response = client.post(url(setting["space"]), {"units_available": value})
    assert response.status_code == 400
    assert message in response.content.decode()
    setting["space"].refresh_from_db()
    assert setting["space"].units_available == 3


def test_empty_count_means_not_published_and_next_must_be_local(client, setting):
    client.force_login(MembershipFactory(organization=setting["operator"]).user)
    response = client.post(url(setting["space"]), {"units_available": "", "next": "https://evil.example/"})
    assert response["Location"] == setting["space"].get_absolute_url()
    setting["space"].refresh_from_db()
    assert setting["space"].units_available is None
    assert setting["space"].availability_state() == "unknown"
    response = client.post(url(setting["space"]), {"units_available": "1", "next": "/mon-espace/"})
    assert response["Location"] == "/mon-espace/"


def test_unknown_space_is_404(client):
    client.force_login(UserFactory(moderator=True))
    assert client.post(reverse("spaces:confirm_availability", kwargs={"slug": "nothing"})).status_code == 404


def test_partner_space_page_lists_the_spaces_with_their_state(client, setting):
    member = MembershipFactory(organization=setting["operator"]).user
    client.force_login(member)
    html = client.get(reverse("accounts:organization", kwargs={"slug": setting["operator"].slug})).content.decode()
    assert "Vos espaces" in html
    assert "Disponibilité non confirmée depuis" in html
    assert url(setting["space"]) in html


def test_reminders(settings, setting):
    settings.SPACES_AVAILABILITY_MAX_AGE_DAYS = 30
    settings.SPACES_REMINDER_INTERVAL_DAYS = 14
    first = MembershipFactory(organization=setting["operator"]).user
    second = MembershipFactory(organization=setting["operator"]).user
    MembershipFactory(organization=setting["operator"], user=UserFactory(is_active=False))
    MembershipFactory(organization=setting["other"])  # runs nothing
    SpaceFactory(name="Fraîche", operators=[setting["operator"]], available=True)
    SpaceFactory(name="À créer", operators=[setting["operator"]], plan_status=PlanStatus.TO_CREATE)
    SpaceFactory(name="Sans gestionnaire", operators=[], stale=True)

    out = io.StringIO()
    call_command("remind_space_operators", "--dry-run", stdout=out)
    assert "2 reminder(s) (dry run)" in out.getvalue()
    assert OutgoingEmail.objects.count() == 0
    assert Space.objects.get(pk=setting["space"].pk).availability_reminded_at is None

    call_command("remind_space_operators", stdout=io.StringIO())
    assert sorted(e.recipients[0] for e in OutgoingEmail.objects.all()) == sorted([first.email, second.email])
    body = OutgoingEmail.objects.first().body
    assert "Pépinière" in body and "Fraîche" not in body and "À créer" not in body
    assert url(setting["space"]) in body
    assert Space.objects.get(pk=setting["space"].pk).availability_reminded_at is not None

    # Not again within the interval; again after it.
    call_command("remind_space_operators", stdout=io.StringIO())
    assert OutgoingEmail.objects.count() == 2
    later = (timezone.now() + datetime.timedelta(days=15)).date().isoformat()
    call_command("remind_space_operators", "--today", later, stdout=io.StringIO())
    assert OutgoingEmail.objects.count() == 4
    # Queued in the outbox and sent once the transaction commits (core.mail).
    assert {m.to[0] for m in mail.outbox} <= {first.email, second.email}


def test_reminder_command_refuses_a_bad_date():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("remind_space_operators", "--today", "yesterday")
