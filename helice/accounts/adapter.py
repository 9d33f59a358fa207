"""How django-allauth and django-axes fit Hélice.

- usernames are generated and opaque (people sign in with their email address and
  never see a username);
- the client IP comes from ``helice.core.ratelimit.client_ip`` so allauth's rate
  limits, axes and our own limiter agree behind a reverse proxy;
- axes counts failures per email address (allauth passes it as ``email``);
- single sign-on through OpenID Connect checks the ID token's nonce
  (``helice.accounts.providers.oidc``)."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.helpers import render_authentication_error
from django.contrib.auth import get_user_model

from helice.accounts.providers.oidc import NonceOpenIDConnectProvider, check_nonce
from helice.core.ratelimit import client_ip


def generate_username() -> str:
    """An opaque, unique username such as ``u-3f9c0a1b2d4e``."""
    model = get_user_model()
    while True:
        username = f"u-{secrets.token_hex(6)}"
        if not model.objects.filter(username=username).exists():
            return username


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user):
        if not user.username:
            user.username = generate_username()

    def get_client_ip(self, request):
        return client_ip(request)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    def pre_social_login(self, request, sociallogin):
        """Refuse an OpenID Connect login whose ID token does not carry the nonce
        sent with this login's authorisation request."""
        provider = sociallogin.provider
        if isinstance(provider, NonceOpenIDConnectProvider) and not check_nonce(sociallogin):
            raise ImmediateHttpResponse(
                render_authentication_error(request, provider, exception=PermissionError("ID token nonce mismatch"))
            )
        super().pre_social_login(request, sociallogin)

    def populate_user(self, request, sociallogin, data):
        """Fill the public display name from the provider's first name, never the
        full name: people can change it on their profile."""
        user = super().populate_user(request, sociallogin, data)
        if not user.display_name:
            user.display_name = (data.get("first_name") or "")[:150]
        return user


def axes_username(request, credentials=None) -> str | None:
    """The key django-axes counts attempts and logs sign-ins under: the email
    address, lowercased. allauth authenticates with ``email``; axes' own signal
    handlers pass the (generated) ``username`` after a success, which is mapped
    back to the address so that a success resets the failures counted by address."""
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("login") or credentials.get("username")
        if isinstance(value, str) and "@" not in value:
            # axes' signal handlers pass {AXES_USERNAME_FORM_FIELD: user.get_username()}
            email = get_user_model().objects.filter(username=value).values_list("email", flat=True).first()
            value = email or value
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("login")
    return value.strip().lower() if isinstance(value, str) else value
