"""One settings module, driven by environment variables.

With no variable set, braintrial runs embedded: SQLite under ./var, a file-system Celery broker,
a local-memory cache. Production sets DATABASE_URL (Postgres), REDIS_URL, SECRET_KEY,
ALLOWED_HOSTS and DEBUG=0.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
from pathlib import Path

import dj_database_url

from braintrial.env import env_bool, env_list, secret_key
from braintrial.security_settings import *  # noqa: F403 (logins, client networks, error pages)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("BRAINTRIAL_VAR_DIR", BASE_DIR / "var"))

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_key(var_dir=VAR_DIR)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]", "testserver"])
# Served over https (HTTPS=1), through a TLS proxy that sets X-Forwarded-Proto (TLS_PROXY=1).
HTTPS = env_bool("HTTPS", False)
TLS_PROXY = env_bool("TLS_PROXY", False)
# A browser's POST carries Origin: https://<host>; behind a proxy Django must know that origin.
_origins = [f"https://*{h}" if h[:1] == "." else f"https://{h}" for h in ALLOWED_HOSTS if h != "*"]
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", _origins if HTTPS else [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "braintrial.studies",
    "braintrial.items",
    "braintrial.brainbench",
    "braintrial.participants",
    "braintrial.pilots",
    "braintrial.analysis",
    "braintrial.dashboard",
    "braintrial.exports",
    "braintrial.workbench",
    "braintrial.api",
    "braintrial.public",
    "scoring",
    "axes",  # login throttling (see "auth" below)
    "csp",  # Content-Security-Policy (see "security" below); its checks refuse old settings
    "auditlog",  # the audit trail of model changes; braintrial.audit adds the other events
    "braintrial.audit",
]

# The participants' results page shows "you against the model", which reads model scores and
# the analysis's exclusion rules: apps above the participants', which the participants' app does
# not import (docs/architecture.md). The settings name the reader instead; empty: none shown.
PARTICIPANT_COMPARISON_READER = "braintrial.analysis.comparison.model_comparison"

MIDDLEWARE = [
    # First: a request no view could read (braintrial.security) gets a 400 before anything reads it.
    "braintrial.security.MalformedRequestMiddleware",
    # Outermost: a lost database connection gets a retry (GET) or a friendly 503, not a 500.
    "braintrial.resilience.DatabaseUnavailableMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "braintrial.security.FormOnlyMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "braintrial.studies.uploads.UploadGateMiddleware",  # multipart only where it may upload
    "braintrial.timezones.DisplayTimeZoneMiddleware",  # times in the researcher's zone
    "braintrial.audit.middleware.AuditMiddleware",  # who did it, on audit entries
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "braintrial.security.PrivateCacheMiddleware",
    # Last: turns a lockout noticed by the authentication backend into the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "braintrial.urls"
WSGI_APPLICATION = "braintrial.wsgi.application"

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
            ],
        },
    },
]

# --- database -------------------------------------------------------------------------------
_default_sqlite = f"sqlite:///{VAR_DIR / 'braintrial.sqlite3'}"
DATABASE_URL = os.environ.get("DATABASE_URL") or _default_sqlite
if DATABASE_URL.startswith("sqlite"):
    VAR_DIR.mkdir(parents=True, exist_ok=True)
# Persistent connections (seconds), checked before reuse by Django's CONN_HEALTH_CHECKS (a
# database restart fails no request); behind pgbouncer in transaction mode CONN_MAX_AGE=0 lets
# the pooler hold them instead.
DATABASES = {
    "default": dj_database_url.parse(
        DATABASE_URL, conn_max_age=int(os.environ.get("CONN_MAX_AGE", 60)), conn_health_checks=True
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several processes (web, worker) share the file: wait for locks instead of failing.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {"timeout": 30, "transaction_mode": "IMMEDIATE"}
# Parallel test sessions on one Postgres server each get their own test database: the suffix
# comes from BRAINTRIAL_TEST_DB_SUFFIX, else from the database that DATABASE_URL names.
_db_name = str(DATABASES["default"].get("NAME") or "")
_db_suffix = "" if _db_name in ("", "postgres") or "/" in _db_name else f"_{_db_name}"
_db_suffix = os.environ.get("BRAINTRIAL_TEST_DB_SUFFIX", _db_suffix)
DATABASES["default"]["TEST"] = {"NAME": f"test_braintrial{_db_suffix}"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache, celery --------------------------------------------------------------------------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    # With Redis down the cache misses and forgets (django-redis's IGNORE_EXCEPTIONS): what is
    # cached is only a shortcut, so the dashboard serves from the database and API throttles let
    # requests through (axes keeps login counts in the database). Short timeouts: a page never
    # waits long on a Redis that is away.
    CACHES = {
        "default": {
            "BACKEND": "django_redis.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "SOCKET_CONNECT_TIMEOUT": 0.5,
                "SOCKET_TIMEOUT": 1.0,
                "IGNORE_EXCEPTIONS": True,
            },
        }
    }
    DJANGO_REDIS_LOG_IGNORED_EXCEPTIONS = True
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or REDIS_URL or "filesystem://localhost/"
CELERY_BROKER_FOLDER = Path(os.environ.get("CELERY_BROKER_FOLDER", VAR_DIR / "broker"))
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Embedded broker: files in one folder shared by web and worker (kombu wants a host name).
    CELERY_BROKER_FOLDER.mkdir(parents=True, exist_ok=True)
    (CELERY_BROKER_FOLDER / "processed").mkdir(exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(CELERY_BROKER_FOLDER),
        "data_folder_out": str(CELERY_BROKER_FOLDER),
        "processed_folder": str(CELERY_BROKER_FOLDER / "processed"),
        # Broadcast (remote control) exchanges; kombu's default is ./control in the cwd.
        "control_folder": str(CELERY_BROKER_FOLDER / "control"),
        "store_processed": False,
    }
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ROUTES = {
    "scoring.tasks.*": {"queue": "scoring"},
    # A model drafts workbench items where the models are: on the scoring workers.
    "braintrial.workbench.tasks.*": {"queue": "scoring"},
    "braintrial.dashboard.tasks.*": {"queue": "reports"},
}
CELERY_TASK_DEFAULT_QUEUE = "default"
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redelivery of a dying worker's message (s); a restarting worker resumes runs at once.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", 3600))
    }
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = True
# Items per scoring task (0: 8 on CPU, 128 on a GPU); each chunk commits: a crash loses one.
SCORING_CHUNK_SIZE = int(os.environ.get("SCORING_CHUNK_SIZE", 0))
# Chunks of one run in the queue at once: 1, runs take turns (docs/scoring-queue.md).
SCORING_RUN_LANES = int(os.environ.get("SCORING_RUN_LANES", 1))
# Largest total size of a submitted model's safetensors files (docs/living-benchmark.md).
MODEL_SUBMISSION_MAX_BYTES = int(os.environ.get("MODEL_SUBMISSION_MAX_BYTES", 40 * 2**30))
# Reports recomputed by the worker when their data change (docs/dashboard.md); 0: in requests.
DASHBOARD_BACKGROUND_REPORTS = os.environ.get("DASHBOARD_BACKGROUND_REPORTS", "1") == "1"

# --- auth, i18n, static ---------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # Not a rule: a password change deletes the user's API token (braintrial.api.tokens).
    {"NAME": "braintrial.api.tokens.TokenRevocation"},
]
# Days an API token is accepted; then /api/auth/token/ hands out a new one.
API_TOKEN_DAYS = int(os.environ.get("API_TOKEN_DAYS", 30))
# Proxies appending to X-Forwarded-For: the client address is the entry the outermost one added
# (braintrial.net); DRF's throttles and django-axes both read it, so clients cannot forge it.
NUM_PROXIES = int(os.environ.get("NUM_PROXIES", 0))
# The axes backend refuses any login, even the right password, while the address or username is
# locked out; Django's login() gives each login a new session key.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = int(os.environ.get("LOGIN_FAILURE_LIMIT", 5))
# Either key locks: guessing one account from many addresses, or many accounts from one.
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_CLIENT_IP_CALLABLE = "braintrial.net.client_address"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False  # no banner on every command
LOGIN_URL = "/accounts/login/"
LOGIN_REDIRECT_URL = "/dashboard/"
LOGOUT_REDIRECT_URL = "/accounts/login/"

LANGUAGE_CODE = "en-us"
# The languages a study's participant pages can be shown in (Study.language); the researcher's
# pages stay in English: no LocaleMiddleware, each participant page activates its study's.
LANGUAGES = [
    ("en", "English"),
    ("de", "Deutsch"),
    ("es", "Español"),
    ("zh-hans", "简体中文"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "UTC"
# Times are shown in this zone until the browser has told its own (braintrial.timezones).
TIME_ZONE_DISPLAY = os.environ.get("TIME_ZONE_DISPLAY", "UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# The plotly.js bundle ``make install`` fetches (braintrial.dashboard.plotly_bundle); not in git.
PLOTLY_VENDOR_DIR = Path(os.environ.get("PLOTLY_VENDOR_DIR", BASE_DIR / "var" / "vendor"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "braintrial.dashboard.plotly_bundle.PlotlyFinder",
]
# collectstatic writes a gzip (and, with brotli installed, a brotli) copy of each file, which
# WhiteNoise serves to browsers that take it; plotly.js's URL holds its version: kept a year.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_IMMUTABLE_FILE_TEST = r"/vendor/plotly-[^/]+(\.min\.js|/plotly\.min\.js)$"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
# WhiteNoise serves from here after collectstatic (from the finders while DEBUG); it warns when
# the folder is missing, so a fresh checkout gets an empty one.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)

# Participant requests are small; anything larger is refused before it is parsed.
DATA_UPLOAD_MAX_MEMORY_SIZE = int(os.environ.get("DATA_UPLOAD_MAX_MEMORY_SIZE", 64 * 1024))
DATA_UPLOAD_MAX_NUMBER_FIELDS = 200
# Test-case files (the one kind of upload, braintrial.studies.uploads): a body above this is
# refused by its Content-Length before it is read, and any multipart body read is kept in
# memory, never written to a temporary file (items.services.importing refuses files over 20 MB).
UPLOAD_MAX_BYTES = int(os.environ.get("UPLOAD_MAX_BYTES", 21 * 1024 * 1024))
FILE_UPLOAD_MAX_MEMORY_SIZE = UPLOAD_MAX_BYTES
FILE_UPLOAD_HANDLERS = ["django.core.files.uploadhandler.MemoryFileUploadHandler"]

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env_bool(
    "SECURE_COOKIES", HTTPS or (not DEBUG and "DATABASE_URL" in os.environ)
)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if TLS_PROXY:  # only the proxy reaches the app, and it overwrites the client's header
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = HTTPS
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if HTTPS else 0))
# Only the study's host and names under it; preload allows a submission to browsers, makes none.
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", HTTPS)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", HTTPS)
# Pages load scripts, styles and data only from this site: an injected <script> or a script from
# elsewhere does not run, so participants' answers and researchers' data cannot be read out by a
# third party even if some text were ever rendered unescaped. The pages are built for it (no
# inline scripts, plotly.js served from here). A response that sets its own policy keeps it.
CONTENT_SECURITY_POLICY = {
    # Django's admin and the Swagger UI page carry inline scripts.
    "EXCLUDE_URL_PREFIXES": ["/admin/", "/api/docs/"],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # plotly.js sets style attributes and writes <style> elements as it draws.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "frame-ancestors": ["'none'"],
    },
}
# braintrial.security.FormOnlyMiddleware: POST bodies here must be url-encoded forms.
FORM_ONLY_PATHS = ["/s/", "/accounts/login/", "/admin/login/"]

# --- REST framework -------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "braintrial.api.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # JSON with a bound on nesting (a deep body is a 400, not a RecursionError), and forms.
    "DEFAULT_PARSER_CLASSES": [
        "braintrial.api.parsers.BoundedJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "braintrial.api.pagination.CappedLimitOffsetPagination",
    "PAGE_SIZE": 100,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    # Token login (/api/auth/token/) and API writes; the cache holds the counters.
    "DEFAULT_THROTTLE_RATES": {
        "login": os.environ.get("API_LOGIN_RATE", "10/min"),
        "write": os.environ.get("API_WRITE_RATE", "60/min"),
        # The public results pages, JSON, chart and release downloads, per client network.
        "public": os.environ.get("PUBLIC_RATE", "120/min"),
    },
    "EXCEPTION_HANDLER": "braintrial.api.exceptions.exception_handler",
    "NUM_PROXIES": NUM_PROXIES,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "braintrial API",
    "DESCRIPTION": (
        "Studies, items, participants, trials, model scores and analyses of braintrial, for "
        "researchers (token or session login; each researcher sees the studies that name them). "
        "Lists are paginated (`limit`, `offset`) and take `?study=<slug>` and "
        "`?updated_since=<ISO 8601 date-time>` for incremental pulls. One endpoint per "
        "operation: reads are GET on the collection, writes POST to `.../create/` or "
        "`.../start/`. The same data as CSV files: `/exports/<slug>/trials.csv` and others, "
        "documented at `/exports/dictionary/`."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI from drf-spectacular-sidecar's static files: the docs page works offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- braintrial -----------------------------------------------------------------------------
BRAINBENCH_DIR = Path(
    os.environ.get("BRAINBENCH_DIR", BASE_DIR.parent / "shared" / "data" / "brainbench")
)
BRAINBENCH_PUBLIC_URL = "https://github.com/braingpt-lovelab/brainbench_testcases"

# The key of the audit log's chain of seals (braintrial.audit.chain). Set it on its own in
# production: derived from SECRET_KEY, rotating that key would make every earlier entry fail
# ``audit_log --verify``. Kept out of the database, so the tables' owner cannot forge a seal.
AUDIT_LOG_KEY = (
    os.environ.get("AUDIT_LOG_KEY")
    or hmac.new(SECRET_KEY.encode(), b"braintrial.audit.chain", hashlib.sha256).hexdigest()
)
# The database role the web and worker processes connect as (docs/operations.md): it owns
# nothing, and may only add to the audit log. When set, ``migrate`` (run as the owner) grants it
# what it needs on every table (braintrial.audit.roles).
DATABASE_APP_ROLE = os.environ.get("DATABASE_APP_ROLE", "")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
