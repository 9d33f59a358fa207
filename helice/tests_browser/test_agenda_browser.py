"""The agenda in a real browser: filter the events, find the feed of that
filter and subscribe to it; the month view, the map of local events (the list
beside it as its text alternative), the international agenda and an event's
page; axe-core clean on every one (the page objects run it on each load)."""

import datetime
import zoneinfo
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from .pages_agenda import AgendaMapPage, AgendaPage, InternationalPage, MonthPage

pytestmark = pytest.mark.browser
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(days: int, hour: int, zone=PARIS) -> datetime.datetime:
    day = datetime.date.today() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=zone)


@pytest.fixture
def agenda(transactional_db):
    from helice.agenda.models import EventKind, EventStatus
    from helice.agenda.tests.factories import EventFactory, EventSeriesFactory
    from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory

    energy = SectorFactory(name_fr="Énergie", name_en="Energy", slug="energie")
    grenoble = CommuneFactory(name="Grenoble", insee_code="38185", slug="grenoble", latitude=45.1866, longitude=5.7363)
    metropole = OrganizationFactory(name="Grenoble-Alpes Métropole", slug="grenoble-alpes-metropole")
    cluster = OrganizationFactory(name="Tenerrdis", slug="tenerrdis")
    return {
        "forum": EventFactory(
            title_fr="Forum des start-ups",
            kind=EventKind.FORUM,
            organisers=[metropole],
            commune=grenoble,
            venue_name="Minatec",
            latitude=45.2043,
            longitude=5.7005,
            summary_fr="Des start-ups rencontrent des investisseurs.",
            slots=[(at(6, 9), at(6, 18))],
        ),
        "hydrogen": EventFactory(
            title_fr="Journées hydrogène",
            kind=EventKind.CONFERENCE,
            organisers=[cluster],
            sectors=[energy],
            commune=grenoble,
            is_free=True,
            for_researchers=True,
            slots=[(at(12, 9), at(13, 17))],
        ),
        "hackathon": EventFactory(
            title_fr="Hackathon annulé",
            kind=EventKind.HACKATHON,
            event_status=EventStatus.CANCELLED,
            for_students=True,
            slots=[(at(20, 10), at(20, 22))],
        ),
        "tokyo": EventFactory(
            title_fr="FuelCell Japan",
            kind=EventKind.TRADE_FAIR,
            scope="abroad",
            country="JP",
            city="Tokyo",
            sectors=[energy],
            partners_present=[metropole, cluster],
            slots=[(at(30, 10, zoneinfo.ZoneInfo("Asia/Tokyo")), at(30, 17, zoneinfo.ZoneInfo("Asia/Tokyo")))],
            slots__time_zone="Asia/Tokyo",
        ),
        "tbc": EventFactory(
            title_fr="Salon à dates inconnues",
            kind=EventKind.TRADE_FAIR,
            scope="abroad",
            country="",
            series=EventSeriesFactory(name_fr="Salon annuel"),
            slots=[],
        ),
    }


def test_filter_the_agenda_and_subscribe_to_the_feed_of_that_filter(tab, agenda):
    page = AgendaPage(tab).open()
    expect(page.h1).to_have_text("Agenda")
    assert page.event_titles == ["Forum des start-ups", "Journées hydrogène", "Hackathon annulé", "FuelCell Japan"]
    assert "Salon à dates inconnues" in page.main.inner_text()

    page.check("sector", "energie")
    page.choose("En France")
    page.apply()
    assert page.event_titles == ["Journées hydrogène"]
    assert page.query_now["sector"] == ["energie"] and page.query_now["where"] == ["here"]

    # The feed carries the same filter, as a link, a webcal subscription and an address to copy.
    feed = urlsplit(page.feed_link.get_attribute("href"))
    assert feed.path == "/agenda/agenda.ics"
    assert parse_qs(feed.query) == {"sector": ["energie"], "where": ["here"]}
    subscribe = page.subscribe_link.get_attribute("href")
    assert subscribe.startswith("webcal://") and "sector=energie" in subscribe and "where=here" in subscribe
    assert page.feed_address.startswith(tab.base_url + "/agenda/agenda.ics?")

    response = tab.page.request.get(page.feed_address)
    assert response.ok and response.headers["content-type"] == "text/calendar; charset=utf-8"
    body = response.text()
    assert body.startswith("BEGIN:VCALENDAR\r\n")
    assert "SUMMARY:Journées hydrogène" in body and "Forum des start-ups" not in body and "FuelCell" not in body

    # Another filter from the same form: the cancelled hackathon, for students.
    page.open("audience=students")
    assert page.event_titles == ["Hackathon annulé"]
    assert "Annulé" in page.main.locator(".event-card").first.inner_text()
    feed = tab.page.request.get(page.feed_address).text()
    assert "STATUS:CANCELLED" in feed


def test_event_page_and_add_to_my_calendar(tab, agenda):
    page = AgendaPage(tab).open()
    event = page.open_event("Forum des start-ups")
    expect(event.h1).to_have_text("Forum des start-ups")
    href = event.add_to_calendar.get_attribute("href")
    assert href == f"/agenda/evenements/{agenda['forum'].slug}.ics"
    response = tab.page.request.get(tab.base_url + href)
    assert response.ok and response.headers["content-type"] == "text/calendar; charset=utf-8"
    assert f"UID:{agenda['forum'].uid}" in response.text()
    # An event abroad, shown in its own time zone.
    AgendaPage(tab, path=agenda["tokyo"].get_absolute_url()).open()
    assert "heure locale, Asia/Tokyo" in tab.page.locator("main").inner_text()
    # An edition whose dates are to be confirmed.
    AgendaPage(tab, path=agenda["tbc"].get_absolute_url()).open()
    assert "Dates à confirmer" in tab.page.locator("main").inner_text()


def test_month_map_and_international_pages(tab, agenda):
    month = MonthPage(tab).open()
    month.go("next")
    month.go("prev")
    month.open("where=abroad")

    local = AgendaMapPage(tab).open()
    expect(local.map).to_be_visible()
    expect(local.markers.first).to_be_visible()
    listed = local.listed_paths()
    assert agenda["forum"].get_absolute_url() in listed and agenda["hydrogen"].get_absolute_url() in listed
    assert agenda["tokyo"].get_absolute_url() not in listed

    international = InternationalPage(tab).open()
    assert international.countries == ["Japon", "Pays non précisé"]
    assert "Tenerrdis" in international.main.inner_text()

    AgendaPage(tab).open(language="en")
    assert tab.page.locator("html").get_attribute("lang") == "en"
