"""Qingshe settings: one file, driven by environment variables, readable top to bottom.

Every knob a deployment turns is an environment variable (see README.md, "Configuration").
Tests override a few values in `qingshe/test_settings.py`.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

from qingshe.core.redis_cache import reusing_redis_client

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(environ.Env().str("QINGSHE_VAR_DIR", default=str(BASE_DIR / "var")))

env = environ.Env(
    DEBUG=(bool, False),
    ALLOWED_HOSTS=(list, ["127.0.0.1", "localhost"]),
    CSRF_TRUSTED_ORIGINS=(list, []),
    LOG_LEVEL=(str, "INFO"),
)

DEBUG: bool = env("DEBUG")
# A development key is only acceptable while DEBUG is on; production must set its own.
SECRET_KEY: str = env.str(
    "SECRET_KEY", default="dev-only-insecure-key-qingshe" if DEBUG else environ.Env.NOTSET
)
ALLOWED_HOSTS: list[str] = env("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS: list[str] = env("CSRF_TRUSTED_ORIGINS")

# AES-GCM key material for encrypted personal fields (resident ID numbers). Any string works:
# two independent keys (encryption, look-up hash) are derived from it with HKDF.
QINGSHE_FIELD_KEY: str = env.str(
    "QINGSHE_FIELD_KEY",
    default="dev-only-field-key-qingshe" if DEBUG else environ.Env.NOTSET,
)
# Email for notifications and the daily digest (qingshe/core/notifications): EMAIL_URL such as
# "smtp+tls://user:password@mail.example.cn:587" (django-environ's form); the demo prints mails to
# the console. QINGSHE_SITE_URL ("https://qingshe.example.cn") makes the links in emails absolute.
vars().update(
    env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25")
)
DEFAULT_FROM_EMAIL: str = env.str("DEFAULT_FROM_EMAIL", default="青社 Qingshe <noreply@localhost>")
QINGSHE_SITE_URL: str = env.str("QINGSHE_SITE_URL", default="")
# The version of the personal-information notice (个人信息处理告知书) users consent to.
QINGSHE_NOTICE_VERSION: str = env.str("QINGSHE_NOTICE_VERSION", default="2026-09")
# Ed25519 keys that sign certificates of volunteer service (qingshe/credit/signing.py):
# "key-id=base64 seed" pairs, comma-separated, the signing key first, retired keys kept (as
# "key-id=pub:base64") so that old certificates still verify. DEBUG (the demo) and the test
# settings may go without, on a key derived from SECRET_KEY; production refuses to start.
QINGSHE_SIGNING_KEYS: str = env.str(
    "QINGSHE_SIGNING_KEYS",
    default=""
    if DEBUG or env.str("DJANGO_SETTINGS_MODULE", default="") == "qingshe.test_settings"
    else environ.Env.NOTSET,
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",
    "django_htmx",
    "template_partials",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "qingshe.core",
    "qingshe.accounts",
    "qingshe.orgs",
    "qingshe.programmes",
    "qingshe.needs",
    "qingshe.duty",
    "qingshe.credit",
    "qingshe.reports",
    "qingshe.imports",
    "qingshe.council",
    "qingshe.care",
    "qingshe.demo",
    "qingshe.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Refuses a body larger than QINGSHE_MAX_REQUEST_MB before anything reads it.
    "qingshe.core.request_limits.RequestSizeLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qingshe.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Chinese unless the person switched language (not the browser's Accept-Language).
    "qingshe.core.middleware.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    # Axes last: it inspects the outcome of authentication.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "qingshe.urls"
WSGI_APPLICATION = "qingshe.wsgi.application"
ASGI_APPLICATION = "qingshe.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "qingshe" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qingshe.core.context_processors.navigation",
            ],
            "builtins": ["django.templatetags.i18n"],
        },
    },
]

# --- Database ---------------------------------------------------------------------------------
# SQLite is the embedded default (one command to run); PostgreSQL when DATABASE_URL names one.
VAR_DIR.mkdir(parents=True, exist_ok=True)
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'qingshe.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        # WAL lets readers run beside the single writer; IMMEDIATE takes the write lock at
        # BEGIN so two writers queue on busy_timeout instead of failing with "database is locked".
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Kept open between requests like PostgreSQL's: opening a file database (and its pragmas)
    # and closing it (a WAL checkpoint when it is the last) cost more than a whole API request.
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=60))
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://qingshe")}
# Django's Redis backend, with one client per pool instead of one per command (redis_cache.py).
CACHES["default"] = reusing_redis_client(CACHES["default"])

# --- Accounts and login protection --------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "qingshe.accounts.backends.PhoneOrUsernameBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "qingshe.accounts.backends.axes_login_key"
AXES_SENSITIVE_PARAMETERS = ["password"]
AXES_VERBOSE = False

# API bearer tokens live this long.
QINGSHE_TOKEN_TTL = timedelta(days=env.int("QINGSHE_TOKEN_TTL_DAYS", default=30))

# Dispatch (派单): the engine's defaults. Score weights are also chosen per plan by the dispatcher.
QINGSHE_DISPATCH = {
    # A volunteer is not planned for more than this many hours in one week (Monday to Sunday).
    "weekly_cap_hours": env.int("QINGSHE_DISPATCH_WEEKLY_CAP_HOURS", default=8),
    # Volunteers are planned within this distance of their base (campus in term, home in vacation).
    "max_km": env.float("QINGSHE_DISPATCH_MAX_KM", default=15.0),
    # Communities receive volunteers in these hours unless they set their own (closed at weekends).
    "office_hours": [
        {"weekday": d, "start": start, "end": end}
        for d in range(5)
        for start, end in (("08:30", "12:00"), ("14:00", "17:30"))
    ],
    # Intake: open needs of the same category this close are shown as possible duplicates.
    "duplicate_radius_m": 250,
}
# Photos of needs: checked by content (Pillow), at most this size.
QINGSHE_PHOTO_MAX_BYTES = 10 * 1024 * 1024

# --- Internationalisation -----------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "qingshe" / "locale"]
TIME_ZONE = env.str("TIME_ZONE", default="Asia/Shanghai")
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files -----------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS: list[tuple[str, Path] | Path] = [BASE_DIR / "qingshe" / "static"]
# Front-end libraries come from `npm ci` (package.json), never from a CDN or the repository.
for _prefix, _dist in (
    ("vendor/htmx", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    ("vendor/echarts", BASE_DIR / "node_modules" / "echarts" / "dist"),
):
    if _dist.is_dir():
        STATICFILES_DIRS.append((_prefix, _dist))
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
WHITENOISE_USE_FINDERS = DEBUG
# Uploads live outside the code tree.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
# No request body may exceed this (uploads included): the largest upload is a 40 MB roster.
QINGSHE_MAX_REQUEST_MB: int = env.int("QINGSHE_MAX_REQUEST_MB", default=100)
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# --- Background tasks ---------------------------------------------------------------------------
TASKS = {
    "default": {
        "BACKEND": env.str(
            "TASKS_BACKEND", default="django_tasks.backends.immediate.ImmediateBackend"
        ),
    }
}

# --- Security -----------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_AGE = 60 * 60 * 12
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Production answers plain http with a redirect to https (behind the proxy, whose
# X-Forwarded-Proto says the request came over https); the demo (DEBUG) serves plain http.
SECURE_SSL_REDIRECT: bool = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = 0 if DEBUG else env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
# Preloading binds the whole domain (subdomains included) to https in browsers for months: the
# deployment opts in (SECURE_HSTS_PRELOAD=true); until then check --deploy's reminder is silenced.
SECURE_HSTS_PRELOAD: bool = env.bool("SECURE_HSTS_PRELOAD", default=False)
SILENCED_SYSTEM_CHECKS: list[str] = [] if SECURE_HSTS_PRELOAD else ["security.W021"]
# No script reads a cookie: htmx sends the CSRF token from the page (base.html, hx-headers).
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = not DEBUG
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# No inline script anywhere: htmx reads its config from a <meta> tag and styles are files.
QINGSHE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)

# Public or abuse-prone endpoints (django-ratelimit, counted in the cache per person or address):
# a resident's order (点单, page and API), the one-tap rating link, certificate verification.
QINGSHE_RATE_LIMITS: dict[str, str] = {
    "need_order": env.str("QINGSHE_RATE_NEED_ORDER", default="60/h"),
    "rating": env.str("QINGSHE_RATE_RATING", default="30/m"),
    "certificate_verify": env.str("QINGSHE_RATE_CERTIFICATE_VERIFY", default="60/m"),
    # Public pages read without an account: a community's accountability board, featured cases.
    "council_public": env.str("QINGSHE_RATE_COUNCIL_PUBLIC", default="120/m"),
    "featured_cases": env.str("QINGSHE_RATE_FEATURED_CASES", default="120/m"),
}

# --- API ----------------------------------------------------------------------------------------
NINJA_PAGINATION_PER_PAGE = 20
NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 200

# --- Logging ------------------------------------------------------------------------------------
# Every record passes a filter that masks mobile and ID numbers (PIPL: never log them in clear).
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "qingshe.core.logging.RedactPersonalDataFilter"}},
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["redact"],
            "formatter": "plain",
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL")},
    "loggers": {"axes": {"level": "WARNING"}},
}

# --- Page cache (qingshe.core.page_cache, decision 0017) -----------------------------------------
# The main student pages are kept per person for at most this many seconds, and never served after
# a write to a table they read. Needs a cache shared by all processes (CACHE_URL: Redis in
# production); with the default process-local cache it stays off unless QINGSHE_PAGE_CACHE_LOCAL
# says there is one process (make demo). 0 turns it off.
QINGSHE_PAGE_CACHE_SECONDS = env.int("QINGSHE_PAGE_CACHE_SECONDS", default=15)
QINGSHE_PAGE_CACHE_LOCAL = env.bool("QINGSHE_PAGE_CACHE_LOCAL", default=False)
# Sessions are read from the cache (and kept in the database) when the cache is shared by every
# process, or there is only one: a kept page then depends on its own session, not on the whole
# session table that every login writes. A process-local cache in several processes would keep a
# logged-out session alive in the others, so the database alone serves then.
SESSION_ENGINE = (
    "django.contrib.sessions.backends.cached_db"
    if QINGSHE_PAGE_CACHE_LOCAL
    or CACHES["default"]["BACKEND"]
    not in (
        "django.core.cache.backends.locmem.LocMemCache",
        "django.core.cache.backends.dummy.DummyCache",
    )
    else "django.contrib.sessions.backends.db"
)
