"""The shared layout in a real browser: language switch and keyboard access."""

import pytest
from django.utils import translation
from playwright.sync_api import expect

from .pages import DirectoryPage, HomePage

pytestmark = pytest.mark.browser


def _french(text: str) -> str:
    with translation.override("fr"):
        return translation.gettext(text)


def test_language_switch_to_english_and_back(tab, ecosystem):
    directory = DirectoryPage(tab).open()
    assert directory.lang == "fr"
    assert not directory.path_now.startswith("/en/")

    directory.switch_language("English", expect_prefix="/en")

    assert directory.lang == "en"
    assert directory.path_now == "/en/annuaire/", "the same page should come back in English"
    expect(directory.nav_link("/en/annuaire/")).to_have_text("Directory")
    expect(directory.nav_link("/en/")).to_have_text("Home")

    directory.switch_language("Français", expect_prefix="")

    assert directory.lang == "fr"
    assert directory.path_now == "/annuaire/"
    # Until the French catalogue exists, French pages show the English source strings;
    # once it does, the navigation must show its translation.
    expect(directory.nav_link("/annuaire/")).to_have_text(_french("Directory"))


def test_english_url_serves_english(tab, ecosystem):
    home = HomePage(tab).open(language="en")
    assert home.lang == "en"
    expect(home.page.locator("header form.language-switch button")).to_have_text("Français")


def test_skip_link_is_first_and_moves_focus_to_main(tab, ecosystem):
    page = DirectoryPage(tab).open()  # a page whose <main> has controls to Tab to

    tab.page.keyboard.press("Tab")

    focused = page.focused()
    assert focused["tag"] == "a" and focused["href"] == "#main", f"first Tab stop is not the skip link: {focused}"
    assert focused["width"] > 1 and focused["height"] > 1 and focused["top"] >= 0, (
        f"the skip link must be visible when it has the focus: {focused}"
    )

    tab.page.keyboard.press("Enter")

    expect(page.main).to_be_focused()
    assert tab.page.url.endswith("#main")

    # The next Tab continues from the main content, not from the header.
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("() => document.querySelector('main').contains(document.activeElement)"), (
        f"after the skip link, Tab should stay in <main>: {page.focused()}"
    )


def test_accessibility_check_reports_violations_readably(tab):
    """The harness itself: a page with known faults must fail, naming rule, impact and element."""
    tab.page.set_content(
        '<!DOCTYPE html><html lang="fr"><head><title>Faute</title></head>'
        '<body><main><h1>Test</h1><img src="data:," id="no-alt"><input type="text" id="no-label"></main></body></html>'
    )

    with pytest.raises(AssertionError) as failure:
        HomePage(tab).check_accessibility()

    report = str(failure.value)
    assert "image-alt (critical)" in report and "#no-alt" in report
    assert "label (critical)" in report and "#no-label" in report
