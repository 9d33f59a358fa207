"""Partners register, pause, resume and delete their calendar feeds from their
space and see the last import's result: addresses checked (SSRF), a few feeds
per organisation, permissions per feed, bad input 400 with nothing saved."""

import html
import socket

import pytest
from django.test import Client
from django.urls import reverse

from helice.accounts.tests.factories import UserFactory
from helice.accounts.tests.membership_factories import MembershipFactory
from helice.agenda import services_partner
from helice.agenda.models import CalendarFeed, Event, EventKind
from helice.agenda.tests.factories import CalendarFeedFactory
from helice.directory.tests.factories import OrganizationFactory

from .feeds import FakeFetch, ics, vevent

pytestmark = pytest.mark.django_db

ADDRESSES = {"agenda.quokka.example": "93.184.216.34", "intranet.quokka.example": "192.168.1.20"}


@pytest.fixture(autouse=True)
def dns(monkeypatch):
    """No network: host names resolve from this table only."""

    def resolve(host, port, *args, **kwargs):
        address = ADDRESSES.get(host, host if host[:1].isdigit() else None)  # an IP literal is itself
        if address is None:
            raise socket.gaierror("unknown")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def org():
    return OrganizationFactory(name="Association Quokka", slug="association-quokka")


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def feeds_url(organization):
    return reverse("agenda_partner:feeds", kwargs={"organization_slug": organization.slug})


def feed_url(feed):
    return reverse("agenda_partner:feed", kwargs={"organization_slug": feed.organization.slug, "pk": feed.pk})


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_a_member_registers_a_feed(org):
    client = client_for(MembershipFactory(organization=org).user)
    response = client.post(
        feeds_url(org), {"url": "https://agenda.quokka.example/events.ics", "default_kind": EventKind.MEETUP}
    )
    assert response.status_code == 302
    feed = CalendarFeed.objects.get()
    assert (feed.organization, feed.url, feed.default_kind, feed.active) == (
        org,
        "https://agenda.quokka.example/events.ics",
        EventKind.MEETUP,
        True,
    )
    page = text(client.get(feeds_url(org)))
    assert "https://agenda.quokka.example/events.ics" in page and "Jamais lu" in page


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("ftp://agenda.quokka.example/events.ics", None),
        ("https://intranet.quokka.example/events.ics", "adresse publique"),
        ("http://127.0.0.1/events.ics", "adresse publique"),
        ("http://169.254.169.254/latest/meta-data/", "adresse publique"),
        ("https://user:pw@agenda.quokka.example/events.ics", "mot de passe"),
        ("https://nowhere.quokka.example/events.ics", "introuvable"),
        ("not an address", None),
        ("", None),
    ],
)
def test_addresses_that_could_reach_inside_are_refused_and_nothing_is_saved(org, url, message):
    client = client_for(MembershipFactory(organization=org).user)
    response = client.post(feeds_url(org), {"url": url, "default_kind": EventKind.MEETUP})
    assert response.status_code == 400
    if message:
        assert message in text(response)
    assert not CalendarFeed.objects.exists()


def test_a_feed_given_twice_or_one_too_many_is_refused(org):
    client = client_for(MembershipFactory(organization=org).user)
    url = "https://agenda.quokka.example/events.ics"
    assert client.post(feeds_url(org), {"url": url, "default_kind": EventKind.FORUM}).status_code == 302
    response = client.post(feeds_url(org), {"url": url, "default_kind": EventKind.FORUM})
    assert response.status_code == 400 and "déjà enregistré" in text(response)
    for n in range(2, services_partner.MAX_FEEDS_PER_ORGANIZATION + 1):
        client.post(feeds_url(org), {"url": f"{url}?n={n}", "default_kind": EventKind.FORUM})
    response = client.post(feeds_url(org), {"url": f"{url}?n=99", "default_kind": EventKind.FORUM})
    assert response.status_code == 400 and "au plus" in text(response)
    assert CalendarFeed.objects.count() == services_partner.MAX_FEEDS_PER_ORGANIZATION


def test_an_unknown_kind_is_refused(org):
    client = client_for(MembershipFactory(organization=org).user)
    response = client.post(feeds_url(org), {"url": "https://agenda.quokka.example/e.ics", "default_kind": "rave"})
    assert response.status_code == 400 and not CalendarFeed.objects.exists()


def test_pause_resume_and_delete_keep_the_imported_events(org):
    feed = CalendarFeedFactory(organization=org)
    services_partner.feed_import(feed=feed, fetch=FakeFetch(ics(vevent("a@q"))))
    client = client_for(MembershipFactory(organization=org).user)
    assert client.post(feed_url(feed), {"action": "pause"}).status_code == 302
    feed.refresh_from_db()
    assert not feed.active
    assert client.post(feed_url(feed), {"action": "resume"}).status_code == 302
    feed.refresh_from_db()
    assert feed.active
    assert client.post(feed_url(feed), {"action": "explode"}).status_code == 400
    assert client.get(feed_url(feed)).status_code == 405
    assert client.post(feed_url(feed), {"action": "delete"}).status_code == 302
    assert not CalendarFeed.objects.exists()
    event = Event.objects.get()
    assert event.source_feed is None and event.source_uid == "a@q"


@pytest.mark.parametrize(("who", "expected"), [("outsider", 404), ("member", 302), ("moderator", 302)])
def test_who_may_manage_a_feed(org, who, expected):
    feed = CalendarFeedFactory(organization=org)
    user = {
        "outsider": lambda: MembershipFactory(organization=OrganizationFactory()).user,
        "member": lambda: MembershipFactory(organization=org).user,
        "moderator": lambda: UserFactory(moderator=True),
    }[who]()
    response = client_for(user).post(feed_url(feed), {"action": "pause"})
    assert response.status_code == expected
    feed.refresh_from_db()
    assert feed.active is (expected == 404)


def test_a_feed_of_another_organisation_cannot_be_reached_through_ones_own(org):
    member = MembershipFactory(organization=org).user
    foreign = CalendarFeedFactory()
    url = reverse("agenda_partner:feed", kwargs={"organization_slug": org.slug, "pk": foreign.pk})
    assert client_for(member).post(url, {"action": "delete"}).status_code == 404
    assert CalendarFeed.objects.filter(pk=foreign.pk).exists()


def test_the_partner_sees_the_last_result_and_the_events_left_out(org):
    feed = CalendarFeedFactory(organization=org)
    services_partner.feed_import(feed=feed, fetch=FakeFetch(ics(vevent("a@q"), vevent(None, "Sans identifiant"))))
    page = text(client_for(MembershipFactory(organization=org).user).get(feeds_url(org)))
    assert "1 ajoutés" in page and "Sans identifiant" in page and "UID" in page
    services_partner.feed_import(feed=feed, fetch=FakeFetch(b"<html>Maintenance</html>"))
    page = text(client_for(MembershipFactory(organization=org).user).get(feeds_url(org)))
    assert "Échec" in page
    assert "pas renvoyé un agenda" in page
