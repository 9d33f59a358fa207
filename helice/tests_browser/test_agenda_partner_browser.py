"""A partner adds an event from its space, with a preview; a moderator publishes
it from the moderation queue; it then shows in the agenda and has its page.
The partner also registers its calendar feed. axe-core on every page (the page
objects run it on each load)."""

import datetime

import pytest
from playwright.sync_api import expect

from .pages import BasePage, FormPage

pytestmark = pytest.mark.browser


@pytest.fixture
def partner(transactional_db):
    from helice.directory.tests.factories import OrganizationFactory

    return OrganizationFactory(name="Association Quokka", slug="association-quokka", is_trusted=False)


def test_a_partner_adds_an_event_that_a_moderator_publishes(signed_in, partner):
    from helice.accounts.tests.factories import UserFactory
    from helice.accounts.tests.membership_factories import MembershipFactory

    day = datetime.date.today() + datetime.timedelta(days=20)
    tab = signed_in(MembershipFactory(organization=partner).user)
    FormPage(tab, f"/mon-espace/organisations/{partner.slug}/").open()
    with tab.page.expect_navigation():
        tab.page.get_by_role("link", name="Ajouter un événement").click()
    form = FormPage(tab)
    form.loaded()
    tab.page.get_by_label("titre (français)").fill("Rencontres Quokka de l'hydrogène")
    tab.page.locator("#id_kind").select_option("meetup")
    tab.page.locator("#id_summary_fr").fill("Start-up et industriels de l'hydrogène se rencontrent.")
    tab.page.locator("#id_venue_name").fill("Maison de l'économie")
    tab.page.locator("#id_slots-0-start").fill(f"{day:%Y-%m-%d}T14:00")
    tab.page.locator("#id_slots-0-end").fill(f"{day:%Y-%m-%d}T18:00")
    form.submit(tab.page.locator("button[value=preview]"))
    expect(tab.page.locator(".preview")).to_contain_text("Start-up et industriels de l'hydrogène")
    expect(tab.page.locator(".preview")).to_contain_text("Maison de l'économie")
    form.submit(tab.page.locator("button[value=save]"))
    expect(form.messages).to_contain_text("relecture")
    expect(tab.page.locator("main")).to_contain_text("En attente de relecture")

    moderation = signed_in(UserFactory(moderator=True))
    queue = FormPage(moderation, "/moderation/").open()
    with moderation.page.expect_navigation():
        moderation.page.get_by_role("link", name="Rencontres Quokka de l'hydrogène").click()
    queue.loaded()
    expect(moderation.page.locator("main")).to_contain_text("le rend public")
    expect(moderation.page.locator("main")).to_contain_text(f"{day:%Y-%m-%d} 14:00 – 18:00 (Europe/Paris)")
    queue.submit(moderation.page.get_by_role("button", name="Publier cette modification"))

    agenda = BasePage(moderation, "/agenda/").open()
    link = agenda.main.get_by_role("link", name="Rencontres Quokka de l'hydrogène")
    expect(link).to_be_visible()
    with moderation.page.expect_navigation():
        link.click()
    detail = BasePage(moderation)
    detail.loaded()
    expect(detail.h1).to_have_text("Rencontres Quokka de l'hydrogène")

    mine = FormPage(tab, f"/mon-espace/organisations/{partner.slug}/agenda/").open()
    expect(mine.main).to_contain_text("Publié")


def test_a_partner_registers_its_calendar_feed_and_sees_its_state(signed_in, partner, monkeypatch):
    from helice.accounts.tests.membership_factories import MembershipFactory
    from helice.agenda import fetch

    monkeypatch.setattr(fetch, "resolve_public", lambda host, port: "93.184.216.34")  # no network
    tab = signed_in(MembershipFactory(organization=partner).user)
    page = FormPage(tab, f"/mon-espace/organisations/{partner.slug}/agenda/flux/").open()
    page.field("url").fill("https://agenda.quokka.example/evenements.ics")
    page.field("default_kind").select_option("meetup")
    page.submit(page.main.get_by_role("button", name="Enregistrer le flux"))
    expect(page.messages).to_contain_text("enregistré")
    expect(page.main).to_contain_text("https://agenda.quokka.example/evenements.ics")
    expect(page.main).to_contain_text("Jamais lu")
    page.submit(page.main.get_by_role("button", name="Mettre en pause"))
    expect(page.main).to_contain_text("En pause")
