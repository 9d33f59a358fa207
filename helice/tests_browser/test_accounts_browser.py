"""Accounts, partner space and moderation in a real browser.

Every page load (and every page a form submission lands on) is checked by the
page objects: a success status, no script error, no request leaving the site and
no axe-core WCAG 2.1 A/AA violation. Elements are found by name attributes, URLs
and ids rather than by visible text, which may not be translated into French yet.
"""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import expect

from .pages import (
    DetailPage,
    EmailConfirmPage,
    JoinPage,
    LoginPage,
    MembersPage,
    ModerationQueuePage,
    MySpacePage,
    OrganizationEditPage,
    ReviewPage,
    SignupPage,
    SpaceOrganizationPage,
)

pytestmark = pytest.mark.browser

MY_SPACE = "/mon-espace/"


def _confirmation_path(address: str) -> str:
    messages = [m for m in mail.outbox if address in m.to]
    assert len(messages) == 1, f"expected one email to {address}, the outbox holds: {[m.to for m in mail.outbox]}"
    match = re.search(r"https?://\S+?(/comptes/confirm-email/\S+?/)(\s|$)", messages[0].body)
    assert match, f"no confirmation link in the email:\n{messages[0].body}"
    return match.group(1)


def test_sign_up_confirm_the_address_then_log_in(tab, transactional_db):
    from allauth.account.models import EmailAddress

    from helice.accounts.models import User
    from helice.accounts.tests.factories import PASSWORD

    signup = SignupPage(tab).open()
    signup.sign_up(email="camille@example.org", display_name="Camille", password=PASSWORD, category="researcher")

    assert signup.path_now != SignupPage.path, "the sign-up form came back: it was refused"
    user = User.objects.get(email="camille@example.org")
    assert user.display_name == "Camille"
    assert not EmailAddress.objects.get(user=user).verified

    confirm = EmailConfirmPage(tab, path=_confirmation_path("camille@example.org")).open()
    confirm.confirm()
    assert EmailAddress.objects.get(user=user).verified

    login = LoginPage(tab)
    if login.path_now != LoginPage.path:
        login.open()
    login.log_in(email="Camille@Example.org", password=PASSWORD)  # the address in any case

    space = MySpacePage(tab)
    assert space.path_now == MY_SPACE, f"after logging in the browser is at {space.path_now}"
    expect(space.h1).to_be_visible()
