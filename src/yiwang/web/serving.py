"""The production HTTP server: gunicorn, configured from the environment (`yiwang serve`).

`yiwang serve` (`web.management.commands.serve`) loads the settings — so production's refusal to
start without its secrets happens there, in Chinese and English — works out the options below and
then replaces its own process with a fresh interpreter running `main()`: a gunicorn master that has
not imported Django. Its workers each load `yiwang.config.wsgi` after the fork, so a graceful reload
(`kill -HUP <master>`) starts workers on the code installed now, and no database connection is ever
shared across a fork. The master's process id is `yiwang serve`'s own (systemd's `$MAINPID`).

Every option has an environment variable (listed in `.env.example`, explained in
`docs/operations.md`, "Production"); the command's flags override them.

| option | variable | default |
|---|---|---|
| bind | `YIWANG_BIND` (comma-separated; `unix:/run/yiwang/yiwang.sock` works) | `127.0.0.1:8000` |
| workers | `YIWANG_WORKERS` | 2 × CPUs + 1, at most `MAX_DEFAULT_WORKERS` |
| threads | `YIWANG_THREADS` (more than 1: the `gthread` worker) | 1 (the `sync` worker) |
| timeout | `YIWANG_TIMEOUT` (seconds a worker may spend on one request) | 60 |
| graceful timeout | `YIWANG_GRACEFUL_TIMEOUT` (seconds to finish requests on reload/stop) | 30 |
| keep-alive | `YIWANG_KEEPALIVE` (seconds; gthread only) | 5 |
| max requests | `YIWANG_MAX_REQUESTS` (recycle a worker after so many; 0 = never) | 0 |
| request line | `YIWANG_LIMIT_REQUEST_LINE` (bytes; longer lines get gunicorn's 414) | `YIWANG_URL_MAX_LENGTH` + 32 |
| access log | `YIWANG_ACCESS_LOG` (`-` = stdout, a path, or `off`) | `-` |
| error log | `YIWANG_ERROR_LOG` (`-` = stderr, or a path) | `-` |
| pid file | `YIWANG_PIDFILE` | none |
| control socket | `YIWANG_CONTROL_SOCKET` (gunicorn's `gunicornc` socket) | off |

The access log names the client as `core.client_address` does — behind the proxies that
`YIWANG_TRUSTED_PROXY_HEADER`/`YIWANG_TRUSTED_PROXY_COUNT` name, the address the outermost of them
saw, not the proxy's — and leaves the query string out (an 办件箱 search by an applicant's name, a
catalogue search: personal information has no place in an access log).
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger

MAX_DEFAULT_WORKERS = 8  # each worker holds Django, the catalogue index and jieba's dictionary
GUNICORN_MAX_REQUEST_LINE = 8190  # gunicorn refuses a larger limit
HEARTBEAT_DIR = "/dev/shm"  # noqa: S108 — gunicorn creates its own unlinked files there
REQUEST_LINE_MARGIN = 32  # "OPTIONS " + " HTTP/1.1" and then some: every URL Django accepts passes
# The client (as core.client_address finds it), the request without its query string, the status,
# the bytes sent, the time taken in milliseconds, the user agent.
ACCESS_LOG_FORMAT = '%(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


class ServeConfigError(ValueError):
    """An environment variable or flag `yiwang serve` cannot use (the message is Chinese)."""


def cpu_count() -> int:
    """CPUs this process may run on (a container's cpuset, not the host's count)."""
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def default_workers(cpus: int | None = None) -> int:
    return min(2 * (cpus or cpu_count()) + 1, MAX_DEFAULT_WORKERS)


def _integer(environ: Mapping[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ServeConfigError(f"环境变量 {name} 应为整数，当前为「{raw}」") from None
    if value < minimum:
        raise ServeConfigError(f"环境变量 {name} 不能小于 {minimum}，当前为 {value}")
    return value


def _log_target(value: str) -> str | None:
    value = value.strip()
    return None if value.lower() in {"off", "none", "false", "0"} else value


def options_from_environment(
    environ: Mapping[str, str], *, url_max_length: int = 4094, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """The gunicorn settings `yiwang serve` runs with: the environment's, then the flags'
    (`overrides`, None values ignored). Raises ServeConfigError with a Chinese message."""
    overrides = {key: value for key, value in (overrides or {}).items() if value is not None}
    threads = int(overrides.get("threads") or _integer(environ, "YIWANG_THREADS", 1, minimum=1))
    if threads < 1:
        raise ServeConfigError("线程数至少为 1")
    workers = int(
        overrides.get("workers") or _integer(environ, "YIWANG_WORKERS", default_workers(), minimum=1)
    )
    if workers < 1:
        raise ServeConfigError("工作进程数至少为 1")
    bind = overrides.get("bind") or environ.get("YIWANG_BIND", "").strip() or "127.0.0.1:8000"
    request_line = _integer(
        environ,
        "YIWANG_LIMIT_REQUEST_LINE",
        min(url_max_length + REQUEST_LINE_MARGIN, GUNICORN_MAX_REQUEST_LINE),
        minimum=1,
    )
    if request_line > GUNICORN_MAX_REQUEST_LINE:
        raise ServeConfigError(f"YIWANG_LIMIT_REQUEST_LINE 不能超过 {GUNICORN_MAX_REQUEST_LINE}")
    max_requests = _integer(environ, "YIWANG_MAX_REQUESTS", 0)
    options: dict[str, Any] = {
        "bind": [part.strip() for part in str(bind).split(",") if part.strip()],
        "workers": workers,
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": int(overrides.get("timeout") or _integer(environ, "YIWANG_TIMEOUT", 60, minimum=1)),
        "graceful_timeout": _integer(environ, "YIWANG_GRACEFUL_TIMEOUT", 30, minimum=1),
        "keepalive": _integer(environ, "YIWANG_KEEPALIVE", 5, minimum=0),
        "max_requests": max_requests,
        "max_requests_jitter": max_requests // 10,
        "limit_request_line": request_line,
        "accesslog": _log_target(environ.get("YIWANG_ACCESS_LOG", "-")),
        "access_log_format": environ.get("YIWANG_ACCESS_LOG_FORMAT", "") or ACCESS_LOG_FORMAT,
        "errorlog": environ.get("YIWANG_ERROR_LOG", "").strip() or "-",
        "loglevel": (environ.get("LOG_LEVEL", "").strip() or "info").lower(),
        "logger_class": "yiwang.web.serving.ClientAddressLogger",
        "pidfile": environ.get("YIWANG_PIDFILE", "").strip() or None,
        "proc_name": "yiwang",
        "preload_app": False,  # workers import the code after the fork: HUP reloads new code
    }
    control = environ.get("YIWANG_CONTROL_SOCKET", "").strip()
    if control:
        options["control_socket"] = control
    else:
        options["control_socket_disable"] = True  # one default path per user: servers would collide
    if os.path.isdir(HEARTBEAT_DIR):  # the workers' heartbeat files: in memory, never on a slow disk
        options["worker_tmp_dir"] = HEARTBEAT_DIR
    return options


class ClientAddressLogger(Logger):
    """gunicorn's logger, with `%(h)s` the client's address as `core.client_address` finds it."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> dict[str, Any]:
        atoms: dict[str, Any] = super().atoms(resp, req, environ, request_time)
        try:  # only in a worker, after the application (and so the settings) loaded
            from yiwang.core.client_address import client_address

            atoms["h"] = client_address(SimpleNamespace(META=environ)) or atoms["h"]
        except Exception:  # noqa: S110 — the access log must never fail a request
            pass
        return atoms


class YiwangApplication(BaseApplication):
    """gunicorn through its Python API, with the options `yiwang serve` worked out."""

    def __init__(self, options: Mapping[str, Any]) -> None:
        self.options = dict(options)
        super().__init__()

    def load_config(self) -> None:
        known = self.cfg.settings
        for key, value in self.options.items():
            if key in known and value is not None:  # an older gunicorn lacks some (control socket)
                self.cfg.set(key, value)

    def load(self) -> Any:
        from yiwang.config.wsgi import application

        return application


def main(argv: list[str] | None = None) -> None:
    """`python -m yiwang.web.serving '<options as JSON>'`: what `yiwang serve` execs."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        raise SystemExit("用法：yiwang serve（本模块由它启动，参数为 JSON 格式的 gunicorn 选项）")
    YiwangApplication(json.loads(args[0])).run()


if __name__ == "__main__":
    main()
