"""Page objects for the browser tests.

Every page object checks each page load the same way: the response is a success,
no script raised an error, no request tried to leave the site, and axe-core
(WCAG 2.0 and 2.1, levels A and AA) finds no violation. A failure names the page
and lists each violation with its rule, impact and the elements at fault.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Self
from urllib.parse import parse_qs, urljoin, urlsplit

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
_axe = Axe()

# True while htmx has a request in flight or is swapping/settling new content.
_HTMX_IDLE = "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling, .htmx-added')"


@dataclass
class Tab:
    """A Playwright page plus what the fixtures record about it."""

    page: Page
    base_url: str
    outside_requests: list[str] = field(default_factory=list)
    script_errors: list[str] = field(default_factory=list)
    # Without JavaScript, page.evaluate() never returns: axe-core cannot run.
    javascript: bool = True


def _target(node: dict) -> str:
    # A target is a list of selectors, nested when it crosses iframes or shadow roots.
    return " >> ".join(" ".join(t) if isinstance(t, list) else str(t) for t in node.get("target", []))


def format_violations(violations: list[dict], where: str) -> str:
    lines = [f"axe-core found {len(violations)} WCAG 2.1 A/AA violation(s) on {where}:"]
    for violation in violations:
        lines.append(
            f"- {violation['id']} ({violation.get('impact') or 'no impact given'}): {violation.get('help', '')}"
            f" [{violation.get('helpUrl', '')}]"
        )
        for node in violation.get("nodes", []):
            html = " ".join((node.get("html") or "").split())
            html = html if len(html) <= 160 else html[:157] + "..."
            lines.append(f"    * {_target(node)}  {html}")
            summary = " ".join((node.get("failureSummary") or "").split())
            if summary:
                lines.append(f"      {summary}")
    return "\n".join(lines)


_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


class _MainLinks(HTMLParser):
    """Collects the href of every link inside <main> but outside a Leaflet map."""

    def __init__(self):
        super().__init__()
        self.stack: list[tuple[bool, bool]] = []  # (is <main>, is a Leaflet container)
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        in_main = any(main for main, _map in self.stack) or tag == "main"
        in_map = any(m for _main, m in self.stack) or "leaflet-container" in (attributes.get("class") or "").split()
        if tag == "a" and in_main and not in_map and attributes.get("href"):
            self.hrefs.append(attributes["href"])
        if tag not in _VOID:
            self.stack.append((tag == "main", "leaflet-container" in (attributes.get("class") or "").split()))

    def handle_endtag(self, tag):
        if tag not in _VOID and self.stack:
            self.stack.pop()


class BasePage:
    """What every page of the site shares: the layout, the header and the checks."""

    path = "/"

    def __init__(self, tab: Tab, path: str | None = None):
        self.tab = tab
        self.page = tab.page
        if path is not None:
            self.path = path

    # Loading and checking ---------------------------------------------------------

    def open(self, query: str = "", *, language: str = "fr", accessibility: bool = True) -> Self:
        prefix = "" if language == "fr" else f"/{language}"
        url = f"{self.tab.base_url}{prefix}{self.path}" + (f"?{query}" if query else "")
        response = self.page.goto(url, wait_until="load")
        assert response is not None, f"no response for {url}"
        assert response.ok, f"GET {url} answered {response.status}"
        self.loaded(accessibility=accessibility)
        return self

    def loaded(self, *, accessibility: bool = True) -> None:
        """The checks run after every page load (and after each partial update)."""
        self.assert_no_script_errors()
        self.assert_no_outside_requests()
        if accessibility and self.tab.javascript:
            self.check_accessibility()

    def assert_no_script_errors(self) -> None:
        assert not self.tab.script_errors, f"JavaScript errors on {self.page.url}:\n" + "\n".join(
            self.tab.script_errors
        )

    def assert_no_outside_requests(self) -> None:
        assert not self.tab.outside_requests, (
            f"{self.page.url} tried to reach outside the site (blocked; front-end assets must be served "
            "from our own static files):\n" + "\n".join(self.tab.outside_requests)
        )

    def check_accessibility(self) -> None:
        assert self.tab.javascript, "axe-core needs JavaScript; this tab has it disabled"
        results = _axe.run(self.page, options=AXE_OPTIONS)
        violations = results.response.get("violations", [])
        assert not violations, format_violations(violations, f"{type(self).__name__} {self.page.url}")

    def wait_for_htmx(self) -> None:
        self.page.wait_for_function(_HTMX_IDLE)

    # Layout -----------------------------------------------------------------------

    @property
    def lang(self) -> str | None:
        return self.page.locator("html").get_attribute("lang")

    @property
    def path_now(self) -> str:
        return urlsplit(self.page.url).path

    @property
    def query_now(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.page.url).query)

    @property
    def main(self) -> Locator:
        return self.page.locator("main#main")

    @property
    def main_nav(self) -> Locator:
        return self.page.locator("header nav.main-nav")

    def nav_link(self, path: str) -> Locator:
        return self.main_nav.locator(f'a[href="{path}"]')

    @property
    def h1(self) -> Locator:
        return self.main.locator("h1").first

    def focused(self) -> dict:
        """A description of the element that has the focus."""
        return self.page.evaluate(
            """() => {
                const el = document.activeElement;
                const box = el.getBoundingClientRect();
                return {tag: el.tagName.toLowerCase(), id: el.id, href: el.getAttribute('href'),
                        text: el.textContent.trim(), width: box.width, height: box.height,
                        top: box.top, left: box.left};
            }"""
        )

    def switch_language(self, button_text: str, *, expect_prefix: str) -> Self:
        """Press a language button in the header; the same page must come back in that
        language, under ``expect_prefix`` ("/en", or "" for French, which has none)."""
        before = self.path_now
        self.page.locator("header form.language-switch").get_by_role("button", name=button_text).click()
        if expect_prefix:
            wanted = re.compile(rf"^{re.escape(self.tab.base_url)}{re.escape(expect_prefix)}/")
        else:
            wanted = re.compile(rf"^{re.escape(self.tab.base_url)}/(?!en/)")
        try:
            self.page.wait_for_url(wanted, timeout=5000)
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"after pressing “{button_text}” on {before} the browser is at {self.path_now} "
                f"(html lang={self.lang!r}); expected a URL matching {wanted.pattern}"
            ) from None
        self.page.wait_for_load_state("load")
        self.loaded()
        return self


class HomePage(BasePage):
    path = "/"


class DirectoryPage(BasePage):
    """/annuaire/: search as you type and facets, updated in place by htmx."""

    path = "/annuaire/"

    @property
    def search_box(self) -> Locator:
        return self.page.locator("#id_q")

    @property
    def results(self) -> Locator:
        return self.page.locator("#results")

    @property
    def result_links(self) -> Locator:
        return self.results.locator("ol > li h3 a")

    def result_names(self) -> list[str]:
        return [name.strip() for name in self.result_links.all_text_contents()]

    @property
    def results_heading(self) -> Locator:
        return self.results.locator("h2").first

    def result_count(self) -> int:
        match = re.search(r"\d+", self.results_heading.text_content() or "")
        assert match, f"no count in the results heading: {self.results_heading.text_content()!r}"
        return int(match.group())

    def mark_document(self) -> None:
        """Tag the current document, to prove later that no full page load happened."""
        self.page.evaluate("() => { window.__heliceSameDocument = true; }")

    def assert_same_document(self) -> None:
        assert self.page.evaluate("() => window.__heliceSameDocument === true"), (
            "the page was reloaded: results were expected to update in place (htmx)"
        )

    def type_query(self, text: str) -> None:
        """Type like a person, one key at a time, without pressing Enter."""
        self.search_box.click()
        self.search_box.press_sequentially(text, delay=30)

    def facet_checkbox(self, facet: str, value: str) -> Locator:
        return self.page.locator(f'input[type="checkbox"][name="{facet}"][value="{value}"]')

    def set_facet(self, facet: str, value: str, *, checked: bool) -> None:
        """Tick or untick a facet from the keyboard (Space), as a keyboard user would;
        the page must ask the server for new results."""
        box = self.facet_checkbox(facet, value)
        assert box.is_checked() != checked, f"{facet}={value} is already {'ticked' if checked else 'unticked'}"
        box.focus()
        try:
            with self.page.expect_request(lambda r: urlsplit(r.url).path == self.path, timeout=3000):
                self.page.keyboard.press("Space")
        except PlaywrightTimeoutError:
            raise AssertionError(
                f"{'ticking' if checked else 'unticking'} {facet}={value} sent no request for new results "
                "(is the htmx trigger still bound to the checkboxes after the previous update?)"
            ) from None

    def facet_count(self, facet: str, value: str) -> int:
        label = self.facet_checkbox(facet, value).evaluate(
            "el => (el.labels && el.labels[0] ? el.labels[0].textContent : '')"
        )
        match = re.search(r"\((\d+)\)\s*$", label.strip())
        assert match, f"no count in the label of {facet}={value}: {label!r}"
        return int(match.group(1))

    def settled(self) -> None:
        """After a partial update: wait for htmx to finish, then check the page again."""
        self.wait_for_htmx()
        self.loaded()


class MapPage(BasePage):
    """/annuaire/carte/: a Leaflet map and, beside it, the same organisations as a list."""

    path = "/annuaire/carte/"

    @property
    def map(self) -> Locator:
        return self.page.locator(".leaflet-container")

    @property
    def markers(self) -> Locator:
        # Single markers and markercluster's cluster icons both carry this class.
        return self.page.locator(".leaflet-container .leaflet-marker-icon")

    def listed_paths(self) -> set[str]:
        """Paths of the links in <main> outside the map itself (its text alternative).

        Read from the serialised DOM rather than with page.evaluate(), which never
        returns when JavaScript is disabled."""
        parser = _MainLinks()
        parser.feed(self.page.content())
        return {urlsplit(urljoin(self.page.url, href)).path for href in parser.hrefs}


class MatrixPage(BasePage):
    path = "/annuaire/matrice/"


class DetailPage(BasePage):
    def __init__(self, tab: Tab, slug: str):
        super().__init__(tab, path=f"/annuaire/{slug}/")


# Accounts, partner space and moderation ------------------------------------------


class FormPage(BasePage):
    """A page with forms that reload the page: submitting waits for the new page
    (after any redirect), checks it answered a success, and checks it like any
    other page load."""

    def submit(self, button: Locator, *, accessibility: bool = True, key: str | None = None) -> None:
        """Click ``button`` (or, with ``key``, press that key on it: a keyboard user)."""
        with self.page.expect_navigation(wait_until="load") as navigation:
            if key:
                button.press(key)
            else:
                button.click()
        response = navigation.value
        assert response is not None, f"no response after submitting on {self.path_now}"
        assert response.ok, f"submitting a form answered {response.status} at {response.url}"
        self.loaded(accessibility=accessibility)

    def field(self, name: str) -> Locator:
        return self.main.locator(f'[name="{name}"]')

    @property
    def messages(self) -> Locator:
        """The flash messages (``django.contrib.messages``) shown by the layout."""
        return self.page.locator("main .messages > .message")


class SignupPage(FormPage):
    path = "/comptes/signup/"

    def sign_up(self, *, email: str, display_name: str, password: str, category: str = "") -> None:
        self.field("email").fill(email)
        self.field("display_name").fill(display_name)
        if category:
            self.field("participant_category").select_option(category)
        self.field("password1").fill(password)
        self.field("password2").fill(password)
        self.submit(self.main.locator('form.account-form button[type="submit"]'))


class EmailConfirmPage(FormPage):
    """The page the confirmation email links to (its path carries the key)."""

    def confirm(self) -> None:
        self.submit(self.main.locator('form[action*="/confirm-email/"] button[type="submit"]'))


class LoginPage(FormPage):
    path = "/comptes/login/"

    def log_in(self, *, email: str, password: str) -> None:
        self.field("login").fill(email)
        self.field("password").fill(password)
        self.submit(self.main.locator('form.account-form button[type="submit"]'))


class MySpacePage(FormPage):
    path = "/mon-espace/"

    def organization_link(self, slug: str) -> Locator:
        return self.main.locator(f'a[href="/mon-espace/organisations/{slug}/"]')


class JoinPage(FormPage):
    def __init__(self, tab: Tab, slug: str):
        super().__init__(tab, path=f"/mon-espace/rejoindre/{slug}/")

    def send(self, message: str) -> None:
        self.field("message").fill(message)
        self.submit(self.main.locator('form[method="post"] button[type="submit"]'))


class MembersPage(FormPage):
    def __init__(self, tab: Tab, slug: str):
        super().__init__(tab, path=f"/mon-espace/organisations/{slug}/membres/")
        self.slug = slug

    @property
    def join_requests(self) -> Locator:
        return self.main.locator("ul.join-requests > li")

    def accept(self, join_request_pk: int) -> None:
        action = f"/mon-espace/organisations/{self.slug}/demandes/{join_request_pk}/accepter/"
        self.submit(self.main.locator(f'form[action="{action}"] button[type="submit"]'))


class SpaceOrganizationPage(FormPage):
    """An organisation's page in the partner space."""

    def __init__(self, tab: Tab, slug: str):
        super().__init__(tab, path=f"/mon-espace/organisations/{slug}/")
        self.slug = slug

    @property
    def edit_link(self) -> Locator:
        return self.main.locator(f'a[href="/mon-espace/organisations/{self.slug}/profil/"]')

    @property
    def revisions(self) -> Locator:
        return self.main.locator("#profile-heading ~ table tbody tr")


class OrganizationEditPage(FormPage):
    """The partner edits its organisation's profile: preview, then save."""

    def __init__(self, tab: Tab, slug: str):
        super().__init__(tab, path=f"/mon-espace/organisations/{slug}/profil/")

    @property
    def form(self) -> Locator:
        return self.main.locator("form.profile-form")

    @property
    def description_fr(self) -> Locator:
        return self.form.locator('[name="description_fr"]')

    @property
    def preview_button(self) -> Locator:
        return self.form.locator('button[name="action"][value="preview"]')

    @property
    def save_button(self) -> Locator:
        return self.form.locator('button[name="action"][value="save"]')

    @property
    def preview(self) -> Locator:
        return self.main.locator("section.preview")


class ModerationQueuePage(FormPage):
    path = "/moderation/"

    def review_link(self, revision_pk: int) -> Locator:
        return self.main.locator(f'a[href="/moderation/modifications/{revision_pk}/"]')


class ReviewPage(FormPage):
    def __init__(self, tab: Tab, revision_pk: int):
        super().__init__(tab, path=f"/moderation/modifications/{revision_pk}/")

    def _decision(self, action: str) -> Locator:
        return self.main.locator(f'form:has(input[name="action"][value="{action}"])')

    def approve(self) -> None:
        self.submit(self._decision("approve").locator('button[type="submit"]'))

    def refuse(self, reason: str) -> None:
        form = self._decision("reject")
        form.locator('[name="reason"]').fill(reason)
        self.submit(form.locator('button[type="submit"]'))
