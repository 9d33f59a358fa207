"""How django-allauth and django-axes fit Hélice.

- usernames are generated and opaque (people sign in with their email address and
  never see a username);
- the client IP comes from ``helice.core.ratelimit.client_ip`` so allauth's rate
  limits, axes and our own limiter agree behind a reverse proxy;
- axes counts failures per email address (allauth passes it as ``email``)."""

import secrets

from allauth.account.adapter import DefaultAccountAdapter
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from django.contrib.auth import get_user_model

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
    def populate_user(self, request, sociallogin, data):
        """Fill the public display name from the provider's first name, never the
        full name: people can change it on their profile."""
        user = super().populate_user(request, sociallogin, data)
        if not user.display_name:
            user.display_name = (data.get("first_name") or "")[:150]
        return user


def axes_username(request, credentials=None) -> str | None:
    """The login django-axes counts failures for: the email address, lowercased."""
    value = None
    if credentials:
        value = credentials.get("email") or credentials.get("username") or credentials.get("login")
    if value is None and request is not None:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        value = data.get("login")
    return value.strip().lower() if isinstance(value, str) else value
