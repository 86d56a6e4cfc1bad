"""Settings shared by every environment. Everything that varies is read from the environment;
every variable is documented in `.env.example`."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parents[2]  # src/yiwang
PROJECT_DIR = BASE_DIR.parents[1]


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [part.strip() for part in env(name, default).split(",") if part.strip()]


DATA_DIR = Path(env("YIWANG_DATA_DIR", str(PROJECT_DIR / "var"))).resolve()
DATA_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("SECRET_KEY", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "yiwang.config.apps.AxesConfig",  # django-axes under a Chinese name
    "django_tasks",
    "yiwang.config.apps.TasksDatabaseConfig",  # django-tasks-db under a Chinese name
    "yiwang.core",
    "yiwang.identity",
    "yiwang.workflow",
    "yiwang.services",
    "yiwang.hotline",
    "yiwang.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "yiwang.web.middleware.ContentSecurityPolicyMiddleware",
    "yiwang.web.guards.RequestGuardMiddleware",  # overlong URLs, NUL / lone surrogates (Chinese 400/414)
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # zh-hans unless the reader chose English with the switch (never from Accept-Language)
    "yiwang.web.language.ChosenLanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "yiwang.web.middleware.PrivateResponseMiddleware",  # no-store for signed-in users and API tokens
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "yiwang.config.urls"
WSGI_APPLICATION = "yiwang.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "web" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "yiwang.web.context_processors.shell",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'yiwang.sqlite3'}"),
        conn_max_age=int(env("DATABASE_CONN_MAX_AGE", "0")),
    )
}
# WAL + a busy timeout let the web process and the task worker share the file; IMMEDIATE
# transactions serialise writers up front (the audit chain relies on it).
SQLITE_OPTIONS = {
    "timeout": 20,
    "transaction_mode": "IMMEDIATE",
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = dict(SQLITE_OPTIONS)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "identity.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "yiwang.identity.backends.UsernameOrPhoneBackend",
]
LOGIN_URL = "identity:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:home"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "yiwang.identity.validators.CharacterClassValidator"},
]

# Lockout (django-axes plumbing, rules in yiwang.identity.lockout; docs/operations.md "Accounts and
# access"): YIWANG_LOGIN_FAILURE_LIMIT failures in a row lock that account *from that address* for
# YIWANG_LOCKOUT_MINUTES, doubling with each further lock within a day up to
# YIWANG_LOCKOUT_MAX_MINUTES; YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT failures from one address within
# YIWANG_LOCKOUT_MINUTES stop every login from it (password spraying).
AXES_HANDLER = "yiwang.identity.lockout.LockoutHandler"
AXES_FAILURE_LIMIT = int(env("YIWANG_LOGIN_FAILURE_LIMIT", "5"))
YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT = int(env("YIWANG_LOGIN_ADDRESS_FAILURE_LIMIT", "20"))
YIWANG_LOCKOUT_MINUTES = float(env("YIWANG_LOCKOUT_MINUTES", "15"))
YIWANG_LOCKOUT_MAX_MINUTES = float(env("YIWANG_LOCKOUT_MAX_MINUTES", str(24 * 60)))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"], "ip_address"]
AXES_COOLOFF_TIME = timedelta(hours=24)  # how long axes keeps its own attempt rows; locks are the handler's
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # attempts refused while locked do not count
AXES_ENABLE_ACCESS_FAILURE_LOG = True  # the failures the handler counts
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "yiwang.identity.views.lockout_response"
AXES_CLIENT_IP_CALLABLE = "yiwang.core.client_address.client_address"
AXES_VERBOSE = False
# The client's address behind a reverse proxy (yiwang.core.client_address): the request header the
# proxies set (e.g. X-Forwarded-For) and how many trusted proxies append to it. Empty: REMOTE_ADDR.
YIWANG_TRUSTED_PROXY_HEADER = env("YIWANG_TRUSTED_PROXY_HEADER", "")
YIWANG_TRUSTED_PROXY_COUNT = int(env("YIWANG_TRUSTED_PROXY_COUNT", "1"))

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = DATA_DIR / "static"
MEDIA_ROOT = DATA_DIR / "files"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded files (StoredFile) live behind their own alias so a deployment can move them to
    # object storage without touching code; they are never served as static media.
    "yiwang_files": {
        "BACKEND": env("YIWANG_FILE_STORAGE", "django.core.files.storage.FileSystemStorage"),
        "OPTIONS": {"location": str(DATA_DIR / "files")} if not env("YIWANG_FILE_STORAGE") else {},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

TASKS = {
    "default": {
        "BACKEND": env("YIWANG_TASK_BACKEND", "django_tasks_db.DatabaseBackend"),
        "QUEUES": ["default"],
    }
}

# Cache (the actor's grants, dictionaries): each process's own memory by default; with
# YIWANG_CACHE_URL (e.g. redis://127.0.0.1:6379/1; needs the `redis` package, extra `prod`) one Redis
# shared by every worker process, so an edited dictionary shows at once everywhere.
if env("YIWANG_CACHE_URL"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": env("YIWANG_CACHE_URL"),
            "KEY_PREFIX": env("YIWANG_CACHE_KEY_PREFIX", "yiwang"),
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yiwang"}}

# Security defaults: strict cookies, CSP, no framing.
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = int(env("YIWANG_SESSION_SECONDS", str(8 * 3600)))
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = env_bool("YIWANG_SECURE_COOKIES", True)
CSRF_COOKIE_SECURE = env_bool("YIWANG_SECURE_COOKIES", True)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
YIWANG_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'self'"
)

# Kernel settings.
YIWANG_AUDIT_KEY = env(
    "YIWANG_AUDIT_KEY", ""
)  # HMAC-SM3 key for the audit chain; derived from SECRET_KEY if empty
# Seconds between the worker's runs of the audit sealer (the longest a row stays unsealed) and of the
# workflow timer.
YIWANG_AUDIT_SEAL_SECONDS = int(env("YIWANG_AUDIT_SEAL_SECONDS", "5"))
YIWANG_TICK_SECONDS = int(env("YIWANG_TICK_SECONDS", "300"))
# What `yiwang backup` carries besides the database and the uploaded files (storages["yiwang_files"]):
# paths relative to YIWANG_DATA_DIR where a domain keeps a data store of its own (the database file
# and the collected static files are never listed). A domain appends its path here.
YIWANG_BACKUP_PATHS: list[str] = []
YIWANG_FILE_MAX_BYTES = int(env("YIWANG_FILE_MAX_BYTES", str(20 * 1024 * 1024)))
YIWANG_FILE_TYPES = env_list(
    "YIWANG_FILE_TYPES",
    "application/pdf,image/jpeg,image/png,application/zip,"
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet,"
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document,application/ofd",
)
# Office hours for working-hour arithmetic: comma-separated HH:MM-HH:MM periods of a working day.
YIWANG_OFFICE_HOURS = env("YIWANG_OFFICE_HOURS", "09:00-12:00,13:30-17:30")
YIWANG_SMS_PROVIDER = env("YIWANG_SMS_PROVIDER", "yiwang.core.notifications.DatabaseProvider")
YIWANG_EMAIL_PROVIDER = env("YIWANG_EMAIL_PROVIDER", "yiwang.core.notifications.DatabaseProvider")
YIWANG_API_TOKEN_DAYS = int(env("YIWANG_API_TOKEN_DAYS", "90"))
# How often (seconds) a process re-reads the holiday calendar and dictionaries edited by admins.
YIWANG_CALENDAR_REFRESH_SECONDS: int | None = int(env("YIWANG_CALENDAR_REFRESH_SECONDS", "60"))
YIWANG_DICTIONARY_CACHE_SECONDS = int(env("YIWANG_DICTIONARY_CACHE_SECONDS", "60"))

# Limits on input (docs/architecture.md, "Limits on input"). A request body (other than uploaded
# files) over YIWANG_REQUEST_MAX_BYTES is answered 413 in Chinese; a URL over YIWANG_URL_MAX_LENGTH
# 414 (the proxy / gunicorn's limit_request_line normally stops it first).
DATA_UPLOAD_MAX_MEMORY_SIZE = int(env("YIWANG_REQUEST_MAX_BYTES", str(2_621_440)))
YIWANG_URL_MAX_LENGTH = int(env("YIWANG_URL_MAX_LENGTH", "4094"))
# Every workbook read from outside goes through core.spreadsheets with these limits.
YIWANG_SPREADSHEET_MAX_ROWS = int(env("YIWANG_SPREADSHEET_MAX_ROWS", "100000"))
YIWANG_SPREADSHEET_MAX_CELLS = int(env("YIWANG_SPREADSHEET_MAX_CELLS", "2000000"))
YIWANG_SPREADSHEET_MAX_UNCOMPRESSED_BYTES = int(
    env("YIWANG_SPREADSHEET_MAX_UNCOMPRESSED_BYTES", str(256 * 1024 * 1024))
)
YIWANG_SPREADSHEET_MAX_PART_BYTES = int(env("YIWANG_SPREADSHEET_MAX_PART_BYTES", str(64 * 1024 * 1024)))
YIWANG_SPREADSHEET_MAX_RATIO = int(env("YIWANG_SPREADSHEET_MAX_RATIO", "200"))
YIWANG_SPREADSHEET_SECONDS = float(env("YIWANG_SPREADSHEET_SECONDS", "120"))
YIWANG_ARCHIVE_MAX_MEMBERS = int(env("YIWANG_ARCHIVE_MAX_MEMBERS", "10000"))
# Uploads per user: bytes of files not yet attached to anything, uploads per window, and the grace
# period after which an unattached file is deleted (by the worker every YIWANG_FILE_PRUNE_SECONDS,
# or `yiwang files prune`). 0 turns a limit off.
YIWANG_UPLOAD_QUOTA_BYTES = int(env("YIWANG_UPLOAD_QUOTA_BYTES", str(200 * 1024 * 1024)))
YIWANG_UPLOAD_RATE_COUNT = int(env("YIWANG_UPLOAD_RATE_COUNT", "120"))
YIWANG_UPLOAD_RATE_SECONDS = int(env("YIWANG_UPLOAD_RATE_SECONDS", "3600"))
YIWANG_UPLOAD_GRACE_HOURS = float(env("YIWANG_UPLOAD_GRACE_HOURS", "24"))
YIWANG_FILE_PRUNE_SECONDS = int(env("YIWANG_FILE_PRUNE_SECONDS", "3600"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}, "django.tasks": {"level": "WARNING"}},
}

# 12345: the hotline centre's organisation code (new tickets belong to it until dispatched) and the
# classifier confidence at or above which a dispatcher confirms the suggestion with one key.
HOTLINE_CENTER = env("YIWANG_HOTLINE_CENTER", "city-12345")
HOTLINE_CONFIDENCE = float(env("YIWANG_HOTLINE_CONFIDENCE", "0.6"))
