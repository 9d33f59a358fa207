"""Providers' members edit their services from the partner space: preview, held
or published change, invalid input, and who may do it (IDOR included)."""

import pytest
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.core.testing.hostile import assert_form_resists_hostile_input
from helice.directory.models import Organization
from helice.directory.tests.factories import OrganizationFactory
from helice.guichet import services
from helice.guichet.models import Service
from helice.guichet.tests.factories import ServiceFactory
from helice.moderation.models import Revision

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    services.taxonomy_load()
    provider = OrganizationFactory(name="Incubateur Belledonne", slug="incubateur-belledonne")
    other = OrganizationFactory(name="Autre structure", slug="autre-structure")
    service = ServiceFactory(name="Programme d'incubation", providers=[provider], summary_fr="Douze mois.")
    other_service = ServiceFactory(name="Service d'un autre", providers=[other])
    return {"provider": provider, "other": other, "service": service, "other_service": other_service}


def edit_url(organization, service):
    return reverse(
        "guichet_partner:edit", kwargs={"organization_slug": organization.slug, "service_slug": service.slug}
    )


def data(service, **changes):
    values = {
        "name": service.name,
        "name_en": service.name_en,
        "kind": service.kind,
        "summary_fr": service.summary_fr,
        "summary_en": service.summary_en,
        "description_fr": service.description_fr,
        "description_en": service.description_en,
        "calendar": service.calendar,
        "action": "save",
    }
    values.update(changes)
    return values


def test_member_sees_its_services_in_its_space_and_proposes_a_change(client, setting):
    member = MembershipFactory(organization=setting["provider"]).user
    client.force_login(member)
    space = client.get(reverse("accounts:organization", args=[setting["provider"].slug])).content.decode()
    assert edit_url(setting["provider"], setting["service"]) in space
    response = client.post(
        edit_url(setting["provider"], setting["service"]), data(setting["service"], summary_fr="Dix-huit mois.")
    )
    assert response.status_code == 302
    setting["service"].refresh_from_db()
    assert setting["service"].summary_fr == "Douze mois."  # held for review
    revision = Revision.objects.get()
    assert revision.organization == setting["provider"] and revision.data["summary_fr"] == "Dix-huit mois."
    space = client.get(reverse("accounts:organization", args=[setting["provider"].slug])).content.decode()
    assert "Modifications en attente de relecture" in space


def test_trusted_provider_publishes_at_once_and_preview_saves_nothing(client, setting):
    Organization.objects.filter(pk=setting["provider"].pk).update(is_trusted=True)
    client.force_login(MembershipFactory(organization=setting["provider"]).user)
    url = edit_url(setting["provider"], setting["service"])
    preview = client.post(url, data(setting["service"], summary_fr="Aperçu seulement.", action="preview"))
    assert preview.status_code == 200 and "Aperçu seulement." in preview.content.decode()
    assert not Revision.objects.exists()
    client.post(url, data(setting["service"], summary_fr="Publié tout de suite.", needs=["coaching-creation"]))
    service = Service.objects.get(pk=setting["service"].pk)
    assert service.summary_fr == "Publié tout de suite."
    assert [n.code for n in service.needs.all()] == ["coaching-creation"]


def test_a_permanent_service_cannot_get_call_dates(client, setting):
    client.force_login(MembershipFactory(organization=setting["provider"]).user)
    response = client.post(
        edit_url(setting["provider"], setting["service"]),
        data(setting["service"], calendar="permanent", closes_on="2027-01-31"),
    )
    assert response.status_code == 400
    assert not Revision.objects.exists()


@pytest.mark.parametrize(
    ("role", "own", "expected"),
    [
        ("anonymous", True, 302),
        ("outsider", True, 404),
        ("member", True, 200),
        ("member", False, 404),  # another organisation's service
        ("member_of_other", True, 404),
        ("moderator", True, 200),
    ],
)
def test_who_may_open_the_edit_page(client, setting, role, own, expected):
    users = {
        "outsider": lambda: UserFactory(),
        "member": lambda: MembershipFactory(organization=setting["provider"]).user,
        "member_of_other": lambda: MembershipFactory(organization=setting["other"]).user,
        "moderator": lambda: UserFactory(moderator=True),
    }
    if role in users:
        client.force_login(users[role]())
    service = setting["service"] if own else setting["other_service"]
    assert client.get(edit_url(setting["provider"], service)).status_code == expected


def test_idor_another_organisation_s_service_through_my_url(client, setting):
    client.force_login(MembershipFactory(organization=setting["provider"]).user)
    url = edit_url(setting["provider"], setting["other_service"])
    assert client.post(url, data(setting["other_service"], name="Pris")).status_code == 404
    assert not Revision.objects.exists()


def test_free_text_fields_resist_hostile_input(client, setting):
    Organization.objects.filter(pk=setting["provider"].pk).update(is_trusted=True)
    client.force_login(MembershipFactory(organization=setting["provider"]).user)
    for field in ("summary_fr", "description_fr", "how_to_apply_fr"):
        assert_form_resists_hostile_input(
            client,
            edit_url(setting["provider"], setting["service"]),
            field,
            data=lambda name: data(Service.objects.get(pk=setting["service"].pk)),
            show_url=setting["service"].get_absolute_url(),
        )
