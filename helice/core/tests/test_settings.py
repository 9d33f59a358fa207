"""Production mode refuses unsafe configuration; development works with defaults;
production passes ``manage.py check --deploy`` without a single warning."""

import json
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings

CHECK = "import django; django.setup(); from django.conf import settings; print(settings.DEBUG)"


# Variables a developer's shell may hold that would change what these tests see.
SETTINGS_VARIABLES = (
    "SECRET_KEY",
    "HELICE_ENV",
    "DEBUG",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "MAP_TILE_URL",
    "SECURE_SSL_REDIRECT",
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_PRELOAD",
    "CSP_IMG_SRC",
    "CSP_FORM_ACTION",
    "CSP_REPORT_URI",
    "UPLOAD_MAX_IMAGE_BYTES",
    "UPLOAD_MAX_IMAGE_PIXELS",
)


def clean_env(env_overrides):
    env = {
        k: v
        for k, v in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set while the browser tests run (tests_browser/conftest.py).
        if k not in SETTINGS_VARIABLES and not k.startswith("OIDC_") and k != "DJANGO_ALLOW_ASYNC_UNSAFE"
    }
    env.update({"DJANGO_SETTINGS_MODULE": "helice.settings", **env_overrides})
    return env


def run(env_overrides, code=CHECK):
    env = clean_env(env_overrides)
    return subprocess.run([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env, capture_output=True, text=True)


def production_env(tmp_path, **overrides):
    return {
        "HELICE_ENV": "production",
        # A real random key: check --deploy flags short or low-entropy keys (security.W009).
        "SECRET_KEY": secrets.token_urlsafe(64),
        "ALLOWED_HOSTS": "helice.example.org",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
        **overrides,
    }


def check_deploy(env_overrides):
    return subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=clean_env(env_overrides),
        capture_output=True,
        text=True,
    )


SHOW_SETTINGS = """
import json, django
django.setup()
from django.conf import settings as s
from csp.utils import build_policy
names = [
    "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "CSRF_COOKIE_HTTPONLY",
    "SESSION_COOKIE_SAMESITE", "CSRF_COOKIE_SAMESITE", "SESSION_COOKIE_NAME", "CSRF_COOKIE_NAME",
    "SECURE_SSL_REDIRECT", "SECURE_PROXY_SSL_HEADER", "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD", "SECURE_CONTENT_TYPE_NOSNIFF", "SECURE_REFERRER_POLICY",
    "SECURE_CROSS_ORIGIN_OPENER_POLICY", "X_FRAME_OPTIONS", "UPLOAD_MAX_IMAGE_BYTES", "UPLOAD_MAX_IMAGE_PIXELS",
]
values = {name: getattr(s, name, None) for name in names}
values["CSP"] = build_policy()
print(json.dumps(values))
"""


def show_settings(env_overrides):
    result = run(env_overrides, SHOW_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def directives(policy: str) -> dict[str, list[str]]:
    parsed = {}
    for part in policy.split(";"):
        words = part.split()
        if words:
            parsed[words[0]] = words[1:]
    return parsed


def test_production_refuses_to_start_without_a_secret_key():
    result = run({"HELICE_ENV": "production"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_production_refuses_a_short_secret_key():
    result = run({"HELICE_ENV": "production", "SECRET_KEY": "short"})
    assert result.returncode != 0


def test_production_with_a_key_is_not_in_debug():
    result = run({"HELICE_ENV": "production", "SECRET_KEY": "k" * 64, "ALLOWED_HOSTS": "example.org"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_development_defaults_need_no_environment():
    result = run({})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "True"


def test_sqlite_runs_in_wal_mode(tmp_path):
    """The embedded default: a file database in WAL mode with foreign keys on
    (checked in a process of its own, whatever database this suite runs on)."""
    code = (
        "import django; django.setup(); from django.db import connection; "
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); mode = cursor.fetchone()[0]; "
        "cursor.execute('PRAGMA foreign_keys'); print(mode, cursor.fetchone()[0])"
    )
    result = run({"DATABASE_URL": f"sqlite:///{tmp_path / 'wal.sqlite3'}"}, code=code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["wal", "1"]


def test_production_passes_check_deploy_without_any_warning(tmp_path):
    result = check_deploy(production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    output = result.stdout + result.stderr
    assert "System check identified no issues" in output, output
    assert "WARNING" not in output and "?: (" not in output, output


def test_production_with_hsts_preload_passes_check_deploy_with_nothing_silenced(tmp_path):
    result = check_deploy(production_env(tmp_path, SECURE_HSTS_PRELOAD="true"))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout + result.stderr


def test_check_deploy_does_warn_on_a_weak_production_setup(tmp_path):
    """The test above means something: the same command flags a weakened setup."""
    result = check_deploy(production_env(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout
    assert "security.W008" in result.stderr + result.stdout


def test_production_hardening(tmp_path):
    values = show_settings(production_env(tmp_path))
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert values["CSRF_COOKIE_SAMESITE"] == "Lax"
    assert values["SESSION_COOKIE_NAME"].startswith("__Host-")
    assert values["CSRF_COOKIE_NAME"].startswith("__Host-")
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["SECURE_HSTS_SECONDS"] >= 31536000
    assert values["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert values["SECURE_HSTS_PRELOAD"] is False
    assert values["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert values["SECURE_REFERRER_POLICY"] == "same-origin"
    assert values["SECURE_CROSS_ORIGIN_OPENER_POLICY"] == "same-origin"
    assert values["X_FRAME_OPTIONS"] == "DENY"
    assert "upgrade-insecure-requests" in directives(values["CSP"])


def test_development_keeps_plain_http_cookies_and_no_upgrade():
    values = show_settings({})
    assert values["SESSION_COOKIE_SECURE"] is False
    assert values["SESSION_COOKIE_NAME"] == "sessionid"
    assert values["CSRF_COOKIE_HTTPONLY"] is True
    assert values["UPLOAD_MAX_IMAGE_BYTES"] == 2 * 1024 * 1024
    assert values["UPLOAD_MAX_IMAGE_PIXELS"] == 40_000_000
    assert "upgrade-insecure-requests" not in directives(values["CSP"])


def test_the_policy_has_no_unsafe_source_and_allows_the_tile_server():
    policy = directives(show_settings({"MAP_TILE_URL": "https://{s}.tiles.example.org:8443/{z}/{x}/{y}.png"})["CSP"])
    assert policy["img-src"] == ["'self'", "data:", "https://*.tiles.example.org:8443"]
    for directive in ("default-src", "script-src", "style-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["base-uri"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]
    assert not any("unsafe" in source for sources in policy.values() for source in sources)


def test_without_tiles_images_come_from_the_site_only():
    policy = directives(show_settings({"MAP_TILE_URL": ""})["CSP"])
    assert policy["img-src"] == ["'self'", "data:"]


def test_single_sign_on_servers_and_extra_origins_are_allowed_as_form_targets():
    policy = directives(
        show_settings(
            {
                "OIDC_PROCONNECT_CLIENT_ID": "client",
                "OIDC_PROCONNECT_SECRET": "secret",
                "OIDC_PROCONNECT_SERVER_URL": "https://auth.proconnect.example/api/v2",
                "CSP_FORM_ACTION": "https://pay.example.org/checkout",
                "CSP_IMG_SRC": "https://images.example.org/x",
                "CSP_REPORT_URI": "https://report.example.org/csp",
            }
        )["CSP"]
    )
    assert policy["form-action"] == ["'self'", "https://auth.proconnect.example", "https://pay.example.org"]
    assert "https://images.example.org" in policy["img-src"]
    assert policy["report-uri"] == ["https://report.example.org/csp"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tile.example.org/{z}/{x}/{y}.png", "https://*.tile.example.org"),
        ("http://127.0.0.1:8080/tiles/{z}/{x}/{y}.png", "http://127.0.0.1:8080"),
        ("HTTPS://Tiles.Example.ORG/a", "https://tiles.example.org"),
        ("", None),
        (None, None),
        ("/tiles/{z}/{x}/{y}.png", None),
        ("javascript:alert(1)", None),
        ("https://{host}/tiles", None),
    ],
)
def test_url_origin(url, origin):
    from helice.core.csp import url_origin

    assert url_origin(url) == origin
