"""Fixtures for the browser tests: one Chromium per session, a fresh context per test.

Chromium is Debian's (``/usr/bin/chromium``), never one downloaded by
``playwright install``: the tests must run offline. Every request that is not
addressed to the live server is aborted and recorded, so a page that would call
a CDN or a tile server is caught instead of silently reaching the network.
"""

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Playwright, sync_playwright

from .pages import Tab

CHROMIUM = Path(os.environ.get("HELICE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
    "--no-first-run",
]
# Generous for a loaded CI machine, short enough to fail fast (Playwright's default is 30 s).
TIMEOUT_MS = 10_000


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    """Playwright's sync API, with Django's async-safety guard lifted while it runs.

    The sync API drives an asyncio event loop from a greenlet *in the test thread*,
    and that loop stays "running" for as long as Playwright is started. Django sees
    the running loop and refuses every ORM call from that thread with
    ``SynchronousOnlyOperation`` -- factories, ``transactional_db``'s flush, and any
    other test that runs afterwards in the same session. Our ORM calls are plain
    synchronous code that never runs inside a coroutine, so the guard's worry does
    not apply: we set ``DJANGO_ALLOW_ASYNC_UNSAFE`` for exactly Playwright's lifetime
    and restore the previous value when it stops.
    """
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    manager = sync_playwright().start()
    try:
        yield manager
    finally:
        manager.stop()
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    if not CHROMIUM.exists():
        reason = (
            f"Chromium not found at {CHROMIUM}: install Debian's package (apt-get install chromium) "
            "or set HELICE_CHROMIUM. Browser tests never download a browser."
        )
        if _in_ci():
            pytest.fail(f"{reason} Browser tests must not be skipped in CI.")
        pytest.skip(reason)
    chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
    yield chromium
    chromium.close()


@pytest.fixture
def new_tab(browser: Browser, live_server, transactional_db):
    """Factory: ``new_tab(java_script_enabled=False)`` opens a page in a fresh context
    whose requests can only reach the live server."""
    base_url = live_server.url.rstrip("/")
    contexts: list[BrowserContext] = []

    def _new_tab(**context_options) -> Tab:
        context_options.setdefault("locale", "fr-FR")
        context_options.setdefault("viewport", {"width": 1280, "height": 900})
        context = browser.new_context(base_url=base_url, **context_options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        tab = Tab(
            page=context.new_page(),
            base_url=base_url,
            javascript=context_options.get("java_script_enabled", True),
        )

        def route(route):
            url = route.request.url
            if url == base_url or url.startswith(base_url + "/"):
                route.continue_()
            else:
                tab.outside_requests.append(url)
                route.abort("blockedbyclient")

        context.route("**/*", route)
        tab.page.on("pageerror", lambda error: tab.script_errors.append(str(error)))
        return tab

    yield _new_tab
    for context in contexts:
        context.close()


@pytest.fixture
def tab(new_tab) -> Tab:
    """A fresh browser tab (JavaScript on, French browser locale)."""
    return new_tab()


@pytest.fixture
def ecosystem(transactional_db):
    """A small ecosystem: ten published organisations (four located), one draft."""
    from helice.directory.models import HelixStrand, OrganizationKind
    from helice.directory.tests.factories import CommuneFactory, OrganizationFactory, SectorFactory

    digital = SectorFactory(name_fr="Numérique", name_en="Digital", slug="numerique")
    health = SectorFactory(name_fr="Santé", name_en="Health", slug="sante")
    industry = SectorFactory(name_fr="Industrie", name_en="Industry", slug="industrie")
    grenoble = CommuneFactory(name="Grenoble", insee_code="38185", slug="grenoble")
    meylan = CommuneFactory(name="Meylan", insee_code="38229", slug="meylan", latitude=45.209, longitude=5.78)
    echirolles = CommuneFactory(name="Échirolles", insee_code="38151", slug="echirolles", latitude=45.144)

    def located(lat, lon):
        return {"latitude": lat, "longitude": lon, "location_precision": "address"}

    org = OrganizationFactory
    orgs = {
        "minalogic": org(
            name="Minalogic",
            kind=OrganizationKind.COMPETITIVENESS_CLUSTER,
            sectors=[digital],
            commune=grenoble,
            **located(45.1885, 5.7245),
        ),
        "energies": org(
            name="Énergies Alpines",
            sectors=[industry],
            commune=echirolles,
            **located(45.1440, 5.7190),
            description_fr="Stockage et réseaux pour la transition des vallées alpines.",
        ),
        "lab": org(
            name="Laboratoire des Cimes",
            kind=OrganizationKind.RESEARCH_LAB,
            helix=HelixStrand.RESEARCH,
            sectors=[health],
            commune=grenoble,
            **located(45.1930, 5.7630),
        ),
        "edelweiss": org(
            name="Édelweiss Robotique",
            kind=OrganizationKind.STARTUP,
            sectors=[industry, digital],
            commune=meylan,
            **located(45.2090, 5.7800),
        ),
        "sensors": org(name="Capteurs de l'Isère", kind=OrganizationKind.STARTUP, sectors=[health], commune=grenoble),
        "nursery": org(name="Pépinière Belledonne", kind=OrganizationKind.INCUBATOR, sectors=[digital], commune=meylan),
        "fund": org(name="Fonds Chartreuse", kind=OrganizationKind.INVESTOR, helix=HelixStrand.INDUSTRY),
        "third_place": org(name="Tiers-lieu du Vercors", kind=OrganizationKind.THIRD_PLACE, commune=echirolles),
        "school": org(
            name="École du Drac", kind=OrganizationKind.HIGHER_EDUCATION, helix=HelixStrand.EDUCATION, commune=grenoble
        ),
        "agency": org(name="Agence Oisans", kind=OrganizationKind.PUBLIC_BODY, helix=HelixStrand.PUBLIC),
    }
    draft = org(name="Énergie Brouillon", draft=True, commune=grenoble)
    return {**orgs, "draft": draft}


@pytest.fixture
def signed_in(new_tab):
    """Factory: ``signed_in(user)`` opens a tab in a fresh context already signed in
    as ``user`` (Django's test client logs in, its session cookie is copied into the
    browser), to skip the login form where a test is not about it."""
    from django.conf import settings
    from django.test import Client

    def _signed_in(user, **context_options) -> Tab:
        client = Client()
        client.force_login(user, backend="django.contrib.auth.backends.ModelBackend")
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        tab = new_tab(**context_options)
        tab.page.context.add_cookies(
            [{"name": settings.SESSION_COOKIE_NAME, "value": cookie.value, "url": tab.base_url + "/"}]
        )
        return tab

    return _signed_in
