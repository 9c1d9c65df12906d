"""Django settings for Jigi, read from the environment (see the README's configuration table).

JIGI_MODE selects how strict start-up is:
- ``production`` (default): SECRET_KEY and ALLOWED_HOSTS must be given; cookies are HTTPS-only.
- ``demo``: what `make run` uses; a secret is generated under var/ and demo users may be created.
- ``test``: what the test suite uses (set by jigi.test_settings).
"""

from __future__ import annotations

import os
import secrets
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from jigi.env import env_bool, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
JIGI_MODE = env_str("JIGI_MODE", "production")
if JIGI_MODE not in {"production", "demo", "test"}:
    raise ImproperlyConfigured(
        f"The environment variable JIGI_MODE must be production, demo or test, not {JIGI_MODE!r}."
    )
DEMO_MODE = JIGI_MODE == "demo"
VAR_DIR = Path(env_str("JIGI_VAR_DIR", str(BASE_DIR / "var")))


def _demo_secret_key() -> str:
    """A per-machine secret for demo mode, created once and kept under var/."""
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    path = VAR_DIR / "demo-secret-key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


if JIGI_MODE == "production":
    SECRET_KEY = env_str("SECRET_KEY")
    if len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "The environment variable SECRET_KEY must be at least 40 characters."
        )
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [])
    if not ALLOWED_HOSTS:
        raise ImproperlyConfigured(
            "The environment variable ALLOWED_HOSTS is required (comma-separated host names)."
        )
elif JIGI_MODE == "demo":
    SECRET_KEY = env_str("SECRET_KEY", "") or _demo_secret_key()
    ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
else:
    SECRET_KEY = "test-only-secret-key-not-for-any-deployment-0123456789"  # noqa: S105 (test mode only)
    ALLOWED_HOSTS = ["*"]

DEBUG = env_bool("DEBUG", default=False)
HTTPS = env_bool("JIGI_HTTPS", default=JIGI_MODE == "production")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "ninja",  # serves Swagger UI's assets locally (no CDN; CSP 'self')
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # Jigi apps, lowest layer first (see docs/ARCHITECTURE.md).
    "jigi.core",
    "jigi.audit",
    "jigi.accounts",
    "jigi.registry",
    "jigi.dedup",
    "jigi.intake",
    # After intake: its demo seeds the register that the programmes' demo targets.
    "jigi.programmes",
    "jigi.payments",
    "jigi.grievances",
    "jigi.protection",
    "jigi.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "jigi.accounts.middleware.UserLanguageMiddleware",
    "jigi.core.context.ActionSourceMiddleware",
    "jigi.accounts.middleware.AccountGateMiddleware",
    "jigi.core.middleware.NoStoreMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "jigi.urls"
WSGI_APPLICATION = "jigi.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "jigi" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "jigi.accounts.context_processors.navigation",
            ],
        },
    }
]

# Database: SQLite in WAL mode under var/ unless DATABASE_URL names another.
_default_db_url = f"sqlite:///{VAR_DIR / 'jigi.sqlite3'}"
try:
    _db = dj_database_url.parse(env_str("DATABASE_URL", _default_db_url), conn_max_age=60)
except ValueError as exc:
    raise ImproperlyConfigured(
        f"The environment variable DATABASE_URL is malformed: {exc}"
    ) from None
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["CONN_MAX_AGE"] = 0
    _db["OPTIONS"] = {
        # IMMEDIATE takes the write lock when a transaction starts, so web and worker
        # queue for it instead of failing half-way with "database is locked".
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        # journal_size_limit: SQLite never shrinks its write-ahead log by itself, and a
        # large import's side-by-side writers grow it to gigabytes (decision 0005): once a
        # checkpoint lets it start over, it is cut back to 64 MB instead of keeping that space.
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; "
            "PRAGMA foreign_keys=ON; PRAGMA busy_timeout=30000; "
            "PRAGMA journal_size_limit=67108864;"
        ),
    }
    if JIGI_MODE != "test":
        VAR_DIR.mkdir(parents=True, exist_ok=True)
elif _db["ENGINE"] != "django.db.backends.postgresql":
    raise ImproperlyConfigured("DATABASE_URL must name a sqlite:// or postgres:// database.")
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
    "jigi.accounts.backends.RoleBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Login throttling: five failures lock the account for this client for 15 minutes.
AXES_FAILURE_LIMIT = env_int("JIGI_LOGIN_FAILURE_LIMIT", default=5, minimum=1)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_VERBOSE = False
# Number of reverse proxies in front of Jigi (0: clients connect directly). The audit log and
# the lockout both use the address this implies (jigi.core.context.client_address).
JIGI_TRUSTED_PROXIES = env_int("JIGI_TRUSTED_PROXIES", default=0, minimum=0)
AXES_CLIENT_IP_CALLABLE = "jigi.core.context.client_address"

# Sessions and cookies.
SESSION_COOKIE_AGE = 8 * 60 * 60
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
CSRF_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SECURE = HTTPS
LANGUAGE_COOKIE_SAMESITE = "Lax"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
if HTTPS:
    SECURE_SSL_REDIRECT = env_bool("JIGI_SSL_REDIRECT", default=False)
    SECURE_HSTS_SECONDS = 31536000
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "font-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Internationalisation: French first, English available; times stored in UTC, shown in Bamako.
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("Français")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "jigi" / "locale"]
TIME_ZONE = "Africa/Bamako"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Tests serve static files from the app folders (jigi.test_settings), with no collectstatic.
STATIC_ROOT: Path | None = None if JIGI_MODE == "test" else VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "jigi" / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if JIGI_MODE == "test"
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# Background jobs: Django's tasks API with the database backend, so no broker is needed.
TASKS = {
    "default": {
        "BACKEND": (
            "django_tasks.backends.immediate.ImmediateBackend"
            if env_bool("JIGI_TASKS_IMMEDIATE", default=False)
            else "django_tasks_db.DatabaseBackend"
        ),
        "QUEUES": ["default"],
    }
}
# A running job that has not reported progress for this long is taken to be orphaned by a
# dead worker and is queued again.
JIGI_JOB_STALE_AFTER = timedelta(
    seconds=env_int("JIGI_JOB_STALE_AFTER_SECONDS", default=120, minimum=10)
)

# Import files are kept here (one per import, named by a random id) until the import is removed.
JIGI_IMPORT_DIR = Path(env_str("JIGI_IMPORT_DIR", str(VAR_DIR / "imports")))
JIGI_IMPORT_MAX_BYTES = env_int("JIGI_IMPORT_MAX_MB", default=500, minimum=1) * 1024 * 1024
# Processes that check a large CSV import's rows, and processes that write its new
# households, side by side (decision 0005). Default: two where the machine has two cores.
_IMPORT_WORKERS = min(2, os.cpu_count() or 1)
JIGI_IMPORT_CHECK_WORKERS = env_int("JIGI_IMPORT_CHECK_WORKERS", default=_IMPORT_WORKERS, minimum=1)
JIGI_IMPORT_COMMIT_WORKERS = env_int(
    "JIGI_IMPORT_COMMIT_WORKERS", default=_IMPORT_WORKERS, minimum=1
)
# After an import commits, queue a dedup run over the register (the imported households are
# checked as a whole); off, administrators run it themselves.
JIGI_DEDUP_AFTER_IMPORT = env_bool("JIGI_DEDUP_AFTER_IMPORT", default=True)

# Complaint attachments (photos, PDF), one file per attachment named by a random id.
JIGI_GRIEVANCE_FILES_DIR = Path(env_str("JIGI_GRIEVANCE_FILES_DIR", str(VAR_DIR / "grievances")))
JIGI_GRIEVANCE_FILE_MAX_BYTES = (
    env_int("JIGI_GRIEVANCE_FILE_MAX_MB", default=5, minimum=1) * 1024 * 1024
)
# The public complaint form and status page: uses allowed per address and hour.
JIGI_PUBLIC_SUBMISSIONS_PER_HOUR = env_int("JIGI_PUBLIC_SUBMISSIONS_PER_HOUR", default=5, minimum=1)
JIGI_PUBLIC_LOOKUPS_PER_HOUR = env_int("JIGI_PUBLIC_LOOKUPS_PER_HOUR", default=60, minimum=1)

# Idle time after which GBV staff are signed out (others: SESSION_COOKIE_AGE).
JIGI_PROTECTION_IDLE_SECONDS = env_int("JIGI_PROTECTION_IDLE_SECONDS", default=30 * 60, minimum=60)
OTP_TOTP_ISSUER = "Jigi"
# The AES-GCM keys sealing survivors' names, contacts and narratives (decision 0008):
# comma-separated in the variable (the first seals, the others only open), or one per line in
# the file; in demo mode the file is created under var/ on first use.
# Audit entries the general audit page shows without actor or object (decision 0008).
JIGI_AUDIT_MASKED_ACTIONS = (
    "protection.",
    "grievances.refer_protection",  # the complaint's code beside its other entries
    "programmes.priority_referral",
    "programmes.settle_priority_referral",
    "programmes.withdraw_priority_referral",
)
JIGI_PROTECTION_KEY = env_str("JIGI_PROTECTION_KEY", "")
# Where the "quick exit" button of protection pages sends the browser after signing out.
JIGI_PROTECTION_EXIT_URL = env_str("JIGI_PROTECTION_EXIT_URL", "https://www.wikipedia.org/")
JIGI_PROTECTION_KEY_FILE = env_str("JIGI_PROTECTION_KEY_FILE", str(VAR_DIR / "protection.key"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No protection address (a GBV case code …) in any log line: see jigi.core.logsafe.
    "filters": {"redact": {"()": "jigi.core.logsafe.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": env_str("JIGI_LOG_LEVEL", "WARNING")},
}
