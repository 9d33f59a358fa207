"""An event held in one of the territory's spaces (``Event.space``): the model's
rules, its place read from the space (page, map, JSON-LD, iCalendar, API, CSV),
the ``space`` filter of the list, feed and API (400 for an unknown space), the
section of upcoming events on the space's page (one query) and the space
choice of the partners' event form."""

import csv
import html
import io
import json

import pytest
import vobject
from django.core.exceptions import ValidationError
from django.db.models import ProtectedError
from django.test import Client
from django.urls import reverse

from helice.accounts.tests.membership_factories import MembershipFactory
from helice.agenda import selectors
from helice.agenda.models import Event, Scope
from helice.core import sections
from helice.directory.models import LocationPrecision
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory
from helice.moderation.models import Revision
from helice.spaces.tests.factories import SpaceFactory

from .factories import EventFactory, in_days
from .test_partner_events import data as partner_data

pytestmark = pytest.mark.django_db
LIST = reverse("agenda:list")
FEED = reverse("agenda:feed")
API = "/api/v1/events"


@pytest.fixture(autouse=True)
def _fresh_vobject_zones():
    zones = vars(vobject.icalendar)["__tzidMap"]
    zones.clear()
    yield
    zones.clear()


@pytest.fixture
def space():
    return SpaceFactory(
        name="Bâtiment Totem",
        slug="batiment-totem",
        address="1 rue de l’Innovation",
        postal_code="38000",
        commune=CommuneFactory(name="Grenoble", insee_code="38185"),
        latitude=45.1901,
        longitude=5.7102,
        location_precision=LocationPrecision.ADDRESS,
    )


def text(response) -> str:
    return html.unescape(response.content.decode())


def jsonld_of(response) -> dict:
    body = response.content.decode()
    start = body.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    return json.loads(body[start : body.index("</script>", start)])


def ics_event(client, event):
    response = client.get(reverse("agenda:ics", kwargs={"slug": event.slug}))
    assert response.status_code == 200
    return vobject.readOne(response.content.decode()).vevent


# --- The model's rules -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"scope": Scope.FRANCE}, "space"),
        ({"scope": Scope.ABROAD, "country": "JP", "city": "Tokyo"}, "space"),
        ({"scope": ""}, "space"),
        ({"attendance": "online"}, "attendance"),
    ],
)
def test_a_space_is_only_for_events_on_site_in_the_territory(space, changes, field):
    event = EventFactory.build(space=space, **changes)
    with pytest.raises(ValidationError) as error:
        event.clean()
    assert field in error.value.message_dict


def test_a_local_event_in_a_space_is_valid(space):
    EventFactory.build(space=space, scope=Scope.LOCAL, attendance="mixed").clean()


def test_a_space_with_events_cannot_be_deleted(space):
    EventFactory(space=space)
    with pytest.raises(ProtectedError):
        space.delete()


# --- The place comes from the space, never copied ---------------------------------------------


def test_the_place_is_the_spaces_when_the_event_gives_none(space):
    event = EventFactory(space=space)
    place = event.place
    assert (place.name, place.address, place.postal_code, place.locality) == (
        "Bâtiment Totem",
        "1 rue de l’Innovation",
        "38000",
        "Grenoble",
    )
    assert (place.latitude, place.longitude, place.from_space) == (45.1901, 5.7102, True)
    assert event.place_label == "Bâtiment Totem, Grenoble"
    # Nothing is copied: the event's own fields stay empty and follow the space.
    stored = Event.objects.get(pk=event.pk)
    assert (stored.address, stored.commune_id, stored.latitude) == ("", None, None)
    space.address = "2 avenue des Martyrs"
    space.save()
    assert Event.objects.get(pk=event.pk).place.address == "2 avenue des Martyrs"


def test_an_address_of_its_own_wins_but_the_space_stays_linked(space):
    event = EventFactory(space=space, venue_name="Amphi 2", address="3 place Sainte-Claire")
    place = event.place
    assert (place.name, place.address, place.latitude, place.from_space) == (
        "Amphi 2",
        "3 place Sainte-Claire",
        None,
        False,
    )
    assert place.url == space.get_absolute_url()


def test_a_draft_space_is_not_shown(space):
    space.status = "draft"
    space.save()
    event = EventFactory(space=space, venue_name="")
    assert event.place.space is None and event.place_label == ""


def test_the_event_page_shows_and_links_the_space(client, space):
    event = EventFactory(space=space)
    page = text(client.get(event.get_absolute_url()))
    assert f'<a href="{space.get_absolute_url()}">Bâtiment Totem</a>' in page
    assert "1 rue de l’Innovation" in page and "38000 Grenoble" in page
    assert f"{LIST}?space=batiment-totem" in page


def test_the_map_places_the_event_at_the_space(client, space):
    event = EventFactory(space=space)
    points = client.get(reverse("agenda:map")).context["map_points"]
    assert [(p["url"], p["lat"], p["lon"], p["approximate"]) for p in points] == [
        (event.get_absolute_url(), 45.1901, 5.7102, False)
    ]


def test_json_ld_location_is_the_space_as_a_place(client, space):
    event = EventFactory(space=space)
    location = jsonld_of(client.get(event.get_absolute_url()))["location"]
    assert location == {
        "@type": "Place",
        "name": "Bâtiment Totem",
        "url": "http://testserver" + space.get_absolute_url(),
        "address": {
            "@type": "PostalAddress",
            "addressCountry": "FR",
            "streetAddress": "1 rue de l’Innovation",
            "postalCode": "38000",
            "addressLocality": "Grenoble",
        },
        "geo": {"@type": "GeoCoordinates", "latitude": 45.1901, "longitude": 5.7102},
    }


def test_json_ld_and_icalendar_leave_out_a_commune_centre(client, space):
    space.location_precision = LocationPrecision.COMMUNE
    space.save()
    event = EventFactory(space=space)
    assert "geo" not in jsonld_of(client.get(event.get_absolute_url()))["location"]
    assert not hasattr(ics_event(client, event), "geo")


def test_icalendar_location_and_geo_are_the_spaces_read_back_with_vobject(client, space):
    event = EventFactory(space=space)
    vevent = ics_event(client, event)
    assert vevent.location.value == "Bâtiment Totem, 1 rue de l’Innovation, 38000 Grenoble"
    assert vevent.geo.value == "45.1901;5.7102"


def test_the_feed_follows_a_change_of_the_space(client, space):
    EventFactory(space=space)
    first = vobject.readOne(client.get(FEED).content.decode())
    assert "1 rue de l’Innovation" in first.vevent.location.value
    space.address = "2 avenue des Martyrs"
    space.save()
    second = vobject.readOne(client.get(FEED).content.decode())
    assert "2 avenue des Martyrs" in second.vevent.location.value


def test_api_and_csv_give_the_spaces_place(client, space):
    event = EventFactory(space=space)
    item = client.get(API).json()["items"][0]
    assert item["place"]["space"] == "batiment-totem"
    assert (item["place"]["address"], item["place"]["commune"], item["place"]["latitude"]) == (
        "1 rue de l’Innovation",
        "38185",
        45.1901,
    )
    assert client.get(f"{API}/{event.slug}").json()["place"]["venue"] == "Bâtiment Totem"
    response = client.get(reverse("agenda:export"))
    (row,) = csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode()))
    assert (row["space"], row["address"], row["commune_insee"]) == ("batiment-totem", "1 rue de l’Innovation", "38185")


# --- The space filter -------------------------------------------------------------------------


def test_the_list_feed_and_api_filter_by_space(client, space):
    here = EventFactory(title_fr="Au Totem", space=space)
    EventFactory(title_fr="Ailleurs")
    response = client.get(LIST, {"space": "batiment-totem"})
    assert [e.title for e in response.context["page"].object_list] == [here.title]
    page = text(response)
    assert 'name="space" value="batiment-totem" checked' in page and "Seulement à Bâtiment Totem" in page
    assert f"{FEED}?space=batiment-totem" in page  # the feed keeps the filter
    feed = vobject.readOne(client.get(FEED, {"space": "batiment-totem"}).content.decode())
    assert [v.summary.value for v in feed.vevent_list] == ["Au Totem"]
    assert [i["slug"] for i in client.get(API, {"space": "batiment-totem"}).json()["items"]] == [here.slug]


@pytest.mark.parametrize("slug", ["nowhere", "brouillon", "pas un slug", "x" * 300, "<script>alert(1)</script>"])
def test_an_unknown_space_is_a_400_with_a_message(client, space, slug):
    SpaceFactory(name="Brouillon", slug="brouillon", draft=True)
    for url in (LIST, reverse("agenda:month"), reverse("agenda:map"), FEED, reverse("agenda:export")):
        response = client.get(url, {"space": slug})
        assert response.status_code == 400, url
        assert "espace" in text(response), url
        assert "<script>alert" not in response.content.decode()
    response = client.get(API, {"space": slug})
    assert response.status_code == 400
    if slug in ("nowhere", "brouillon"):
        assert f"« {slug} » n’est l’adresse d’aucun espace publié." in response.json()["detail"]


# --- The section on the space's page ------------------------------------------------------------


def test_the_spaces_page_lists_its_upcoming_events(client, space):
    soon = EventFactory(title_fr="Demo day", space=space, slots=[(in_days(3, 9), in_days(3, 12))])
    later = EventFactory(
        title_fr="Meetup IA", space=space, slots=[(in_days(8, 18), in_days(8, 20)), (in_days(15, 18), in_days(15, 20))]
    )
    EventFactory(title_fr="Passé", space=space, slots=[(in_days(-3, 9), in_days(-3, 12))])
    EventFactory(title_fr="Brouillon", space=space, draft=True)
    EventFactory(title_fr="Ailleurs")
    response = client.get(space.get_absolute_url())
    page = text(response)
    assert "Événements à venir ici" in page
    assert page.index(soon.title) < page.index(later.title)
    assert "et 1 autre date" in page
    assert "Passé" not in page and "Brouillon" not in page and "Ailleurs" not in page
    assert f"{LIST}?space=batiment-totem" in page


def test_a_space_without_events_has_no_section(client, space):
    assert "Événements à venir ici" not in text(client.get(space.get_absolute_url()))


def test_the_section_is_one_query_and_the_page_does_not_grow(client, space, django_assert_num_queries):
    EventFactory(space=space)
    client.get(space.get_absolute_url())  # warm up (sessions, content types)
    with django_assert_num_queries(1):
        (section,) = sections.for_object(space)
    assert len(section.items["events"]) == 1 and not section.items["more"]
    # The space, its photos, operators and sectors, and its events (one query).
    with django_assert_num_queries(5) as one:
        client.get(space.get_absolute_url())
    for n in range(14):
        EventFactory(space=space, slots=[(in_days(2 + n, 9), in_days(2 + n, 10))])
    with django_assert_num_queries(len(one.captured_queries)):
        response = client.get(space.get_absolute_url())
    section = next(s for s in response.context["related_sections"] if s.template == "agenda/_space_events.html")
    assert len(section.items["events"]) == selectors.SPACE_EVENTS_SHOWN and section.items["more"]
    assert "Voir tous les événements à venir ici" in text(response)


# --- The partners' event form --------------------------------------------------------------------


def partner_client(organization):
    client = Client()
    client.force_login(MembershipFactory(organization=organization).user)
    return client


def test_a_partner_chooses_a_published_space(space):
    org = OrganizationFactory(is_trusted=True)
    SpaceFactory(name="Espace brouillon", slug="espace-brouillon", draft=True)
    client = partner_client(org)
    propose = reverse("agenda_partner:propose", kwargs={"organization_slug": org.slug})
    form = text(client.get(propose))
    assert '<option value="batiment-totem">Bâtiment Totem</option>' in form
    assert "espace-brouillon" not in form
    response = client.post(propose, partner_data(space="batiment-totem", venue_name=""))
    assert response.status_code == 302
    event = Event.objects.get()
    assert event.space == space and event.place.address == "1 rue de l’Innovation"
    assert Revision.objects.get().data["space"] == "batiment-totem"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"space": "espace-brouillon"}, None),
        ({"space": "nowhere"}, None),
        ({"space": "batiment-totem", "scope": "france"}, "Sur le territoire"),
    ],
)
def test_a_partner_cannot_choose_a_draft_space_or_one_for_an_event_elsewhere(space, changes, message):
    org = OrganizationFactory(is_trusted=True)
    SpaceFactory(name="Espace brouillon", slug="espace-brouillon", draft=True)
    propose = reverse("agenda_partner:propose", kwargs={"organization_slug": org.slug})
    response = partner_client(org).post(propose, partner_data(**changes))
    assert response.status_code == 400
    if message:
        assert message in text(response)
    assert not Event.objects.exists() and not Revision.objects.exists()
