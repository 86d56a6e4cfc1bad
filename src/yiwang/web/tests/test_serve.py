"""`yiwang serve`: the production server, started as an operator starts it (docs/operations.md)."""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from yiwang.cli import serve_environment
from yiwang.web import serving

START_DEADLINE = 90.0  # seconds for the server to answer /healthz (a loaded machine: the test suite)


def test_serve_runs_the_production_settings_unless_told_otherwise():
    environ: dict[str, str] = {}
    serve_environment(["serve", "--workers", "2"], environ)
    assert environ == {"DJANGO_SETTINGS_MODULE": "yiwang.config.settings.prod"}
    environ = {"DJANGO_SETTINGS_MODULE": "mysite.settings"}
    serve_environment(["serve"], environ)
    assert environ == {"DJANGO_SETTINGS_MODULE": "mysite.settings"}
    environ = {}
    serve_environment(["migrate"], environ)
    assert environ == {}


def test_the_server_options_come_from_the_environment_and_the_flags():
    defaults = serving.options_from_environment({}, url_max_length=4094)
    assert defaults["bind"] == ["127.0.0.1:8000"]
    assert defaults["workers"] == serving.default_workers() <= serving.MAX_DEFAULT_WORKERS
    assert (defaults["worker_class"], defaults["threads"]) == ("sync", 1)
    assert defaults["limit_request_line"] == 4094 + serving.REQUEST_LINE_MARGIN
    assert defaults["control_socket_disable"] is True
    assert defaults["preload_app"] is False
    assert serving.default_workers(2) == 5
    assert serving.default_workers(16) == serving.MAX_DEFAULT_WORKERS

    environ = {
        "YIWANG_BIND": "127.0.0.1:9000, unix:/run/yiwang/yiwang.sock",
        "YIWANG_WORKERS": "3",
        "YIWANG_THREADS": "4",
        "YIWANG_TIMEOUT": "120",
        "YIWANG_MAX_REQUESTS": "1000",
        "YIWANG_ACCESS_LOG": "off",
        "YIWANG_PIDFILE": "/run/yiwang/gunicorn.pid",
        "LOG_LEVEL": "WARNING",
    }
    options = serving.options_from_environment(environ, url_max_length=2000, overrides={"workers": 7})
    assert options["bind"] == ["127.0.0.1:9000", "unix:/run/yiwang/yiwang.sock"]
    assert (options["workers"], options["threads"], options["worker_class"]) == (7, 4, "gthread")
    assert (options["timeout"], options["max_requests"], options["max_requests_jitter"]) == (120, 1000, 100)
    assert options["accesslog"] is None
    assert options["pidfile"] == "/run/yiwang/gunicorn.pid"
    assert options["loglevel"] == "warning"
    assert options["limit_request_line"] == 2000 + serving.REQUEST_LINE_MARGIN

    with pytest.raises(serving.ServeConfigError, match="YIWANG_WORKERS 应为整数"):
        serving.options_from_environment({"YIWANG_WORKERS": "many"})
    with pytest.raises(serving.ServeConfigError, match="YIWANG_LIMIT_REQUEST_LINE 不能超过"):
        serving.options_from_environment({"YIWANG_LIMIT_REQUEST_LINE": "100000"})


# -- the real server ---------------------------------------------------------------------------


def _environment(tmp_path: Path) -> dict[str, str]:
    """What an operator's environment file holds for production (no DJANGO_SETTINGS_MODULE: the
    command's default), on a SQLite file."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "YIWANG_"))
        and key not in {"DATABASE_URL", "TEST_DATABASE_URL", "SECRET_KEY", "ALLOWED_HOSTS", "DEBUG"}
    }
    env.update(
        SECRET_KEY="serve-test-secret-key-0123456789-abcdefghij",
        YIWANG_AUDIT_KEY="serve-test-audit-key-0123456789-abcdefghij",
        DATABASE_URL=f"sqlite:///{tmp_path / 'yiwang.sqlite3'}",
        ALLOWED_HOSTS="127.0.0.1",
        YIWANG_DATA_DIR=str(tmp_path / "data"),
        YIWANG_TRUSTED_PROXY_HEADER="X-Forwarded-For",
        YIWANG_TRUSTED_PROXY_COUNT="1",
        LOG_LEVEL="INFO",
    )
    return env


def _yiwang(env: dict[str, str], *args: str) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(port: int, path: str, headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def _wait_healthy(server: subprocess.Popen[str], port: int) -> None:
    deadline = time.monotonic() + START_DEADLINE
    while time.monotonic() < deadline:
        if server.poll() is not None:
            output = server.stdout.read() if server.stdout else ""
            pytest.fail(f"yiwang serve exited with {server.returncode}:\n{output}")
        try:
            status, _headers, _body = _get(port, "/healthz")
        except OSError:
            status = 0
        if status == 200:
            return
        time.sleep(0.1)  # between attempts, bounded by the deadline
    pytest.fail(f"yiwang serve did not answer /healthz within {START_DEADLINE:.0f} s")


def test_yiwang_serve_refuses_to_start_before_collectstatic(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "serve", "--bind", f"127.0.0.1:{_free_port()}"],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "静态文件尚未收集" in done.stderr and "yiwang collectstatic" in done.stderr


def test_yiwang_serve_refuses_to_start_without_the_production_secrets(tmp_path):
    env = _environment(tmp_path)
    del env["YIWANG_AUDIT_KEY"]
    done = subprocess.run(
        [sys.executable, "-m", "yiwang.cli", "serve", "--print-config"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode != 0
    assert "YIWANG_AUDIT_KEY 未设置" in done.stderr


def test_yiwang_serve_starts_the_production_server(tmp_path):
    env = _environment(tmp_path)
    _yiwang(env, "migrate", "--noinput", "-v", "0")  # the server's own defaults: the prod settings
    _yiwang(
        {**env, "DJANGO_SETTINGS_MODULE": "yiwang.config.settings.prod"},
        "collectstatic",
        "--noinput",
        "-v",
        "0",
    )
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        _wait_healthy(server, port)

        # A probe asks over plain HTTP: answered, not redirected to HTTPS.
        status, headers, body = _get(port, "/healthz")
        assert (status, body) == (200, b'{"status": "ok"}')
        assert headers["x-content-type-options"] == "nosniff"
        assert "default-src 'self'" in headers["content-security-policy"]
        status, _headers, _body = _get(port, "/readyz")
        assert status == 200

        # Through the proxy (TLS ended there): the production security headers.
        proxied = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
        status, headers, _body = _get(port, "/services/", proxied)
        assert status == 200
        assert headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
        assert "script-src 'self';" in headers["content-security-policy"]
        assert headers["x-content-type-options"] == "nosniff"
        assert headers["x-frame-options"] == "DENY"
        assert "Secure" in headers["set-cookie"]

        # Not through the proxy: a page is redirected to HTTPS.
        status, headers, _body = _get(port, "/services/")
        assert status == 301 and headers["location"].startswith("https://")

        # An overlong request line is refused by the server itself.
        status, _headers, _body = _get(port, "/services/?q=" + "a" * 5000)
        assert status == 414
    finally:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop
        try:
            output, _ = server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)  # its own session: the master and its workers only
            output, _ = server.communicate(timeout=10)
    assert server.returncode == 0, output
    assert "yiwang.config.settings.prod" in output
    # The access log names the client the proxy saw, not the proxy, and no query string.
    assert '203.0.113.9 "GET /services/ HTTP/1.1" 200' in output
    assert "?q=" not in output
