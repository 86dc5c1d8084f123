"""Settings shared by every mode. Every variable is documented in .env.example."""

from __future__ import annotations

from typing import Any

import dj_database_url

from .env import BASE_DIR, VAR_DIR, env, env_bool, env_int, env_list, secret_from_file

SECRET_KEY = env("QINJIAN_SECRET_KEY") or secret_from_file("secret_key")
DEBUG = env_bool("QINJIAN_DEBUG", False)
ALLOWED_HOSTS = env_list("QINJIAN_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("QINJIAN_CSRF_TRUSTED_ORIGINS", "")
# Behind nginx the client address is in X-Forwarded-For; trust it only when a proxy sets it.
QINJIAN_TRUST_X_FORWARDED_FOR = env_bool("QINJIAN_TRUST_X_FORWARDED_FOR", False)

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_filters",
    "django_htmx",
    "template_partials",
    "django_tables2",
    "huey.contrib.djhuey",
    "qinjian.core",
    "qinjian.standards",
    "qinjian.jobs",
    "qinjian.alerts",
    "qinjian.workflow",
    "qinjian.attachments",
    "qinjian.accounts",
    "qinjian.org",
    "qinjian.assets",
    "qinjian.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "qinjian.core.middleware.RequestContextMiddleware",
    "qinjian.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "qinjian.accounts.middleware.AccountPolicyMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "qinjian.core.middleware.DenialAuditMiddleware",
]

ROOT_URLCONF = "qinjian.urls"
WSGI_APPLICATION = "qinjian.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "qinjian" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "qinjian.core.context_processors.shell",
            ],
            "builtins": ["django.templatetags.static", "qinjian.core.templatetags.qj"],
        },
    }
]

# --- Database: no URL -> SQLite (WAL) under var/; postgres://... -> PostgreSQL -----------------
DATABASE_URL = env("QINJIAN_DATABASE_URL", "")
if DATABASE_URL:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("QINJIAN_DB_CONN_MAX_AGE", 60))}
    if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
        DATABASES["default"].setdefault("OPTIONS", {})
        # The planner's cost of a random page read: PostgreSQL's default (4) is for spinning disks and makes it
        # scan a whole table where a few index lookups would do (a unit's page of cards joined to 20,000 people).
        page_cost = env("QINJIAN_PG_RANDOM_PAGE_COST", "1.1")
        if page_cost:
            DATABASES["default"]["OPTIONS"].setdefault("options", f"-c random_page_cost={float(page_cost)}")
        DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
        test_name = env("QINJIAN_TEST_DATABASE_NAME", "")
        if test_name:
            DATABASES["default"]["TEST"] = {"NAME": test_name}
else:
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(VAR_DIR / "qinjian.sqlite3"),
            # kept open between requests: opening one (Django's functions, the pragmas, the schema read on the first
            # query) costs ≈ 1.4 ms a request on the benchmark database
            "CONN_MAX_AGE": env_int("QINJIAN_DB_CONN_MAX_AGE", 60),
            "OPTIONS": {
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA busy_timeout=10000;",
                "transaction_mode": "IMMEDIATE",
            },
        }
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache: Redis when configured, otherwise a file cache shared by the processes of one machine --
REDIS_URL = env("QINJIAN_REDIS_URL", "")
CACHES: dict[str, dict[str, Any]]
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
            # sessions, shell counts and role permissions: a few entries per signed-in user (Django's default of
            # 300 would keep culling them under a few hundred users; a cull only costs the database a read)
            "OPTIONS": {"MAX_ENTRIES": 5000},
        }
    }

# --- Jobs (Huey): SQLite file by default, Redis when scaled out ----------------------------------
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "qinjian",
        "url": REDIS_URL,
        "immediate": False,
        "consumer": {"workers": env_int("QINJIAN_WORKERS", 2), "worker_type": "thread"},
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "qinjian",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": False,
        # the SQLite queue is polled: keep an idle worker's pick-up delay short
        "consumer": {"workers": env_int("QINJIAN_WORKERS", 2), "worker_type": "thread", "max_delay": 2.0},
    }

# --- Authentication and the 等保 level-3 account policy ------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["qinjian.accounts.backends.RoleBackend"]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "accounts:login"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
     "OPTIONS": {"min_length": env_int("QINJIAN_PASSWORD_MIN_LENGTH", 8)}},
    {"NAME": "qinjian.accounts.validators.CharacterClassValidator",
     "OPTIONS": {"min_classes": env_int("QINJIAN_PASSWORD_MIN_CLASSES", 3)}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "qinjian.accounts.validators.PasswordHistoryValidator",
     "OPTIONS": {"history": env_int("QINJIAN_PASSWORD_HISTORY", 5)}},
]
QINJIAN_SECURITY: dict[str, Any] = {
    "LOCKOUT_THRESHOLD": env_int("QINJIAN_LOCKOUT_THRESHOLD", 5),
    "LOCKOUT_MINUTES": env_int("QINJIAN_LOCKOUT_MINUTES", 15),
    "IP_LOCKOUT_THRESHOLD": env_int("QINJIAN_IP_LOCKOUT_THRESHOLD", 30),
    "PASSWORD_MAX_AGE_DAYS": env_int("QINJIAN_PASSWORD_MAX_AGE_DAYS", 90),
    "IDLE_TIMEOUT_SECONDS": env_int("QINJIAN_IDLE_TIMEOUT_SECONDS", 1800),
    # the idle clock restarts at most this often (one session write per minute, not per request)
    "SESSION_REFRESH_SECONDS": env_int("QINJIAN_SESSION_REFRESH_SECONDS", 60),
    "ABSOLUTE_SESSION_SECONDS": env_int("QINJIAN_ABSOLUTE_SESSION_SECONDS", 12 * 3600),
    "AUDIT_RETENTION_DAYS": max(180, env_int("QINJIAN_AUDIT_RETENTION_DAYS", 180)),
    "STALE_ACCOUNT_DAYS": env_int("QINJIAN_STALE_ACCOUNT_DAYS", 90),
    "TOTP_ISSUER": env("QINJIAN_TOTP_ISSUER", "勤俭"),
    "API_TOKEN_DAYS": env_int("QINJIAN_API_TOKEN_DAYS", 30),
}
# Keys for field encryption (SM4) and the audit hash chain (HMAC-SM3). In production they belong
# in a crypto device; the software provider reads them from var/ (or the environment).
QINJIAN_FIELD_KEY = env("QINJIAN_FIELD_KEY") or secret_from_file("field_key", 32)
QINJIAN_AUDIT_KEY = env("QINJIAN_AUDIT_KEY") or secret_from_file("audit_key", 32)

# Without Redis: sessions live in the database and are read through the file cache (var/cache), which saves a
# query on every request (0.29 ms against 0.02 ms measured on SQLite); logouts and forced sign-outs delete both.
SESSION_ENGINE = "django.contrib.sessions.backends.cache" if REDIS_URL else "django.contrib.sessions.backends.cached_db"
SESSION_COOKIE_AGE = QINJIAN_SECURITY["IDLE_TIMEOUT_SECONDS"]
SESSION_SAVE_EVERY_REQUEST = False  # AccountPolicyMiddleware slides the expiry (see SESSION_REFRESH_SECONDS)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_NAME = "qinjian_session"
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_NAME = "qinjian_csrf"
CSRF_FAILURE_VIEW = "qinjian.core.views.csrf_failure"
SESSION_COOKIE_SECURE = env_bool("QINJIAN_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "qinjian" / "static"]
MEDIA_ROOT = VAR_DIR / "media"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
QINJIAN_MAX_IMPORT_BYTES = env_int("QINJIAN_MAX_IMPORT_BYTES", 20 * 1024 * 1024)
QINJIAN_IMPORT_MAX_ROWS = env_int("QINJIAN_IMPORT_MAX_ROWS", 100_000)
QINJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES = env_int("QINJIAN_IMPORT_MAX_UNCOMPRESSED_BYTES", 300 * 1024 * 1024)
QINJIAN_IMPORT_MAX_COMPRESSION_RATIO = env_int("QINJIAN_IMPORT_MAX_COMPRESSION_RATIO", 200)
QINJIAN_IMPORT_TTL_HOURS = env_int("QINJIAN_IMPORT_TTL_HOURS", 24)
QINJIAN_IMPORT_JOB_ROWS = env_int("QINJIAN_IMPORT_JOB_ROWS", 2000)
QINJIAN_SHELL_COUNTS_SECONDS = env_int("QINJIAN_SHELL_COUNTS_SECONDS", 30)  # top-bar counts cached per session
QINJIAN_EXPORT_JOB_ROWS = env_int("QINJIAN_EXPORT_JOB_ROWS", 5000)
QINJIAN_ATTACHMENT_MAX_BYTES = env_int("QINJIAN_ATTACHMENT_MAX_BYTES", 20 * 1024 * 1024)
QINJIAN_ATTACHMENT_MAX_UNPACKED_BYTES = env_int("QINJIAN_ATTACHMENT_MAX_UNPACKED_BYTES", 200 * 1024 * 1024)
QINJIAN_LABEL_TITLE = env("QINJIAN_LABEL_TITLE", "")

# --- API ------------------------------------------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "qinjian.accounts.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["qinjian.core.api.permissions.IsAuthenticated"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "qinjian.core.api.filters.SearchFilter",
        "qinjian.core.api.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "qinjian.core.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "qinjian.core.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "qinjian.core.api.errors.exception_handler",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "勤俭 机关事务管理平台 API",
    "DESCRIPTION": "REST API。认证：令牌（Authorization: Token <令牌>）或浏览器会话。错误统一返回 {code, message, fields}。",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # one name per choice set shared by several serializers (fields called "status"/"kind" collide)
    "ENUM_NAME_OVERRIDES": {
        "AssetStatusEnum": "qinjian.assets.choices.AssetStatus",
        "AssetKindEnum": "qinjian.assets.choices.AssetKind",
        "AssetEventKindEnum": "qinjian.assets.choices.EventKind",
        "AssetMovementKindEnum": "qinjian.assets.choices.MovementKind",
        "AssetOperationKindEnum": "qinjian.assets.choices.OperationKind",
        "AssetOperationStatusEnum": "qinjian.assets.choices.OperationStatus",
        "StocktakeCampaignStatusEnum": "qinjian.assets.choices.CampaignStatus",
        "StocktakeResultEnum": "qinjian.assets.choices.StocktakeResult",
        "StocktakeDiscrepancyEnum": "qinjian.assets.choices.DiscrepancyKind",
        "StocktakeResolutionEnum": "qinjian.assets.choices.Resolution",
        "DepreciationRunStatusEnum": "qinjian.assets.choices.RunStatus",
        "PersonStatusEnum": "qinjian.org.choices.PersonStatus",
        "ApprovalStatusEnum": "qinjian.workflow.choices.RequestStatus",
        "ApprovalTaskStatusEnum": "qinjian.workflow.choices.TaskStatus",
        "ApprovalActionKindEnum": "qinjian.workflow.choices.ActionKind",
        "StandardVersionStatusEnum": "qinjian.standards.choices.VersionStatus",
        "AttachmentKindEnum": "qinjian.attachments.models.Attachment.Kind",
        "AlertStatusEnum": "qinjian.alerts.choices.AlertStatus",
        "JobStatusEnum": "qinjian.jobs.models.JobRun.Status",
        "ImportStatusEnum": "qinjian.core.models.imports.ImportBatch.Status",
    },
}

DJANGO_TABLES2_TEMPLATE = "ui/table.html"
DJANGO_TABLES2_PAGE_RANGE = 7

# --- Logging: one JSON object per line on stderr ----------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "qinjian.core.logging.JsonFormatter"}},
    "filters": {"context": {"()": "qinjian.core.logging.RequestContextFilter"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "json", "filters": ["context"]}},
    "root": {"handlers": ["stderr"], "level": env("QINJIAN_LOG_LEVEL", "INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "huey": {"level": "INFO"},
    },
}
