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


def test_evaluation_report_in_both_languages_and_in_print(tab, plan):
    """The report for a period, checked by axe-core in French and in English; printed,
    it keeps the report and leaves out the site's menus and the period form."""
    import datetime

    from helice.strategy.tests.factories import measure

    for year, value in ((2021, 110), (2022, 125), (2023, 140)):
        measure(plan["jobs"], datetime.date(year, 1, 1), value)
    measure(plan["startups"], datetime.date(2023, 11, 1), 10)
    measure(plan["startups"], datetime.date(2023, 12, 1), 8)

    report = BasePage(tab, "/strategie/rapport/").open("du=2022-01-01&au=2023-12-31")
    assert report.lang == "fr"
    expect(report.main.locator(".report-period")).to_contain_text("1 janvier 2022")
    expect(report.main.locator("svg.sparkline")).to_have_count(2)
    expect(report.main.locator(".trend-up")).to_contain_text("↑")
    expect(report.main.locator('a[href="/strategie/rapport.pdf?du=2022-01-01&au=2023-12-31"]')).to_be_visible()
    tab.page.emulate_media(media="print")
    expect(tab.page.locator("header.site-header")).to_be_hidden()
    expect(tab.page.locator("form.report-period-form")).to_be_hidden()
    expect(report.main.locator("table.report-indicators").first).to_be_visible()
    tab.page.emulate_media(media="screen")

    english = BasePage(tab, "/strategie/rapport/").open("du=2022-01-01&au=2023-12-31", language="en")
    assert english.lang == "en"
    expect(english.main.locator(".report-period")).to_contain_text("Jan. 1, 2022")
    expect(english.main.locator('a[href="/en/strategie/rapport.pdf?du=2022-01-01&au=2023-12-31"]')).to_be_visible()
