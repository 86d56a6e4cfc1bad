"""The cache is each process's memory unless YIWANG_CACHE_URL names a Redis (docs/operations.md,
"Production"). Each case loads the settings in a fresh interpreter with a controlled environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path


def _run(tmp_path: Path, code: str, **environment: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("DJANGO_", "YIWANG_"))}
    env.update(
        YIWANG_DATA_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="yiwang.config.settings.dev", **environment
    )
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


SHOW = "import json; from django.conf import settings; print(json.dumps(settings.CACHES['default']))"


def test_the_cache_is_local_unless_a_redis_is_named(tmp_path):
    local = _run(tmp_path, SHOW)
    assert local["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"

    shared = _run(
        tmp_path, SHOW, YIWANG_CACHE_URL="redis://10.0.0.5:6379/1", YIWANG_CACHE_KEY_PREFIX="city-a"
    )
    assert shared == {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://10.0.0.5:6379/1",
        "KEY_PREFIX": "city-a",
    }


def test_the_redis_cache_round_trips(tmp_path):
    """Against the Redis every machine of this project runs (127.0.0.1:6379): a real round trip."""
    prefix = f"yiwang-test-{uuid.uuid4().hex}"
    code = (
        "import json, django; django.setup()\n"
        "from django.core.cache import cache\n"
        "cache.set('probe', {'办件': 1}, 30); value = cache.get('probe'); cache.delete('probe')\n"
        "print(json.dumps({'value': value, 'after': cache.get('probe')}, ensure_ascii=False))"
    )
    result = _run(
        tmp_path, code, YIWANG_CACHE_URL="redis://127.0.0.1:6379/14", YIWANG_CACHE_KEY_PREFIX=prefix
    )
    assert result == {"value": {"办件": 1}, "after": None}
