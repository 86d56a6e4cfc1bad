"""Local development and the demo: DEBUG on (`yiwang demo` turns it off unless DEBUG is set, so the
demo shows the Chinese error pages), plain-HTTP cookies, a stable dev secret."""

from .base import *  # noqa: F403
from .base import env, env_bool

DEBUG = env_bool("DEBUG", True)
SECRET_KEY = env("SECRET_KEY", "dev-only-not-secret-yiwang-demo-key-0000000000000000")
SESSION_COOKIE_SECURE = env_bool("YIWANG_SECURE_COOKIES", False)
CSRF_COOKIE_SECURE = env_bool("YIWANG_SECURE_COOKIES", False)
# Serve static files straight from the apps (no collectstatic needed for the demo).
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
