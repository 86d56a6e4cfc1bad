"""Test settings: SQLite in a temp dir by default, PostgreSQL through TEST_DATABASE_URL."""

import os
import tempfile

import dj_database_url

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-secret-key-not-used-anywhere-else-0123456789"  # noqa: S105
YIWANG_AUDIT_KEY = "test-audit-key"
DEBUG = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # speed; Argon2 is tested explicitly
ALLOWED_HOSTS = ["*"]
DATA_DIR = Path(tempfile.mkdtemp(prefix="yiwang-test-"))  # noqa: F405
STORAGES["yiwang_files"] = {  # noqa: F405
    "BACKEND": "django.core.files.storage.FileSystemStorage",
    "OPTIONS": {"location": str(DATA_DIR / "files")},
}
if env("TEST_DATABASE_URL"):
    DATABASES = {"default": dj_database_url.parse(env("TEST_DATABASE_URL"))}
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(DATA_DIR / "test.sqlite3"),
            "OPTIONS": dict(SQLITE_OPTIONS),  # noqa: F405 — as deployed (matters for bench/ and live servers)
        }
    }
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend", "QUEUES": ["default"]}}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "yiwang-test"}}
YIWANG_SMS_PROVIDER = "yiwang.core.notifications.DatabaseProvider"
YIWANG_EMAIL_PROVIDER = "yiwang.core.notifications.DatabaseProvider"
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs an event loop
STATIC_ROOT = DATA_DIR / "static"
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
YIWANG_CALENDAR_REFRESH_SECONDS = None  # only explicit invalidation: keeps query counts exact
