"""CotAi settings: one file, read from the environment, with defaults that run with nothing installed.

Embedded defaults (no variables set): SQLite under ``var/``, a local-memory cache, a Celery
broker on the filesystem and the event store on the relational database. Set ``DATABASE_URL``,
``REDIS_URL`` and ``MONGODB_URL`` and the same code runs on PostgreSQL, Redis and MongoDB.
Every variable is documented in ``.env.example``; secrets can also be read from ``<NAME>_FILE``.
"""

from __future__ import annotations

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
if (BASE_DIR / ".env").is_file() and not os.environ.get("COTAI_IGNORE_DOTENV"):
    environ.Env.read_env(BASE_DIR / ".env")
# An empty variable (`STATIC_ROOT=` copied from .env.example) means "not set": it must fall back
# to the default, never become "" or the current directory.
for _name in [name for name, value in os.environ.items() if value == ""]:
    del os.environ[_name]

VAR_DIR = Path(os.environ.get("COTAI_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

env = environ.Env()


def secret(name: str, default: str = "") -> str:
    """A secret from ``NAME`` or from the file named by ``NAME_FILE`` (Docker/Kubernetes secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    return env.str(name, default=default)


def env_list(name: str, default: list[str]) -> list[str]:
    """A list from a comma-separated value or a JSON array (both spellings are accepted)."""
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if raw.startswith("["):
        return [str(item).strip() for item in json.loads(raw) if str(item).strip()]
    return [item.strip() for item in raw.split(",") if item.strip()]


ENVIRONMENT = env.str("ENVIRONMENT", default="development")
IS_PRODUCTION = ENVIRONMENT == "production"
DEBUG = env.bool("DEBUG", default=False)
# True under pytest: tests use the embedded defaults unless DATABASE_URL etc. are set.
TESTING = env.bool("COTAI_TESTING", default="pytest" in sys.modules)

# --- secrets and hosts -----------------------------------------------------------------------
_DEV_SECRET_KEY = "django-insecure-cotai-development-only-never-use-in-production"  # noqa: S105 - dev only
SECRET_KEY = secret("SECRET_KEY")
if not SECRET_KEY:
    if IS_PRODUCTION:
        raise ImproperlyConfigured("SECRET_KEY (or SECRET_KEY_FILE) must be set when ENVIRONMENT=production.")
    SECRET_KEY = _DEV_SECRET_KEY

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", [] if IS_PRODUCTION else ["localhost", "127.0.0.1", "[::1]", "testserver"])
if IS_PRODUCTION and not ALLOWED_HOSTS:
    raise ImproperlyConfigured("ALLOWED_HOSTS must be set when ENVIRONMENT=production.")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# Browser origins allowed to call the API (the single-page and partner front ends).
CORS_ALLOWED_ORIGINS = env_list("BACKEND_CORS_ORIGINS", [])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOW_HEADERS = (
    "accept",
    "authorization",
    "content-type",
    "x-company",
    "x-csrftoken",
    "x-request-id",
)
CORS_EXPOSE_HEADERS = ("x-request-id", "retry-after")

SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")
SITE_ID = 1

# --- applications ----------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.sites",
    # third party
    "django_prometheus",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "corsheaders",
    "django_htmx",
    "django_celery_beat",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "allauth.usersessions",
    # CotAi platform
    "cotai",
    "cotai.events",
    "cotai.eventstore",
    # CotAi domains
    "accounts",
    "companies",
    "tenders",
    "quotes",
    "notifications",
    "forms_builder",
    "kanban",
    "calendar_app",
    "reports",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "cotai.middleware.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "cotai.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "companies.middleware.ActiveCompanyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "allauth.usersessions.middleware.UserSessionsMiddleware",
    # Members of a company that requires MFA and have none are sent to set it up (after the auth ones).
    "accounts.middleware.MfaRequiredMiddleware",
    # Pages in the signed-in person's language and time zone.
    "accounts.middleware.UserPreferencesMiddleware",
    "cotai.eventstore.middleware.ApiUsageMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "cotai.urls"
WSGI_APPLICATION = "cotai.wsgi.application"
ASGI_APPLICATION = "cotai.asgi.application"

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
                "django.template.context_processors.i18n",
                "django.template.context_processors.tz",
                "companies.context_processors.active_company",
            ],
        },
    },
]

# --- data stores -----------------------------------------------------------------------------
DATABASE_URL = env.str("DATABASE_URL", default="")
if DATABASE_URL:
    _db = env.db_url_config(DATABASE_URL)
    if _db["ENGINE"] in ("django.db.backends.postgresql", "django.db.backends.postgresql_psycopg2"):
        _db["ENGINE"] = "django_prometheus.db.backends.postgresql"
        # Persistent connections, checked before reuse so a restarted server is not an error.
        _db["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
        _db["CONN_HEALTH_CHECKS"] = True
        _db.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    elif _db["ENGINE"] == "django.db.backends.sqlite3":
        _db["ENGINE"] = "django_prometheus.db.backends.sqlite3"
    DATABASES = {"default": _db}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django_prometheus.db.backends.sqlite3",
            "NAME": VAR_DIR / "cotai.sqlite3",
            "OPTIONS": {
                # WAL lets the web, the worker and beat read while one of them writes;
                # IMMEDIATE takes the write lock at BEGIN so concurrent writers wait instead of failing.
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=5000;",
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": "cotai",
            # django-redis (wrapped by django-prometheus for hit/miss metrics); short timeouts so a
            # Redis outage turns into a fast error, not a hung request.
            "OPTIONS": {
                "CLIENT_CLASS": "django_redis.client.DefaultClient",
                "SOCKET_CONNECT_TIMEOUT": 2,
                "SOCKET_TIMEOUT": 2,
            },
        }
    }
else:
    CACHES = {
        "default": {
            "BACKEND": "django_prometheus.cache.backends.locmem.LocMemCache",
            "LOCATION": "cotai",
        }
    }

MONGODB_URL = secret("MONGODB_URL")
MONGODB_DATABASE = env.str("MONGODB_DATABASE", default="cotai")
# "mongo" with MONGODB_URL, the relational table otherwise; "mongomock" is for tests only.
EVENT_STORE_BACKEND = env.str("EVENT_STORE_BACKEND", default="mongo" if MONGODB_URL else "db")
EVENT_STORE_TTL_DAYS = env.int("EVENT_STORE_TTL_DAYS", default=400)
API_USAGE_TTL_DAYS = env.int("API_USAGE_TTL_DAYS", default=90)
# Record every /api/ request (method, route pattern, status, latency) in the event store as "api_usage".
API_USAGE_ENABLED = env.bool("API_USAGE_ENABLED", default=True)
# Reverse proxies (nginx, a load balancer) in front of the web process that append to X-Forwarded-For.
# 0: the client address is REMOTE_ADDR. N: it is the N-th address from the right of X-Forwarded-For;
# addresses further left are written by the client and are never trusted.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# --- Celery ----------------------------------------------------------------------------------
_CELERY_FS = VAR_DIR / "celery"
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default=REDIS_URL or "filesystem://")
if CELERY_BROKER_URL == "filesystem://":
    for _sub in ("out", "processed", "control"):
        (_CELERY_FS / _sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_CELERY_FS / "out"),
        "data_folder_out": str(_CELERY_FS / "out"),
        "processed_folder": str(_CELERY_FS / "processed"),
        # Fan-out exchanges (worker remote control, events) live here, not in the working directory.
        "control_folder": str(_CELERY_FS / "control"),
        "store_processed": False,
    }
else:
    # A task not acknowledged within this time is handed to another worker (acks_late).
    # The socket timeouts make a publish to a Redis that accepts but never answers fail in seconds
    # instead of hanging the request (the read timeout stays above the worker's 1 s BRPOP poll).
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
        "socket_connect_timeout": 2,
        "socket_timeout": 5,
    }
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default=REDIS_URL or None) or None
CELERY_RESULT_EXPIRES = timedelta(days=1)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 300
CELERY_TASK_SOFT_TIME_LIMIT = 240
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Publishing must fail fast when the broker is down: the outbox sweep delivers later.
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY = False
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=False)
CELERY_TASK_EAGER_PROPAGATES = True

# Periodic jobs, declared in one place; django-celery-beat's DatabaseScheduler copies them into
# its tables when beat starts (staff can see them in the admin). Every one of them is idempotent.
CELERY_BEAT_SCHEDULE = {
    # Every 30 s: hand domain events still in the outbox (broker was down, worker died) to subscribers.
    "events-relay-sweep": {"task": "cotai.events.tasks.relay_pending_events", "schedule": 30.0},
    # Hourly: delete relayed outbox rows older than EVENTS_OUTBOX_RETENTION_DAYS.
    "events-outbox-prune": {"task": "cotai.events.tasks.prune_outbox", "schedule": 3600.0},
    # Hourly: remove event-store rows past their TTL (the relational backend; MongoDB uses TTL indexes).
    "eventstore-expire": {"task": "cotai.eventstore.tasks.expire_events", "schedule": 3600.0},
    # Daily: delete expired refresh-token records and API sign-ins that ended more than a day ago.
    "accounts-prune-tokens": {"task": "accounts.tasks.prune_expired_tokens", "schedule": 86400.0},
    # Every minute: close published tenders whose submission deadline has passed (no more quotes).
    "tenders-close-due": {"task": "tenders.tasks.close_due_tenders", "schedule": 60.0},
    # Every minute: open the quotes of tenders whose opening time has come (committee tenders wait
    # for their quorum); publishes each receipt to its supplier.
    "quotes-open-due": {"task": "quotes.tasks.open_due_tenders", "schedule": 60.0},
    # Every minute: send scheduled notifications whose time came and those quiet hours postponed.
    "notifications-deliver-due": {"task": "notifications.tasks.deliver_due_notifications", "schedule": 60.0},
    # Every minute: retry failed deliveries (notifications and webhooks) whose backoff is over, and
    # take over deliveries left claimed by a worker that died.
    "notifications-retry": {"task": "notifications.tasks.retry_deliveries", "schedule": 60.0},
    # Hourly: daily/weekly digest emails of people whose local time has reached their digest hour.
    "notifications-digests": {"task": "notifications.tasks.send_digests", "schedule": 3600.0},
    # Hourly: disable webhook endpoints failing for NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS; tell their admins.
    "notifications-disable-failing-webhooks": {
        "task": "notifications.tasks.disable_failing_webhooks",
        "schedule": 3600.0,
    },
    # Every minute: send calendar reminders whose time has come (deadline.approaching and personal
    # reminders), each exactly once; also plans reminders for suppliers that just started a quote.
    "calendar-send-reminders": {"task": "calendar_app.tasks.send_due_reminders", "schedule": 60.0},
}
EVENTS_OUTBOX_RETENTION_DAYS = env.int("EVENTS_OUTBOX_RETENTION_DAYS", default=7)

# --- auth --------------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    # Imported users keep their bcrypt hashes until their next login upgrades them to Argon2.
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_EMAIL_VERIFICATION = env.str("ACCOUNT_EMAIL_VERIFICATION", default="mandatory")
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_RATE_LIMITS = {
    "login_failed": "5/5m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/h/ip",
    "reset_password": "20/m/ip,5/m/key",
}
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "CotAi"
USERSESSIONS_TRACK_ACTIVITY = True
# Sign-up asks for the full name and answers a taken email with a field error.
ACCOUNT_FORMS = {"signup": "accounts.forms.SignupForm"}
# One email address per person; changing it sends a verification to the new one first.
ACCOUNT_CHANGE_EMAIL = True
# Signing a session out from the sessions page is audited.
USERSESSIONS_ADAPTER = "accounts.adapters.UserSessionsAdapter"
# allauth's rate limits and session list see the same client address as the rest of CotAi.
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT

# --- API -----------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # simplejwt's bearer tokens, refused once their sign-in (token family) is revoked.
        "accounts.authentication.JWTAuthentication",
        # "Authorization: Api-Key cotai_<prefix>_<secret>" for service-to-service use.
        "accounts.authentication.ApiKeyAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "cotai.api.pagination.DefaultPagination",
    "PAGE_SIZE": 25,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "cotai.api.exceptions.problem_exception_handler",
    "DEFAULT_VERSIONING_CLASS": None,
    "COERCE_DECIMAL_TO_STRING": True,
    "DATETIME_FORMAT": "iso-8601",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
    # Counted with atomic cache increments (Redis in production), so limits hold under concurrency.
    "DEFAULT_THROTTLE_CLASSES": [
        "accounts.throttles.AnonRateThrottle",
        "accounts.throttles.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/min"),
        "user": env.str("API_THROTTLE_USER", default="1200/min"),
        # POST /api/v1/auth/login: per client address and per email address tried.
        "auth_login_ip": env.str("API_THROTTLE_LOGIN_IP", default="10/min"),
        "auth_login_email": env.str("API_THROTTLE_LOGIN_EMAIL", default="5/min"),
    },
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=15)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=7)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": True,
    "ALGORITHM": "HS256",
    "SIGNING_KEY": secret("JWT_SIGNING_KEY") or SECRET_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
}

SPECTACULAR_SETTINGS = {
    "TITLE": "CotAi API",
    "DESCRIPTION": (
        "Tendering and quotation platform: buyers publish tenders, suppliers answer with sealed quotes, "
        "buyers open, compare, score and award. Every error is an RFC 9457 problem details document."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "ApiKeyStatusEnum": "accounts.models.ApiKeyStatus",
        "RoleEnum": "companies.choices.Role",
        "CompanyKindEnum": "companies.choices.CompanyKind",
        "InvitationStatusEnum": "companies.choices.InvitationStatus",
        "CalendarEventStatusEnum": "calendar_app.choices.EventStatus",
        "CalendarEventKindEnum": "calendar_app.choices.EventKind",
        "CalendarOwnEventKindEnum": "calendar_app.choices.OWN_KIND_CHOICES",
        "NotificationTypeEnum": "notifications.catalog.TYPE_CHOICES",
        # Named here too because notification types also use a field called "type".
        "TenderTypeEnum": "tenders.choices.TenderType",
        "WebhookEventTypeEnum": "notifications.catalog.WEBHOOK_TYPE_CHOICES",
        "NotificationChannelEnum": "notifications.choices.PERSONAL_CHANNEL_CHOICES",
        "TenderStatusEnum": "tenders.choices.TenderStatus",
        "TenderVisibilityEnum": "tenders.choices.Visibility",
        "CriterionKindEnum": "tenders.choices.CriterionKind",
        "TenderInvitationStatusEnum": "tenders.choices.InvitationStatus",
        "QuoteStatusEnum": "quotes.choices.QuoteStatus",
        "HealthStatusEnum": "cotai.health.HEALTH_STATUS_CHOICES",
    },
}

# --- i18n, static, media -----------------------------------------------------------------------------
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("pt-br", "Português (Brasil)"), ("es", "Español")]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(VAR_DIR / "staticfiles")))
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed names and pre-compressed copies (nginx and whitenoise cache them for a year); tests and
    # DEBUG read the source folders directly, so they need no collectstatic.
    "staticfiles": {
        "BACKEND": env.str(
            "STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if (TESTING or DEBUG)
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Without collectstatic (development, tests) unhashed names are served instead of failing.
WHITENOISE_MANIFEST_STRICT = False
WHITENOISE_USE_FINDERS = DEBUG or TESTING
WHITENOISE_AUTOREFRESH = DEBUG

# --- email ---------------------------------------------------------------------------------------------
EMAIL_URL = secret("EMAIL_URL")
if EMAIL_URL:
    vars().update(env.email_url_config(EMAIL_URL))
else:
    EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="CotAi <no-reply@cotai.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- notifications -------------------------------------------------------------------------------------
# Channel backends (dotted class paths); remove a key to switch a channel off for everyone.
NOTIFICATION_CHANNELS = {
    "in_app": "notifications.channels.inapp.InAppChannel",
    "email": "notifications.channels.email.EmailChannel",
    "sms": "notifications.channels.sms.SmsChannel",
    "push": "notifications.channels.push.PushChannel",
    "webhook": "notifications.channels.webhook.WebhookChannel",
}
# Attempts per delivery before it is failed; retries wait base * 2^n seconds (capped), with jitter.
NOTIFICATIONS_MAX_ATTEMPTS = env.int("NOTIFICATIONS_MAX_ATTEMPTS", default=6)
NOTIFICATIONS_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_RETRY_MAX_SECONDS", default=3600.0)
# How long a worker owns the deliveries it claimed; after that another worker may take them over.
NOTIFICATIONS_CLAIM_SECONDS = env.int("NOTIFICATIONS_CLAIM_SECONDS", default=600)
# SMS: "notifications.channels.sms.ConsoleSmsGateway" (logs) or "notifications.channels.sms.HttpSmsGateway".
NOTIFICATIONS_SMS_BACKEND = env.str("NOTIFICATIONS_SMS_BACKEND", default="notifications.channels.sms.ConsoleSmsGateway")
NOTIFICATIONS_SMS_URL = env.str("NOTIFICATIONS_SMS_URL", default="")
NOTIFICATIONS_SMS_AUTH_HEADER = secret("NOTIFICATIONS_SMS_AUTH_HEADER")
NOTIFICATIONS_SMS_USERNAME = env.str("NOTIFICATIONS_SMS_USERNAME", default="")
NOTIFICATIONS_SMS_PASSWORD = secret("NOTIFICATIONS_SMS_PASSWORD")
NOTIFICATIONS_SMS_FROM = env.str("NOTIFICATIONS_SMS_FROM", default="CotAi")
NOTIFICATIONS_SMS_ID_FIELD = env.str("NOTIFICATIONS_SMS_ID_FIELD", default="id")
NOTIFICATIONS_SMS_TIMEOUT = env.float("NOTIFICATIONS_SMS_TIMEOUT", default=5.0)
# Web Push (VAPID): generate with `manage.py notifications_vapid_keys`; the public key is derived.
NOTIFICATIONS_VAPID_PRIVATE_KEY = secret("NOTIFICATIONS_VAPID_PRIVATE_KEY")
NOTIFICATIONS_VAPID_SUBJECT = env.str("NOTIFICATIONS_VAPID_SUBJECT", default="mailto:admin@cotai.localhost")
NOTIFICATIONS_PUSH_TTL = env.int("NOTIFICATIONS_PUSH_TTL", default=86400)
NOTIFICATIONS_PUSH_TIMEOUT = env.float("NOTIFICATIONS_PUSH_TIMEOUT", default=5.0)
# FCM HTTP v1 (Android/iOS): the service-account JSON (or NOTIFICATIONS_FCM_CREDENTIALS_FILE).
NOTIFICATIONS_FCM_CREDENTIALS = secret("NOTIFICATIONS_FCM_CREDENTIALS")
NOTIFICATIONS_FCM_PROJECT_ID = env.str("NOTIFICATIONS_FCM_PROJECT_ID", default="")
NOTIFICATIONS_FCM_ENDPOINT = env.str("NOTIFICATIONS_FCM_ENDPOINT", default="https://fcm.googleapis.com")
# Webhooks: short timeouts, no redirects, retries with backoff, endpoints disabled after days of failures.
NOTIFICATIONS_WEBHOOK_TIMEOUT = env.float("NOTIFICATIONS_WEBHOOK_TIMEOUT", default=5.0)
NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS = env.int("NOTIFICATIONS_WEBHOOK_MAX_ATTEMPTS", default=10)
NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS = env.float("NOTIFICATIONS_WEBHOOK_RETRY_BASE_SECONDS", default=30.0)
NOTIFICATIONS_WEBHOOK_RETRY_MAX_SECONDS = env.float("NOTIFICATIONS_WEBHOOK_RETRY_MAX_SECONDS", default=6 * 3600.0)
NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS = env.int("NOTIFICATIONS_WEBHOOK_DISABLE_AFTER_DAYS", default=5)
NOTIFICATIONS_WEBHOOK_ROTATION_HOURS = env.int("NOTIFICATIONS_WEBHOOK_ROTATION_HOURS", default=24)
# Webhook and push URLs resolving to private, loopback, link-local or metadata addresses are refused
# unless this is True (tests, closed networks). Production also requires https.
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env.bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", default=False)
NOTIFICATIONS_WEBHOOK_REQUIRE_HTTPS = env.bool("NOTIFICATIONS_WEBHOOK_REQUIRE_HTTPS", default=IS_PRODUCTION)

# --- security ------------------------------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "strict-origin-when-cross-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from a meta tag; the cookie itself stays SameSite.
SESSION_COOKIE_SAMESITE = "Lax"
if IS_PRODUCTION:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    # /ping is probed over plain HTTP inside the network by the orchestrator.
    SECURE_REDIRECT_EXEMPT = [r"^ping$"]
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)

# Content-Security-Policy sent with every response (cotai.middleware). No inline scripts anywhere.
CONTENT_SECURITY_POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "font-src": ["'self'"],
    "connect-src": ["'self'"],
    "worker-src": ["'self'", "blob:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "form-action": ["'self'"],
    "frame-ancestors": ["'none'"],
}
# ReDoc and Swagger UI set element styles at run time; only their two pages get 'unsafe-inline' styles.
CONTENT_SECURITY_POLICY_STYLE_RELAXED_PATHS = ("/api/v1/docs", "/api/v1/redoc")

# --- observability ---------------------------------------------------------------------------------------
LOG_LEVEL = env.str("LOG_LEVEL", default="INFO")
LOG_FORMAT = env.str("LOG_FORMAT", default="json")  # "json" or "console"
from cotai.logging import build_logging_config  # noqa: E402  (needs LOG_* above)

LOGGING = build_logging_config(level=LOG_LEVEL, fmt=LOG_FORMAT)
PROMETHEUS_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, float("inf"))
PROMETHEUS_EXPORT_MIGRATIONS = False
# Seconds the deep health check waits for each part before calling it down.
HEALTH_CHECK_TIMEOUT = env.float("HEALTH_CHECK_TIMEOUT", default=2.0)
# Raise instead of skipping when a test needs a real service that is absent (CI sets it).
REQUIRE_SERVICES = env.bool("COTAI_REQUIRE_SERVICES", default=False)

DEMO_PASSWORD = env.str("DEMO_PASSWORD", default="cotai-demo-2026")
CSRF_FAILURE_VIEW = "cotai.views.csrf_failure"
