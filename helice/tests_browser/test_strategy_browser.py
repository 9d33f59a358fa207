"""The strategy in a real browser: a strategy manager enters a month of values and
the public pages show the new status; axe-core on every page, chart and map included."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from .pages import BasePage, FormPage

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(transactional_db):
    from helice.strategy.tests.factories import make_plan

    return make_plan()


def test_manager_enters_values_and_the_dashboard_follows(signed_in, tab, plan):
    from helice.accounts.tests.factories import UserFactory

    overview = BasePage(tab, "/strategie/").open()
    expect(overview.main.locator(".kpi-no_data").first).to_be_visible()

    manager = signed_in(UserFactory(strategy_manager=True))
    month = timezone.localdate().replace(day=1).isoformat()
    grid = FormPage(manager, f"/strategie/saisie/?period={month}").open()
    manager.page.locator(f'input[name="value-{plan["startups"].pk}"]').fill("12")
    manager.page.locator(f'input[name="value-{plan["jobs"].pk}"]').fill("190")
    grid.submit(manager.page.get_by_role("button", name="Enregistrer les valeurs"))
    expect(grid.messages).to_contain_text("2 valeur(s) enregistrée(s)")

    overview = BasePage(tab, "/strategie/").open()
    expect(overview.main.get_by_text("En bonne voie").first).to_be_visible()
    indicator = BasePage(tab, "/strategie/indicateurs/1.1.1/").open()
    expect(indicator.main.locator("svg.chart")).to_be_visible()
    expect(indicator.main.locator("table")).to_contain_text("190")
    BasePage(tab, "/strategie/carte/").open()
    BasePage(tab, "/strategie/actions/").open()
    BasePage(tab, "/strategie/actions/A1/").open()
    BasePage(tab, "/strategie/objectifs/1.1/").open()
