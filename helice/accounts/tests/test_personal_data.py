"""Profile, data export, account deletion and the privacy page."""

import json

import pytest
from allauth.account.models import EmailAddress
from allauth.socialaccount.models import SocialAccount
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from helice.accounts.models import User
from helice.accounts.services.profile import ProfileError, user_delete, user_export
from helice.core import personal_data

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def extra_section():
    """A section registered by a test, removed afterwards."""
    keys = []

    def add(key, exporter, eraser=None):
        personal_data.register(key, exporter, eraser, description="test section")
        keys.append(key)

    yield add
    for key in keys:
        personal_data.unregister(key)


# --- profile ---------------------------------------------------------------------


def test_profile_requires_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert reverse("account_login") in response.url


def test_profile_edit(client):
    user = UserFactory(verified=True)
    client.force_login(user)
    page = client.get(reverse("accounts:profile")).content.decode()
    assert reverse("account_email") in page and reverse("account_change_password") in page
    response = client.post(reverse("accounts:profile"), {"display_name": " Alix ", "participant_category": "student"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert (user.display_name, user.participant_category) == ("Alix", "student")


@pytest.mark.parametrize(
    "data",
    [{"display_name": "", "participant_category": ""}, {"display_name": "Alix", "participant_category": "alien"}],
)
def test_profile_bad_input_is_a_400_with_linked_errors(client, data):
    user = UserFactory(verified=True, display_name="Before")
    client.force_login(user)
    response = client.post(reverse("accounts:profile"), data)
    assert response.status_code == 400
    assert 'aria-invalid="true"' in response.content.decode()
    user.refresh_from_db()
    assert user.display_name == "Before"


# --- export ----------------------------------------------------------------------


@pytest.mark.parametrize(("url", "field"), [("accounts:profile", "display_name"), ("accounts:delete", "password")])
def test_an_empty_post_shows_the_errors(client, url, field):
    user = UserFactory(verified=True, display_name="Alix")
    client.force_login(user)
    response = client.post(reverse(url), {})
    assert response.status_code == 400
    content = response.content.decode()
    assert f'id="id_{field}_error"' in content and 'class="form-error-summary"' in content
    user.refresh_from_db()
    assert user.display_name == "Alix" and user.is_active


def test_export_holds_the_users_data_and_nothing_of_another(client, extra_section):
    user = UserFactory(verified=True, moderator=True, display_name="Alix", email="alix@example.org")
    other = UserFactory(verified=True, display_name="Other person", email="other@example.org")
    SocialAccount.objects.create(user=user, provider="proconnect", uid="agent-42")
    SocialAccount.objects.create(user=other, provider="proconnect", uid="agent-99")
    extra_section("tests.things", lambda u: [{"owner": u.pk}])
    client.force_login(user)

    response = client.get(reverse("accounts:data_export"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response["Content-Disposition"].startswith("attachment; filename=")
    data = json.loads(response.content)
    assert data["generated_at"]
    account = data["sections"]["accounts.account"]
    assert account["description"]
    assert account["data"]["profile"]["email"] == "alix@example.org"
    assert account["data"]["profile"]["display_name"] == "Alix"
    assert account["data"]["email_addresses"] == [{"email": "alix@example.org", "verified": True, "primary": True}]
    assert account["data"]["single_sign_on"][0]["uid"] == "agent-42"
    assert account["data"]["roles"] == ["moderator"]
    assert data["sections"]["tests.things"]["data"] == [{"owner": user.pk}]
    text = response.content.decode()
    assert "other@example.org" not in text and "agent-99" not in text and "Other person" not in text


def test_export_includes_sign_in_history(client):
    user = UserFactory(verified=True)
    client.post("/comptes/login/", {"login": user.email, "password": PASSWORD})
    data = user_export(user=user)
    assert len(data["sections"]["accounts.account"]["data"]["sign_in_history"]) == 1


def test_export_requires_login(client):
    assert client.get(reverse("accounts:data_export")).status_code == 302


# --- deletion --------------------------------------------------------------------


def test_delete_with_password_erases_and_keeps_the_row(client):
    user = UserFactory(verified=True, moderator=True, display_name="Alix", first_name="A", last_name="B")
    SocialAccount.objects.create(user=user, provider="franceconnect", uid="fc-1")
    AccessAttempt.objects.create(username=user.email, ip_address="203.0.113.1", user_agent="x", failures_since_start=1)
    email, username = user.email, user.username
    client.post("/comptes/login/", {"login": email, "password": PASSWORD})
    assert AccessLog.objects.filter(username=username).exists()  # axes logs sign-ins by username
    other_session = client.session.session_key

    response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") is None

    user = User.objects.get(pk=user.pk)  # the row stays for public contributions
    assert user.email is None
    assert (user.first_name, user.last_name, user.display_name, user.participant_category) == ("", "", "", "")
    assert user.username == f"deleted-{user.pk}"
    assert not user.has_usable_password() and not user.is_active
    assert user.deleted_at is not None
    assert user.public_name == "Compte supprimé"
    assert not user.groups.exists()
    assert not EmailAddress.objects.filter(user=user).exists()
    assert not SocialAccount.objects.filter(user=user).exists()
    assert not AccessAttempt.objects.filter(username=email).exists()
    assert not AccessLog.objects.filter(username=username).exists()
    assert not Session.objects.filter(session_key=other_session).exists()

    # cannot sign in again
    response = client.post("/comptes/login/", {"login": email, "password": PASSWORD})
    assert client.session.get("_auth_user_id") is None


def _axes_rows(username):
    now = timezone.now()
    AccessAttempt.objects.create(username=username, ip_address="203.0.113.1", user_agent="x", failures_since_start=1)
    AccessLog.objects.create(username=username, ip_address="203.0.113.1", user_agent="x", attempt_time=now)
    AccessFailureLog.objects.create(username=username, ip_address="203.0.113.1", user_agent="x", attempt_time=now)


def test_delete_erases_sign_in_records_under_every_address():
    user = UserFactory(verified=True, email="home@example.org")
    EmailAddress.objects.create(user=user, email="Work@Example.org", verified=True, primary=False)
    EmailAddress.objects.create(user=user, email="pending@example.org", verified=False, primary=False)
    for name in ("home@example.org", "work@example.org", "pending@example.org", user.username):
        _axes_rows(name)
    _axes_rows("someone.else@example.org")

    user_delete(user=user)

    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        assert list(model.objects.values_list("username", flat=True)) == ["someone.else@example.org"], model


def test_delete_clears_the_sign_in_and_sign_up_dates():
    user = UserFactory(verified=True)
    user.last_login = timezone.now() - timezone.timedelta(days=3)
    user.date_joined = timezone.now() - timezone.timedelta(days=400)
    user.save()
    user_delete(user=user)
    user = User.objects.get(pk=user.pk)
    assert user.last_login is None
    assert user.date_joined == user.deleted_at  # the column cannot be empty: no trace of the real date


def test_delete_reads_no_session_and_another_session_is_signed_out(client):
    user = UserFactory(verified=True)
    elsewhere = Client()
    elsewhere.force_login(user)  # signed in on another device
    assert elsewhere.get(reverse("accounts:profile")).status_code == 200
    client.force_login(user)

    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("accounts:delete"), {"password": PASSWORD})
    assert response.status_code == 302
    # only this request's own session is read (by its key): the site's sessions are not scanned
    session_reads = [q["sql"] for q in queries if "django_session" in q["sql"] and "SELECT" in q["sql"].upper()]
    assert all('"django_session"."session_key" =' in sql for sql in session_reads), session_reads

    # the other device's next request is anonymous (inactive account, stale session hash)
    response = elsewhere.get(reverse("accounts:profile"))
    assert response.status_code == 302 and reverse("account_login") in response.url
    assert elsewhere.get(reverse("core:home")).context["user"].is_anonymous


def test_delete_with_wrong_password_is_a_400_and_changes_nothing(client):
    user = UserFactory(verified=True)
    client.force_login(user)
    response = client.post(reverse("accounts:delete"), {"password": "wrong"})
    assert response.status_code == 400
    assert 'id="id_password_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.is_active and user.deleted_at is None


def test_sso_user_without_password_confirms_with_email(client):
    user = UserFactory(verified=True, password=None)
    user.set_unusable_password()
    user.save()
    client.force_login(user)
    page = client.get(reverse("accounts:delete")).content.decode()
    assert 'name="email"' in page and 'name="password"' not in page
    assert client.post(reverse("accounts:delete"), {"email": "someone@else.org"}).status_code == 400
    response = client.post(reverse("accounts:delete"), {"email": user.email.upper()})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.is_deleted


def test_deletion_is_atomic_when_an_eraser_fails(extra_section):
    user = UserFactory(verified=True, display_name="Alix")

    def failing(u):
        raise RuntimeError("eraser failed")

    extra_section("tests.failing", lambda u: None, failing)
    with pytest.raises(RuntimeError):
        user_delete(user=user)
    user.refresh_from_db()
    assert user.display_name == "Alix" and user.is_active and user.deleted_at is None
    assert EmailAddress.objects.filter(user=user).exists()  # the accounts eraser was rolled back


def test_every_eraser_is_called(extra_section):
    user = UserFactory(verified=True)
    called = []
    extra_section("tests.called", lambda u: None, lambda u: called.append(u.pk))
    user_delete(user=user)
    assert called == [user.pk]


def test_deleting_twice_is_refused():
    user = UserFactory(verified=True)
    user_delete(user=user)
    with pytest.raises(ProfileError):
        user_delete(user=User.objects.get(pk=user.pk))


# --- privacy page ----------------------------------------------------------------


def test_privacy_page_in_french_and_english(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = ""
    french = client.get("/mon-espace/donnees-personnelles/")
    assert french.status_code == 200
    assert '<html lang="fr">' in french.content.decode()
    assert reverse("core:legal") in french.content.decode()
    english = client.get("/en/mon-espace/donnees-personnelles/")
    assert english.status_code == 200
    content = english.content.decode()
    assert '<html lang="en">' in content and "Your personal data" in content


def test_privacy_page_states_how_long_sign_in_records_are_kept(client, settings):
    settings.SIGN_IN_RECORDS_DAYS = 45
    content = client.get("/en/mon-espace/donnees-personnelles/").content.decode()
    assert "Sign-in records (date, IP address, browser) are kept 45 days, then erased." in content


def test_privacy_page_shows_the_contact_address_when_set(client, settings):
    settings.PRIVACY_CONTACT_EMAIL = "dpo@example.org"
    assert "mailto:dpo@example.org" in client.get("/mon-espace/donnees-personnelles/").content.decode()


def test_privacy_page_is_linked_from_the_footer(client):
    assert reverse("accounts:privacy") in client.get("/").content.decode()
