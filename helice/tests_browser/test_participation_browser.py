"""Participation in a real browser: a participant signs in, gives an opinion on a
proposal (htmx), changes it, withdraws it, suggests an idea that a moderator then
publishes; the same opinion without JavaScript; axe-core on every page and after
every partial update."""

import re

import pytest
from playwright.sync_api import expect

from .pages import BasePage, FormPage, LoginPage

pytestmark = pytest.mark.browser


@pytest.fixture
def consultation(transactional_db):
    from helice.participation.tests.factories import ConsultationFactory, ObjectiveFactory, ProposalFactory

    objective = ObjectiveFactory(code="3.1", title_fr="Favoriser la création d'entreprises innovantes")
    consultation = ConsultationFactory(
        title_fr="Politique d'innovation",
        slug="innovation",
        objectives=[objective],
        questions=[{"fr": "Comment renforcer la coopération entre entreprises ?", "en": ""}],
    )
    ProposalFactory(
        consultation=consultation,
        title_fr="Créer un observatoire de la création innovante",
        slug="observatoire",
        objective=objective,
        reference="3.1.2",
    )
    ProposalFactory(consultation=consultation, title_fr="Ouvrir un fonds local d'amorçage", slug="fonds")
    return consultation


@pytest.fixture
def participant(transactional_db):
    from helice.accounts.tests.factories import PASSWORD, UserFactory

    user = UserFactory(verified=True, participant_category="company", email="lea@example.org")
    return user, PASSWORD


def opinion_block(page: BasePage):
    return page.main.locator("#opinion")


def test_participant_gives_changes_withdraws_an_opinion_and_suggests_an_idea(tab, consultation, participant):
    user, password = participant
    listing = BasePage(tab, "/concertation/").open()
    expect(listing.main.get_by_role("link", name="Politique d'innovation")).to_be_visible()
    page = BasePage(tab, "/concertation/innovation/").open()
    expect(page.main.get_by_text("Comment renforcer la coopération entre entreprises ?")).to_be_visible()
    # Filters update the list in place and the address keeps them.
    page.main.get_by_label("Ordre").select_option("newest")
    page.wait_for_htmx()
    page.loaded()
    assert page.query_now.get("sort") == ["newest"]

    login = LoginPage(tab).open()
    login.log_in(email=user.email, password=password)

    proposal = FormPage(tab, "/concertation/innovation/propositions/observatoire/").open()
    block = opinion_block(proposal)
    expect(block).to_contain_text("0 avis donné")
    block.get_by_role("button", name="D'accord", exact=True).click()
    proposal.wait_for_htmx()
    expect(block).to_contain_text("Votre avis est enregistré.")
    expect(block).to_contain_text("1 avis donné")
    expect(block.get_by_role("button", name=re.compile("^D'accord"))).to_have_attribute("aria-pressed", "true")
    proposal.loaded()

    opinion_block(proposal).get_by_role("button", name="Mitigé").click()
    proposal.wait_for_htmx()
    block = opinion_block(proposal)
    expect(block.get_by_role("button", name=re.compile("Mitigé"))).to_have_attribute("aria-pressed", "true")
    expect(block).to_contain_text("Mitigé : 1 (100 %)")
    expect(block).to_contain_text("D'accord : 0 (0 %)")
    proposal.loaded()

    block.get_by_role("button", name="Retirer mon avis").click()
    proposal.wait_for_htmx()
    expect(opinion_block(proposal)).to_contain_text("Votre avis est retiré.")
    expect(opinion_block(proposal)).to_contain_text("0 avis donné")
    proposal.loaded()
    opinion_block(proposal).get_by_role("button", name="D'accord", exact=True).click()
    proposal.wait_for_htmx()
    expect(opinion_block(proposal)).to_contain_text("1 avis donné")

    idea = FormPage(tab, "/concertation/innovation/proposer/").open()
    idea.field("title").fill("Un annuaire des plateformes techniques")
    idea.field("body").fill("Recenser les plateformes techniques ouvertes aux PME, avec leurs conditions d'accès.")
    idea.field("objective").select_option("3.1")
    idea.submit(idea.main.get_by_role("button", name="Envoyer mon idée"))
    expect(idea.messages).to_contain_text("Elle sera publiée après lecture par la modération.")
    expect(idea.main.locator("h1")).to_have_text("Un annuaire des plateformes techniques")
    expect(idea.main).to_contain_text("Cette idée attend la modération")


def test_moderator_publishes_a_submitted_idea(signed_in, consultation):
    from helice.accounts.tests.factories import UserFactory
    from helice.participation.tests.factories import ProposalFactory

    ProposalFactory(consultation=consultation, submitted=True, title_fr="Une idée à relire", slug="a-relire")
    moderator = signed_in(UserFactory(moderator=True, verified=True))
    page = FormPage(moderator, "/concertation/innovation/propositions/a-relire/").open()
    page.main.get_by_label("Nouvel état").select_option("published")
    page.submit(page.main.get_by_role("button", name="Changer l'état"))
    expect(page.messages).to_contain_text("L'état de la proposition est changé.")
    expect(page.main.locator(".state")).to_contain_text("Ouverte aux avis")
    listing = BasePage(moderator, "/concertation/innovation/").open("sort=newest")
    expect(listing.main.get_by_role("link", name="Une idée à relire")).to_be_visible()


def test_opinion_without_javascript(new_tab, signed_in, consultation, participant):
    user, _password = participant
    tab = signed_in(user, java_script_enabled=False)
    page = FormPage(tab, "/concertation/innovation/propositions/fonds/").open()
    page.submit(opinion_block(page).get_by_role("button", name="Pas d'accord"))
    expect(page.messages).to_contain_text("Votre avis est enregistré.")
    assert page.path_now == "/concertation/innovation/propositions/fonds/"
    expect(opinion_block(page)).to_contain_text("Pas d'accord : 1 (100 %)")
