"""The Content Security Policy in a real browser: no page trips it.

Chromium reports every refusal twice: a ``securitypolicyviolation`` event in the
page and a console message ("Refused to ..."). Both are recorded from the very
first script of each document, and each test asserts that none happened while
the pages loaded, htmx swapped results in, Leaflet drew its map (tiles from an
allowed server included) and Swagger UI rendered the API documentation.
A control test proves that the recorder does catch a refusal.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import ConsoleMessage, expect

from .pages import BasePage, DetailPage, DirectoryPage, HomePage, MapPage, Tab

pytestmark = pytest.mark.browser

RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolations.push(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} (${event.sourceFile}:${event.lineNumber})`
  );
});
"""
# Console messages that mean a policy refused something, or a header is malformed.
POLICY_MESSAGE = re.compile(r"Refused to|Content Security Policy|Permissions-Policy|Permissions Policy", re.I)
TILE_SERVER = "https://tiles.example.org"


@dataclass
class PolicyWatch:
    tab: Tab
    console: list[str] = field(default_factory=list)

    def on_console(self, message: ConsoleMessage) -> None:
        if POLICY_MESSAGE.search(message.text):
            self.console.append(f"{message.type}: {message.text}")

    def violations(self) -> list[str]:
        events = self.tab.page.evaluate("() => window.__cspViolations || []")
        return [*events, *self.console]

    def assert_clean(self, where: str) -> None:
        violations = self.violations()
        assert not violations, f"policy violations on {where}:\n" + "\n".join(violations)
        assert not self.tab.script_errors, f"script errors on {where}:\n" + "\n".join(self.tab.script_errors)


@pytest.fixture
def watch(tab) -> PolicyWatch:
    recorder = PolicyWatch(tab)
    tab.page.context.add_init_script(RECORD_VIOLATIONS)
    tab.page.on("console", recorder.on_console)
    return recorder


def test_public_pages_trip_no_policy(tab, watch, ecosystem):
    HomePage(tab).open()
    watch.assert_clean("home")

    directory = DirectoryPage(tab).open()
    watch.assert_clean("directory")
    directory.mark_document()
    directory.set_facet("kind", "startup", checked=True)
    expect(directory.result_links).to_have_count(2)
    directory.settled()
    directory.assert_same_document()
    # htmx was told not to insert its own <style>: the indicator rules come from helice.css.
    assert tab.page.evaluate("() => htmx.config.includeIndicatorStyles") is False
    assert tab.page.evaluate("() => document.querySelectorAll('style').length") == 0
    watch.assert_clean("directory after a facet")

    DetailPage(tab, ecosystem["energies"].slug).open()
    watch.assert_clean("detail")


def test_the_map_with_tiles_trips_no_policy(tab, watch, ecosystem, settings):
    """Leaflet positions everything through element.style (allowed by CSP) and loads
    tiles from the configured server, which the policy allows in img-src. The
    tiles themselves are then stopped by the test's network guard, never fetched."""
    settings.MAP_TILE_URL = TILE_SERVER + "/{z}/{x}/{y}.png"
    directives = settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {**directives, "img-src": ["'self'", "data:", TILE_SERVER]}}

    map_page = MapPage(tab)
    response = tab.page.goto(f"{tab.base_url}{map_page.path}", wait_until="load")
    assert response is not None and response.ok
    expect(map_page.markers.first).to_be_visible()
    tab.page.wait_for_function("() => document.querySelectorAll('.leaflet-tile').length > 0")
    watch.assert_clean("map")
    # Tiles were asked for (so img-src let them through) and nothing else left the site.
    assert tab.outside_requests, "no tile was requested: the check above proved nothing about img-src"
    assert all(url.startswith(TILE_SERVER + "/") for url in tab.outside_requests), tab.outside_requests


def test_the_api_documentation_trips_no_policy(tab, watch, ecosystem):
    # Swagger UI is Django Ninja's, not ours: its accessibility is not checked here.
    docs = BasePage(tab, path="/api/v1/docs").open(accessibility=False)
    expect(docs.page.locator(".swagger-ui .info .title")).to_contain_text("Hélice API")
    expect(docs.page.locator(".opblock").first).to_be_visible()
    watch.assert_clean("API documentation")


def test_the_recorder_catches_a_refused_inline_script(tab, watch, ecosystem):
    HomePage(tab).open()
    tab.page.evaluate(
        """() => {
            const script = document.createElement("script");
            script.textContent = "window.__ran = true";
            document.body.appendChild(script);
            const style = document.createElement("style");
            style.textContent = "body { color: red }";
            document.head.appendChild(style);
        }"""
    )
    tab.page.wait_for_function("() => (window.__cspViolations || []).length >= 2")
    assert tab.page.evaluate("() => window.__ran === undefined"), "the inline script ran: no CSP?"
    violations = watch.violations()
    assert any("script-src" in v for v in violations), violations
    assert any("style-src" in v for v in violations), violations
