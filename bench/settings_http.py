"""Settings of the gunicorn server `bench/services_http.py` starts (and of its setup process).

The test settings (MD5 password hashing for the logins, the test audit key, no secure cookies over
plain HTTP) with the benchmark's URLconf (the project's URLs plus the bare insert floor) and what a
deployment sets differently from the tests, as `.env.example` and the base settings have it:
persistent database connections (`DATABASE_CONN_MAX_AGE=60`), the holiday calendar re-read every
60 s, static files indexed once at start, and tasks queued in the database for the worker (here not
running) instead of run inside the request."""

import os
from pathlib import Path

import dj_database_url

from yiwang.config.settings.test import *  # noqa: F403
from yiwang.config.settings.test import DATA_DIR

ROOT_URLCONF = "bench.bench_urls"
DEBUG = False
ALLOWED_HOSTS = ["*"]
DATABASES = {"default": dj_database_url.parse(os.environ["TEST_DATABASE_URL"], conn_max_age=60)}
YIWANG_CALENDAR_REFRESH_SECONDS = 60
WHITENOISE_AUTOREFRESH = False
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

if os.environ.get("YIWANG_BENCH_DATA_DIR"):  # one directory for the run, not one per worker
    os.rmdir(DATA_DIR)  # the test settings' fresh, empty temporary directory
    DATA_DIR = Path(os.environ["YIWANG_BENCH_DATA_DIR"])
    STORAGES["yiwang_files"]["OPTIONS"] = {"location": str(DATA_DIR / "files")}  # noqa: F405
    STATIC_ROOT = DATA_DIR / "static"
