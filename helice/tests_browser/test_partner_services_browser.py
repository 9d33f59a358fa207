"""A partner proposes a new service from its space, with a preview; a moderator
publishes it; it then has its public page. axe-core on every page."""

import pytest
from playwright.sync_api import expect

from .pages import BasePage, FormPage

pytestmark = pytest.mark.browser


@pytest.fixture
def provider(transactional_db):
    from helice.directory.tests.factories import OrganizationFactory
    from helice.guichet import services

    services.taxonomy_load()
    return OrganizationFactory(name="Incubateur Belledonne", slug="incubateur-belledonne")


def test_member_proposes_a_service_that_a_moderator_publishes(signed_in, provider):
    from helice.accounts.tests.factories import UserFactory
    from helice.accounts.tests.membership_factories import MembershipFactory

    tab = signed_in(MembershipFactory(organization=provider).user)
    FormPage(tab, f"/mon-espace/organisations/{provider.slug}/").open()
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Proposer un nouveau dispositif").click()
    form = FormPage(tab)
    form.loaded()
    tab.page.get_by_label("Nom (français)").fill("Prêt d'honneur Belledonne")
    tab.page.get_by_label("Type de dispositif").select_option("honour_loan")
    tab.page.locator("#id_summary_fr").fill("Un prêt à taux zéro pour les créateurs.")
    form.submit(tab.page.locator("button[value=preview]"))
    expect(tab.page.locator(".preview")).to_contain_text("Un prêt à taux zéro pour les créateurs.")
    expect(tab.page.locator(".preview")).to_contain_text("Prêt d'honneur")
    form.submit(tab.page.locator("button[value=save]"))
    expect(form.messages).to_contain_text("relecture")
    expect(tab.page.locator("main")).to_contain_text("Nouveau dispositif, pas encore public")

    moderation = signed_in(UserFactory(moderator=True))
    queue = FormPage(moderation, "/moderation/").open()
    with moderation.page.expect_navigation():
        moderation.page.get_by_role("link", name="Prêt d'honneur Belledonne").click()
    queue.loaded()
    expect(moderation.page.locator("main")).to_contain_text("le rend public")
    queue.submit(moderation.page.get_by_role("button", name="Publier cette modification"))

    public = BasePage(moderation, "/guichet/dispositifs/pret-dhonneur-belledonne/").open()
    expect(public.h1).to_have_text("Prêt d'honneur Belledonne")
