"""Frontdesk settings: one module, configured from the environment (12-factor).

Embedded default: a SQLite file under FRONTDESK_DATA_DIR (./var), secret key generated
once and kept there. Production: set DATABASE_URL (PostgreSQL), SECRET_KEY, ALLOWED_HOSTS.
"""

import base64
import os
import secrets
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent
env = environ.Env()

DATA_DIR = Path(env.str("FRONTDESK_DATA_DIR", default=str(Path.cwd() / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)


def _secret_key() -> str:
    key = env.str("SECRET_KEY", default="")
    if key:
        return key
    path = DATA_DIR / "secret_key"
    if not path.exists():
        path.write_text(secrets.token_urlsafe(50))
        path.chmod(0o600)
    return path.read_text().strip()


SECRET_KEY = _secret_key()


def _encryption_keys() -> list[str]:
    """Fernet keys for secrets stored encrypted (webhook signing secrets ...), independent of
    SECRET_KEY. ``FRONTDESK_ENCRYPTION_KEYS``: comma-separated, newest first; the first
    encrypts, all decrypt (add a new key in front to rotate). Embedded default: one key
    generated once into the data directory (created atomically, never overwritten: losing
    it loses every stored secret)."""
    keys = env.list("FRONTDESK_ENCRYPTION_KEYS", default=[])
    if keys:
        return keys
    path = DATA_DIR / "encryption_key"
    if not path.exists():
        draft = DATA_DIR / f".encryption_key.{secrets.token_hex(8)}"
        draft.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
        draft.chmod(0o600)
        try:
            os.link(draft, path)  # fails if another process made the key first
        except FileExistsError:
            pass
        finally:
            draft.unlink()
    return [path.read_text().strip()]


FRONTDESK_ENCRYPTION_KEYS = _encryption_keys()
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
TESTING = env.bool("FRONTDESK_TESTING", default=False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_q",
    "axes",
    "ninja",
    "frontdesk.core",
    "frontdesk.accounts",
    "frontdesk.organizations",
    "frontdesk.audit",
    "frontdesk.events",
    "frontdesk.jobs",
    "frontdesk.customers",
    "frontdesk.integrations",
    "frontdesk.scheduling",
    "frontdesk.messaging",
    "frontdesk.pipeline",
    "frontdesk.money",
    "frontdesk.loyalty",
    "frontdesk.memberships",
    "frontdesk.inquiries",
    "frontdesk.telephony",
]

MIDDLEWARE = [
    "frontdesk.core.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "frontdesk.core.middleware.CSPMiddleware",  # django-csp's, the header built once
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
    "frontdesk.organizations.middleware.TenancyMiddleware",
    "frontdesk.core.middleware.ApiTransactionMiddleware",
]

ROOT_URLCONF = "frontdesk.urls"
WSGI_APPLICATION = "frontdesk.wsgi.application"
ASGI_APPLICATION = "frontdesk.asgi.application"

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
                "frontdesk.core.context_processors.frontdesk",
                "frontdesk.messaging.context_processors.bell",
            ],
        },
    }
]

# --- database -----------------------------------------------------------------------------
SQLITE_PATH = DATA_DIR / "frontdesk.sqlite3"
DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{SQLITE_PATH}")
DATABASES = {"default": env.db_url_config(DATABASE_URL)}
_db = DATABASES["default"]
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 30,
        "init_command": (
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;"
            " PRAGMA busy_timeout=30000;"
        ),
    }
    # Tests use a file, not :memory:, so worker and server subprocesses see the same data.
    _db["TEST"] = {"NAME": str(DATA_DIR / "test_frontdesk.sqlite3")}
if _db["ENGINE"] == "django.db.backends.postgresql":
    # Django's backend with a health check that needs no round trip (core/db/postgresql)
    _db["ENGINE"] = "frontdesk.core.db.postgresql"
    # Parameters bound by the server and statements prepared once a connection has run
    # them DB_PREPARE_THRESHOLD times: PostgreSQL then skips parsing and planning the
    # same statement again (a 4-table join: 0.27 -> 0.04 ms of its CPU). Behind a pooler
    # that does not keep prepared statements per client (PgBouncer in transaction mode
    # before 1.21), set DB_PREPARE_THRESHOLD=off.
    _options = _db.setdefault("OPTIONS", {})
    _options["server_side_binding"] = env.bool("DB_SERVER_SIDE_BINDING", default=True)
    _threshold = env.str("DB_PREPARE_THRESHOLD", default="5").strip().lower()
    _options["prepare_threshold"] = None if _threshold in ("", "off", "none") else int(_threshold)
# Persistent connections on both databases. On SQLite this matters as much as on
# PostgreSQL: a new connection per request repeats the PRAGMAs above and starts with an
# empty page cache, so every request re-read the upper levels of each index it used.
_db.setdefault("CONN_MAX_AGE", env.int("DB_CONN_MAX_AGE", default=60))
_db.setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache (shared across processes: the database by default) -----------------------------
CACHES = {
    "default": env.cache_url_config(env.str("CACHE_URL", default="dbcache://frontdesk_cache"))
    if env.str("CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "frontdesk_cache"},
    # API rate-limit counters. In memory by default: counting in the database would turn
    # every read into a write (on SQLite, one writer at a time). Each web process then
    # counts on its own; set THROTTLE_CACHE_URL (e.g. redis://…) for one shared count.
    "throttle": env.cache_url_config(env.str("THROTTLE_CACHE_URL"))
    if env.str("THROTTLE_CACHE_URL", default="")
    else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "throttle"},
}

# --- auth ---------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
if TESTING:
    # Argon2 is deliberately slow; tests create hundreds of users.
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher", *PASSWORD_HASHERS]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "frontdesk.accounts.views.lockout"
AXES_VERBOSE = False
# django-ipware is not installed, so axes would read REMOTE_ADDR (the proxy's address:
# one lockout for everybody behind it); use the same client address the audit trail uses.
PROXY_COUNT = env.int("PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "frontdesk.core.middleware.client_ip"
AXES_ENABLED = env.bool("LOGIN_THROTTLING", default=True)

# --- security -----------------------------------------------------------------------------
SECURE = env.bool("FRONTDESK_SECURE", default=not DEBUG and bool(env.str("SECRET_KEY", default="")))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = SECURE
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=60 * 60 * 12)
CSRF_COOKIE_SECURE = SECURE
CSRF_COOKIE_HTTPONLY = False  # htmx reads it from a meta tag; the cookie stays SameSite=Lax
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_FAILURE_VIEW = "frontdesk.core.views.csrf_failure"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=SECURE)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000 if SECURE else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE
SECURE_HSTS_PRELOAD = SECURE
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if SECURE else None
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "font-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# --- i18n ---------------------------------------------------------------------------------
LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# --- static -------------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- email --------------------------------------------------------------------------------
EMAIL_URL = env.str("EMAIL_URL", default="")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    EMAIL_FILE_PATH = str(DATA_DIR / "outbox")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Frontdesk <frontdesk@localhost>")

# --- messaging channels (docs/messaging.md) ---------------------------------------------
# Where links in messages (one-click unsubscribe) and provider callbacks point.
PUBLIC_BASE_URL = env.str("PUBLIC_BASE_URL", default="http://127.0.0.1:8000").rstrip("/")
# Email to customers: "smtp" sends through the mail backend above (set EMAIL_URL);
# "outbox" (the embedded default) keeps each message in the local outbox the UI shows.
MESSAGING_EMAIL_TRANSPORT = env.str(
    "MESSAGING_EMAIL_TRANSPORT", default="smtp" if EMAIL_URL else "outbox"
)
# mailto: target of List-Unsubscribe (default: unsubscribe@ the sender's domain)
UNSUBSCRIBE_MAILTO = env.str("UNSUBSCRIBE_MAILTO", default="")
# SMS through a provider speaking Twilio's Messages API; without SID and token the local
# outbox keeps each message instead.
SMS_BASE_URL = env.str("SMS_BASE_URL", default="https://api.twilio.com").rstrip("/")
SMS_ACCOUNT_SID = env.str("SMS_ACCOUNT_SID", default="")
SMS_AUTH_TOKEN = env.str("SMS_AUTH_TOKEN", default="")
SMS_FROM_NUMBER = env.str("SMS_FROM_NUMBER", default="")
SMS_TIMEOUT = env.float("SMS_TIMEOUT", default=10.0)
# A claimed message is handed to the provider within this lease; a worker that dies
# mid-send leaves it to be picked up again once the lease expires.
# how long the first response to a write with an Idempotency-Key is kept for replay
IDEMPOTENCY_KEY_HOURS = env.int("FRONTDESK_IDEMPOTENCY_KEY_HOURS", default=72)
MESSAGE_SEND_LEASE_SECONDS = env.int("MESSAGE_SEND_LEASE_SECONDS", default=120)
MESSAGE_MAX_ATTEMPTS = env.int("MESSAGE_MAX_ATTEMPTS", default=6)
# Server-sent notification streams end after this long (the browser reconnects), so that
# idle tabs never hold every server thread; new notifications are looked for this often.
NOTIFICATION_STREAM_SECONDS = env.int("NOTIFICATION_STREAM_SECONDS", default=60)
NOTIFICATION_POLL_SECONDS = env.float("NOTIFICATION_POLL_SECONDS", default=1.0)

# --- jobs (django-q2 with its ORM broker: survives kill -9 on SQLite and PostgreSQL) -------
# A claimed job stays in the queue table, locked for `retry` seconds, until it finishes; a
# job whose worker died (kill -9) is handed out again when the lock expires. So `retry` must
# exceed `timeout` (the longest a job may run), or a slow job would run twice at once.
# A job that raises is retried the same way, up to `max_attempts` runs.
JOB_TIMEOUT = env.int("FRONTDESK_JOB_TIMEOUT", default=300)
JOB_RETRY = env.int("FRONTDESK_JOB_RETRY", default=JOB_TIMEOUT + 60)
if JOB_RETRY <= JOB_TIMEOUT:
    raise ImproperlyConfigured("FRONTDESK_JOB_RETRY must exceed FRONTDESK_JOB_TIMEOUT.")
JOB_WORKERS = env.int("FRONTDESK_WORKER_PROCESSES", default=2)
Q_CLUSTER = {
    "name": "frontdesk",
    "orm": "default",
    "workers": JOB_WORKERS,
    "timeout": JOB_TIMEOUT,
    "retry": JOB_RETRY,
    "max_attempts": env.int("FRONTDESK_JOB_MAX_ATTEMPTS", default=5),
    "ack_failures": False,
    # the pusher claims (locks) jobs before a worker is free; keep that backlog short so a
    # claimed job starts well within `retry`
    "queue_limit": JOB_WORKERS,
    "bulk": 1,
    "poll": env.float("FRONTDESK_JOB_POLL", default=0.5),
    "catch_up": False,
    "save_limit": 1000,
    "sync": env.bool("FRONTDESK_JOBS_SYNC", default=False),
    "label": "Jobs",
    "log_level": "WARNING",
}

# --- events ------------------------------------------------------------------------------
# Extra modules imported at start-up whose import registers event handlers (``on_event``).
EVENT_HANDLER_MODULES = env.list("FRONTDESK_EVENT_HANDLER_MODULES", default=[])

# --- API ----------------------------------------------------------------------------------
NINJA_PAGINATION_MAX_LIMIT = 200
# rate limits key anonymous callers by address: trust X-Forwarded-For only as far as our
# own proxies go (ninja's default, None, takes the whole header: forgeable)
NINJA_NUM_PROXIES = PROXY_COUNT
API_RATE_LIMIT = env.str("API_RATE_LIMIT", default="1200/m")
PUBLIC_RATE_LIMIT = env.str("PUBLIC_RATE_LIMIT", default="20/m")
# the website inquiry form: per client address, and every client of one organization together
INQUIRY_RATE_LIMIT = env.str("INQUIRY_RATE_LIMIT", default="5/m")
INQUIRY_GLOBAL_RATE_LIMIT = env.str("INQUIRY_GLOBAL_RATE_LIMIT", default="120/m")
# one-click unsubscribes arrive from mail providers' few addresses for many people
UNSUBSCRIBE_RATE_LIMIT = env.str("UNSUBSCRIBE_RATE_LIMIT", default="600/m")

# --- logging ------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "frontdesk.core.context.RequestIdLogFilter"}},
    "formatters": {
        "plain": {"format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s: %(message)s"}
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.request": {"level": "ERROR"},
        "django-q": {"level": "WARNING"},  # django-q2 logs as "django-q"
        "axes": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},  # one INFO line per webhook request otherwise
    },
}

FRONTDESK_VERSION = "0.1.0"

# --- webhooks (docs/webhooks.md) -----------------------------------------------------------
# Deliveries to loopback and private networks (127.0.0.0/8, 10/8, 172.16/12, 192.168/16,
# 100.64/10, fc00::/7) are refused unless this is on; link-local, metadata, multicast and
# reserved addresses are refused always.
WEBHOOKS_ALLOW_PRIVATE_TARGETS = env.bool("WEBHOOKS_ALLOW_PRIVATE_TARGETS", default=False)
WEBHOOKS_TIMEOUT_SECONDS = env.float("WEBHOOKS_TIMEOUT_SECONDS", default=10.0)
# an endpoint is disabled once this many deliveries in a row have used up every attempt
WEBHOOKS_DISABLE_AFTER = env.int("WEBHOOKS_DISABLE_AFTER", default=5)
# largest CSV a customer import accepts (bytes); bigger uploads answer 413
IMPORT_MAX_BYTES = env.int("FRONTDESK_IMPORT_MAX_BYTES", default=50 * 1024 * 1024)
