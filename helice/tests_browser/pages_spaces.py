"""Page objects of the economic spaces (/espaces/): the list with its facets (htmx),
the map, a space's page, the company path and the spread over the territory.

Each inherits the checks of ``BasePage`` (success, no script error, no request
leaving the site, axe-core WCAG 2.1 A/AA on every load). Parts built on the spaces
(settlement requests) extend ``SpaceDetailPage``: ``actions`` is the region of the
page where a space's actions sit (confirm the availability, and what comes next)."""

from __future__ import annotations

from typing import Self

from playwright.sync_api import Locator

from .pages import BasePage, DirectoryPage, MapPage


class SpaceListPage(DirectoryPage):
    """/espaces/: search as you type and facets (kind, stage, sector, commune,
    status, available), updated in place by htmx; same helpers as the directory."""

    path = "/espaces/"

    def open_space(self, name: str) -> SpaceDetailPage:
        """Follow the link of the space called ``name`` and check its page."""
        self.result_links.filter(has_text=name).first.click()
        self.page.wait_for_load_state("load")
        detail = SpaceDetailPage(self.tab, path=self.path_now)
        detail.loaded()
        return detail


class SpaceMapPage(MapPage):
    """/espaces/carte/: the Leaflet map of the located spaces and, below it, every
    matching space as a list (the map's text alternative)."""

    path = "/espaces/carte/"

    @property
    def summary(self) -> Locator:
        return self.page.locator("#map-summary")

    def apply_filter(self, facet: str, value: str) -> Self:
        """Tick a filter and apply it (the map's form reloads the page)."""
        self.page.locator(f'input[type="checkbox"][name="{facet}"][value="{value}"]').check()
        with self.page.expect_navigation():
            self.page.locator("button.map-apply").click()
        self.loaded()
        return self

    def open_space(self, name: str) -> SpaceDetailPage:
        """Follow the space's link in the list beside the map."""
        self.page.locator(".map-list a", has_text=name).first.click()
        self.page.wait_for_load_state("load")
        detail = SpaceDetailPage(self.tab, path=self.path_now)
        detail.loaded()
        return detail


class SpaceDetailPage(BasePage):
    """/espaces/<slug>/: a space's page."""

    def __init__(self, tab, slug: str | None = None, *, path: str | None = None):
        super().__init__(tab, path=path or f"/espaces/{slug}/")

    @property
    def availability(self) -> Locator:
        return self.page.locator(".space-availability-box")

    @property
    def actions(self) -> Locator:
        """Where the space's actions are (its availability box and the buttons after it)."""
        return self.page.locator(".space-detail")

    @property
    def facts(self) -> Locator:
        return self.page.locator("dl.facts")


class CompanyPathPage(BasePage):
    """/espaces/parcours/: the path per sector, its gaps in words and its table."""

    path = "/espaces/parcours/"

    def sector_path(self, sector_slug: str) -> Locator:
        return self.page.locator(f'section[aria-labelledby="path-{sector_slug}"]')

    @property
    def gaps(self) -> Locator:
        return self.page.locator(".path-gaps")


class SpreadPage(BasePage):
    """/espaces/territoire/: communes, their nearest spaces, a map and a table."""

    path = "/espaces/territoire/"

    def commune_row(self, commune_slug: str) -> Locator:
        return self.page.locator(f"tr#commune-{commune_slug}")

    def less_dense_row(self, commune_slug: str) -> Locator:
        return self.page.locator(f"tr#less-dense-{commune_slug}")
