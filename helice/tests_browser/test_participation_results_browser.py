"""A consultation's results in a real browser: reached from the consultation's page,
bars with their words and numbers and the same figures as tables, the open-data
downloads; axe-core (WCAG 2.1 A/AA) on both pages."""

import pytest
from playwright.sync_api import expect

from .pages import BasePage

pytestmark = pytest.mark.browser


@pytest.fixture
def consultation(transactional_db):
    from helice.accounts.tests.factories import UserFactory
    from helice.participation.tests.factories import (
        CommentFactory,
        ConsultationFactory,
        OpinionFactory,
        ProposalFactory,
    )

    consultation = ConsultationFactory(title_fr="Politique d'innovation", slug="innovation")
    first = ProposalFactory(consultation=consultation, title_fr="Observatoire de la création", slug="observatoire")
    ProposalFactory(consultation=consultation, title_fr="Fonds d'amorçage", slug="fonds", rejected=True)
    for category, value in (("citizen", "agree"), ("company", "agree"), ("student", "disagree")):
        OpinionFactory(proposal=first, user=UserFactory(participant_category=category), value=value)
    CommentFactory(proposal=first, body="Une remarque.")
    CommentFactory(proposal=first, body="Caché", hidden=True)
    return consultation


def test_results_page_from_the_consultation(tab, consultation):
    page = BasePage(tab, "/concertation/innovation/").open()
    page.main.get_by_role("link", name="Résultats et données ouvertes").click()
    results = BasePage(tab, "/concertation/innovation/resultats/")
    results.loaded()
    main = results.main
    expect(main.get_by_role("heading", level=1)).to_contain_text("Résultats de la concertation")
    # Each bar is an image named by the words beside it.
    bar = main.locator("svg.results-bar").first
    expect(bar).to_have_attribute("role", "img")
    words = main.locator(f"#{bar.get_attribute('aria-labelledby')}")
    expect(words).to_contain_text("D'accord")
    # The same figures as tables.
    expect(main.get_by_role("table", name="Les mêmes chiffres sous forme de tableau")).to_contain_text(
        "Observatoire de la création"
    )
    expect(main.get_by_role("table", name="Participants et leurs avis par catégorie")).to_be_visible()
    expect(main.get_by_role("link", name="CSV").first).to_have_attribute(
        "href", "/concertation/innovation/donnees/propositions.csv"
    )
    expect(main).to_contain_text("Non retenue.")
