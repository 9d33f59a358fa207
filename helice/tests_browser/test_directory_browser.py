"""The directory in a real browser: search as you type, facets, map, detail, matrix."""

import re

import pytest
from playwright.sync_api import expect

from .pages import DetailPage, DirectoryPage, HomePage, MapPage, MatrixPage

pytestmark = pytest.mark.browser

PUBLISHED = 10


def test_search_updates_results_as_you_type(tab, ecosystem):
    directory = DirectoryPage(tab).open()
    assert directory.result_count() == PUBLISHED
    directory.mark_document()

    directory.type_query("energ")  # no Enter: htmx reacts to the input itself

    expect(directory.result_links).to_have_count(1)
    expect(directory.result_links.first).to_have_text("Énergies Alpines")
    expect(tab.page).to_have_url(re.compile(r"/annuaire/\?(.*&)?q=energ(&|$)"))  # hx-push-url: shareable
    directory.assert_same_document()
    assert directory.result_count() == 1
    assert "Minalogic" not in directory.result_names()
    assert "Énergie Brouillon" not in directory.result_names(), "a draft must never be listed"
    directory.settled()

    # Back in history returns to the unfiltered list.
    tab.page.go_back()
    expect(directory.result_links).to_have_count(PUBLISHED)


def test_shared_search_url_gives_the_same_results(tab, ecosystem):
    directory = DirectoryPage(tab).open("q=energ")
    assert directory.result_names() == ["Énergies Alpines"]
    expect(directory.search_box).to_have_value("energ")


def test_facet_updates_results_counts_and_url(tab, ecosystem):
    directory = DirectoryPage(tab).open()
    assert directory.facet_count("kind", "startup") == 2
    assert directory.facet_count("sector", "industrie") == 2
    directory.mark_document()

    directory.set_facet("kind", "startup", checked=True)

    expect(directory.result_links).to_have_count(2)
    expect(tab.page).to_have_url(re.compile(r"/annuaire/\?(.*&)?kind=startup(&|$)"))
    directory.settled()
    directory.assert_same_document()
    box_id = directory.facet_checkbox("kind", "startup").get_attribute("id")
    assert box_id and directory.focused()["id"] == box_id, (
        f"the focus must stay on the ticked box when the results update: {directory.focused()}"
    )
    assert sorted(directory.result_names()) == ["Capteurs de l'Isère", "Édelweiss Robotique"]
    assert directory.result_count() == 2
    expect(directory.facet_checkbox("kind", "startup")).to_be_checked()
    # Other facets now count within the start-ups only; the kind facet still offers the other kinds.
    assert directory.facet_count("sector", "industrie") == 1
    assert directory.facet_count("sector", "sante") == 1
    assert directory.facet_count("kind", "company") == 1

    directory.set_facet("kind", "startup", checked=False)

    expect(directory.result_links).to_have_count(PUBLISHED)
    expect(tab.page).not_to_have_url(re.compile(r"[?&]kind="))
    directory.settled()
    assert directory.result_count() == PUBLISHED
    assert directory.facet_count("sector", "industrie") == 2
    expect(directory.facet_checkbox("kind", "startup")).not_to_be_checked()


def _published(ecosystem):
    return [org for key, org in ecosystem.items() if key != "draft"]


def test_map_shows_markers_and_a_list_of_the_organisations(tab, ecosystem):
    map_page = MapPage(tab).open()

    expect(map_page.map).to_be_visible()
    expect(map_page.markers.first).to_be_visible()  # a marker or a cluster of the four located ones
    listed = map_page.listed_paths()
    missing = [org.name for org in _published(ecosystem) if org.get_absolute_url() not in listed]
    assert not missing, f"the text alternative of the map does not list: {missing}"
    assert ecosystem["draft"].get_absolute_url() not in listed


def test_map_applies_the_directory_filters(tab, ecosystem):
    map_page = MapPage(tab).open("kind=startup")

    listed = map_page.listed_paths()
    assert ecosystem["edelweiss"].get_absolute_url() in listed
    assert ecosystem["sensors"].get_absolute_url() in listed
    assert ecosystem["minalogic"].get_absolute_url() not in listed
    expect(map_page.markers).to_have_count(1)  # Édelweiss is the only located start-up


def test_map_list_works_without_javascript(new_tab, ecosystem):
    tab = new_tab(java_script_enabled=False)
    map_page = MapPage(tab).open()  # (axe-core is JavaScript: it runs in the other map tests)

    expect(map_page.map).to_have_count(0)  # no Leaflet without JavaScript...
    listed = map_page.listed_paths()  # ...but the same organisations as a list
    missing = [org.name for org in _published(ecosystem) if org.get_absolute_url() not in listed]
    assert not missing, f"without JavaScript the map page does not list: {missing}"


@pytest.mark.parametrize(
    "make_page",
    [
        pytest.param(lambda tab, eco: HomePage(tab), id="home"),
        pytest.param(lambda tab, eco: DirectoryPage(tab), id="list"),
        pytest.param(lambda tab, eco: MapPage(tab), id="map"),
        pytest.param(lambda tab, eco: DetailPage(tab, eco["energies"].slug), id="detail"),
        pytest.param(lambda tab, eco: MatrixPage(tab), id="matrix"),
    ],
)
def test_page_has_no_wcag_violation(tab, ecosystem, make_page):
    # open() runs axe-core (WCAG 2.1 A/AA) and fails with the list of violations.
    page = make_page(tab, ecosystem).open()
    expect(page.h1).to_be_visible()


def test_detail_page(tab, ecosystem):
    detail = DetailPage(tab, ecosystem["energies"].slug).open()
    expect(detail.h1).to_contain_text("Énergies Alpines")
