"""Response headers Django has no setting for.

``Permissions-Policy`` turns off the browser features the portal never uses
(geolocation, camera, microphone, payment, USB...), so that injected or
third-party code could not use them either. Django's ``SecurityMiddleware``
already sends ``Cross-Origin-Opener-Policy`` (``SECURE_CROSS_ORIGIN_OPENER_POLICY``),
``X-Content-Type-Options`` and ``Referrer-Policy``; django-csp sends the CSP.
"""

from __future__ import annotations

from django.conf import settings

# Features the portal never uses; each is denied to every origin, including ours.
# Only features Chromium knows: an unknown one makes it log an error for every page.
DEFAULT_PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "interest-cohort",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}


def permissions_policy_header(policy: dict[str, list[str]]) -> str:
    """``{"geolocation": [], "fullscreen": ["self"]}`` -> ``fullscreen=(self), geolocation=()``."""
    return ", ".join(f"{feature}=({' '.join(allowed)})" for feature, allowed in sorted(policy.items()))


class SecurityHeadersMiddleware:
    """Adds ``Permissions-Policy`` (``PERMISSIONS_POLICY`` setting) to every answer
    that does not set its own."""

    def __init__(self, get_response):
        self.get_response = get_response
        policy = getattr(settings, "PERMISSIONS_POLICY", DEFAULT_PERMISSIONS_POLICY)
        self.permissions_policy = permissions_policy_header(policy) if policy else ""

    def __call__(self, request):
        response = self.get_response(request)
        if self.permissions_policy:
            response.headers.setdefault("Permissions-Policy", self.permissions_policy)
        return response
