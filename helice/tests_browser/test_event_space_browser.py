"""An event held in one of the territory's spaces, in a real browser: the
space's page lists it, the event's page links the space back and its other
events, and the agenda filtered by the space can be left by unticking the
filter; axe-core clean on every page (the page objects run it on each load)."""

import datetime
import zoneinfo

import pytest
from playwright.sync_api import expect

from .pages_agenda import AgendaPage, EventPage
from .pages_spaces import SpaceDetailPage

pytestmark = pytest.mark.browser
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def at(days: int, hour: int) -> datetime.datetime:
    day = datetime.date.today() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=PARIS)


@pytest.fixture
def totem(transactional_db):
    from helice.agenda.tests.factories import EventFactory
    from helice.directory.tests.factories import CommuneFactory
    from helice.spaces.tests.factories import SpaceFactory

    grenoble = CommuneFactory(name="Grenoble", insee_code="38185", slug="grenoble")
    space = SpaceFactory(
        name="Bâtiment Totem", slug="batiment-totem", address="1 rue de l’Innovation", commune=grenoble
    )
    EventFactory(title_fr="Demo day", space=space, slots=[(at(3, 9), at(3, 12))])
    EventFactory(title_fr="Meetup IA", space=space, slots=[(at(8, 18), at(8, 20))])
    EventFactory(title_fr="Forum ailleurs", commune=grenoble, slots=[(at(5, 9), at(5, 17))])
    return space


def test_from_the_space_to_its_events_and_back(tab, totem):
    space = SpaceDetailPage(tab, "batiment-totem").open()
    section = space.main.get_by_role("region", name="Événements à venir ici")
    expect(section).to_be_visible()
    section.get_by_role("link", name="Demo day").click()
    tab.page.wait_for_load_state("load")
    event = EventPage(tab, path=space.path_now)
    event.loaded()
    expect(event.h1).to_have_text("Demo day")
    expect(event.main.locator("dl.facts")).to_contain_text("1 rue de l’Innovation")

    event.main.get_by_role("link", name="Ses autres événements").click()
    tab.page.wait_for_load_state("load")
    agenda = AgendaPage(tab)
    agenda.loaded()
    assert agenda.query_now == {"space": ["batiment-totem"]}
    assert agenda.event_titles == ["Demo day", "Meetup IA"]

    agenda.filters.get_by_label("Seulement à Bâtiment Totem").uncheck()
    agenda.apply()
    assert agenda.event_titles == ["Demo day", "Forum ailleurs", "Meetup IA"]

    agenda.open_event("Meetup IA").main.get_by_role("link", name="Bâtiment Totem").first.click()
    tab.page.wait_for_load_state("load")
    back = SpaceDetailPage(tab, path=agenda.path_now)
    back.loaded()
    expect(back.h1).to_have_text("Bâtiment Totem")
