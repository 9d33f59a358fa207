"""Page objects of the agenda (/agenda/): the upcoming events with their filter
form, the month view, the map of local events, the international agenda and an
event's page. Each inherits the checks of ``BasePage`` (success, no script
error, no request leaving the site, axe-core WCAG 2.1 A/AA on every load)."""

from __future__ import annotations

from playwright.sync_api import Locator

from .pages import BasePage, FormPage, MapPage


class AgendaPage(FormPage):
    """/agenda/: the filters (a plain GET form) and the events that match, with
    the links to the same selection as CSV and as an iCalendar feed."""

    path = "/agenda/"

    @property
    def filters(self) -> Locator:
        return self.main.locator("#agenda-form")

    def check(self, name: str, value: str) -> None:
        self.filters.locator(f'input[name="{name}"][value="{value}"]').check()

    def choose(self, label: str) -> None:
        self.filters.get_by_label(label, exact=True).check()

    def apply(self) -> None:
        self.submit(self.filters.get_by_role("button", name="Afficher les événements"))

    @property
    def event_titles(self) -> list[str]:
        return [t.strip() for t in self.main.locator("#results > ol.org-list .event-card h3").all_inner_texts()]

    @property
    def feed_link(self) -> Locator:
        return self.main.locator("#feed-link")

    @property
    def subscribe_link(self) -> Locator:
        return self.main.locator("#feed-subscribe")

    @property
    def feed_address(self) -> str:
        return self.main.locator("#feed-url").input_value()

    def open_event(self, title: str) -> EventPage:
        self.main.get_by_role("link", name=title, exact=True).first.click()
        self.page.wait_for_load_state("load")
        page = EventPage(self.tab, path=self.path_now)
        page.loaded()
        return page


class MonthPage(BasePage):
    path = "/agenda/mois/"

    @property
    def days(self) -> Locator:
        return self.main.locator(".month-day h3")

    def go(self, rel: str) -> None:
        self.main.locator(f'.month-nav a[rel="{rel}"]').click()
        self.page.wait_for_load_state("load")
        self.loaded()


class AgendaMapPage(MapPage):
    path = "/agenda/carte/"


class InternationalPage(BasePage):
    path = "/agenda/international/"

    @property
    def countries(self) -> list[str]:
        return [t.strip() for t in self.main.locator(".agenda-country h3").all_inner_texts()]


class EventPage(BasePage):
    @property
    def add_to_calendar(self) -> Locator:
        return self.main.locator("#add-to-calendar")
