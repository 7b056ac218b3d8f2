"""OMOV settings, read from the environment only (see .env.example for every variable).

With no environment set this is the embedded mode: SQLite file, Celery tasks run eagerly,
local-memory cache, email printed to the console, DEBUG on. Setting DATABASE_URL switches the
defaults to production ones (DEBUG off, HTTPS on, SECRET_KEY required).
"""

import os
from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from config.env import env_bool, env_int, env_list, env_str, parse_database_url

BASE_DIR = Path(__file__).resolve().parent.parent

EMBEDDED = "DATABASE_URL" not in os.environ
DEBUG = env_bool("DEBUG", EMBEDDED)

SECRET_KEY = env_str("SECRET_KEY")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off")
    SECRET_KEY = "embedded-mode-only-not-secret-omov-development-key-0123456789"  # noqa: S105

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
# Public address of the site, used in links inside emails sent from background tasks.
SITE_URL = env_str("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
# What the site calls itself in emails and pages (allauth's "Hello from …", subject prefix).
SITE_NAME = env_str("SITE_NAME", "OMOV")

INSTALLED_APPS = [
    "societies.admin_site.OMOVAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "simple_history",
    "accounts",
    "societies",
    "members",
    "shares",
    "ballotbox",
    "ballots",
    "boards",
    "notifications",
    "jobs",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.security.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "members.middleware.SocietyMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "societies.context_processors.society",
            ],
        },
    },
]

# Database: persistent connections always (opening one per request costs ~6x throughput).
DATABASES = {
    "default": parse_database_url(env_str("DATABASE_URL", "sqlite:///db.sqlite3"), BASE_DIR)
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"].setdefault("transaction_mode", "IMMEDIATE")
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command", "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)
    # Covering indexes (INCLUDE) are a PostgreSQL feature; SQLite builds them as plain indexes.
    SILENCED_SYSTEM_CHECKS = ["models.W040"]
else:
    DATABASES["default"]["CONN_MAX_AGE"] = env_int("CONN_MAX_AGE", 600)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # Parameters bound by the server, and a query run five times on a connection prepared
    # there: PostgreSQL then stops parsing and planning the statements every request sends
    # (docs/performance.md, casting). Off for a pooler that cannot keep prepared statements
    # across transactions (PgBouncer before 1.21, or without max_prepared_statements).
    if env_bool("DATABASE_PREPARED_STATEMENTS", True):
        DATABASES["default"]["OPTIONS"].setdefault("server_side_binding", True)
        DATABASES["default"]["OPTIONS"].setdefault("prepare_threshold", 5)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
# allauth's backend (sign in by email) with the signed-in user read by a written-out query
# (accounts/backends.py). A session records the backend that signed it in: sessions made by
# the backends listed before 2026-11-24 (Django's ModelBackend, allauth's) sign in again.
AUTHENTICATION_BACKENDS = ["accounts.backends.AuthenticationBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "my_societies"

# Accounts (django-allauth): the email address is the login and must be verified.
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_EMAIL_SUBJECT_PREFIX = f"[{SITE_NAME}] "
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
ACCOUNT_LOGOUT_REDIRECT_URL = "/"
# Login rate limits, counted in the cache (Redis in production, so shared by every process).
# "key" is the email address being tried; docs/accounts.md explains each figure.
ACCOUNT_RATE_LIMITS = {
    "login": "30/m/ip",
    "login_failed": "10/m/ip,5/5m/key",
    "signup": "10/m/ip",
    "reset_password": "10/m/ip,3/5m/key",
    "reset_password_from_key": "20/m/ip",
    "confirm_email": "1/3m/key",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
}

# Multi-factor authentication: TOTP with recovery codes, and passkeys (WebAuthn).
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes", "webauthn"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = "OMOV"
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = DEBUG

LANGUAGE_CODE = "en-gb"
# Sentence case for the words django-allauth puts on the account pages ("Sign in").
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# STATIC_MANIFEST=1 (the Docker image sets it, after its collectstatic): file names carry a
# hash of their content, so browsers may keep them for ever. Off by default, because then
# every page needs collectstatic to have run first: the tests and `make run` do without.
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
                    if STATIC_MANIFEST else "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = env_bool("WHITENOISE_USE_FINDERS", DEBUG)
# Uploaded files (register imports, read by the worker too): in production a volume that the
# web and worker containers share (docker-compose.yml), writable by the app's user.
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(BASE_DIR / "media")))
# Where the PDF makers look for DejaVu Sans and the CJK fallback font (config/fonts.py).
FONT_DIRS = env_list("FONT_DIRS", ["/usr/share/fonts", "/usr/local/share/fonts",
                                   "~/.local/share/fonts", "/Library/Fonts"])

# Cache: Redis when configured (shared rate limits across processes), else local memory.
REDIS_URL = env_str("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                          "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_BROKER_URL = REDIS_URL or "memory://"
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# A worker outlives a broker outage of any length (the default gives up after 100 tries).
CELERY_BROKER_CONNECTION_MAX_RETRIES = None
# Kept at an hour for long counts: a task lost with a killed worker is not redelivered
# sooner. The sweeps bring such work back instead (the outbox's within a minute).
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 3600}
CELERY_TASK_IGNORE_RESULT = True
CELERY_BEAT_SCHEDULE: dict = {
    # The outbox sweep: email left pending 30 s after it was due, and not being sent, is
    # queued again, so messages lost by a broker or worker outage are under way within 60 s.
    "notifications-sweep-outbox": {"task": "notifications.tasks.sweep_outbox", "schedule": 15.0},
    # Polls open, close and send their 24-hour reminder on time (ballots/tasks.py).
    "ballots-open-due-polls": {"task": "ballots.tasks.open_due_polls", "schedule": 30.0},
    "ballots-close-due-polls": {"task": "ballots.tasks.close_due_polls", "schedule": 30.0},
    "ballots-send-due-reminders": {"task": "ballots.tasks.send_due_reminders",
                                   "schedule": 300.0},
    # Ballot boxes whose count was lost (broker down, worker killed) or failed are queued
    # again (ballotbox/tasks.py); the close and the decryptions queue their own work at once.
    "ballotbox-resume-due-boxes": {"task": "ballotbox.tasks.resume_due_boxes",
                                   "schedule": 60.0},
    # A contest whose box has its result but whose count was lost is counted (ballots/tasks.py).
    "ballots-count-decrypted-boxes": {"task": "ballots.tasks.count_decrypted_boxes",
                                      "schedule": 60.0},
    # Expired sessions are deleted once a day (Django's clearsessions; accounts/tasks.py).
    "accounts-clear-expired-sessions": {"task": "accounts.tasks.clear_expired_sessions",
                                        "schedule": timedelta(days=1)},
    # Jobs (imports, interest runs, counts, openings) whose message was lost are queued
    # again, and those whose worker died are redone or failed (jobs/queue.py).
    "jobs-sweep": {"task": "jobs.tasks.sweep_jobs", "schedule": 15.0},
}
# A running job whose worker gave no sign of life for this long is redone or failed; the
# worker beats every JOBS_HEARTBEAT_SECONDS; a pending job is queued again after
# JOBS_REPUBLISH_SECONDS; work safe to redo is tried at most JOBS_MAX_ATTEMPTS times.
JOBS_STALE_SECONDS = env_int("JOBS_STALE_SECONDS", 45)
JOBS_HEARTBEAT_SECONDS = env_int("JOBS_HEARTBEAT_SECONDS", 10)
JOBS_REPUBLISH_SECONDS = env_int("JOBS_REPUBLISH_SECONDS", 30)
JOBS_MAX_ATTEMPTS = env_int("JOBS_MAX_ATTEMPTS", 3)

# The ballot box runs Debian's belenios-tool 2.0 as a separate process (docs/secrecy.md):
# its path, and how long one tally step (shuffle, decryption, result, verify) may run.
BELENIOS_TOOL = env_str("BELENIOS_TOOL", "belenios-tool")
BELENIOS_TALLY_TIMEOUT = env_int("BELENIOS_TALLY_TIMEOUT", 4 * 3600)

# Email: SMTP when EMAIL_HOST is set, else printed to the console.
EMAIL_HOST = env_str("EMAIL_HOST")
EMAIL_BACKEND = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "OMOV <noreply@omov.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Limits on the public forms anyone can post to, counted in the cache (config/ratelimit.py,
# docs/operations.md). Voting codes count codes that did not work; applications count every
# application sent (not those a secretary enters), per address and society and, across all
# societies, per email address typed. False turns a form's limits off.
VOTING_CODE_LIMITS = {"address": 10, "society": 1000, "minutes": 15}
APPLICATION_LIMITS = {"address": 10, "society": 200, "email": 3, "minutes": 60}

# HTTPS: on by default outside DEBUG. Behind a TLS-terminating proxy set
# TRUST_X_FORWARDED_PROTO=1 so Django knows the original request was HTTPS.
HTTPS = env_bool("HTTPS", not DEBUG)
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("TRUST_X_FORWARDED_PROTO", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
ACCOUNT_DEFAULT_HTTP_PROTOCOL = "https" if HTTPS else "http"
SESSION_COOKIE_HTTPONLY = True
# Database sessions (a signed-out session is dead on the server), read by a written-out query;
# see accounts/sessions.py and docs/performance.md.
SESSION_ENGINE = "accounts.sessions"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# config/security.py: every page's scripts, styles, images and forms come from this site only,
# with no inline code (the TOTP QR code is a data: image); no page uses a device.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
    "base-uri 'self'; object-src 'none'"
)
PERMISSIONS_POLICY = (
    "accelerometer=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), hid=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), serial=(), usb=()"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
