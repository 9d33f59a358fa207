"""The signed-in account pages in a real browser: no Content Security Policy
refusal, no script error, no axe-core (WCAG 2.1 A/AA) violation.

Covers allauth's pages rendered in our layout (email addresses, with a pending
unconfirmed second address, and password change) and our own (profile, personal
data, account deletion), each also with its form's errors shown."""

from __future__ import annotations

import pytest
from allauth.account.models import EmailAddress
from django.urls import reverse
from playwright.sync_api import expect

from helice.accounts.tests.factories import UserFactory

from .pages import BasePage
from .test_security_browser import RECORD_VIOLATIONS, PolicyWatch

pytestmark = pytest.mark.browser


@pytest.fixture
def person(transactional_db):
    user = UserFactory(verified=True, email="camille@example.org", display_name="Camille")
    EmailAddress.objects.create(user=user, email="camille@work.example.org", verified=False, primary=False)
    return user


@pytest.fixture
def watched(signed_in, person):
    tab = signed_in(person)
    recorder = PolicyWatch(tab)
    tab.page.context.add_init_script(RECORD_VIOLATIONS)
    tab.page.on("console", recorder.on_console)
    return tab, recorder


@pytest.mark.parametrize(
    "url_name", ["account_email", "account_change_password", "accounts:profile", "accounts:privacy", "accounts:delete"]
)
def test_account_page_trips_no_policy_and_is_accessible(watched, url_name):
    tab, watch = watched
    page = BasePage(tab, path=reverse(url_name)).open()  # axe-core, script errors, outside requests
    expect(page.h1).to_be_visible()
    expect(tab.page.locator("header")).to_contain_text("Camille")  # signed in, in our layout
    assert tab.page.evaluate("() => document.querySelectorAll('[style]').length") == 0
    watch.assert_clean(url_name)


def test_email_page_lists_the_pending_address_and_its_errors_are_accessible(watched):
    tab, watch = watched
    page = BasePage(tab, path=reverse("account_email")).open()
    expect(page.main.get_by_text("camille@work.example.org")).to_be_visible()
    expect(page.main.locator("fieldset legend")).to_be_visible()
    # an invalid address to add: the error comes back in the page, linked to the field
    page.main.get_by_label("Courriel").fill("not-an-address")
    page.main.locator('button[name="action_add"]').click()
    tab.page.wait_for_load_state("load")
    field = page.main.locator("#id_email")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_attribute("aria-describedby", "id_email_error")
    expect(page.main.locator("#id_email_error")).to_be_visible()
    page.loaded()
    watch.assert_clean("email page with an error")


@pytest.mark.parametrize("url_name", ["accounts:profile", "accounts:delete"])
def test_our_forms_with_errors_are_accessible(watched, url_name):
    tab, watch = watched
    page = BasePage(tab, path=reverse(url_name)).open()
    form = page.main.locator("form.account-form")
    for field in form.locator("input:not([type=hidden]):not([type=radio])").all():
        field.fill("")
    form.locator('button[type="submit"]').click()
    tab.page.wait_for_load_state("load")
    expect(page.main.locator(".form-error-summary")).to_be_visible()
    page.loaded()
    watch.assert_clean(f"{url_name} with errors")
