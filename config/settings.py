"""Clearpost settings, read from the environment (django-environ).

Local use needs nothing: the defaults give a SQLite file under ./var and an in-process
broker. Production sets at least DEBUG=false, SECRET_KEY, ALLOWED_HOSTS, DATABASE_URL
and CELERY_BROKER_URL; with DEBUG off the default secret refuses to start.
"""

from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# A well-known value: fine on a laptop, refused in production (see below).
DEFAULT_SECRET_KEY = "clearpost-insecure-development-key-do-not-use-in-production"  # nosec B105 - refused when DEBUG is off

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the built-in development key while DEBUG is off. "
        "Set SECRET_KEY in the environment (or DEBUG=true for local use)."
    )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "guardian",
    "django_htmx",
    "django_celery_beat",
    "accounts",
    "audit",
    "governance",
    "approvals",
    "publishing",
    "portal",
]

MIDDLEWARE = [
    "config.proxy.TrustedProxyMiddleware",  # first: everything after sees the client's address
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "config.unavailable.DatabaseUnavailableMiddleware",  # 503, not 500, while the database is down
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "config.not_found.JsonNotFoundMiddleware",  # JSON 404s under /api/, DEBUG or not
    "config.nul_bytes.RejectNulBytesMiddleware",  # 400 for NUL in a query parameter (PostgreSQL cannot store it)
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "audit.middleware.AuditContextMiddleware",
]

# Content-Security-Policy (django-csp): our pages load scripts and styles from our own
# origin only — no inline script, style or event handler anywhere. The Django admin is
# Django's own markup (it uses inline styles) and is left out.
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": ["/admin/"],
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
    },
}

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
                "portal.navigation.navigation",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'clearpost.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite: wait for the write lock instead of failing at once, and let readers run
    # beside the writer (WAL). Enough for the embedded single-machine default.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
elif DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # JIT compilation costs tens of milliseconds per statement and pays off only for long
    # analytical queries; Clearpost's are short and many (PostgreSQL's own advice for OLTP).
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = "-c jit=off"
    # A database host that does not answer fails the request within seconds (libpq waits forever).
    DATABASES["default"]["OPTIONS"].setdefault("connect_timeout", env.int("DATABASE_CONNECT_TIMEOUT", default=5))

# The role that owns the tables and runs `migrate` (PostgreSQL). DATABASE_URL is then the app's
# role, which owns nothing and may only INSERT and SELECT the audit log (audit/db_roles.py):
# `manage.py migrate` connects as this one and grants the app's role afterwards.
MIGRATION_DATABASE_URL = env.str("MIGRATION_DATABASE_URL", default="")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
# Clearpost has no anonymous access to anything; guardian need not create a user for it.
ANONYMOUS_USER_NAME = None

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("STATIC_ROOT", default=BASE_DIR / "staticfiles")
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

# --- Security ---------------------------------------------------------------------
# Production defaults are strict; a deployment behind a TLS-terminating proxy sets
# SECURE_PROXY_SSL_HEADER=true so that X-Forwarded-Proto: https counts as secure.
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
if env.bool("SECURE_PROXY_SSL_HEADER", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
# How many reverse proxies stand in front of Clearpost and append to X-Forwarded-For: the
# client's address (for sign-in lockout and the audit log) is read that many hops from the
# right (config/proxy.py). 0: REMOTE_ADDR is the client.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
X_FRAME_OPTIONS = "DENY"

# --- Sign-in protection, two-factor authentication, session expiry (accounts) ------
# django-axes counts failed sign-ins (pages, admin and the API token endpoint) and locks
# out a username, and separately a client IP, after AXES_FAILURE_LIMIT failures within the
# cool-off; the lock lifts AXES_COOLOFF_MINUTES after the last failure. Its backend must
# come first and sees every authenticate() call, which therefore needs the request
# (tests sign in with force_login, or client.login(request=HttpRequest(), ...)).
INSTALLED_APPS += ["axes", "django_otp", "django_otp.plugins.otp_totp", "django_otp.plugins.otp_static"]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", *AUTHENTICATION_BACKENDS]
MIDDLEWARE += [
    "accounts.middleware.SessionExpiryMiddleware",  # after the audit context: an expiry is audited
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorMiddleware",
    "axes.middleware.AxesMiddleware",  # last, as axes asks
]
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # either one reaching the limit locks
AXES_LOCKOUT_CALLABLE = "accounts.lockout.lockout_response"
# Not resetting on success: signing in to one's own account must not clear the failures an
# address piled up against other accounts.
AXES_RESET_ON_SUCCESS = False
# Successful sign-ins are in the audit log already; axes keeps only the failures.
AXES_DISABLE_ACCESS_LOG = True
AXES_VERBOSE = False  # no banner on every manage.py command
# Two-factor (django-otp, TOTP): required of reviewers, compliance officers, the crisis team,
# portal admins and superusers when on. On by default in production, off for local use.
REQUIRE_2FA = env.bool("REQUIRE_2FA", default=not DEBUG)
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="Clearpost")
OTP_TOTP_THROTTLE_FACTOR = 1  # wrong codes: wait 1, 2, 4, 8 … seconds before the next try
OTP_STATIC_THROTTLE_FACTOR = 1  # backup codes (django-otp static tokens): the same waits
# The admin never shows a TOTP secret or a backup code (django-otp keeps both readable); an
# admin helps someone who lost their phone by deleting the device, never by reading it.
OTP_ADMIN_HIDE_SENSITIVE_DATA = True
# A session ends after this long without a request, and in any case SESSION_COOKIE_AGE
# after signing in.
SESSION_IDLE_TIMEOUT_SECONDS = env.int("SESSION_IDLE_TIMEOUT_SECONDS", default=30 * 60)

# --- Cache ----------------------------------------------------------------------
# The API rate limits count in the default cache. Several web processes must share it: set
# CACHE_URL (redis://host:6379/1) in production. Without it each process counts on its own.
CACHE_URL = env.str("CACHE_URL", default="")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": CACHE_URL,
            # A Redis that does not answer costs a request a second, not a hang (core.throttling
            # then lets it through).
            "OPTIONS": {
                "socket_connect_timeout": env.float("CACHE_CONNECT_TIMEOUT", default=1.0),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=1.0),
            },
            "KEY_PREFIX": "clearpost",
        }
    }
elif CACHE_URL:
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "clearpost"}}

# --- Email ------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default="django.core.mail.backends.console.EmailBackend"
    if DEBUG
    else "django.core.mail.backends.smtp.EmailBackend",
)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="clearpost@localhost")
if "EMAIL_URL" in env:  # e.g. smtp+tls://user:password@mail.example.org:587
    vars().update(env.email_url("EMAIL_URL"))

# --- API --------------------------------------------------------------------------
REST_FRAMEWORK = {
    # Token first, so that an unauthenticated API call answers 401 with
    # WWW-Authenticate rather than 403.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Rates: API_THROTTLE_USER, API_THROTTLE_ANON below (core.throttling reads them per request).
    "DEFAULT_THROTTLE_CLASSES": ["core.throttling.UserRateThrottle", "core.throttling.AnonRateThrottle"],
    # The client's address is REMOTE_ADDR, set by config.proxy behind TRUSTED_PROXY_COUNT proxies;
    # DRF's default (None) would key anonymous clients on their own X-Forwarded-For header.
    "NUM_PROXIES": 0,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "core.api.CursorPagination",
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    # DRF's three, with a JSON parser that answers a too deeply nested body with a 400.
    "DEFAULT_PARSER_CLASSES": [
        "core.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 25,
}
# API tokens (accounts.tokens) expire this long after they are issued (then: sign in again).
API_TOKEN_TTL = timedelta(seconds=env.int("API_TOKEN_TTL_SECONDS", default=12 * 60 * 60))
# API rate limits (core.throttling): per signed-in user, and per client address for requests
# that are not signed in (the token endpoint, refused tokens). "<n>/<s|min|h|d>"; "none": off.
API_THROTTLE_USER = env.str("API_THROTTLE_USER", default="600/min")
API_THROTTLE_ANON = env.str("API_THROTTLE_ANON", default="60/min")

SPECTACULAR_SETTINGS = {
    "TITLE": "Clearpost API",
    "DESCRIPTION": "Governed social media publishing: channels, posts, reviews and the audit log.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # One name for a choice set used by several serializers.
    "ENUM_NAME_OVERRIDES": {
        "ConnectorKindEnum": "publishing.models.ConnectorKind",
        "DirectoryEntryKindEnum": "governance.models.DirectoryEntry.Kind",
    },
    # API.md: "JSON in and out". (Form bodies still parse, for the browsable tests, but are
    # not part of the contract.)
    "PARSER_WHITELIST": ["core.parsers.JSONParser"],
    # The error statuses and bodies of API.md, declared once for every operation.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.document_error_responses",
    ],
}

# --- Publishing -------------------------------------------------------------------
# Fernet keys for connector credentials, newest first (publishing/credentials.py).
CREDENTIALS_KEYS = env.list("CREDENTIALS_KEYS", default=[])
# How long a platform call may take before it counts as a (retryable) timeout.
# The most characters a post's body may have on any channel (a channel with a length limit takes at most
# twice its platform's maximum, at least 2,000). Every policy rule's time is linear in its input: this bounds
# what a policy check costs.
POST_BODY_MAX_CHARS = env.int("POST_BODY_MAX_CHARS", default=100_000)
PUBLISHING_TIMEOUT_SECONDS = env.float("PUBLISHING_TIMEOUT_SECONDS", default=10.0)
# Deliveries give up (the post fails, with the last error shown) after this many attempts.
PUBLISHING_MAX_ATTEMPTS = env.int("PUBLISHING_MAX_ATTEMPTS", default=8)
# Retry delays grow 2^n seconds with jitter, capped well below the broker's visibility timeout.
PUBLISHING_RETRY_MAX_SECONDS = env.int("PUBLISHING_RETRY_MAX_SECONDS", default=600)
# Due jobs travel to the workers in batches of this many; a batch's platform calls run side by
# side on up to PUBLISHING_PARALLEL_CALLS threads, and its outcome is written in a few statements.
PUBLISHING_BATCH_SIZE = env.int("PUBLISHING_BATCH_SIZE", default=25)
PUBLISHING_PARALLEL_CALLS = env.int("PUBLISHING_PARALLEL_CALLS", default=16)
# A job handed to a worker and not finished after this long is handed out again.
PUBLISHING_STUCK_AFTER_SECONDS = env.int("PUBLISHING_STUCK_AFTER_SECONDS", default=120)
# A post's image is fetched from its approved address and uploaded with it (Mastodon): at most
# this many bytes, within this many seconds (and from a public address only, as every call).
PUBLISHING_MEDIA_MAX_BYTES = env.int("PUBLISHING_MEDIA_MAX_BYTES", default=40 * 1024 * 1024)
PUBLISHING_MEDIA_FETCH_SECONDS = env.float("PUBLISHING_MEDIA_FETCH_SECONDS", default=60.0)
# Every outbound call (connectors, webhooks, media, core/outbound.py) reaches public addresses
# only: a manager's connector address or an author's image address must not make the worker
# read the internal network. This development switch lets them reach private, loopback and
# link-local addresses too (a fake platform on 127.0.0.1). Off unless set, even with DEBUG on;
# `check --deploy` refuses it with DEBUG off (publishing.E001). It replaces
# PUBLISHING_MEDIA_ALLOW_PRIVATE, which is no longer read.
OUTBOUND_ALLOW_PRIVATE_ADDRESSES = env.bool("OUTBOUND_ALLOW_PRIVATE_ADDRESSES", default=False)
# How long to wait for the platform to finish processing an upload before trying again later.
PUBLISHING_MEDIA_PROCESSING_SECONDS = env.float("PUBLISHING_MEDIA_PROCESSING_SECONDS", default=60.0)

# --- Audit chain key ----------------------------------------------------------------
# Every audit event is hashed with HMAC-SHA256 and this key (audit/chain.py): someone who can
# write the database but does not hold the key cannot add, alter or re-hash an event so that
# it verifies. Keep it where the checkpoint key is kept (a secret store, the environment of
# the web, worker and beat processes and of `migrate`), never in the database or its backups,
# and never change it: the events hashed with it would no longer verify. Not the checkpoint
# key: one leaked key must not forge both. Required (≥ 32 characters) with DEBUG off; under
# DEBUG on a key derived from SECRET_KEY is used when none is set.
AUDIT_CHAIN_KEY = env.str("AUDIT_CHAIN_KEY", default="")
if not DEBUG and len(AUDIT_CHAIN_KEY) < 32:
    raise ImproperlyConfigured(
        "AUDIT_CHAIN_KEY is missing or shorter than 32 characters while DEBUG is off. Set a random key "
        "(e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`) and keep it: the audit "
        "events hashed with it verify only with it."
    )

# --- Audit checkpoints --------------------------------------------------------------
# Every AUDIT_CHECKPOINT_EVERY_SECONDS beat signs the audit chain head (HMAC-SHA256 over
# seq, hash and time with AUDIT_CHECKPOINT_KEY), stores it (audit.AuditCheckpoint) and
# exports it as one JSON line appended to AUDIT_CHECKPOINT_FILE and/or POSTed to
# AUDIT_CHECKPOINT_URL, so that a copy lives outside the database: `verify_audit
# --checkpoints FILE` then detects a log whose tail was cut off and whose head was rewound.
# Keep the key out of the database and its backups (a secret store, the environment of
# the web, worker and beat processes only). On by default in production (DEBUG off),
# where a missing or short key refuses to start; under DEBUG on only when a key is set.
# AUDIT_CHECKPOINTS=false turns them off explicitly. After rotating the key, list the old
# ones in AUDIT_CHECKPOINT_PREVIOUS_KEYS so that earlier checkpoints still verify.
AUDIT_CHECKPOINT_KEY = env.str("AUDIT_CHECKPOINT_KEY", default="")
AUDIT_CHECKPOINT_PREVIOUS_KEYS = env.list("AUDIT_CHECKPOINT_PREVIOUS_KEYS", default=[])
AUDIT_CHECKPOINTS = env.bool("AUDIT_CHECKPOINTS", default=not DEBUG or bool(AUDIT_CHECKPOINT_KEY))
AUDIT_CHECKPOINT_FILE = env.str("AUDIT_CHECKPOINT_FILE", default="")
AUDIT_CHECKPOINT_URL = env.str("AUDIT_CHECKPOINT_URL", default="")
# Where verification reads the exported checkpoints back from an evidence store (a GET that
# answers the JSON lines it received): with AUDIT_CHECKPOINT_FILE, what `verify_audit`, the
# API and the page check besides the stored checkpoints, so that deleting those hides nothing.
AUDIT_CHECKPOINT_READ_URL = env.str("AUDIT_CHECKPOINT_READ_URL", default="")
# The checkpoint URL goes through the guarded outbound client (public addresses only). An
# operator's own evidence store is often on the internal network: set this to let that one
# URL (and only it, never a connector) reach a private address. Redirects are never followed.
AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE = env.bool("AUDIT_CHECKPOINT_URL_ALLOW_PRIVATE", default=False)
AUDIT_CHECKPOINT_EVERY_SECONDS = env.float("AUDIT_CHECKPOINT_EVERY_SECONDS", default=300.0)
if AUDIT_CHECKPOINTS and len(AUDIT_CHECKPOINT_KEY) < 32:
    raise ImproperlyConfigured(
        "Audit checkpoints are on but AUDIT_CHECKPOINT_KEY is missing or shorter than 32 characters. "
        "Set a random key (e.g. `python -c 'import secrets; print(secrets.token_urlsafe(48))'`), "
        "or AUDIT_CHECKPOINTS=false to run without checkpoints."
    )

# --- Celery -----------------------------------------------------------------------
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
# An in-memory broker cannot reach a worker in another process: without a real broker,
# tasks run in the process that queues them (after the commit, like everywhere else).
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL.startswith("memory://"))
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
# Delivery is driven by the database: beat only wakes the dispatcher (publishing.tasks).
CELERY_BEAT_SCHEDULE = {
    "publishing-dispatch-due": {
        "task": "publishing.tasks.dispatch_due",
        "schedule": env.float("PUBLISHING_DISPATCH_EVERY_SECONDS", default=1.0),
        "options": {"expires": 10},
    },
    "publishing-sweep-stuck": {
        "task": "publishing.tasks.sweep_stuck",
        "schedule": env.float("PUBLISHING_SWEEP_EVERY_SECONDS", default=30.0),
        "options": {"expires": 60},
    },
    # Signs and exports the audit chain head; does nothing when checkpoints are off.
    "audit-write-checkpoint": {
        "task": "audit.tasks.write_checkpoint",
        "schedule": AUDIT_CHECKPOINT_EVERY_SECONDS,
        "options": {"expires": AUDIT_CHECKPOINT_EVERY_SECONDS},
    },
}
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Redis redelivers a message not acknowledged within this time; retries are kept far below it.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    # A request queues its follow-up tasks after its commit: a broker that is down or frozen
    # must cost it seconds, not hang it (without a socket timeout a publish to a Redis that
    # stopped answering waits forever). Work lost this way is not lost: delivery is driven by
    # the database (publishing.delivery.sweep_stuck hands the job out again).
    "socket_connect_timeout": env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0),
    "socket_timeout": env.float("CELERY_BROKER_SOCKET_TIMEOUT", default=3.0),
}
CELERY_BROKER_CONNECTION_TIMEOUT = env.float("CELERY_BROKER_CONNECT_TIMEOUT", default=2.0)
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default of `make run`: a broker-less transport through a folder, so that a
    # worker and beat in other processes receive the tasks without Redis or RabbitMQ.
    _BROKER_FOLDER = env.str("CELERY_BROKER_FOLDER", default=str(VAR_DIR / "broker"))
    Path(_BROKER_FOLDER).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": _BROKER_FOLDER,
        "data_folder_out": _BROKER_FOLDER,
        # kombu's exchange tables; by default a `control/` folder in the working directory.
        "control_folder": str(Path(_BROKER_FOLDER) / "control"),
        "store_processed": False,
    }

# --- Logging ----------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# The address people use to reach Clearpost, for links in e-mails.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")
