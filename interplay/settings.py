"""Interplay's settings: one module, every deployment choice read from the environment.

See README.md for the variables. Production (DEBUG off) refuses to start without a real
SECRET_KEY and encryption key: ``interplay.checks`` and ``interplay.wsgi`` both enforce it.
"""

import datetime as dt
from pathlib import Path

import dj_database_url
from whitenoise.compress import Compressor

from interplay.lib.crypto import backup_keys_from_environment, encryption_keys_from_environment
from interplay.lib.env import env_bool, env_float, env_int, env_list, env_str

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env_bool("DEBUG", default=False)
DEMO = env_bool("INTERPLAY_DEMO", default=False)

# Known-insecure keys: the empty string and the one the demo uses. Anything else is the
# operator's responsibility; the system check refuses these outside DEBUG.
DEMO_SECRET_KEY = "interplay-demo-key-not-for-production-use-0123456789abcdef"
INSECURE_SECRET_KEYS = frozenset({"", DEMO_SECRET_KEY})
SECRET_KEY = env_str("SECRET_KEY", DEMO_SECRET_KEY if DEBUG else "")

# Encryption at rest (interplay.lib.crypto): Fernet keys held outside the database, newest
# first. The demo key is published here, so the system check refuses it outside DEBUG.
DEMO_ENCRYPTION_KEY = "interplay-demo-key-PUBLIC-never-for-real-00="
ENCRYPTION_KEYS = encryption_keys_from_environment() or ([DEMO_ENCRYPTION_KEY] if DEBUG else [])
# Backups are encrypted with INTERPLAY_BACKUP_KEY, else the newest encryption key.
BACKUP_KEYS = backup_keys_from_environment() or ENCRYPTION_KEYS

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.forms",
    "django_tasks_db",
    # The periodic jobs' scheduler (`manage.py crontask`); every schedule is in
    # interplay/schedules/tasks.py.
    "crontask",
    # django-otp's own plugins are not installed: they keep keys and codes readable.
    # Interplay's devices (accounts.AuthenticatorApp, accounts.BackupCodes) replace them.
    "django_otp",
    "axes",
    # The JSON API (interplay/api); its documents' Swagger UI comes from its static files.
    "ninja",
    "interplay.accounts",
    "interplay.audit",
    "interplay.clinic",
    "interplay.measures",
    "interplay.patients",
    "interplay.referrals",
    "interplay.triage",
    "interplay.letters",
    "interplay.courses",
    "interplay.encounters",
    "interplay.monitoring",
    "interplay.portal",
    "interplay.formulation",
    "interplay.progress",
    "interplay.groups",
    "interplay.reports",
    "interplay.supervision",
    "interplay.today",
    "interplay.api",
    "interplay.pages",
    "interplay.schedules",
    "interplay.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files stay cacheable), before everything else that answers.
    "interplay.accounts.middleware.NoStoreMiddleware",
    "interplay.audit.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "interplay.accounts.middleware.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "interplay.accounts.middleware.IdleTimeoutMiddleware",
    "interplay.audit.middleware.RefusalAuditMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    # Last, as django-axes asks: it turns a locked-out sign-in into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "interplay.urls"
WSGI_APPLICATION = "interplay.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "interplay.clinic.context_processors.service",
                "interplay.pages.context_processors.staff_links",
            ],
            # Dates, times, phone numbers and empty values as people read them, and the
            # paths of a record's pages ({% path_to %}), everywhere.
            "builtins": [
                "interplay.pages.templatetags.display",
                "interplay.pages.templatetags.paths",
            ],
        },
    },
]
FORM_RENDERER = "interplay.forms.NHSFormRenderer"

# Database: SQLite by default, anything dj-database-url understands from DATABASE_URL.
DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'interplay.sqlite3'}")
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60, minimum=0)
    )
}
# PostgreSQL: each process keeps its connection for DATABASE_CONN_MAX_AGE seconds, or, with
# DATABASE_POOL_SIZE, draws from a pool of up to that many (psycopg's pool; Django then
# needs CONN_MAX_AGE 0). The sum over every server and worker process must stay under the
# database's max_connections: docs/scaling.md.
DATABASE_POOL_SIZE = env_int("DATABASE_POOL_SIZE", 0, minimum=0)
if DATABASE_POOL_SIZE and DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"].setdefault("OPTIONS", {})["pool"] = {
        "min_size": 1,
        "max_size": DATABASE_POOL_SIZE,
        "timeout": env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1),
    }
# A PostgreSQL streaming replica of that database (optional): the service figures read
# from it (interplay.db_router); everything else, and every write, stays on the primary.
DATABASE_REPLICA_URL = env_str("DATABASE_REPLICA_URL", "")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"]
    )
    if "pool" in DATABASES["default"].get("OPTIONS", {}):
        DATABASES["replica"].setdefault("OPTIONS", {})["pool"] = dict(
            DATABASES["default"]["OPTIONS"]["pool"]
        )
    # Tests make no database of their own for it: it is the test database, read back.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["interplay.db_router.ReplicaRouter"]
# PostgreSQL prices reading a page out of its order (an index probe) at random_page_cost
# times a page read in order; its default of 4 models spinning disks, and then it reads a
# whole table rather than probe the few rows a caseload or a waiting list needs. Interplay's
# working set is in memory or on SSDs, so each connection asks for 1.1 at start (no extra
# round trip); an empty DATABASE_RANDOM_PAGE_COST leaves the database's own setting
# (needed behind a pooler that refuses startup options): docs/scaling.md.
DATABASE_RANDOM_PAGE_COST = env_float("DATABASE_RANDOM_PAGE_COST", 1.1, minimum=0.1)
for _alias in DATABASES:
    if DATABASE_RANDOM_PAGE_COST and DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql":
        _options = DATABASES[_alias].setdefault("OPTIONS", {})
        _options["options"] = (
            f"{_options.get('options', '')} -c random_page_cost={DATABASE_RANDOM_PAGE_COST:g}"
        ).strip()
# PostgreSQL parses and plans every statement it is sent as text with its values written
# in. With DATABASE_PREPARED_STATEMENTS (the default), statements travel apart from their
# values (server-side binding) and psycopg prepares each one a connection has run
# DATABASE_PREPARE_THRESHOLD times, so a page's reads are planned once per connection, not
# once per request. Off for a pooler that cannot carry prepared statements between
# transactions (PgBouncer before 1.21, or with max_prepared_statements = 0): docs/scaling.md.
DATABASE_PREPARED_STATEMENTS = env_bool("DATABASE_PREPARED_STATEMENTS", True)
DATABASE_PREPARE_THRESHOLD = env_int("DATABASE_PREPARE_THRESHOLD", 2, minimum=0)
for _alias in DATABASES:
    if (
        DATABASE_PREPARED_STATEMENTS
        and DATABASES[_alias]["ENGINE"] == "django.db.backends.postgresql"
    ):
        _options = DATABASES[_alias].setdefault("OPTIONS", {})
        _options["server_side_binding"] = True
        _options["prepare_threshold"] = DATABASE_PREPARE_THRESHOLD
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers carry on while one writer commits; IMMEDIATE takes the write lock
    # at BEGIN so two writers queue on the busy timeout instead of failing mid-transaction.
    # Each process keeps its connection (DATABASE_CONN_MAX_AGE) as on PostgreSQL. Opened
    # and closed for each request, it parsed every statement again, and when it was the
    # last one open it copied the WAL into the database and removed it (in process, 1.5 ms
    # more for the bare list and 4-5 ms for the triage queue: docs/scaling.md).
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": env_int("SQLITE_BUSY_TIMEOUT", 20, minimum=1),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    # Shared by every process (rate limits must hold across gunicorn workers).
    "default": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "interplay_cache",
    },
    # Rate-limit counters, one keyed row each: no table-wide count on every write.
    "ratelimit": {"BACKEND": "interplay.clinic.ratecache.CounterCache"},
}

# How long each process may keep the service's settings and the instruments in use
# before reading them again (interplay.lib.shortcache): a change made on another server
# shows here within this many seconds.
SHORT_CACHE_SECONDS = env_int("INTERPLAY_SHORT_CACHE_SECONDS", 30, minimum=0)

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the user with their roles (sessions of ModelBackend
    # are read as this one's: interplay.accounts.sessions).
    "interplay.accounts.backends.UserAndRolesBackend",
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "accounts:login"
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
# A session lasts a working day at most, and ends after IDLE_TIMEOUT_MINUTES without use.
# Django's database sessions, their read on each request compiled once per process.
SESSION_ENGINE = "interplay.accounts.sessions"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60, minimum=60)
IDLE_TIMEOUT_SECONDS = 60 * env_int("IDLE_TIMEOUT_MINUTES", 30, minimum=1)

# Second factor (django-otp): required for every staff member, at the view boundary.
OTP_TOTP_ISSUER = env_str("OTP_TOTP_ISSUER", "Interplay")
DEMO_TOTP_SECRET = env_str("INTERPLAY_DEMO_TOTP_SECRET", "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")

# Lockout after repeated wrong passwords (django-axes), per username and address.
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5, minimum=1)
AXES_COOLOFF_MINUTES = env_int("AXES_COOLOFF_MINUTES", 15, minimum=1)
AXES_COOLOFF_TIME = dt.timedelta(minutes=AXES_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
AXES_HTTP_RESPONSE_CODE = 429
# The client's address as the rate limits and the audit trail see it (RATELIMIT_IP_META_KEY
# behind a proxy), so a lockout is per person, not per proxy.
AXES_CLIENT_IP_CALLABLE = "interplay.audit.middleware.client_address"
SESSION_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = env_str("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Where `collectstatic` writes the files WhiteNoise serves.
STATIC_ROOT = Path(env_str("INTERPLAY_STATIC_ROOT", str(BASE_DIR / "staticfiles")))
STATICFILES_DIRS = [
    BASE_DIR / "static",
    # nhsuk-frontend arrives from the npm registry at install time (see Makefile).
    ("nhsuk", BASE_DIR / "node_modules" / "nhsuk-frontend" / "dist" / "nhsuk"),
]
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# Production serves the files `collectstatic` wrote, compressed and with a content hash in
# their names (cached for ever by browsers). Off by default: pages then need no
# collectstatic (the demo, the tests, the benchmark); deploy/interplay.env.example sets it.
STATIC_MANIFEST = env_bool("INTERPLAY_STATIC_MANIFEST", default=False)
# Source maps and the design system's sources are for developers' tools, seldom fetched:
# not worth compressing at every collectstatic (they are half its bytes).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [
    *Compressor.SKIP_COMPRESS_EXTENSIONS,
    *("map", "scss", "mts", "njk", "md"),
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}

# Email: SMTP in production; the console in the demo; captured in memory in tests.
EMAIL_BACKEND_PATH = env_str(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
if EMAIL_BACKEND_PATH.endswith("smtp.EmailBackend"):
    MAILER_OPTIONS: dict[str, object] = {
        "host": env_str("EMAIL_HOST", "localhost"),
        "port": env_int("EMAIL_PORT", 25, minimum=1),
        "username": env_str("EMAIL_HOST_USER"),
        "password": env_str("EMAIL_HOST_PASSWORD"),
        "use_tls": env_bool("EMAIL_USE_TLS", default=False),
        "use_ssl": env_bool("EMAIL_USE_SSL", default=False),
        "timeout": env_int("EMAIL_TIMEOUT", 20, minimum=1),
    }
elif EMAIL_BACKEND_PATH.endswith("filebased.EmailBackend"):
    # The demo writes each email to a file (letters attached) instead of the terminal.
    MAILER_OPTIONS = {"file_path": env_str("EMAIL_FILE_PATH", str(BASE_DIR / "demo-mail"))}
else:
    MAILER_OPTIONS = {}
MAILERS = {"default": {"BACKEND": EMAIL_BACKEND_PATH, "OPTIONS": MAILER_OPTIONS}}
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "Interplay <no-reply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Background jobs: the django.tasks API; the database backend and its worker
# (`manage.py db_worker`). Tests run tasks immediately.
TASKS = {"default": {"BACKEND": env_str("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}
# A job left RUNNING this long had a worker that died: `manage.py requeue_stalled_jobs`
# (scheduled) queues it again. Longer than the longest job; see docs/scaling.md.
JOB_STALLED_MINUTES = env_int("INTERPLAY_JOB_STALLED_MINUTES", 30, minimum=1)

# HTTPS hardening: on whenever DEBUG is off, unless the operator says the TLS terminator
# is elsewhere and plain HTTP is expected (INTERPLAY_HTTPS=0, e.g. the local benchmark).
HTTPS = env_bool("INTERPLAY_HTTPS", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS
# A load balancer may ask for /healthz over plain HTTP, straight from gunicorn.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if HTTPS else 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if env_bool("INTERPLAY_BEHIND_PROXY", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
    "base-uri": ["'none'"],
    "object-src": ["'none'"],
}

# Browser features Interplay never uses are switched off for every page.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "payment",
        "usb",
        "fullscreen",
        "autoplay",
    )
}

# Where people reach this Interplay, for links in emails (portal sign-in, password reset,
# alerts): never the request's Host header. Required, https, in production (check --deploy).
BASE_URL = env_str("INTERPLAY_BASE_URL", "http://127.0.0.1:8000" if DEBUG else "")
# Where the audit chain's head is written down outside the database (manage.py
# audit_anchor, daily): an append-only file, and/or an address it is emailed to.
AUDIT_ANCHOR_FILE = env_str("INTERPLAY_AUDIT_ANCHOR_FILE")
AUDIT_ANCHOR_EMAIL = env_str("INTERPLAY_AUDIT_ANCHOR_EMAIL")
# The scheduled jobs (interplay/schedules/tasks.py): the triage clinician whose name the
# weekday opt-in letters carry (none: no letters are sent on a schedule), and the folder the
# nightly backup is written to (none: no scheduled backup).
OPT_IN_LETTERS_AS = env_str("INTERPLAY_OPT_IN_LETTERS_AS")
BACKUP_DIR = env_str("INTERPLAY_BACKUP_DIR")
# The patient portal: how long a sign-in link the patient asked for lasts.
PORTAL_LINK_MINUTES = env_int("INTERPLAY_PORTAL_LINK_MINUTES", 30)

# Rate limits (django-ratelimit), counted in the database (interplay.clinic.ratecache),
# so every app server shares them.
RATELIMIT_USE_CACHE = "ratelimit"

REFERRAL_RATE_LIMIT = env_str("INTERPLAY_REFERRAL_RATE_LIMIT", "10/h")
# Requests per API token, JSON API and FHIR together (interplay.api.ratelimit): beyond
# it, 429 with Retry-After.
API_RATE_LIMIT = env_str("INTERPLAY_API_RATE_LIMIT", "600/m")
# Check every FHIR resource served against its fhir.resources model before sending it
# (interplay.api.fhir.base.validate). On in the test suite, which reads every resource
# type; off by default, where it would add about a third to a 50-entry Bundle.
FHIR_VALIDATE_OUTPUT = env_bool("INTERPLAY_FHIR_VALIDATE_OUTPUT", default=False)
# Portal sign-in links asked for per address: beyond each patient's own limit of 3 an hour,
# this stops one address sending links to many inboxes.
PORTAL_LINK_RATE_LIMIT = env_str("INTERPLAY_PORTAL_LINK_RATE_LIMIT", "10/h")
# Refusals (403, or 404 outside someone's scope) of one signed-in account: more than this
# many within this many minutes emails the administrators, once per window.
REFUSAL_BURST_LIMIT = env_int("INTERPLAY_REFUSAL_BURST_LIMIT", 20, minimum=1)
REFUSAL_BURST_MINUTES = env_int("INTERPLAY_REFUSAL_BURST_MINUTES", 10, minimum=1)
# Password-reset requests per client address (each account also gets at most 3 emails an
# hour).
PASSWORD_RESET_RATE_LIMIT = env_str("INTERPLAY_PASSWORD_RESET_RATE_LIMIT", "10/h")
RATELIMIT_IP_META_KEY = env_str("RATELIMIT_IP_META_KEY", "") or None

# What is logged and in which format: README.md, "Logs". No line carries a query string
# (search terms, filters): the development server's request lines are filtered here, and
# gunicorn.conf.py gives gunicorn's access log a format without one.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"without_query": {"()": "interplay.lib.logfilters.WithoutQueryString"}},
    "formatters": {
        "django.server": {
            "()": "django.utils.log.ServerFormatter",
            "format": "[{server_time}] {message}",
            "style": "{",
        }
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler"},
        "django.server": {"class": "logging.StreamHandler", "formatter": "django.server"},
    },
    "loggers": {
        "django.server": {
            "handlers": ["django.server"],
            "filters": ["without_query"],
            "level": "INFO",
            "propagate": False,
        }
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "WARNING")},
}
