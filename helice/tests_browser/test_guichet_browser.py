"""The guichet in a real browser: the finder from free text to a service page,
the dead end, and the service list with a facet; axe-core on every page."""

import datetime

import pytest
from playwright.sync_api import expect

from .pages import BasePage, FormPage

pytestmark = pytest.mark.browser


@pytest.fixture
def catalogue(transactional_db):
    from helice.directory.tests.factories import OrganizationFactory, SectorFactory
    from helice.guichet import services
    from helice.guichet.models import Need, Stage
    from helice.guichet.tests.factories import ServiceFactory

    services.taxonomy_load()
    needs = {n.code: n for n in Need.objects.all()}
    stages = {s.code: s for s in Stage.objects.all()}
    SectorFactory(slug="sante", name_fr="Santé")
    OrganizationFactory(name="Grenoble-Alpes Métropole", slug="grenoble-alpes-metropole")
    provider = OrganizationFactory(name="Accélérateur des Alpes")
    industrial = ServiceFactory(
        name="Accélérateur industriel",
        kind="industrialisation",
        providers=[provider],
        needs=[needs["industrialise-prototype"]],
        stages=[stages["industrialisation"]],
        summary_fr="Passer du prototype à la présérie.",
        how_to_apply_fr="Présentez votre projet à l'accélérateur.",
    )
    ServiceFactory(
        name="Appel à candidatures locaux",
        kind="hosting",
        call=True,
        closes_on=datetime.date.today() + datetime.timedelta(days=10),
        needs=[needs["premises-office"]],
        stages=[stages["creation"]],
    )
    return {"industrial": industrial}


def test_finder_from_free_text_to_the_service(tab, catalogue):
    finder = FormPage(tab, "/guichet/").open()
    tab.page.get_by_label("Décrivez ce que vous cherchez").fill(
        "je cherche un financement pour industrialiser mon prototype"
    )
    finder.submit(tab.page.get_by_role("button", name="Voir les dispositifs adaptés"))
    results = tab.page.locator("#finder-results")
    expect(results.get_by_role("heading", level=2)).to_contain_text("1 dispositif convient")
    expect(results).to_contain_text("Ce que nous avons compris")
    # The understood criteria are ticked, so the person can correct them.
    expect(tab.page.locator("#need-industrialise-prototype")).to_be_checked()
    expect(results.locator(".reasons").first).to_contain_text("Répond à votre besoin")
    assert "q=je+cherche" in tab.page.url  # shareable
    link = results.get_by_role("link", name="Accélérateur industriel").first
    with tab.page.expect_navigation():
        link.click()
    detail = BasePage(tab)
    detail.loaded()
    expect(detail.h1).to_have_text("Accélérateur industriel")


def test_finder_dead_end_shows_the_way_out(tab, catalogue):
    FormPage(tab, "/guichet/").open("need=protect-patent&stage=idea")
    page = tab.page
    expect(page.get_by_role("heading", name="Aucun dispositif ne convient à toutes vos réponses")).to_be_visible()
    expect(page.locator("#finder-results")).to_contain_text("sans vos besoins")
    expect(page.get_by_role("link", name="Contacter Grenoble-Alpes Métropole")).to_be_visible()


def test_service_list_filters_by_availability(tab, catalogue):
    listing = BasePage(tab, "/guichet/dispositifs/").open()
    expect(tab.page.locator("#results-heading")).to_have_text("2 dispositifs")
    tab.page.locator("#f-availability-open").check()
    listing.wait_for_htmx()
    expect(tab.page.locator("#results-heading")).to_have_text("1 dispositif")
    assert "availability=open" in tab.page.url
    listing.loaded()


def test_member_edits_a_service_with_a_preview(signed_in, catalogue):
    from helice.accounts.tests.membership_factories import MembershipFactory

    service = catalogue["industrial"]
    provider = service.providers.get()
    tab = signed_in(MembershipFactory(organization=provider).user)
    FormPage(tab, f"/mon-espace/organisations/{provider.slug}/").open()
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name=f"Modifier {service.name}").click()
    edit = FormPage(tab)
    edit.loaded()
    tab.page.locator("#id_summary_fr").fill("Douze mois pour passer en présérie.")
    edit.submit(tab.page.locator("button[value=preview]"))
    expect(tab.page.locator("#preview-heading")).to_be_visible()
    expect(tab.page.locator(".preview")).to_contain_text("Douze mois pour passer en présérie.")
    edit.submit(tab.page.locator("button[value=save]"))
    expect(tab.page.locator(".messages")).to_contain_text("relecture")
