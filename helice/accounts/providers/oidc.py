"""allauth's generic OpenID Connect provider, plus the ``nonce`` that FranceConnect
and ProConnect require (OpenID Connect Core 1.0, 3.1.2.1 and 3.1.3.7, point 11).

allauth 65.22 sends no nonce. This subclass, set as the ``provider_class`` of
``SOCIALACCOUNT_PROVIDERS["openid_connect"]`` (so the provider id, URLs, settings
and stored accounts stay allauth's), adds a fresh random nonce to every
authorisation request and keeps it in the login's state, which allauth stores in
the session and hands back, once, on the callback. ``SocialAccountAdapter.
pre_social_login`` then refuses the login unless the ID token carries that very
nonce (``check_nonce``): a token replayed from another login does not match."""

from __future__ import annotations

import hmac
import secrets

from allauth.socialaccount.providers.openid_connect.provider import OpenIDConnectProvider

NONCE_STATE_KEY = "nonce"


def new_nonce() -> str:
    """An unguessable nonce (256 bits, URL-safe)."""
    return secrets.token_urlsafe(32)


def nonce_matches(expected: str | None, claims: dict | None) -> bool:
    """True when the ID token's claims carry exactly the expected nonce."""
    received = (claims or {}).get("nonce")
    if not expected or not isinstance(received, str):
        return False
    return hmac.compare_digest(expected.encode(), received.encode())


def check_nonce(sociallogin) -> bool:
    """True when the login's ID token carries the nonce stored in its state."""
    claims = (sociallogin.account.extra_data or {}).get("id_token")
    return nonce_matches((sociallogin.state or {}).get(NONCE_STATE_KEY), claims)


class NonceOpenIDConnectProvider(OpenIDConnectProvider):
    # allauth's URLs and views: only the redirect (and the check in the adapter) change.
    package = "allauth.socialaccount.providers.openid_connect"

    def redirect(self, request, process, next_url=None, data=None, **kwargs):
        auth_params = kwargs.pop("auth_params", None)
        auth_params = dict(self.get_auth_params() if auth_params is None else auth_params)
        nonce = new_nonce()
        auth_params["nonce"] = nonce
        # Extra keyword arguments end up in the state stashed in the session.
        return super().redirect(
            request, process, next_url, data, auth_params=auth_params, **{NONCE_STATE_KEY: nonce}, **kwargs
        )


provider_classes = [NonceOpenIDConnectProvider]
