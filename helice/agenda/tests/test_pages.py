"""The agenda's pages through HTTP: the list and its filters, pagination and
bad input, CSV, the month view, the map, the international agenda, the detail
page (JSON-LD, Open Graph), the organisation pages' section and the global
search."""

import csv
import datetime
import io
import json
import zoneinfo

import pytest
from django.test import override_settings
from django.urls import reverse

from helice.agenda.models import Event, EventKind, EventStatus
from helice.core.testing.hostile import HOSTILE_INPUTS, assert_inert
from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory

from .factories import EventFactory, EventSeriesFactory, in_days

pytestmark = pytest.mark.django_db
LIST = reverse("agenda:list")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def main(response) -> str:
    html = response.content.decode()
    return html[html.index("<main") : html.index("</main>")]


def titles(response) -> list[str]:
    page = response.context["page"]
    return [e.title for e in page.object_list] if page else []


def test_list_shows_published_upcoming_events_soonest_first(client):
    later = EventFactory(title_fr="Plus tard", slots=[(in_days(20, 9), in_days(20, 10))])
    soon = EventFactory(title_fr="Bientôt", slots=[(in_days(2, 9), in_days(2, 10))])
    running = EventFactory(title_fr="En cours", slots=[(in_days(-2, 9), in_days(3, 18))])
    EventFactory(title_fr="Ancien rendez-vous", slots=[(in_days(-5, 9), in_days(-5, 10))])
    EventFactory(title_fr="Projet non publié", draft=True)
    tbc = EventFactory(title_fr="Salon à dates inconnues", series=EventSeriesFactory(), slots=[])
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == [running.title, soon.title, later.title]
    assert response.context["to_be_confirmed"] == [tbc]
    html = response.content.decode()
    assert "Dates à confirmer" in html and "Projet non publié" not in html and "Ancien rendez-vous" not in html


@pytest.mark.parametrize(
    "query, expected",
    [
        ("kind=hackathon", {"hack"}),
        ("kind=hackathon&kind=trade_fair", {"hack", "fair"}),
        ("audience=students", {"hack"}),
        ("audience=students&audience=researchers", {"hack", "fair"}),
        ("where=abroad", {"fair"}),
        ("where=here", {"hack", "conf"}),
        ("free=on", {"conf"}),
        ("sector=energie", {"fair"}),
        ("organiser=organisateur-a", {"conf"}),
        ("status=cancelled", {"hack"}),
        ("q=hydrogene", {"fair"}),
        ("q=HYDROGÈNE", {"fair"}),
        ("country=jp", {"fair"}),
        ("kind=site_visit", set()),
        ("sector=nothing-here", set()),
    ],
)
def test_each_filter(client, query, expected):
    organiser = OrganizationFactory(name="Organisateur A", slug="organisateur-a")
    energy = SectorFactory(slug="energie", name_fr="Énergie")
    events = {
        "conf": EventFactory(title_fr="Conférence", organisers=[organiser], is_free=True),
        "hack": EventFactory(
            title_fr="Hackathon", kind=EventKind.HACKATHON, for_students=True, event_status=EventStatus.CANCELLED
        ),
        "fair": EventFactory(
            title_fr="Salon de l'hydrogène",
            kind=EventKind.TRADE_FAIR,
            scope="abroad",
            country="JP",
            city="Tokyo",
            for_researchers=True,
            is_free=False,
            sectors=[energy],
            slots=[(in_days(30, 10, TOKYO), in_days(30, 18, TOKYO))],
            slots__time_zone="Asia/Tokyo",
        ),
    }
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == 200
    names = {name for name, event in events.items() if event.title in titles(response)}
    assert names == expected


def test_date_range_uses_the_slots_not_only_the_first_and_last_day(client):
    two_days = EventFactory(
        title_fr="Deux journées", slots=[(in_days(5, 9), in_days(5, 17)), (in_days(15, 9), in_days(15, 17))]
    )
    other = EventFactory(title_fr="Autre", slots=[(in_days(10, 9), in_days(10, 17))])
    day = lambda n: (datetime.date.today() + datetime.timedelta(days=n)).isoformat()  # noqa: E731
    assert titles(client.get(f"{LIST}?du={day(8)}&au={day(12)}")) == [other.title]
    assert titles(client.get(f"{LIST}?du={day(14)}&au={day(16)}")) == [two_days.title]
    assert titles(client.get(f"{LIST}?au={day(6)}")) == [two_days.title]
    # A date range may reach into the past.
    past = EventFactory(title_fr="Passé", slots=[(in_days(-30, 9), in_days(-30, 10))])
    assert titles(client.get(f"{LIST}?du={day(-31)}&au={day(-29)}")) == [past.title]


@pytest.mark.parametrize(
    "query, status, message",
    [
        ("kind=nope", 400, "n’est pas un type"),
        ("audience=robots", 400, "n’est pas un public"),
        ("status=maybe", 400, "statut"),
        ("where=moon", 400, "where"),
        ("du=2027-13-01", 400, "AAAA-MM-JJ"),
        ("du=demain", 400, "AAAA-MM-JJ"),
        ("du=2027-05-02&au=2027-05-01", 400, "avant la date de début"),
        ("du=1850-01-01", 400, "2000"),
        ("sector=%3Cscript%3E", 400, "pas une valeur de filtre valide"),
        ("q=a%00b", 400, "nul"),
        ("q=" + "x" * 201, 400, "200"),
        ("page=abc", 400, "est pas un numéro de page"),
        ("page=0", 400, "commencent à 1"),
        ("page=99", 404, "existe pas"),
    ],
)
def test_bad_input_is_a_clear_4xx(client, query, status, message):
    EventFactory()
    response = client.get(f"{LIST}?{query}")
    assert response.status_code == status
    assert message.lower() in response.content.decode().lower()
    for name in ("agenda:export", "agenda:feed", "agenda:month", "agenda:map", "agenda:international"):
        if "page" not in query:
            answer = client.get(f"{reverse(name)}?{query}")
            assert answer.status_code == 400, name


def test_pagination_keeps_the_filters(client):
    for n in range(23):
        EventFactory(
            title_fr=f"Atelier {n:02d}", kind=EventKind.WORKSHOP, slots=[(in_days(1 + n, 9), in_days(1 + n, 10))]
        )
    EventFactory(title_fr="Autre")
    first = client.get(f"{LIST}?kind=workshop")
    assert first.context["page"].paginator.count == 23 and len(titles(first)) == 20
    assert "?kind=workshop&amp;page=2" in first.content.decode()
    second = client.get(f"{LIST}?kind=workshop&page=2")
    assert titles(second) == ["Atelier 20", "Atelier 21", "Atelier 22"]


@override_settings(AGENDA_LIST_CACHE_SECONDS=0)  # the page computed each time
def test_list_query_count_does_not_grow_with_the_events(client, django_assert_num_queries):
    sector = SectorFactory()
    for _n in range(3):
        EventFactory(
            sectors=[sector], commune=CommuneFactory(), organisers=[OrganizationFactory(), OrganizationFactory()]
        )
    EventFactory(series=EventSeriesFactory(), slots=[])
    client.get(LIST)  # warm up (content types, translations)
    # Count, page and its 3 prefetches (organisers, sectors, slots), events with dates to be
    # confirmed and their 3 prefetches (the filter choices are cached per data version).
    with django_assert_num_queries(9):
        response = client.get(LIST)
    assert response.status_code == 200
    for _n in range(10):
        EventFactory(sectors=[sector], commune=CommuneFactory(), organisers=[OrganizationFactory()])
    client.get(LIST)  # the data changed: the filter choices are read again (2 queries), once
    with django_assert_num_queries(9):
        client.get(LIST)


def test_list_content_is_served_from_the_cache_until_the_data_changes(client, django_assert_num_queries):
    event = EventFactory(title_fr="Forum de l'hydrogène", kind=EventKind.FORUM)
    first = client.get(f"{LIST}?kind=forum")
    with django_assert_num_queries(0):  # anonymous: no session, the content from the cache
        again = client.get(f"{LIST}?kind=forum")
    assert again.status_code == 200
    assert main(again) == main(first)  # the layout around it carries the visitor's CSRF token
    assert "Forum de l&#x27;hydrogène" in again.content.decode()
    event.title_fr = "Forum de la batterie"
    event.save()  # any change to an event changes the data version: shown at once
    changed = client.get(f"{LIST}?kind=forum").content.decode()
    assert "Forum de la batterie" in changed
    assert "hydrogène" not in changed
    EventFactory(title_fr="Nouvel atelier", kind=EventKind.FORUM)
    assert "Nouvel atelier" in client.get(f"{LIST}?kind=forum").content.decode()


def test_list_cache_keeps_queries_pages_and_languages_apart(client):
    EventFactory(title_fr="Salon des capteurs", title_en="Sensors fair", kind=EventKind.TRADE_FAIR)
    EventFactory(title_fr="Rencontre du jeudi", title_en="Thursday meetup", kind=EventKind.MEETUP)
    fair = client.get(f"{LIST}?kind=trade_fair").content.decode()
    meetup = client.get(f"{LIST}?kind=meetup").content.decode()
    assert "Salon des capteurs" in fair and "Rencontre du jeudi" not in fair
    assert "Rencontre du jeudi" in meetup and "Salon des capteurs" not in meetup
    both = client.get(f"{LIST}?kind=meetup&kind=trade_fair").content.decode()
    assert "Salon des capteurs" in both and "Rencontre du jeudi" in both
    assert 'value="meetup" checked' in both and 'value="trade_fair" checked' in both
    english = client.get(f"/en{LIST}?kind=trade_fair").content.decode()
    assert "Sensors fair" in english and "Salon des capteurs" not in english
    assert "Salon des capteurs" in client.get(f"{LIST}?kind=trade_fair").content.decode()
    other_host = client.get(f"{LIST}?kind=trade_fair", HTTP_HOST="localhost").content.decode()
    assert "http://localhost/agenda/agenda.ics?kind=trade_fair" in other_host  # the feed's address


def test_list_does_not_cache_bad_input(client):
    EventFactory(title_fr="Atelier du lundi")
    assert client.get(f"{LIST}?kind=nonsense").status_code == 400
    assert client.get(f"{LIST}?kind=nonsense").status_code == 400
    assert client.get(f"{LIST}?page=99").status_code == 404
    assert client.get(f"{LIST}?page=99").status_code == 404


def test_an_event_that_ends_leaves_the_cached_list_within_its_lifetime(client, monkeypatch, settings):
    import time

    from helice.agenda.models import TimeSlot

    settings.AGENDA_LIST_CACHE_SECONDS = 60
    event = EventFactory(title_fr="Visite de la salle blanche")
    assert "Visite de la salle blanche" in client.get(LIST).content.decode()
    # time passes: the event is over, without any write through the models
    past = in_days(-1, 9)
    TimeSlot.objects.filter(event=event).update(start=past, end=past + datetime.timedelta(hours=1))
    Event.objects.filter(pk=event.pk).update(starts_at=past, ends_at=past + datetime.timedelta(hours=1))
    assert "Visite de la salle blanche" in client.get(LIST).content.decode()  # within the minute
    later = time.time() + 61
    monkeypatch.setattr(time, "time", lambda: later)
    assert "Visite de la salle blanche" not in client.get(LIST).content.decode()


def test_list_links_the_feed_with_the_same_filter(client):
    EventFactory(kind=EventKind.FORUM)
    response = client.get(f"{LIST}?kind=forum&where=here")
    html = response.content.decode()
    feed = reverse("agenda:feed") + "?kind=forum&amp;where=here"
    assert f'href="{feed}"' in html
    assert "webcal://testserver" + reverse("agenda:feed") + "?kind=forum&amp;where=here" in html
    assert reverse("agenda:export") + "?kind=forum&amp;where=here" in html


def test_csv_export_follows_the_filter_and_is_formula_safe(client):
    organiser = OrganizationFactory(slug="orga")
    EventFactory(
        title_fr='=HYPERLINK("https://evil.example")',
        summary_fr="+1",
        venue_name="@SUM(A1)",
        organisers=[organiser],
        kind=EventKind.MEETUP,
        is_free=True,
        latitude=45.19,
        longitude=-5.72,
    )
    EventFactory(kind=EventKind.FORUM)
    response = client.get(reverse("agenda:export") + "?kind=meetup")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert len(rows) == 1
    row = rows[0]
    assert row["title"] == '\'=HYPERLINK("https://evil.example")'
    assert row["venue"] == "'@SUM(A1)"
    assert row["longitude"] == "-5.72"  # a number is not a formula
    assert row["organisers"] == "orga" and row["free"] == "yes" and row["kind"] == "meetup"
    assert row["start"].endswith("+01:00") or row["start"].endswith("+02:00")
    assert row["time_zone"] == "Europe/Paris"


def test_detail_page_with_json_ld_and_open_graph(client):
    commune = CommuneFactory(name="Grenoble", insee_code="38185")
    organiser = OrganizationFactory(name="Minalogic")
    event = EventFactory(
        title_fr="Forum 5i",
        summary_fr="Start-ups et investisseurs.",
        kind=EventKind.FORUM,
        organisers=[organiser],
        commune=commune,
        venue_name="Minatec",
        attendance="mixed",
        online_url="https://stream.example.org/5i",
        registration_url="https://inscription.example.org",
        is_free=True,
        sectors=[SectorFactory(name_fr="Numérique")],
    )
    response = client.get(event.get_absolute_url())
    assert response.status_code == 200
    html = response.content.decode()
    assert '<meta property="og:title" content="Forum 5i">' in html
    assert reverse("agenda:ics", kwargs={"slug": event.slug}) in html
    data = response.context["jsonld"]
    json.loads(json.dumps(data))
    assert data["@context"] == "https://schema.org" and data["@type"] == "BusinessEvent"
    assert data["eventStatus"] == "https://schema.org/EventScheduled"
    assert data["eventAttendanceMode"] == "https://schema.org/MixedEventAttendanceMode"
    place, virtual = data["location"]
    assert place["@type"] == "Place" and place["name"] == "Minatec"
    assert place["address"] == {"@type": "PostalAddress", "addressCountry": "FR", "addressLocality": "Grenoble"}
    assert virtual == {"@type": "VirtualLocation", "url": "https://stream.example.org/5i"}
    assert data["organizer"][0]["name"] == "Minalogic"
    assert data["offers"]["price"] == "0" and data["offers"]["url"] == "https://inscription.example.org"
    slot = event.time_slots.get()
    assert data["startDate"] == slot.local_start.isoformat()
    assert datetime.datetime.fromisoformat(data["endDate"]) == slot.end
    # The JSON-LD block in the page is the same, valid JSON.
    start = html.index('<script type="application/ld+json">') + len('<script type="application/ld+json">')
    assert json.loads(html[start : html.index("</script>", start)])["name"] == "Forum 5i"


def test_json_ld_of_a_cancelled_event_abroad_moved_online_and_to_be_confirmed(client):
    cancelled = EventFactory(abroad=True, event_status=EventStatus.CANCELLED)
    data = client.get(cancelled.get_absolute_url()).context["jsonld"]
    assert data["eventStatus"] == "https://schema.org/EventCancelled"
    assert data["location"]["address"]["addressCountry"] == "US"
    assert data["startDate"].endswith("-05:00") or data["startDate"].endswith("-04:00")
    online = EventFactory(event_status=EventStatus.MOVED_ONLINE, online_url="https://visio.example.org")
    data = client.get(online.get_absolute_url()).context["jsonld"]
    assert data["eventAttendanceMode"] == "https://schema.org/OnlineEventAttendanceMode"
    assert data["location"] == {"@type": "VirtualLocation", "url": "https://visio.example.org"}
    tbc = EventFactory(series=EventSeriesFactory(name_fr="Salon annuel"), slots=[])
    response = client.get(tbc.get_absolute_url())
    assert "startDate" not in response.context["jsonld"]
    assert response.context["jsonld"]["superEvent"] == {"@type": "EventSeries", "name": "Salon annuel"}
    assert "Dates à confirmer" in response.content.decode()
    assert reverse("agenda:ics", kwargs={"slug": tbc.slug}) not in response.content.decode()


def test_drafts_and_unknown_events_are_404(client):
    draft = EventFactory(draft=True)
    assert client.get(draft.get_absolute_url()).status_code == 404
    assert client.get(reverse("agenda:ics", kwargs={"slug": draft.slug})).status_code == 404
    assert client.get(reverse("agenda:detail", kwargs={"slug": "nothing"})).status_code == 404


@pytest.mark.parametrize("name, value", [(n, v) for n, v in HOSTILE_INPUTS if n not in ("null_byte", "very_long")])
def test_hostile_text_is_inert_everywhere(client, name, value):
    event = EventFactory(
        title_fr=value[:200],
        summary_fr=value[:400],
        description_fr=value,
        venue_name=value[:200],
        accessibility_fr=value,
        image_credits=value[:200],
        slug="hostile",
    )
    for url in (LIST, event.get_absolute_url(), reverse("agenda:month"), reverse("agenda:map")):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_inert(response.content)
    assert client.get(f"{LIST}?q={value[:200]}").status_code in (200, 400)


def test_month_view_lists_each_slot_on_its_day_and_navigates(client):
    first = datetime.date(2027, 3, 1)
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    # The night the clocks change: 28 March 2027.
    EventFactory(
        title_fr="Nuit du changement d'heure",
        slots=[
            (datetime.datetime(2027, 3, 28, 1, 0, tzinfo=paris), datetime.datetime(2027, 3, 28, 4, 0, tzinfo=paris))
        ],
    )
    # 31 March 23:00 in New York is already 1 April in Paris: listed on 31 March, New York's date.
    EventFactory(
        title_fr="Soirée à New York",
        abroad=True,
        slots=[(datetime.datetime(2027, 3, 31, 23, 0, tzinfo=zoneinfo.ZoneInfo("America/New_York")), None)],
    )
    EventFactory(
        title_fr="Salon long",
        slots=[
            (datetime.datetime(2027, 2, 25, 9, 0, tzinfo=paris), datetime.datetime(2027, 3, 2, 18, 0, tzinfo=paris))
        ],
    )
    EventFactory(title_fr="En avril", slots=[(datetime.datetime(2027, 4, 1, 9, 0, tzinfo=paris), None)])
    response = client.get(reverse("agenda:month_of", kwargs={"month": "2027-03"}))
    assert response.status_code == 200
    days = {day: [e.event.title for e in entries] for day, entries in response.context["view"].days}
    assert days == {
        first: ["Salon long"],
        datetime.date(2027, 3, 28): ["Nuit du changement d'heure"],
        datetime.date(2027, 3, 31): ["Soirée à New York"],
    }
    html = response.content.decode()
    assert "mars 2027" in html
    assert reverse("agenda:month_of", kwargs={"month": "2027-02"}) in html
    assert reverse("agenda:month_of", kwargs={"month": "2027-04"}) in html
    assert "01:00 – 04:00" in html  # local times, across the change
    only_abroad = client.get(reverse("agenda:month_of", kwargs={"month": "2027-03"}) + "?where=abroad")
    assert [d for d, _ in only_abroad.context["view"].days] == [datetime.date(2027, 3, 31)]
    assert "?where=abroad" in only_abroad.content.decode()
    assert client.get(reverse("agenda:month_of", kwargs={"month": "2027-13"})).status_code == 404
    assert client.get(reverse("agenda:month_of", kwargs={"month": "march"})).status_code == 404
    assert client.get(reverse("agenda:month_of", kwargs={"month": "1850-01"})).status_code == 404
    assert client.get(reverse("agenda:month") + "?kind=nope").status_code == 400
    assert client.get(reverse("agenda:month")).status_code == 200


def test_map_places_local_events_and_lists_them_as_text(client):
    commune = CommuneFactory(name="Échirolles", latitude=45.14, longitude=5.71)
    exact = EventFactory(title_fr="Précis", latitude=45.2, longitude=5.7)
    approximate = EventFactory(title_fr="Commune", commune=commune)
    nowhere = EventFactory(title_fr="Sans lieu")
    EventFactory(title_fr="Loin", abroad=True, latitude=40.7, longitude=-74.0)
    response = client.get(reverse("agenda:map"))
    assert response.status_code == 200
    points = {p["name"]: p for p in response.context["map_points"]}
    assert set(points) == {"Précis", "Commune"}
    assert points["Commune"]["approximate"] and (points["Commune"]["lat"], points["Commune"]["lon"]) == (45.14, 5.71)
    assert not points["Précis"]["approximate"]
    html = response.content.decode()
    for event in (exact, approximate, nowhere):
        assert event.get_absolute_url() in html  # the text alternative lists every event
    assert "Loin" not in html
    assert 'id="map-points"' in html and "<script>" not in html.replace('<script type="application/json"', "")


def test_international_agenda_groups_by_country(client):
    partner = OrganizationFactory(name="Partenaire présent")
    EventFactory(title_fr="CES", scope="abroad", country="US", city="Las Vegas", partners_present=[partner])
    EventFactory(
        title_fr="FuelCell",
        scope="abroad",
        country="JP",
        slots=[(in_days(40, 10, TOKYO), None)],
        slots__time_zone="Asia/Tokyo",
    )
    EventFactory(title_fr="Salon sans pays", scope="abroad", country="", series=EventSeriesFactory(), slots=[])
    EventFactory(title_fr="Ici")
    response = client.get(reverse("agenda:international"))
    assert response.status_code == 200
    groups = [(str(c.name) if c.code else "", [e.title for e in d + p]) for c, d, p in response.context["countries"]]
    assert groups == [("États-Unis d'Amérique", ["CES"]), ("Japon", ["FuelCell"]), ("", ["Salon sans pays"])]
    html = response.content.decode()
    assert "Partenaire présent" in html and "Pays non précisé" in html and "heure locale" in html


def test_organisation_page_and_global_search_show_upcoming_events(client):
    organiser = OrganizationFactory(name="Tenerrdis", slug="tenerrdis")
    present = OrganizationFactory(name="Présent", slug="present")
    EventFactory(title_fr="Journées hydrogène", organisers=[organiser], partners_present=[present])
    EventFactory(title_fr="Vieux", organisers=[organiser], slots=[(in_days(-9, 9), in_days(-9, 10))])
    for org in (organiser, present):
        html = client.get(org.get_absolute_url()).content.decode()
        assert "Journées hydrogène" in html and "Vieux" not in html
    html = client.get(reverse("core:search") + "?q=hydrogene").content.decode()
    assert "Journées hydrogène" in html
    assert reverse("agenda:list") + "?q=hydrogene" in html


def test_english_pages(client):
    event = EventFactory(title_fr="Rencontre", title_en="Meetup in English", summary_en="In English.")
    html = client.get("/en" + event.get_absolute_url()).content.decode()
    assert "Meetup in English" in html and "In English." in html
    assert Event.objects.count() == 1


def test_organiser_filter_is_a_select_of_organisers_with_upcoming_events_and_old_links_work(client):
    active = OrganizationFactory(name="Actif", slug="actif")
    other = OrganizationFactory(name="Autre <b>organisateur</b>", slug="autre")
    past = OrganizationFactory(name="Passé", slug="passe")
    EventFactory(title_fr="Atelier actif", organisers=[active])
    EventFactory(title_fr="Atelier autre", organisers=[other])
    EventFactory(title_fr="Ancien", organisers=[past], slots=[(in_days(-9, 9), in_days(-9, 10))])
    html = client.get(LIST).content.decode()
    assert '<select id="id_organiser" name="organiser">' in html and '<label for="id_organiser">' in html
    assert '<option value="actif">Actif</option>' in html
    assert "Autre &lt;b&gt;organisateur&lt;/b&gt;" in html and "<b>organisateur" not in html
    assert 'value="passe"' not in html  # no upcoming event: not offered
    assert 'type="checkbox" id="organiser-' not in html
    # One organiser: the select shows it.
    response = client.get(f"{LIST}?organiser=actif")
    assert titles(response) == ["Atelier actif"]
    assert '<option value="actif" selected>Actif</option>' in response.content.decode()
    # Repeated values (old links): both kept, the second as a checked box the visitor can untick.
    response = client.get(f"{LIST}?organiser=actif&organiser=autre")
    assert set(titles(response)) == {"Atelier actif", "Atelier autre"}
    html = response.content.decode()
    assert '<option value="actif" selected>' in html
    assert 'id="organiser-autre" name="organiser" value="autre" checked' in html
    # An organiser whose events are over is not offered but the link keeps its filter.
    response = client.get(f"{LIST}?organiser=passe")
    assert response.status_code == 200 and titles(response) == []
    assert 'id="organiser-passe" name="organiser" value="passe" checked' in response.content.decode()


def test_month_view_shows_a_few_events_a_day_then_links_to_that_days_list(client):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    busy = datetime.date(2027, 5, 12)
    for hour in range(14):
        EventFactory(
            title_fr=f"Atelier de {hour + 7:02d} h",
            kind=EventKind.WORKSHOP,
            slots=[(datetime.datetime(2027, 5, 12, hour + 7, 0, tzinfo=paris), None)],
        )
    EventFactory(title_fr="Salon du lendemain", slots=[(datetime.datetime(2027, 5, 13, 9, 0, tzinfo=paris), None)])
    month = reverse("agenda:month_of", kwargs={"month": "2027-05"})
    html = client.get(f"{month}?kind=workshop").content.decode()
    assert "14 événements ce mois-ci" in html
    shown = [f"Atelier de {h + 7:02d} h" for h in range(14) if f"Atelier de {h + 7:02d} h" in html]
    assert shown == [f"Atelier de {h:02d} h" for h in range(7, 19)]  # the first twelve, in time order
    assert "Salon du lendemain" not in html
    link = f"{reverse('agenda:list')}?du={busy.isoformat()}&amp;au={busy.isoformat()}&amp;kind=workshop"
    assert f'href="{link}"' in html
    assert "Et 2 de plus" in html
    day_list = client.get(link.replace("&amp;", "&"))
    assert titles(day_list) == [f"Atelier de {h:02d} h" for h in range(7, 21)]
    # the next day has one event: no link
    whole = client.get(month).content.decode()
    assert f"du={busy.isoformat()}" in whole and "du=2027-05-13" not in whole


def test_month_view_content_is_cached_until_the_data_changes(client, django_assert_num_queries):
    paris = zoneinfo.ZoneInfo("Europe/Paris")
    event = EventFactory(
        title_fr="Hackathon de mai", slots=[(datetime.datetime(2027, 5, 20, 9, 0, tzinfo=paris), None)]
    )
    month = reverse("agenda:month_of", kwargs={"month": "2027-05"})
    assert "Hackathon de mai" in client.get(month).content.decode()
    with django_assert_num_queries(0):
        assert "Hackathon de mai" in client.get(month).content.decode()
    assert (
        "Hackathon de mai" not in client.get(reverse("agenda:month_of", kwargs={"month": "2027-06"})).content.decode()
    )
    event.title_fr = "Hackathon du printemps"
    event.save()
    assert "Hackathon du printemps" in client.get(month).content.decode()
