"""Settings for Hélice, read from environment variables (12-factor).

Every variable has a safe development default, except in production mode
(``HELICE_ENV=production``), where the secret key is required. See
docs/configuration.md for the reference.
"""

import os
import tempfile
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

HELICE_ENV = env.str("HELICE_ENV", default="development")
PRODUCTION = HELICE_ENV == "production"
DEBUG = env.bool("DEBUG", default=not PRODUCTION)

if PRODUCTION:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if len(SECRET_KEY) < 50:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set to a random string of at least 50 characters when HELICE_ENV=production."
        )
else:
    SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-key-never-use-in-production-0123456789")

ALLOWED_HOSTS = env.list(
    "ALLOWED_HOSTS", default=[] if PRODUCTION else ["127.0.0.1", "localhost", "[::1]", "testserver"]
)
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_countries",
    "import_export",
    "ninja",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.socialaccount.providers.openid_connect",
    "axes",
    "rules.apps.AutodiscoverRulesConfig",
    "helice.core",
    "helice.directory",
    "helice.accounts",
    "helice.moderation",
    "helice.referrals",
    "helice.guichet",
    "helice.strategy",
    "helice.agenda",
    "helice.spaces",
    "helice.participation",
    "helice.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "helice.moderation.context.CurrentUserMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout answer.
    "axes.middleware.AxesMiddleware",
]

# django-axes first (it refuses locked-out logins before any other backend runs),
# then Django's backend, allauth's (log in by email) and the object-level rules
# of each app (rules.py, django-rules).
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]

ROOT_URLCONF = "helice.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "helice.core.context_processors.site",
            ],
        },
    },
]

WSGI_APPLICATION = "helice.wsgi.application"

# Database: SQLite (WAL) by default, PostgreSQL through DATABASE_URL.
DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": ("PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"),
        }
    )
    # Tests use a file too, not Django's shared in-memory database: its table locks
    # fail at once instead of waiting, so concurrency tests would test SQLite's test
    # mode rather than the embedded default. One file per test process.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME",
        env.str("SQLITE_TEST_NAME", default=str(Path(tempfile.gettempdir()) / f"helice-test-{os.getpid()}.sqlite3")),
    )
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    # A health check costs a round trip at the start of every request (15 % of the
    # directory's search time under load, docs/benchmarks.md); turn it on when
    # something between Django and PostgreSQL may cut idle connections.
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", env.bool("CONN_HEALTH_CHECKS", default=False))

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://helice")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    # The same backend, one Redis client per pool instead of one per operation (core/cache.py).
    CACHES["default"]["BACKEND"] = "helice.core.cache.RedisCache"

# Sessions stay in the database; with a shared cache (Redis) they are read through it
# (one cache read instead of a query on every signed-in request). Never with the
# per-process cache: a session ended in one worker would live on in the others'.
_SHARED_CACHE = "locmem" not in CACHES["default"]["BACKEND"].lower() and "dummy" not in CACHES["default"]["BACKEND"]
SESSION_ENGINE = env.str(
    "SESSION_ENGINE",
    default="django.contrib.sessions.backends.cached_db" if _SHARED_CACHE else "django.contrib.sessions.backends.db",
)

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: French first, English second.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", "Français"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
MEDIA_URL = "/media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=BASE_DIR / "media")
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# E-mail: console in development, any backend through EMAIL_URL.
vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Hélice <no-reply@localhost>")

# Security headers. Production turns on HTTPS-only cookies and HSTS.
# docs/deployment.md ("Security headers") and docs/architecture.md ("Security").
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Lax, not Strict: a visitor following a link from a mail or returning from the
# single sign-on provider (a top-level GET) must arrive logged in.
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
# No script reads the CSRF cookie: htmx gets the token from <body hx-headers>,
# forms from {% csrf_token %}. So the cookie is hidden from scripts too.
CSRF_COOKIE_HTTPONLY = True
if PRODUCTION:
    # The reverse proxy terminates TLS and must set X-Forwarded-Proto (docs/deployment.md).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    # "__Host-": the browser keeps these cookies only over HTTPS, for this host only.
    SESSION_COOKIE_NAME = "__Host-sessionid"
    CSRF_COOKIE_NAME = "__Host-csrftoken"
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# django-import-export: an import applies wholly or not at all.
IMPORT_EXPORT_USE_TRANSACTIONS = True
IMPORT_EXPORT_SKIP_ADMIN_LOG = False

# Hélice settings.
HELICE_TERRITORY = env.str("HELICE_TERRITORY", default="grenoble")
HELICE_SITE_NAME = env.str("HELICE_SITE_NAME", default="Hélice")
# Map tiles: any XYZ tile server. Empty disables the background layer (markers and
# the list alternative still work).
MAP_TILE_URL = env.str("MAP_TILE_URL", default="https://tile.openstreetmap.org/{z}/{x}/{y}.png")
MAP_TILE_ATTRIBUTION = env.str("MAP_TILE_ATTRIBUTION", default="© OpenStreetMap contributors")
# The directory's in-process search index reads the change log at most this often:
# another process's write shows in searches within this delay (docs/search.md).
DIRECTORY_SEARCH_REFRESH_SECONDS = env.float("DIRECTORY_SEARCH_REFRESH_SECONDS", default=1.0)
# How many organisations (list rows) each process keeps in memory beside the index;
# 0 reads every page's rows from the database.
DIRECTORY_ROW_CACHE_SIZE = env.int("DIRECTORY_ROW_CACHE_SIZE", default=5000)
# The guichet's finder sends a person to this organisation (slug) when no service fits.
GUICHET_GENERALIST_ORGANIZATION = env.str("GUICHET_GENERALIST_ORGANIZATION", default="grenoble-alpes-metropole")
# Alerts (saved finder searches, docs/guichet.md "Alerts"): active alerts per address;
# days to confirm one before it is deleted; subscriptions per client IP and per address
# (rates as in helice.core.ratelimit: "<amount>/<period>").
GUICHET_ALERTS_PER_EMAIL = env.int("GUICHET_ALERTS_PER_EMAIL", default=10)
GUICHET_ALERTS_CONFIRM_DAYS = env.int("GUICHET_ALERTS_CONFIRM_DAYS", default=7)
GUICHET_ALERTS_RATE_IP = env.str("GUICHET_ALERTS_RATE_IP", default="10/h")
GUICHET_ALERTS_RATE_EMAIL = env.str("GUICHET_ALERTS_RATE_EMAIL", default="3/h")
# Service kinds retired from the reference list (codes, comma-separated): no longer
# offered to partners nor in the list's facet; services and links that use one keep working.
GUICHET_RETIRED_SERVICE_KINDS = [
    code.strip() for code in env.list("GUICHET_RETIRED_SERVICE_KINDS", default=[]) if code.strip()
]
# Requests (orientation, settlement): the metropolis's team routes requests sent to
# nobody in particular and sees every request; reminders to providers at these ages
# (days); a follow-up to the requester this long after closing; personal data kept
# this long after the last activity, then anonymised (`anonymise_requests`).
REQUESTS_TEAM_ORGANIZATION = env.str("REQUESTS_TEAM_ORGANIZATION", default=GUICHET_GENERALIST_ORGANIZATION)
REQUESTS_REMINDER_DAYS = [int(d) for d in env.list("REQUESTS_REMINDER_DAYS", default=["7", "14", "21"])]
REQUESTS_FOLLOWUP_DAYS = env.int("REQUESTS_FOLLOWUP_DAYS", default=60)
REQUESTS_RETENTION_DAYS = env.int("REQUESTS_RETENTION_DAYS", default=730)
REQUESTS_UNCONFIRMED_DAYS = env.int("REQUESTS_UNCONFIRMED_DAYS", default=7)
REQUESTS_ANSWER_WORKING_DAYS = env.int("REQUESTS_ANSWER_WORKING_DAYS", default=5)
# Economic spaces (docs/spaces.md): a count of free units confirmed longer ago than
# this is shown as "not confirmed since <date>", never as current, and its operators
# are reminded (`remind_space_operators`) at most once per this many days.
SPACES_AVAILABILITY_MAX_AGE_DAYS = env.int("SPACES_AVAILABILITY_MAX_AGE_DAYS", default=90)
SPACES_REMINDER_INTERVAL_DAYS = env.int("SPACES_REMINDER_INTERVAL_DAYS", default=14)
# The spread over the territory: a commune is "served" when an existing space lies
# within this distance (km, as the crow flies) of its centre.
SPACES_SERVED_RADIUS_KM = env.float("SPACES_SERVED_RADIUS_KM", default=5.0)
# A commune is "less dense" when its density (inhabitants per km²) is below this; unset,
# below the median density of the territory's communes.
SPACES_LESS_DENSE_MAX_PER_KM2 = env.float("SPACES_LESS_DENSE_MAX_PER_KM2", default=None)
# The agenda's iCalendar feeds: at most this many events, the soonest upcoming first, then
# those over for at most this many days (docs/agenda.md).
AGENDA_FEED_MAX_EVENTS = env.int("AGENDA_FEED_MAX_EVENTS", default=500)
AGENDA_FEED_PAST_DAYS = env.int("AGENDA_FEED_PAST_DAYS", default=30)
# The agenda list's content is cached under the agenda's data version (a change
# shows at once) for this many seconds (an event that ends leaves the list
# within that time); 0 turns the cache off.
AGENDA_LIST_CACHE_SECONDS = env.int("AGENDA_LIST_CACHE_SECONDS", default=60)
# Participation comments (docs/participation.md "Comments, moderation and notifications"):
# minutes during which an author may edit a comment (every edit is shown); comments and
# flags per user (rates as in helice.core.ratelimit); top-level comments per page.
PARTICIPATION_COMMENT_EDIT_MINUTES = env.int("PARTICIPATION_COMMENT_EDIT_MINUTES", default=15)
PARTICIPATION_COMMENT_RATE = env.str("PARTICIPATION_COMMENT_RATE", default="10/10m/user")
PARTICIPATION_FLAG_RATE = env.str("PARTICIPATION_FLAG_RATE", default="20/h/user")
PARTICIPATION_COMMENTS_PER_PAGE = env.int("PARTICIPATION_COMMENTS_PER_PAGE", default=20)
# Seconds a consultation's proposals list (the page's results and the API's page) is
# kept in the cache: opinion and comment counts lag at most that long (0: no cache).
PARTICIPATION_LIST_CACHE_SECONDS = env.int("PARTICIPATION_LIST_CACHE_SECONDS", default=10)
# Public base URL used in JSON-LD and Open Graph when there is no request.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# --- Accounts (django-allauth, django-axes) ---------------------------------------
# Owned by the accounts part; see docs/configuration.md ("Accounts").
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "accounts:my_space"
ACCOUNT_LOGOUT_REDIRECT_URL = "core:home"
# Our templates (helice/accounts/templates) override allauth's, which would
# otherwise win: allauth comes first in INSTALLED_APPS.
TEMPLATES[0]["DIRS"] = [BASE_DIR / "helice" / "accounts" / "templates", *TEMPLATES[0]["DIRS"]]
ACCOUNT_ADAPTER = "helice.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {"signup": "helice.accounts.forms.signup.SignupForm"}
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
# Several addresses per person (a work address to accept an invitation sent there):
# add one, confirm it, make it primary (that is how the address is changed), remove
# the old one. Only a confirmed address can become primary.
ACCOUNT_CHANGE_EMAIL = False
ACCOUNT_MAX_EMAIL_ADDRESSES = 5
ACCOUNT_EMAIL_NOTIFICATIONS = True  # tell people when their password or address changes
ACCOUNT_USER_MODEL_USERNAME_FIELD = "username"  # generated by the adapter, never shown
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{HELICE_SITE_NAME}] "
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if PRODUCTION else "http"
# allauth's limits (amount/period/per), answered with our 429 page; docs/configuration.md.
ACCOUNT_RATE_LIMITS = {
    "login": env.str("RATE_LIMIT_LOGIN", default="30/m/ip"),
    # django-axes locks a username+IP pair first (AXES_FAILURE_LIMIT); this guards
    # against one address trying many usernames.
    "login_failed": env.str("RATE_LIMIT_LOGIN_FAILED", default="20/m/ip,10/5m/key"),
    "signup": env.str("RATE_LIMIT_SIGNUP", default="5/h/ip"),
    "reset_password": env.str("RATE_LIMIT_RESET_PASSWORD", default="10/h/ip,3/h/key"),
    "reset_password_from_key": "20/m/ip",
    "manage_email": env.str("RATE_LIMIT_MANAGE_EMAIL", default="10/h/user"),
    "change_password": "5/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
# Personal data page: the address people write to about their data (empty: not shown).
PRIVACY_CONTACT_EMAIL = env.str("PRIVACY_CONTACT_EMAIL", default="")

# Single sign-on through OpenID Connect (ProConnect for public agents, FranceConnect
# for citizens): each provider is on only when its three variables are set.
SOCIALACCOUNT_ADAPTER = "helice.accounts.adapter.SocialAccountAdapter"
SOCIALACCOUNT_EMAIL_AUTHENTICATION = False  # never take over an account by its address
SOCIALACCOUNT_STORE_TOKENS = False
_OIDC_PROVIDERS = [
    # (provider id, prefix of the variables, button label, scopes)
    ("proconnect", "OIDC_PROCONNECT", "ProConnect", ["openid", "email", "given_name", "usual_name", "uid"]),
    ("franceconnect", "OIDC_FRANCECONNECT", "FranceConnect", ["openid", "email", "given_name", "family_name"]),
]
SOCIALACCOUNT_PROVIDERS = {
    "openid_connect": {
        # allauth's provider plus the nonce FranceConnect and ProConnect require.
        "provider_class": "helice.accounts.providers.oidc.NonceOpenIDConnectProvider",
        "OAUTH_PKCE_ENABLED": True,
        "APPS": [
            {
                "provider_id": provider_id,
                "name": env.str(f"{prefix}_NAME", default=label),
                "client_id": env.str(f"{prefix}_CLIENT_ID"),
                "secret": env.str(f"{prefix}_SECRET"),
                "settings": {
                    "server_url": env.str(f"{prefix}_SERVER_URL"),
                    "scope": env.list(f"{prefix}_SCOPES", default=scopes),
                    # Both providers sign their userinfo answer (a JWT), which the
                    # generic provider cannot read: take the claims of the ID token.
                    "fetch_userinfo": env.bool(f"{prefix}_FETCH_USERINFO", default=False),
                    "auth_params": dict(
                        item.split("=", 1) for item in env.list(f"{prefix}_AUTH_PARAMS", default=[]) if "=" in item
                    ),
                },
            }
            for provider_id, prefix, label, scopes in _OIDC_PROVIDERS
            if env.str(f"{prefix}_CLIENT_ID", default="")
            and env.str(f"{prefix}_SECRET", default="")
            and env.str(f"{prefix}_SERVER_URL", default="")
        ],
    }
}

# django-axes: lock a username+IP pair after AXES_FAILURE_LIMIT failed logins, for
# AXES_COOLOFF_HOURS; the lockout page answers 429 in our layout.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "login"
AXES_USERNAME_CALLABLE = "helice.accounts.adapter.axes_username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "helice.accounts.views.lockout.lockout"
AXES_HTTP_RESPONSE_CODE = 429
# Retention of axes' records: the failures counted towards a lockout (AccessAttempt)
# go when the cool-off ends or at a successful sign-in; per-failure logs are off;
# the sign-in records (AccessLog) are kept SIGN_IN_RECORDS_DAYS days, removed by the
# daily `manage.py axes_reset_logs --age <days>` (docs/deployment.md, axes has no
# setting for an age). The privacy page states this number.
AXES_ENABLE_ACCESS_FAILURE_LOG = False
SIGN_IN_RECORDS_DAYS = env.int("SIGN_IN_RECORDS_DAYS", default=30)
# Client IP behind reverse proxies, one rule for axes, allauth's rate limits and
# helice.core.ratelimit (helice.core.ratelimit.client_ip): the number of proxies in
# front of Django that append to X-Forwarded-For. 0 = the connection's address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "helice.core.ratelimit.client_ip"

# --- Security headers (django-csp) ------------------------------------------------
# Owned by the security part; see docs/configuration.md ("Security") and
# docs/architecture.md ("Security"). No 'unsafe-inline' anywhere: scripts and
# styles come from our static files; an inline script that is truly needed
# carries nonce="{{ request.csp_nonce }}".
from csp.constants import NONCE, NONE, SELF  # noqa: E402

from helice.core.csp import origins  # noqa: E402

_SSO_APPS = globals().get("SOCIALACCOUNT_PROVIDERS", {}).get("openid_connect", {}).get("APPS", [])
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        # Leaflet and Swagger UI set element.style from scripts (CSSOM), which CSP
        # allows: no inline <style> or style="" attribute is needed.
        "style-src": [SELF],
        # data: for Leaflet's and Swagger UI's inline SVG icons; the tile server's origin.
        "img-src": [SELF, "data:", *origins([MAP_TILE_URL, *env.list("CSP_IMG_SRC", default=[])])],
        "font-src": [SELF],
        "connect-src": [SELF],
        "media-src": [SELF],
        "frame-src": [NONE],
        "worker-src": [NONE],
        "manifest-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "frame-ancestors": [NONE],
        # Chromium checks form-action on the redirects that follow a form too: the
        # single sign-on login (a POST here, then a redirect to the provider) needs
        # the providers' origins.
        "form-action": [
            SELF,
            *origins(
                [
                    *(app.get("settings", {}).get("server_url") for app in _SSO_APPS),
                    *env.list("CSP_FORM_ACTION", default=[]),
                ]
            ),
        ],
        "upgrade-insecure-requests": PRODUCTION,
    }
}
if env.str("CSP_REPORT_URI", default=""):
    CONTENT_SECURITY_POLICY["DIRECTIVES"]["report-uri"] = [env.str("CSP_REPORT_URI")]

# Permissions-Policy: helice.core.middleware.SecurityHeadersMiddleware, right after
# Django's SecurityMiddleware; every feature listed there is off.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "helice.core.middleware.SecurityHeadersMiddleware",
)

# Uploaded images (helice.core.uploads): largest file accepted, in bytes, and
# largest picture, in pixels (a decompression bomb is small on disk, huge in memory).
UPLOAD_MAX_IMAGE_BYTES = env.int("UPLOAD_MAX_IMAGE_BYTES", default=2 * 1024 * 1024)
UPLOAD_MAX_IMAGE_PIXELS = env.int("UPLOAD_MAX_IMAGE_PIXELS", default=40_000_000)

# manage.py check --deploy: HSTS preload is an explicit decision of the operator
# (SECURE_HSTS_PRELOAD=true, docs/deployment.md), not a default.
if PRODUCTION and not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = [*globals().get("SILENCED_SYSTEM_CHECKS", []), "security.W021"]
AXES_VERBOSE = False

# --- Partner space ----------------------------------------------------------------
# How long an invitation to join an organisation stays valid.
INVITATION_VALID_DAYS = env.int("INVITATION_VALID_DAYS", default=14)
# A mail server that does not answer must not hold a request for long (seconds).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=10)
# Outbox: a mail that fails is retried by `manage.py send_queued_emails` until this many attempts.
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
