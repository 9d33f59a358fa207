"""Kinds of service can be retired (``GUICHET_RETIRED_SERVICE_KINDS``) without
breaking anything: no longer offered to partners nor in the list's facet, but the
services that have one keep it, and old links and the API still filter on it."""

import re

import pytest
from django.urls import reverse

from helice.accounts.tests.membership_factories import MembershipFactory
from helice.directory.tests.factories import OrganizationFactory
from helice.guichet import checks, selectors, services
from helice.guichet.forms import ServiceEditForm
from helice.guichet.models import Service, offered_kinds
from helice.guichet.tests.factories import ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def crowdfunding_retired(settings):
    settings.GUICHET_RETIRED_SERVICE_KINDS = ["crowdfunding"]


@pytest.fixture
def provider():
    services.taxonomy_load()
    return OrganizationFactory(slug="incubateur-belledonne")


def offered(form) -> set[str]:
    return {value for _group, options in form.fields["kind"].choices[1:] for value, _label in options}


def facet_kinds(html: str) -> set[str]:
    return set(re.findall(r'id="f-kind-([a-z_]+)"', html))


def test_a_retired_kind_is_no_longer_offered_to_partners(client, provider):
    assert "crowdfunding" not in dict(offered_kinds())
    assert "crowdfunding" not in offered(ServiceEditForm())
    assert "grant" in offered(ServiceEditForm())
    client.force_login(MembershipFactory(organization=provider).user)
    url = reverse("guichet_partner:propose", kwargs={"organization_slug": provider.slug})
    page = client.get(url).content.decode()
    assert 'value="grant"' in page and 'value="crowdfunding"' not in page
    response = client.post(url, {"name": "Financement participatif", "kind": "crowdfunding", "calendar": "permanent"})
    assert response.status_code == 400
    assert not Service.objects.exists()


def test_a_service_that_has_a_retired_kind_keeps_it_when_edited(client, provider):
    service = ServiceFactory(name="Plateforme de dons", kind="crowdfunding", providers=[provider])
    other = ServiceFactory(name="Autre", kind="grant", providers=[provider])
    assert "crowdfunding" in offered(ServiceEditForm(service=service, base={}))
    assert "crowdfunding" not in offered(ServiceEditForm(service=other, base={}))
    client.force_login(MembershipFactory(organization=provider).user)
    url = reverse("guichet_partner:edit", kwargs={"organization_slug": provider.slug, "service_slug": service.slug})
    assert 'value="crowdfunding" selected' in client.get(url).content.decode()
    response = client.post(
        url,
        {
            "name": service.name,
            "kind": "crowdfunding",
            "calendar": "permanent",
            "summary_fr": "Dons.",
            "action": "save",
        },
    )
    assert response.status_code == 302  # a change to something else is accepted with the old kind
    other_url = reverse("guichet_partner:edit", kwargs={"organization_slug": provider.slug, "service_slug": other.slug})
    refused = client.post(other_url, {"name": other.name, "kind": "crowdfunding", "calendar": "permanent"})
    assert refused.status_code == 400


def test_the_facet_shows_a_retired_kind_only_while_used_or_selected(client, provider):
    ServiceFactory(name="Aide Belledonne", kind="grant")
    url = reverse("guichet:services")
    kinds = facet_kinds(client.get(url).content.decode())
    assert "grant" in kinds and "loan" in kinds and "crowdfunding" not in kinds
    # An old link selecting it still answers, with the right (here: no) results.
    response = client.get(url, {"kind": "crowdfunding"})
    assert response.status_code == 200
    assert "crowdfunding" in facet_kinds(response.content.decode())
    assert "Aide Belledonne" not in response.content.decode()
    # A draft does not keep it in the facet; a published service does.
    ServiceFactory(name="Dons en brouillon", kind="crowdfunding", draft=True)
    assert "crowdfunding" not in facet_kinds(client.get(url).content.decode())
    ServiceFactory(name="Plateforme de dons", kind="crowdfunding")
    assert "crowdfunding" in facet_kinds(client.get(url).content.decode())
    html = client.get(url, {"kind": "crowdfunding"}).content.decode()
    assert "Plateforme de dons" in html and "Aide Belledonne" not in html and "Dons en brouillon" not in html


def test_old_links_and_the_api_still_filter_on_a_retired_kind(client):
    ServiceFactory(name="Plateforme de dons", kind="crowdfunding")
    ServiceFactory(name="Aide Belledonne", kind="grant")
    data = client.get("/api/v1/services", {"kind": "crowdfunding"}).json()
    assert [item["name"] for item in data["items"]] == ["Plateforme de dons"]
    assert data["items"][0]["kind_label"] == "Financement participatif"
    export = client.get(reverse("guichet:export"), {"kind": "crowdfunding"})
    assert export.status_code == 200
    assert b"Plateforme de dons" in b"".join(export.streaming_content)
    page = client.get(Service.objects.get(kind="crowdfunding").get_absolute_url())
    assert page.status_code == 200


def test_no_retired_kind_by_default_and_no_extra_query(settings, client, django_assert_num_queries):
    settings.GUICHET_RETIRED_SERVICE_KINDS = []
    assert dict(offered_kinds()).keys() >= {"crowdfunding", "grant"}
    ServiceFactory(name="Aide Belledonne", kind="grant")
    assert "crowdfunding" in facet_kinds(client.get(reverse("guichet:services")).content.decode())
    options = [selectors.FacetOption("crowdfunding", "Financement participatif", 0, False)]
    with django_assert_num_queries(0):
        assert selectors._without_retired_kinds(options) == options


def test_an_unknown_code_is_reported_by_the_checks(settings):
    assert checks.retired_service_kinds_exist() == []
    settings.GUICHET_RETIRED_SERVICE_KINDS = ["crowdfunding", "teleportation"]
    [warning] = checks.retired_service_kinds_exist()
    assert warning.id == "guichet.W001" and "teleportation" in warning.msg
