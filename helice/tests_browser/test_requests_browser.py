"""An orientation request from end to end in a real browser: the finder, a result,
the request form, the confirmation link, the provider's inbox and answer, and the
requester reading it; axe-core on every page."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from .pages import BasePage, FormPage

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(transactional_db):
    from helice.accounts.tests.membership_factories import MembershipFactory
    from helice.directory.tests.factories import OrganizationFactory
    from helice.guichet import services
    from helice.guichet.models import Need, Stage
    from helice.guichet.tests.factories import ServiceFactory

    services.taxonomy_load()
    OrganizationFactory(name="Grenoble-Alpes Métropole", slug="grenoble-alpes-metropole")
    provider = OrganizationFactory(name="Accélérateur des Alpes")
    member = MembershipFactory(organization=provider)
    service = ServiceFactory(
        name="Accélérateur industriel",
        kind="industrialisation",
        providers=[provider],
        needs=[Need.objects.get(code="industrialise-prototype")],
        stages=[Stage.objects.get(code="industrialisation")],
    )
    return {"service": service, "member": member}


def _private_link(address: str) -> str:
    for message in reversed(mail.outbox):
        if message.to == [address]:
            found = re.search(r"https?://[^/\s]+(/demandes/suivi/[^/\s]+/)", message.body)
            if found:
                return found.group(1)
    raise AssertionError(f"no private link sent to {address}")


def test_from_the_finder_to_the_answer(tab, signed_in, catalogue):
    page = tab.page
    finder = FormPage(tab, "/guichet/").open("need=industrialise-prototype&stage=industrialisation")
    results = page.locator("#finder-results")
    expect(results).to_contain_text("Accélérateur industriel")
    with page.expect_navigation():
        results.locator(f'a[href^="/guichet/demande/?service={catalogue["service"].slug}"]').first.click()
    form = FormPage(tab)
    form.loaded()
    # The chosen service is ticked and the finder's stage carried over.
    expect(page.locator(f"#service-{catalogue['service'].slug}")).to_be_checked()
    expect(page.locator("#id_stage")).to_have_value("industrialisation")
    form.field("message").fill("Nous avons un prototype de capteur et cherchons à produire 500 unités.")
    form.field("name").fill("Ana Lopez")
    form.field("email").fill("ana@example.org")
    page.locator("#id_consent").check()
    form.submit(page.locator('button[value="send"]'))
    assert finder.path_now == "/guichet/demande/envoyee/"

    # The confirmation link: the request leaves only when the person confirms.
    link = _private_link("ana@example.org")
    track = FormPage(tab, link).open()
    track.submit(page.locator('button[value="confirm"]'))
    expect(track.messages).to_have_count(1)

    # The provider answers from the inbox.
    provider_tab = signed_in(catalogue["member"].user)
    inbox = FormPage(provider_tab, "/mon-espace/demandes/").open()
    with provider_tab.page.expect_navigation():
        inbox.main.locator("table.inbox a").first.click()
    case = FormPage(provider_tab)
    case.loaded()
    expect(case.main).to_contain_text("500 unités")
    case.submit(provider_tab.page.locator('button[value="take"]'))
    provider_tab.page.locator("#answer-message").fill("Venez présenter le prototype mardi à 10 h.")
    case.submit(provider_tab.page.locator('form:has(#answer-message) button[type="submit"]'))
    expect(case.main).to_contain_text("Venez présenter le prototype mardi à 10 h.")

    # The requester reads the answer on the private page.
    track = BasePage(tab, link).open()
    expect(track.main).to_contain_text("Venez présenter le prototype mardi à 10 h.")
    expect(track.main.locator(".status-answered")).to_have_count(1)
