"""Production: secrets must come from the environment; HTTPS everywhere.

The settings refuse to load — and so the server to start — while a variable `.env.example` marks
「生产环境必填 / required in production」 is unset, still the example's placeholder, or (for the keys)
shorter than 32 characters."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

# Keep in step with the variables marked required in .env.example (config/tests/test_settings.py checks).
REQUIRED_ENVIRONMENT = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS", "YIWANG_AUDIT_KEY")
SECRET_MIN_LENGTH = 32


def _environment_problems() -> list[tuple[str, str]]:
    """(Chinese, English) for each required variable that is unusable."""
    problems = []
    for name in REQUIRED_ENVIRONMENT:
        value = os.environ.get(name, "").strip()
        if not value:
            problems.append((f"{name} 未设置", f"{name} is not set"))
        elif value.startswith("change-me"):
            problems.append((f"{name} 仍是 .env.example 的示例值", f"{name} is still the example value"))
        elif name in {"SECRET_KEY", "YIWANG_AUDIT_KEY"} and len(value) < SECRET_MIN_LENGTH:
            problems.append(
                (
                    f"{name} 过短（至少 {SECRET_MIN_LENGTH} 个字符）",
                    f"{name} is shorter than {SECRET_MIN_LENGTH} characters",
                )
            )
    return problems


_problems = _environment_problems()
if _problems:
    raise ImproperlyConfigured(
        "生产环境配置不完整：" + "；".join(zh for zh, _en in _problems) + "（见 .env.example）。"
        " Production settings refuse to start: "
        + "; ".join(en for _zh, en in _problems)
        + " (see .env.example)."
    )

DEBUG = False
SECURE_SSL_REDIRECT = env_bool("YIWANG_SSL_REDIRECT", True)
# Health probes (load balancer, systemd, docker) ask the server itself over plain HTTP: answered,
# not redirected (docs/operations.md, "Production").
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]
SECURE_HSTS_SECONDS = 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
}
