"""Sign-up, email verification, login by email, password reset, email change,
rate limits and single sign-on, through HTTP."""

import os
import re
import subprocess
import sys

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from helice.accounts.models import User

from .factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP_URL = "/comptes/signup/"
LOGIN_URL = "/comptes/login/"


def _signup_data(**overrides):
    data = {
        "email": "camille@example.org",
        "display_name": "Camille",
        "participant_category": "researcher",
        "password1": PASSWORD,
        "password2": PASSWORD,
        "website": "",
    }
    data.update(overrides)
    return data


def _signed_in_user_id(client):
    return client.session.get("_auth_user_id")


def test_signup_then_confirm_then_login(client):
    response = client.post(SIGNUP_URL, _signup_data())
    assert response.status_code == 302
    user = User.objects.get(email="camille@example.org")
    assert user.display_name == "Camille"
    assert user.participant_category == "researcher"
    assert user.username.startswith("u-")  # generated, opaque
    assert _signed_in_user_id(client) is None  # not before the address is confirmed

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["camille@example.org"]
    confirm_path = re.search(r"https?://[^/]+(/comptes/confirm-email/[^\s]+/)", message.body).group(1)

    assert client.get(confirm_path).status_code == 200
    response = client.post(confirm_path)
    assert response.status_code == 302
    assert EmailAddress.objects.get(user=user).verified

    client.logout()
    response = client.post(LOGIN_URL, {"login": "Camille@Example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("accounts:my_space")
    assert _signed_in_user_id(client) == str(user.pk)


def test_unverified_user_cannot_log_in(client):
    user = UserFactory()  # address not verified
    response = client.post(LOGIN_URL, {"login": user.email, "password": PASSWORD})
    assert response.status_code == 302
    assert response.url == reverse("account_email_verification_sent")
    assert _signed_in_user_id(client) is None
    assert len(mail.outbox) == 1  # a fresh confirmation link is sent


def test_login_by_email_with_wrong_password_is_refused(client):
    user = UserFactory(verified=True)
    response = client.post(LOGIN_URL, {"login": user.email, "password": "not-the-password"})
    assert response.status_code == 200
    assert _signed_in_user_id(client) is None
    assert 'aria-invalid="true"' in response.content.decode() or "errorlist" in response.content.decode()


def test_signup_honeypot_refuses_with_400_and_saves_nothing(client):
    response = client.post(SIGNUP_URL, _signup_data(website="https://spam.example"))
    assert response.status_code == 400
    assert not User.objects.exists()
    assert mail.outbox == []


def test_signup_requires_a_display_name(client):
    response = client.post(SIGNUP_URL, _signup_data(display_name="   "))
    assert response.status_code == 200
    assert not User.objects.exists()
    assert 'id="id_display_name_error"' in response.content.decode()


def test_signup_page_is_accessible_and_links_the_privacy_page(client):
    content = client.get(SIGNUP_URL).content.decode()
    assert '<html lang="fr">' in content
    assert 'for="id_email"' in content and 'for="id_display_name"' in content
    # the honeypot has a label, off screen with its input, hidden from screen
    # readers, out of the keyboard order, never autofilled
    assert re.search(r'<div class="visually-hidden" aria-hidden="true">\s*<label for="id_website"', content)
    assert re.search(r'<input[^>]*autocomplete="off"[^>]*id="id_website"', content)
    assert re.search(
        r'<input[^>]*tabindex="-1"[^>]*id="id_website"|<input[^>]*id="id_website"[^>]*tabindex="-1"', content
    )
    assert reverse("accounts:privacy") in content
    assert "<h1>" in content


def test_allauth_pages_in_our_layout_french_and_english(client):
    french = client.get(LOGIN_URL).content.decode()
    assert '<html lang="fr">' in french
    assert "Connexion" in french  # allauth's own French catalogue
    assert 'class="site-header"' in french and 'class="site-footer"' in french
    english = client.get("/en/comptes/login/").content.decode()
    assert '<html lang="en">' in english
    assert "Sign In" in english


def test_password_reset_sends_a_link(client):
    user = UserFactory(verified=True)
    response = client.post("/comptes/password/reset/", {"email": user.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/comptes/password/reset/key/" in mail.outbox[0].body


def _confirm_path(address):
    message = next(message for message in reversed(mail.outbox) if address in message.to)
    return re.search(r"https?://[^/]+(/comptes/confirm-email/[^\s]+/)", message.body).group(1)


def test_email_change_add_confirm_make_primary_then_login_with_it(client):
    """Several addresses per person: the address is changed by adding the new one,
    confirming it, making it primary; the old one can then be removed."""
    user = UserFactory(verified=True, email="old@example.org")
    client.force_login(user)
    response = client.post("/comptes/email/", {"action_add": "", "email": "work@example.org"})
    assert response.status_code == 302
    new = EmailAddress.objects.get(user=user, email="work@example.org")
    assert not new.verified and not new.primary
    user.refresh_from_db()
    assert user.email == "old@example.org"  # unchanged until confirmed and made primary

    assert client.post(_confirm_path("work@example.org")).status_code == 302
    assert EmailAddress.objects.get(pk=new.pk).verified
    response = client.post("/comptes/email/", {"action_primary": "", "email": "work@example.org"})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.email == "work@example.org"
    assert EmailAddress.objects.get(user=user, primary=True).email == "work@example.org"

    response = client.post("/comptes/email/", {"action_remove": "", "email": "old@example.org"})
    assert response.status_code == 302
    assert list(EmailAddress.objects.filter(user=user).values_list("email", flat=True)) == ["work@example.org"]

    client.logout()
    response = client.post(LOGIN_URL, {"login": "work@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert _signed_in_user_id(client) == str(user.pk)
    client.logout()
    client.post(LOGIN_URL, {"login": "old@example.org", "password": PASSWORD})
    assert _signed_in_user_id(client) is None


def test_an_unconfirmed_address_cannot_be_made_primary(client):
    user = UserFactory(verified=True, email="old@example.org")
    client.force_login(user)
    client.post("/comptes/email/", {"action_add": "", "email": "work@example.org"})
    response = client.post("/comptes/email/", {"action_primary": "", "email": "work@example.org"}, follow=True)
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.email == "old@example.org"
    assert EmailAddress.objects.get(user=user, primary=True).email == "old@example.org"
    assert not EmailAddress.objects.get(user=user, email="work@example.org").primary


def test_at_most_five_addresses(client, settings):
    user = UserFactory(verified=True)
    client.force_login(user)
    for number in range(1, 6):
        client.post("/comptes/email/", {"action_add": "", "email": f"extra{number}@example.org"})
    assert EmailAddress.objects.filter(user=user).count() == settings.ACCOUNT_MAX_EMAIL_ADDRESSES == 5
    content = client.get("/comptes/email/").content.decode()
    assert 'name="action_add"' not in content


def test_email_page_in_our_layout_without_inline_style_or_script(client):
    user = UserFactory(verified=True, email="old@example.org")
    EmailAddress.objects.create(user=user, email="pending@example.org", verified=False, primary=False)
    client.force_login(user)
    response = client.get("/comptes/email/")
    assert response.status_code == 200
    content = response.content.decode()
    assert 'class="site-header"' in content and "<h1>" in content
    assert "old@example.org" in content and "pending@example.org" in content
    assert "<legend>" in content  # the radios are grouped and named
    assert "style=" not in content  # CSP: style-src 'self', no inline style attribute
    assert not re.search(r"\son[a-z]+=", content)  # no inline event handler
    # every script comes from a file (the layout's), none carries inline code
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>\s*\S", content)


def test_signup_errors_are_linked_by_ids_that_exist(client):
    response = client.post(SIGNUP_URL, _signup_data(email="not-an-address", display_name="", password1="x"))
    assert response.status_code == 200
    content = response.content.decode()
    ids = set(re.findall(r'\bid="([^"]+)"', content))
    described = [ref for value in re.findall(r'aria-describedby="([^"]+)"', content) for ref in value.split()]
    assert {"id_email_error", "id_display_name_helptext", "id_display_name_error"} <= set(described)
    assert [ref for ref in described if ref not in ids] == []
    # each field in the wrapper the stylesheet lays out (".stacked .field")
    assert 'class="account-form stacked"' in content
    assert re.search(r'<div class="field field-error">\s*<label for="id_email"', content)


def test_signup_rate_limit_answers_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "signup": "2/h/ip"}
    for _ in range(2):
        assert client.post(SIGNUP_URL, _signup_data(password2="mismatch")).status_code == 200
    response = client.post(SIGNUP_URL, _signup_data(password2="mismatch"))
    assert response.status_code == 429
    assert 'class="site-header"' in response.content.decode()  # our page, not allauth's bare one


def test_password_reset_rate_limit_answers_429(client, settings):
    settings.ACCOUNT_RATE_LIMITS = {**settings.ACCOUNT_RATE_LIMITS, "reset_password": "1/h/ip"}
    assert client.post("/comptes/password/reset/", {"email": "a@example.org"}).status_code == 302
    assert client.post("/comptes/password/reset/", {"email": "b@example.org"}).status_code == 429


def test_header_menu_signed_out_and_signed_in(client):
    content = client.get("/").content.decode()
    assert reverse("account_login") in content and reverse("account_signup") in content
    user = UserFactory(verified=True, display_name="Dominique")
    client.force_login(user)
    content = client.get("/").content.decode()
    assert "Dominique" in content
    assert reverse("accounts:my_space") in content and reverse("accounts:profile") in content
    assert f'action="{reverse("account_logout")}" method="post"' in content
    assert "csrfmiddlewaretoken" in content


def test_logout_by_post(client):
    client.force_login(UserFactory(verified=True))
    response = client.post("/comptes/logout/")
    assert response.status_code == 302
    assert _signed_in_user_id(client) is None


# --- single sign-on --------------------------------------------------------------


def test_no_sso_button_by_default(client, settings):
    assert settings.SOCIALACCOUNT_PROVIDERS["openid_connect"]["APPS"] == []
    content = client.get(LOGIN_URL).content.decode()
    assert "/comptes/oidc/" not in content


def test_sso_button_when_a_provider_is_configured(client, settings):
    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {
            "APPS": [
                {
                    "provider_id": "proconnect",
                    "name": "ProConnect",
                    "client_id": "client",
                    "secret": "secret",
                    "settings": {"server_url": "https://proconnect.example"},
                }
            ]
        }
    }
    content = client.get(LOGIN_URL).content.decode()
    assert "/comptes/oidc/proconnect/login/" in content
    assert "ProConnect" in content


def _providers_from_env(extra_env):
    env = {key: value for key, value in os.environ.items() if not key.startswith("OIDC_")}
    env.update(extra_env)
    code = (
        "import django, os, json; os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'helice.settings'); "
        "from django.conf import settings; "
        "print(json.dumps(settings.SOCIALACCOUNT_PROVIDERS['openid_connect']['APPS']))"
    )
    import json

    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(result.stdout)


def test_sso_settings_come_from_the_environment():
    assert _providers_from_env({}) == []
    apps = _providers_from_env(
        {
            "OIDC_FRANCECONNECT_CLIENT_ID": "fc-id",
            "OIDC_FRANCECONNECT_SECRET": "fc-secret",
            "OIDC_FRANCECONNECT_SERVER_URL": "https://fc.example/api/v2",
            "OIDC_FRANCECONNECT_AUTH_PARAMS": "acr_values=eidas1",
            "OIDC_PROCONNECT_CLIENT_ID": "only-the-id",  # incomplete: stays off
        }
    )
    assert [app["provider_id"] for app in apps] == ["franceconnect"]
    assert apps[0]["client_id"] == "fc-id"
    assert apps[0]["settings"]["server_url"] == "https://fc.example/api/v2"
    assert apps[0]["settings"]["auth_params"] == {"acr_values": "eidas1"}


# --- OpenID Connect nonce (helice.accounts.providers.oidc) -------------------------

FRANCECONNECT_APP = {
    "provider_id": "franceconnect",
    "name": "FranceConnect",
    "client_id": "fc-client",
    "secret": "fc-secret",
    "settings": {"server_url": "https://fc.example", "fetch_userinfo": False, "scope": ["openid", "email"]},
}
OPENID_CONFIG = {
    "issuer": "https://fc.example",
    "authorization_endpoint": "https://fc.example/authorize",
    "token_endpoint": "https://fc.example/token",
    "userinfo_endpoint": "https://fc.example/userinfo",
    "jwks_uri": "https://fc.example/jwks",
}


@pytest.fixture
def franceconnect(settings, monkeypatch):
    """FranceConnect configured, with the provider's answers faked at the boundary
    (discovery document, token endpoint, ID token decoding): no network."""
    from allauth.socialaccount.providers.oauth2.client import OAuth2Client
    from allauth.socialaccount.providers.openid_connect import views as oidc_views

    settings.SOCIALACCOUNT_PROVIDERS = {
        "openid_connect": {**settings.SOCIALACCOUNT_PROVIDERS["openid_connect"], "APPS": [FRANCECONNECT_APP]}
    }
    monkeypatch.setattr(oidc_views.OpenIDConnectOAuth2Adapter, "openid_config", OPENID_CONFIG)
    claims = {}
    monkeypatch.setattr(
        OAuth2Client,
        "get_access_token",
        lambda self, code, pkce_code_verifier=None: {"access_token": "at", "id_token": "jwt"},
    )
    monkeypatch.setattr(oidc_views.jwtkit, "verify_and_decode", lambda **kwargs: dict(claims))
    return claims


def _start_franceconnect_login(client):
    from urllib.parse import parse_qs, urlsplit

    response = client.post("/comptes/oidc/franceconnect/login/")
    assert response.status_code == 302
    location = urlsplit(response.url)
    assert f"{location.scheme}://{location.netloc}{location.path}" == OPENID_CONFIG["authorization_endpoint"]
    return {key: values[0] for key, values in parse_qs(location.query).items()}


def test_nonce_generation_and_verification():
    from helice.accounts.providers.oidc import new_nonce, nonce_matches

    nonces = {new_nonce() for _ in range(50)}
    assert len(nonces) == 50 and all(len(nonce) >= 43 for nonce in nonces)  # 256 random bits each
    nonce = new_nonce()
    assert nonce_matches(nonce, {"nonce": nonce})
    assert not nonce_matches(nonce, {"nonce": new_nonce()})
    assert not nonce_matches(nonce, {})  # a token without nonce
    assert not nonce_matches(nonce, None)
    assert not nonce_matches(None, {"nonce": nonce})  # a login that did not send one
    assert not nonce_matches("", {"nonce": ""})
    assert not nonce_matches(nonce, {"nonce": 123})


def test_the_authorisation_request_carries_a_fresh_nonce_kept_in_the_state(client, franceconnect):
    first = _start_franceconnect_login(client)
    second = _start_franceconnect_login(client)
    assert first["nonce"] and second["nonce"] and first["nonce"] != second["nonce"]
    assert first["code_challenge_method"] == "S256"  # PKCE stays on
    states = client.session["socialaccount_states"]
    assert states[first["state"]][0]["nonce"] == first["nonce"]
    assert states[second["state"]][0]["nonce"] == second["nonce"]


def test_a_login_whose_id_token_carries_the_nonce_goes_through(client, franceconnect):
    params = _start_franceconnect_login(client)
    franceconnect.update(sub="fc-sub-1", email="dominique@example.org", email_verified=True, nonce=params["nonce"])
    response = client.get("/comptes/oidc/franceconnect/login/callback/", {"code": "c", "state": params["state"]})
    assert response.status_code == 302
    user = User.objects.get(email="dominique@example.org")
    assert _signed_in_user_id(client) == str(user.pk)


@pytest.mark.parametrize("nonce", ["forged", None])
def test_a_login_whose_id_token_lacks_the_nonce_is_refused(client, franceconnect, nonce):
    from allauth.socialaccount.models import SocialAccount

    params = _start_franceconnect_login(client)
    franceconnect.update(sub="fc-sub-2", email="eve@example.org", email_verified=True)
    if nonce:
        franceconnect["nonce"] = nonce
    response = client.get("/comptes/oidc/franceconnect/login/callback/", {"code": "c", "state": params["state"]})
    assert response.status_code == 401  # allauth's authentication error page
    assert 'class="site-header"' in response.content.decode()  # in our layout
    assert _signed_in_user_id(client) is None
    assert not SocialAccount.objects.exists() and not User.objects.filter(email="eve@example.org").exists()
