"""Settings, read from the environment (and an optional `.env` file) with django-environ.

Every setting has a working default for the demo. A production process (DEBUG off) refuses to
start without SECRET_KEY and CREDENTIALS_KEY instead of falling back to something unsafe.
"""

from pathlib import Path
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()
# Values already in the environment win over the file; `make run` writes the file.
ENV_FILE = env.str("ENV_FILE", default=str(BASE_DIR / ".env"))
if ENV_FILE:
    environ.Env.read_env(ENV_FILE, overwrite=False)


def oidc_origins(*urls: str) -> list[str]:
    """The scheme://host[:port] of each URL given, for the CSP."""
    origins = []
    for url in filter(None, urls):
        parts = urlsplit(url)
        origins.append(f"{parts.scheme}://{parts.netloc}")
    return sorted(set(origins))


def required_in_production(name: str) -> str:
    value = env.str(name, default="")
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Set it in the environment (or run `make run` once to create a "
            "development .env with generated keys)."
        )
    return value


DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = required_in_production("SECRET_KEY")
CREDENTIALS_KEY = required_in_production("CREDENTIALS_KEY")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "devices.apps.DevicesConfig",
    "devices.api.apps.ApiConfig",
    "devices.history.apps.HistoryConfig",
    # Before django_tasks_db: its db_worker command is ours (rescues stalled bulk jobs first).
    "devices.bulk.apps.BulkConfig",
    "django_tasks_db",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "devices.middleware.RequestIdMiddleware",
    # Django's, with the helpdesk sidebar's own cookie under /embed/ (devices/embed/sessions.py).
    "devices.embed.sessions.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "devices.embed.sessions.CsrfSecretInSession",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "devices.preferences.TimeZoneMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "devices.twofactor.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "supportdesk.urls"
WSGI_APPLICATION = "supportdesk.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "devices.context_processors.vendor_degraded",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'supportdesk.sqlite3'}")
}
# Each thread keeps its connection between requests: opening one (for SQLite, the file and its
# pragmas) costs a few milliseconds of every page.
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gunicorn workers write audit rows at once: WAL lets readers go on, IMMEDIATE
    # transactions take the write lock up front instead of failing with "database is locked"
    # on a lock upgrade, and the busy timeout makes writers queue.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
else:
    # A kept connection that died with the server (a restart, a network cut) is found and
    # replaced at the start of the next request, not handed to it.
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # An unreachable server fails a page within seconds instead of the system's TCP timeout.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
# The per-person limits and the sign-in throttle count here. Either backend acts as an empty
# cache while its store is down (devices/stores/cache.py), so those limits fail open.
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "devices.stores.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "supportdesk",
        }
    }
else:
    # Shared by the processes of one host, with exact counts (an atomic increment).
    CACHES = {
        "default": {
            "BACKEND": "devices.stores.cache.SqliteCache",
            "LOCATION": str(VAR_DIR / "cache.sqlite3"),
            "OPTIONS": {"MAX_ENTRIES": 100_000},
        }
    }

# The last good answer of each lookup, shown (marked as old) while the vendor fails.
LOOKUP_LAST_GOOD_SECONDS = env.int("LOOKUP_LAST_GOOD_SECONDS", default=24 * 3600)
# What lookups leave behind for later ones (the last good answers, the vendor-status counts): a
# cache of its own on the same store, so its entries never push out the per-person limits above.
if REDIS_URL:
    CACHES["lookups"] = {
        "BACKEND": "devices.stores.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "KEY_PREFIX": "supportdesk:lookups",
    }
else:
    CACHES["lookups"] = {
        "BACKEND": "devices.stores.cache.SqliteCache",
        "LOCATION": str(VAR_DIR / "lookups-cache.sqlite3"),
        "OPTIONS": {"MAX_ENTRIES": 20_000},
    }

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "search"
LOGOUT_REDIRECT_URL = "login"
# Local passwords, then company sign-in (OpenID Connect); the second answers only its callback.
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "devices.sso.backend.SsoBackend",
]
SESSION_COOKIE_AGE = env.int("SESSION_MAX_AGE", default=14 * 24 * 3600)

# Company sign-in (OpenID Connect, authorization code with PKCE): on when the issuer and a
# client id are set; endpoints from the issuer's discovery document unless set here. See
# README "Sign-in". Names read by mozilla-django-oidc are kept as it spells them (OIDC_RP_*,
# OIDC_OP_*); the environment uses shorter ones.
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_RP_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_RP_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_OP_AUTHORIZATION_ENDPOINT = env.str("OIDC_AUTHORIZATION_ENDPOINT", default="")
OIDC_OP_TOKEN_ENDPOINT = env.str("OIDC_TOKEN_ENDPOINT", default="")
OIDC_OP_USER_ENDPOINT = env.str("OIDC_USERINFO_ENDPOINT", default="")
OIDC_OP_JWKS_ENDPOINT = env.str("OIDC_JWKS_ENDPOINT", default="")
OIDC_OP_END_SESSION_ENDPOINT = env.str("OIDC_END_SESSION_ENDPOINT", default="")
OIDC_RP_SIGN_ALGO = env.str("OIDC_SIGN_ALGO", default="RS256")
OIDC_RP_SCOPES = env.str("OIDC_SCOPES", default="openid email profile")
OIDC_USERNAME_CLAIM = env.str("OIDC_USERNAME_CLAIM", default="preferred_username")
OIDC_GROUPS_CLAIM = env.str("OIDC_GROUPS_CLAIM", default="groups")
# Provider group (claim value) -> SupportDesk group, applied at every company sign-in.
OIDC_GROUP_MAP = env.dict("OIDC_GROUP_MAP", default={})
# SupportDesk groups whose members get staff status (admin entry) from a company sign-in.
OIDC_STAFF_GROUPS = env.list("OIDC_STAFF_GROUPS", default=["Support lead"])
OIDC_PROVIDER_NAME = env.str("OIDC_PROVIDER_NAME", default="your company account")
OIDC_ACCESS_CONTACT = env.str("OIDC_ACCESS_CONTACT", default="")
# Local passwords when company sign-in is on: "superusers" (break-glass), "all" or "off".
OIDC_LOCAL_LOGIN = env.str("OIDC_LOCAL_LOGIN", default="superusers")
OIDC_SESSION_MAX_AGE = env.int("OIDC_SESSION_MAX_AGE", default=8 * 3600)
OIDC_TIMEOUT = env.float("OIDC_TIMEOUT", default=5.0)
OIDC_USE_PKCE = True
OIDC_PKCE_CODE_CHALLENGE_METHOD = "S256"
OIDC_STORE_ID_TOKEN = True  # the hint for the provider's logout
OIDC_AUTHENTICATION_CALLBACK_URL = "sso_callback"
OIDC_OP_LOGOUT_URL_METHOD = "devices.sso.views.provider_logout_url"
if OIDC_LOCAL_LOGIN not in {"superusers", "all", "off"}:
    raise ImproperlyConfigured("OIDC_LOCAL_LOGIN must be one of: superusers, all, off.")

# Two-factor (TOTP) for local-password sign-ins on the admin pages that manage credentials and
# people; see devices/twofactor/.
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="SupportDesk")

LANGUAGE_CODE = "en"
LANGUAGES = [("en", _("English")), ("zh-hans", _("Simplified Chinese"))]
LOCALE_PATHS = [BASE_DIR / "devices" / "locale"]
# The zone times are shown in, unless a person picks their own (devices/preferences.py).
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Security. Production defaults are strict; the demo (DEBUG on) runs over plain HTTP.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
# Behind a proxy that sets X-Forwarded-For and X-Request-ID: trust them for the audit log.
BEHIND_PROXY = env.bool("BEHIND_PROXY", default=False)
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.NONE],
    # Logging out of company sign-in is a form whose answer redirects to the provider.
    "form-action": [CSP.SELF, *oidc_origins(OIDC_ISSUER, OIDC_OP_END_SESSION_ENDPOINT)],
    "frame-ancestors": [CSP.NONE],
}

# The vendor and how we call it.
VENDOR_RATE = env.str("VENDOR_RATE", default="10/s")
# Extra length added to the limiter's window; see README "Outbound limiter" for the measurement.
VENDOR_WINDOW_MARGIN = env.float("VENDOR_WINDOW_MARGIN", default=0.0)
VENDOR_MAX_WAIT = env.float("VENDOR_MAX_WAIT", default=2.0)
VENDOR_TIMEOUT = env.float("VENDOR_TIMEOUT", default=5.0)
# The largest vendor answer read; a larger one is "vendor unavailable" and nothing is cached.
VENDOR_MAX_BODY_BYTES = env.int("VENDOR_MAX_BODY_BYTES", default=1 << 20)


def vendor_codes(name: str, default: str) -> list[int]:
    return [int(code) for code in env.list(name, default=default.split(","))]


# What the vendor's non-zero codes mean. It documents only 10007 for this API; the defaults are
# the codes of its mobile apps' error tables (docs/vendor-api.md#error-codes).
VENDOR_NOT_FOUND_CODES = vendor_codes("VENDOR_NOT_FOUND_CODES", "10010,10012")
VENDOR_RATE_LIMIT_CODES = vendor_codes("VENDOR_RATE_LIMIT_CODES", "10015")
# Our app's credentials refused (10007, the signature, always is): tell an admin, not the vendor.
VENDOR_CREDENTIAL_CODES = vendor_codes("VENDOR_CREDENTIAL_CODES", "10001,10003,10026")
# With DEBUG off, credential base URLs must be https and public unless this is on.
VENDOR_ALLOW_INSECURE_URLS = env.bool("VENDOR_ALLOW_INSECURE_URLS", default=DEBUG)
LOOKUP_CACHE_SECONDS = env.int("LOOKUP_CACHE_SECONDS", default=30)

# Bulk lookups (devices/bulk/): jobs run by `manage.py db_worker` (django-tasks-db, the database
# as the queue). The bulk lane leaves BULK_RESERVE slots of each window to interactive lookups
# while someone looked up in the last BULK_RESERVE_FOR seconds, and queues up to BULK_MAX_WAIT
# seconds for a slot (README, "Bulk lookups").
BULK_MAX_ITEMS = env.int("BULK_MAX_ITEMS", default=5000)
BULK_SHARE = env.float("BULK_SHARE", default=0.3)
BULK_RESERVE = env.int("BULK_RESERVE", default=2)
BULK_RESERVE_FOR = env.float("BULK_RESERVE_FOR", default=10.0)
BULK_MAX_WAIT = env.float("BULK_MAX_WAIT", default=30.0)
# /metrics (devices/metrics.py): these addresses, or a bearer token; never public.
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
LOOKUP_USER_RATE = env.str("LOOKUP_USER_RATE", default="60/m")
# An owner's list checks each device's state (one devInfo each) by itself up to this many
# devices; a longer list asks first, naming the vendor calls it will spend.
OWNER_LIST_CHECK_UP_TO = env.int("OWNER_LIST_CHECK_UP_TO", default=20)
# Failed sign-ins allowed before the login page makes people wait (django-ratelimit syntax).
LOGIN_FAILURES_PER_USERNAME = env.str("LOGIN_FAILURES_PER_USERNAME", default="5/5m")
LOGIN_FAILURES_PER_ADDRESS = env.str("LOGIN_FAILURES_PER_ADDRESS", default="30/5m")
LIMITER_SQLITE_PATH = env.str("LIMITER_SQLITE_PATH", default=str(VAR_DIR / "limiter.sqlite3"))

AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS = env.bool(
    "AUDIT_REQUIRE_REASON_FOR_USER_LOOKUPS", default=False
)
AUDIT_RETENTION_DAYS = env.int("AUDIT_RETENTION_DAYS", default=365)

# Watching a device page (devices/history/): a poll every WATCH_POLL_SECONDS for at most
# WATCH_MAX_SECONDS, at most WATCH_MAX_DEVICES at once per person, and all watches together at
# most WATCH_RATE vendor calls per app (on top of, never instead of, the VENDOR_RATE slot).
WATCH_POLL_SECONDS = env.float("WATCH_POLL_SECONDS", default=15.0)
WATCH_MAX_SECONDS = env.int("WATCH_MAX_SECONDS", default=600)
WATCH_MAX_DEVICES = env.int("WATCH_MAX_DEVICES", default=3)
WATCH_RATE = env.str("WATCH_RATE", default="1/s")

# The demo (`make run`) lists sample serial numbers and user ids on the search page.
DEMO_MODE = env.bool("DEMO_MODE", default=False)
if DEMO_MODE:
    # A dotted path, not an import: without the demo, nothing loads the sandbox.
    TEMPLATES[0]["OPTIONS"]["context_processors"].append("devices.sandbox.demo.samples")

RATELIMIT_VIEW = "devices.views.user_rate_limited"
# A per-person limit whose cache cannot count lets the request through: the vendor limiter,
# which fails closed, still protects the vendor.
RATELIMIT_FAIL_OPEN = True

# The JSON API (devices/api/): bearer tokens only, JSON only, errors as {"error": {...}}.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["devices.api.authentication.BearerTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "devices.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "SupportDesk API",
    "DESCRIPTION": (
        "Device and user lookups at the vendor, as on the pages: the same per-person limit, "
        "cache and audit log. Every 64-bit id is a string; times are ISO 8601 with offset."
    ),
    "VERSION": "1",
    # 3.1: a nullable object is `oneOf: [object, null]`, which validators read one way only
    # (3.0's `nullable` beside `allOf` is read both ways).
    "OAS_VERSION": "3.1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # The docs page loads Swagger UI from our own static files (the sidecar), never a CDN.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # A token holder may fetch the schema; a signed-in person may read the docs.
    "SERVE_AUTHENTICATION": [
        "devices.api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
}

# The helpdesk sidebar (/embed/): origins that may frame it (comma-separated, e.g.
# "https://chat.example.com,https://example.zendesk.com"); empty: nobody may.
EMBED_FRAME_ANCESTORS = env.list("EMBED_FRAME_ANCESTORS", default=[])
# Chatwoot custom attributes read for the identifier, in order; "name:kind" forces the kind
# (sn, dev_id, user) instead of detecting it.
EMBED_CHATWOOT_ATTRIBUTES = env.list(
    "EMBED_CHATWOOT_ATTRIBUTES",
    default=["device_sn:sn", "device_id:dev_id", "cloud_user_id:user"],
)
EMBED_SESSION_COOKIE_NAME = "sd_embed_session"
SILENCED_SYSTEM_CHECKS = env.list("SILENCED_SYSTEM_CHECKS", default=[])
# django-ratelimit only knows its list of backends; ours are described in devices/stores/cache.py.
SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "INFO"},
        "urllib3": {"level": "INFO"},
    },
}

DEFAULT_EXCEPTION_REPORTER_FILTER = "supportdesk.errors.SecretsFilter"
