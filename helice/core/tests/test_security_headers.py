"""Every page carries the security headers; the policy allows no inline code."""

import re

import pytest
from django.urls import reverse

from helice.core.middleware import DEFAULT_PERMISSIONS_POLICY, permissions_policy_header
from helice.directory.tests.factories import OrganizationFactory

pytestmark = pytest.mark.django_db


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


@pytest.fixture
def organization():
    return OrganizationFactory(name="Minalogic", description_fr="Un pôle <strong>fort</strong>.")


def page_urls(organization):
    return [
        reverse("core:home"),
        reverse("directory:list"),
        reverse("directory:list") + "?q=minalogic",
        reverse("directory:map"),
        organization.get_absolute_url(),
        reverse("core:search") + "?q=pole",
        "/en/annuaire/",
        "/api/v1/docs",
    ]


def test_every_html_page_has_a_strict_content_security_policy(client, organization):
    for url in page_urls(organization):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Type"].startswith("text/html"), url
        policy = directives(response["Content-Security-Policy"])
        assert policy["default-src"] == ["'self'"], url
        assert policy["script-src"] == ["'self'"], url
        assert policy["style-src"] == ["'self'"], url
        assert policy["object-src"] == ["'none'"], url
        assert policy["frame-ancestors"] == ["'none'"], url
        assert policy["base-uri"] == ["'self'"], url
        assert "unsafe-inline" not in response["Content-Security-Policy"], url
        assert "unsafe-eval" not in response["Content-Security-Policy"], url


@pytest.mark.parametrize("path", ["/", "/annuaire/", "/api/v1/docs", "/api/v1/sectors", "/page-qui-n-existe-pas/"])
def test_common_security_headers(client, path):
    response = client.get(path)
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    permissions = response["Permissions-Policy"]
    for feature in ("geolocation", "camera", "microphone", "payment", "usb"):
        assert f"{feature}=()" in permissions
    assert "Content-Security-Policy" in response


def test_the_permissions_policy_header_format():
    assert permissions_policy_header({"geolocation": [], "fullscreen": ["self"]}) == "fullscreen=(self), geolocation=()"
    header = permissions_policy_header(DEFAULT_PERMISSIONS_POLICY)
    assert re.fullmatch(r"[a-z-]+=\(\)(, [a-z-]+=\(\))*", header)


def test_a_custom_permissions_policy_setting_is_used(settings, rf):
    from django.http import HttpResponse

    from helice.core.middleware import SecurityHeadersMiddleware

    settings.PERMISSIONS_POLICY = {"geolocation": ["self"]}
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("ok"))
    assert middleware(rf.get("/"))["Permissions-Policy"] == "geolocation=(self)"
    settings.PERMISSIONS_POLICY = {}
    middleware = SecurityHeadersMiddleware(lambda request: HttpResponse("ok"))
    assert "Permissions-Policy" not in middleware(rf.get("/"))


def test_no_template_holds_inline_script_style_or_event_handler(client, organization):
    """What the browser would refuse under the policy: inline <script> with code,
    <style> elements, style="" attributes and on*="" handlers."""
    inline_script = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/(?:ld\+)?json\")[^>]*>", re.I)
    for url in page_urls(organization):
        html = client.get(url).content.decode()
        assert not inline_script.search(html), (url, inline_script.search(html))
        assert not re.search(r"<style[\s>]", html, re.I), url
        assert not re.search(r"\sstyle\s*=", html, re.I), url
        assert not re.search(r"\son[a-z]+\s*=", html, re.I), url
        assert not re.search(r"\shx-on", html, re.I), url


def test_htmx_indicator_styles_come_from_our_stylesheet(client):
    html = client.get("/").content.decode()
    assert '<meta name="htmx-config" content=\'{"includeIndicatorStyles":false}\'>' in html


def test_the_map_tile_server_is_allowed_for_images(client, settings):
    # The policy is built when settings load; the map page itself points at the
    # same origin. (conftest empties MAP_TILE_URL: the page then draws no tiles.)
    from django.conf import settings as live

    from helice.core.csp import url_origin

    img_src = live.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
    assert img_src[:2] == ["'self'", "data:"]
    assert all(url_origin(source) == source for source in img_src[2:])


def test_no_template_asks_htmx_to_evaluate_code():
    """htmx evaluates trigger filters (``change[...]``), ``hx-on`` and ``js:`` values
    with new Function(), which the policy refuses (no 'unsafe-eval')."""
    from pathlib import Path

    from django.conf import settings as live

    offenders = []
    for template in Path(live.BASE_DIR, "helice").rglob("*.html"):
        text = template.read_text(encoding="utf-8")
        for trigger in re.findall(r'hx-trigger="([^"]*)"', text):
            if "[" in trigger:
                offenders.append(f"{template}: hx-trigger filter {trigger!r}")
        if re.search(r"\bhx-on|hx-vals=['\"]\s*(js|javascript):", text):
            offenders.append(f"{template}: hx-on or js: value")
    assert not offenders, "\n".join(offenders)


@pytest.mark.parametrize(
    "url",
    [
        "/annuaire/?q=a%00b",
        "/annuaire/?sector=%00",
        "/annuaire/carte/?q=%00",
        "/recherche/?q=a%00b",
        "/api/v1/organizations?q=a%00b",
    ],
)
def test_a_nul_byte_in_a_query_is_a_clean_400(client, url):
    """Forms refuse NUL (Django's CharField); PostgreSQL would fail on it with a 500."""
    response = client.get(url)
    assert response.status_code == 400
