"""The economic spaces in a real browser: find a space with filters on the list
and on the map, open it; the company path and the spread; axe-core clean on every
page (the page objects run it on each load)."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages_spaces import CompanyPathPage, SpaceDetailPage, SpaceListPage, SpaceMapPage, SpreadPage

pytestmark = pytest.mark.browser


@pytest.fixture
def spaces(transactional_db):
    from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory
    from helice.spaces.models import PlanStatus, SpaceKind
    from helice.spaces.tests.factories import SpaceFactory

    health = SectorFactory(name_fr="Santé", name_en="Health", slug="sante")
    SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique")
    grenoble = CommuneFactory(
        name="Grenoble",
        insee_code="38185",
        slug="grenoble",
        latitude=45.18663,
        longitude=5.73631,
        population=156140,
        area_km2=18.49,
    )
    meylan = CommuneFactory(
        name="Meylan",
        insee_code="38229",
        slug="meylan",
        latitude=45.209,
        longitude=5.78,
        population=17000,
        area_km2=12.54,
    )
    operator = OrganizationFactory(name="Technopole des Alpes")
    nursery = SpaceFactory(
        name="Pépinière santé du parc",
        kind=SpaceKind.NURSERY,
        operators=[operator],
        sectors=[health],
        commune=meylan,
        latitude=45.209,
        longitude=5.78,
        location_precision="commune",
        summary_fr="Des bureaux et laboratoires pour les jeunes entreprises de santé.",
        units_available=2,
        unit_count=12,
        availability_confirmed_at=timezone.now(),
        plan_status=PlanStatus.EXISTING,
    )
    SpaceFactory(
        name="Coworking du centre",
        kind=SpaceKind.THIRD_PLACE,
        commune=grenoble,
        latitude=45.187,
        longitude=5.736,
        location_precision="address",
        stale=True,
    )
    SpaceFactory(name="Hôtel d'entreprises", kind=SpaceKind.BUSINESS_HOTEL, serves_born=False, serves_grow=True)
    SpaceFactory(
        name="Cité à créer",
        kind=SpaceKind.INNOVATION_SITE,
        sectors=[health],
        serves_born=False,
        serves_grow=True,
        plan_status=PlanStatus.TO_CREATE,
    )
    return {"nursery": nursery}


def test_find_a_space_with_filters_on_the_list_and_open_it(tab, spaces):
    listing = SpaceListPage(tab).open()
    assert listing.result_count() == 4
    listing.mark_document()

    listing.set_facet("kind", "nursery", checked=True)
    expect(listing.result_links).to_have_count(1)
    expect(tab.page).to_have_url(re.compile(r"/espaces/\?(.*&)?kind=nursery(&|$)"))
    listing.settled()
    listing.assert_same_document()

    listing.set_facet("kind", "nursery", checked=False)
    expect(listing.result_links).to_have_count(4)
    listing.settled()
    listing.set_facet("available", "1", checked=True)
    expect(listing.result_links).to_have_count(1)  # the coworking's count is stale: not available
    listing.settled()

    detail = listing.open_space("Pépinière santé du parc")
    expect(detail.h1).to_have_text("Pépinière santé du parc")
    expect(detail.availability).to_contain_text("2 locaux disponibles")
    expect(detail.facts).to_contain_text("Technopole des Alpes")


def test_find_a_space_on_the_map_and_open_it(tab, spaces):
    spaces_map = SpaceMapPage(tab).open()
    expect(spaces_map.map).to_be_visible()
    expect(spaces_map.summary).to_contain_text("4 espaces correspondent")
    expect(spaces_map.summary).to_contain_text("2 espaces en sont absents")
    expect(spaces_map.summary).to_contain_text("2 espaces sont affichés sur la carte")
    spaces_map.apply_filter("kind", "nursery")
    expect(spaces_map.summary).to_contain_text("1 espace correspond")
    assert "/espaces/pepiniere-sante-du-parc/" in spaces_map.listed_paths()
    detail = spaces_map.open_space("Pépinière santé du parc")
    expect(detail.h1).to_have_text("Pépinière santé du parc")
    expect(tab.page.locator(".leaflet-container")).to_be_visible()


def test_stale_availability_is_shown_as_such(tab, spaces):
    detail = SpaceDetailPage(tab, "coworking-du-centre").open()
    expect(detail.availability).to_contain_text("Disponibilité non confirmée depuis")


def test_company_path_and_spread_pages(tab, spaces):
    path = CompanyPathPage(tab).open()
    expect(path.gaps).to_contain_text("Santé : aucun espace existant ne sert la phase « Se réinventer ».")
    expect(path.sector_path("sante")).to_contain_text("Cité à créer")
    spread = SpreadPage(tab).open()
    expect(spread.commune_row("meylan")).to_contain_text("Pépinière santé du parc")
    expect(spread.page.locator(".leaflet-container")).to_be_visible()
    expect(spread.main).to_contain_text("quartiers prioritaires")
    # Two communes: the median density is their mean; Meylan, below it, is less dense and served.
    expect(spread.less_dense_row("meylan")).to_contain_text("desservie (un espace à moins de 5 km)")


def test_english_list_page(tab, spaces):
    SpaceListPage(tab).open(language="en")
    expect(tab.page.locator("h1")).to_have_text("Economic spaces")
