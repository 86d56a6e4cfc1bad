"""Benchmark: 一网通办 through a real HTTP server (gunicorn) on PostgreSQL (issue 11 §4).

    .venv/bin/python bench/services_http.py [--rows 1000000] [--requests 400] [--clients 1,4,16]

Targets (absolute, user-facing): the submission (POST /api/v1/services/applications) p50 ≤ 60 ms and
p99 ≤ 250 ms with 4 concurrent clients on this 2-core machine, throughput reported at 1, 4 and 16
clients; the 办件箱 page (GET /services/staff/, first page, as the window clerk opens it) p50 ≤ 50 ms
over `--rows` applications. The floor measured in the same run, as information: a bare endpoint
(`bench/bench_urls.py`) served by the same server, which parses the same body and inserts one
`Application` row.

1. Setup (this process): drop and create the `yiwang_bench_http` database, migrate, build the world
   (a service item with a two-field form; one citizen per client; a window clerk of the item's
   department), seed `--rows` applications in that department with `bench/applications.py`'s bulk
   fill (40 items, 20,000 applicants, statuses and deadlines spread out), then VACUUM ANALYZE, so
   that autovacuum does not wake up on the fresh million rows in the middle of the measurement.
2. Server: gunicorn on 127.0.0.1 (a free port), `bench.settings_http` (the test settings plus
   what a deployment sets: persistent connections, tasks queued for the worker). Default: 4 sync
   workers. Why 4: the work is CPU-bound Python plus short waits on PostgreSQL (commit flush), and
   the two cores are shared with PostgreSQL and the clients, so more processes than ~2 × cores only
   add switching (5 measured no better), while 4 means the 4-client target never queues for a
   worker (16 clients do queue: that is what the 16-client column shows). Why sync: gunicorn's
   default and what sits behind a buffering reverse proxy; each request is taken by whichever
   worker is free. gthread keeps a client's connection open (no connect per request, ~0.1 ms here)
   but pins it to the worker that accepted it, so busy connections can pile up on one worker while
   another idles; in short runs neither was consistently faster at 4 clients (the machine's other
   work moved both more than their difference). `--workers`, `--worker-class` and `--threads`
   change this.
3. Clients: threads in this process, each with its own `http.client` connection (kept alive when
   the server allows it; the sync worker closes it after each answer, so each request connects),
   logged in through the real login form (GET the form, POST name, password and CSRF token):
   citizens submit with their session cookie and the `X-CSRFToken` header, as the portal's pages
   do — API tokens are for staff accounts only (`api_token_create`), so a citizen has no bearer
   token. For each client count, both endpoints take turns in 5 rounds (all clients on one
   endpoint, then all on the other) so that a drift of the machine's speed hits both alike; each
   request carries a fresh idempotency key and must answer 201, else the run stops. Latency is per
   request (send to last byte read); throughput is requests / wall time of the endpoint's phases.
4. The 办件箱 page and the API inbox (GET /api/v1/services/staff/applications), 1 client, the
   clerk's session.

Other work on the two cores (a test run) moves every number: `--wait-idle SECONDS` waits for the
machine to be ≥ 90 % idle before measuring, and the JSON reports the idle share before and just
after the measurement (`cpu_idle_before`, `cpu_idle_after`; after < 0.9 means someone else was
busy at the end of the run).

Prints one JSON object. Only 127.0.0.1 traffic; every loop is bounded in count, every request and
phase in time; the server is always stopped.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Sequence
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.applications import FORM, fill  # noqa: E402  (the path above first)
from bench.machine import cpu_idle, free_port, wait_idle  # noqa: E402

DATABASE = "yiwang_bench_http"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
SETTINGS = "bench.settings_http"
HOST = "127.0.0.1"

TARGET_SUBMISSION_P50_MS = 60
TARGET_SUBMISSION_P99_MS = 250
TARGET_CLIENTS = 4
TARGET_INBOX_P50_MS = 50

ROUNDS = 5  # per client count, each endpoint's requests are split over this many alternating phases
WARMUP = 3  # untimed requests per client and endpoint before each client count
INBOX_WARMUP = 5
REQUEST_TIMEOUT = 30.0  # seconds, per request (socket timeout)
PHASE_TIMEOUT = 300.0  # seconds, per phase
START_TIMEOUT = 60.0  # seconds for gunicorn to answer /healthz
MAX_CLIENTS = 64


class BenchError(SystemExit):
    pass


# -- setup (this process) ---------------------------------------------------------------------


def configure(data_dir: str) -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    os.environ["TEST_DATABASE_URL"] = DATABASE_URL
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["YIWANG_BENCH_DATA_DIR"] = data_dir
    os.environ["YIWANG_DATA_DIR"] = data_dir
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(citizens: int) -> dict[str, Any]:
    from yiwang.identity.actor import Actor
    from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, make_staff
    from yiwang.services.tests.factories import ServiceItemFactory
    from yiwang.workflow.actions import definitions_load

    definitions_load(actor=Actor.system())
    item = ServiceItemFactory(materials=False, form_schema=FORM, form_ui={})
    people = [CitizenFactory() for _ in range(citizens)]
    clerk = make_staff(item.organization, role_code="window_clerk")
    return {
        "item": item,
        "citizens": [user.username for user in people],
        "first_citizen": people[0],
        "clerk": clerk.username,
        "password": PASSWORD,
    }


def seed(item, citizen, rows: int) -> float:
    """`bench/applications.py`'s bulk fill, then VACUUM ANALYZE (as autovacuum would leave the table
    in production, and so that it does not start during the measurement)."""
    import psycopg
    from django.db import connection

    started = time.perf_counter()
    fill(item, citizen, rows)
    connection.close()
    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return time.perf_counter() - started


# -- the server --------------------------------------------------------------------------------


def gunicorn(
    port: int,
    data_dir: str,
    log: Any,
    *,
    settings: str,
    database_url: str,
    options: Sequence[str],
    environment: dict[str, str] | None = None,
) -> subprocess.Popen:
    """gunicorn serving this checkout on 127.0.0.1:`port` against `database_url`, with the bench
    settings module and data directory (the benchmarks' one way to start the server)."""
    env = dict(os.environ if environment is None else environment)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": settings,
            "TEST_DATABASE_URL": database_url,
            "YIWANG_BENCH_DATA_DIR": data_dir,
            "YIWANG_DATA_DIR": data_dir,
            "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")]),
            "LOG_LEVEL": "WARNING",
        }
    )
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "yiwang.config.wsgi:application",
        *("--bind", f"{HOST}:{port}", *options, "--log-level", "warning", "--chdir", str(ROOT)),
    ]
    return subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_server(args, port: int, data_dir: str, log) -> subprocess.Popen:
    options = (
        "--workers",
        str(args.workers),
        "--worker-class",
        args.worker_class,
        "--threads",
        str(args.threads),
    )
    options += ("--keep-alive", "30", "--backlog", "128", "--timeout", "60")
    return gunicorn(port, data_dir, log, settings=SETTINGS, database_url=DATABASE_URL, options=options)


def wait_ready(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"gunicorn exited with {server.returncode} before answering /healthz")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                conn.close()
                return
            conn.close()
        except OSError:
            pass
        time.sleep(0.2)
    raise BenchError(f"gunicorn did not answer /healthz within {START_TIMEOUT:.0f} s")


def stop_server(server: subprocess.Popen) -> None:
    if server.poll() is not None:
        return
    server.send_signal(signal.SIGTERM)  # gunicorn's graceful stop: the master stops its workers
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)  # its own session: the master and its workers only
        server.wait(timeout=10)


# -- the clients -------------------------------------------------------------------------------


class Client:
    """One keep-alive connection with its cookies (sessionid, csrftoken)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}

    def reconnect(self) -> None:
        self.conn.close()
        self.conn.connect()

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, bytes]:
        sent = {"Host": f"{HOST}:{self.port}", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        self.conn.request(method, path, body=body, headers=sent)
        response = self.conn.getresponse()
        data = response.read()
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, data

    def login(self, username: str, password: str) -> None:
        status, page = self.request("GET", "/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found:
            raise BenchError(f"login page answered {status} without a CSRF token")
        form = urlencode(
            {"csrfmiddlewaretoken": found.group(1).decode(), "username": username, "password": password}
        )
        status, page = self.request(
            "POST",
            "/accounts/login/",
            body=form.encode(),
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise BenchError(f"login of {username} answered {status}: {page[:300]!r}")


def submission_body(item_code: str) -> bytes:
    body = {
        "item": item_code,
        "data": {"operator_name": "示范小吃店", "address": "中山路1号"},
        "idempotency_key": uuid.uuid4().hex,
    }
    return json.dumps(body, ensure_ascii=False).encode()


def post_submission(client: Client, path: str, item_code: str) -> tuple[int, bytes]:
    headers = {"Content-Type": "application/json", "X-CSRFToken": client.cookies.get("csrftoken", "")}
    return client.request("POST", path, body=submission_body(item_code), headers=headers)


def phase(clients: list[Client], path: str, item_code: str, each: int) -> tuple[list[float], float]:
    """All clients POST `each` submissions to `path` at once; their latencies and the wall time."""
    for client in clients:  # untimed: a kept-alive connection the server may have dropped while idle
        if client.conn.sock is not None:
            client.reconnect()
    return concurrent_phase(
        [partial(post_submission, client, path, item_code) for client in clients], path, each
    )


def concurrent_phase(
    sends: Sequence[Callable[[], tuple[int, bytes]]],
    label: str,
    each: int,
    *,
    request_timeout: float = REQUEST_TIMEOUT,
    phase_timeout: float = PHASE_TIMEOUT,
) -> tuple[list[float], float]:
    """Each of `sends` (one per client thread) is called `each` times, all threads released at once;
    every answer must be 201. Returns the latencies and the wall time; BenchError on a failure."""
    latencies: list[list[float]] = [[] for _ in sends]
    errors: list[str] = []
    stop = threading.Event()
    barrier = threading.Barrier(len(sends) + 1, timeout=request_timeout)

    def run(index: int, send: Callable[[], tuple[int, bytes]]) -> None:
        try:
            barrier.wait()
            for _ in range(each):
                if stop.is_set():
                    return
                started = time.perf_counter()
                status, data = send()
                latencies[index].append(time.perf_counter() - started)
                if status != 201:
                    errors.append(f"{label} answered {status}: {data[:300].decode(errors='replace')}")
                    stop.set()
                    return
        except Exception as exc:  # reported below, the run stops
            errors.append(f"{label}: {exc!r}")
            stop.set()

    threads = [threading.Thread(target=run, args=(i, send), daemon=True) for i, send in enumerate(sends)]
    for thread in threads:
        thread.start()
    barrier.wait()
    started = time.perf_counter()
    deadline = time.monotonic() + phase_timeout
    for thread in threads:
        thread.join(timeout=max(deadline - time.monotonic(), 0.1))
    seconds = time.perf_counter() - started
    if any(thread.is_alive() for thread in threads):
        stop.set()
        raise BenchError(f"{label}: the phase did not finish within {phase_timeout:.0f} s")
    if errors:
        raise BenchError(f"aborted: {errors[0]}")
    return [value for values in latencies for value in values], seconds


def summary(latencies: list[float], seconds: float | None = None) -> dict[str, Any]:
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    result = {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }
    if seconds is not None:
        result["per_s"] = round(len(latencies) / seconds, 1)
    return result


def submissions(port: int, citizens: list[str], password: str, item_code: str, n: int, total: int) -> dict:
    """`n` clients, each endpoint `total` requests over ROUNDS alternating phases."""
    clients = [Client(port) for _ in range(n)]
    for client, username in zip(clients, citizens, strict=False):
        client.login(username, password)
    paths = {"submit": "/api/v1/services/applications", "bare": "/bench/bare-insert"}
    for path in paths.values():
        phase(clients, path, item_code, WARMUP)
    each = max(total // (n * ROUNDS), 1)
    samples: dict[str, list[float]] = {name: [] for name in paths}
    seconds = dict.fromkeys(paths, 0.0)
    for _ in range(ROUNDS):
        for name, path in paths.items():
            latencies, wall = phase(clients, path, item_code, each)
            samples[name] += latencies
            seconds[name] += wall
    for client in clients:
        client.conn.close()
    result = {name: summary(samples[name], seconds[name]) for name in paths}
    result["submit_to_bare_throughput"] = round(result["submit"]["per_s"] / result["bare"]["per_s"], 3)
    return result


def inbox(port: int, clerk: str, password: str, repeats: int) -> dict:
    """The clerk's 办件箱 page (first page) and the API inbox, one client."""
    client = Client(port)
    client.login(clerk, password)
    result = {}
    for name, path, check in (
        ("page", "/services/staff/", lambda data: data.count('data-label="办件编号"'.encode()) == 20),
        ("api", "/api/v1/services/staff/applications", lambda data: len(json.loads(data)["items"]) == 20),
    ):
        latencies = []
        deadline = time.monotonic() + PHASE_TIMEOUT
        for n in range(INBOX_WARMUP + repeats):
            if time.monotonic() > deadline:
                raise BenchError(f"{path}: not done within {PHASE_TIMEOUT:.0f} s")
            started = time.perf_counter()
            status, data = client.request("GET", path)
            elapsed = time.perf_counter() - started
            if status != 200 or not check(data):
                raise BenchError(f"{path} answered {status} (not 20 rows): {data[:300]!r}")
            if n >= INBOX_WARMUP:
                latencies.append(elapsed)
        result[name] = summary(latencies)
    client.conn.close()
    return result


# -- main --------------------------------------------------------------------------------------


def provenance() -> dict[str, Any]:
    head = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    changed = subprocess.run(
        ["git", "status", "--porcelain", "--", "src"], cwd=ROOT, capture_output=True, text=True, check=False
    )
    import gunicorn

    return {
        "git_head": head.stdout.strip(),
        "src_files_changed_since_head": len(changed.stdout.splitlines()),
        "core_compiled_present": (ROOT / "src/yiwang/core/compiled.py").exists(),
        "gunicorn": gunicorn.__version__,
    }


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(f"services_http: stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="applications seeded for the inbox")
    parser.add_argument("--requests", type=int, default=400, help="per endpoint and client count")
    parser.add_argument("--clients", default="1,4,16", help="comma-separated client counts")
    parser.add_argument("--inbox-requests", type=int, default=50)
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="seconds to wait for an idle machine before measuring"
    )
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--worker-class", default="sync", choices=["sync", "gthread"])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    counts = [int(part) for part in args.clients.split(",") if part.strip()]
    if not counts or not all(1 <= n <= MAX_CLIENTS for n in counts):
        parser.error(f"--clients: counts between 1 and {MAX_CLIENTS}")
    if not 1 <= args.requests <= 100_000 or not 1 <= args.inbox_requests <= 10_000:
        parser.error("--requests ≤ 100000, --inbox-requests ≤ 10000")
    if not 0 <= args.wait_idle <= 3600:
        parser.error("--wait-idle: 0 to 3600 seconds")

    signal.signal(signal.SIGTERM, _terminated)  # `kill` too runs the finally that stops gunicorn
    result: dict[str, Any] = {"benchmark": "services_http", "database": "postgresql", **provenance()}
    data_dir = tempfile.mkdtemp(prefix="yiwang-bench-http-")
    log_path = Path(data_dir) / "gunicorn.log"
    server = None
    try:
        configure(data_dir)
        w = world(max(counts))
        item_code = w["item"].implementation_code
        result["rows"] = args.rows
        result["fill_seconds"] = round(seed(w["item"], w["first_citizen"], args.rows), 1)
        port = free_port()
        result["server"] = {
            "command": f"gunicorn yiwang.config.wsgi:application --workers {args.workers} "
            f"--worker-class {args.worker_class} --threads {args.threads} --keep-alive 30",
            "settings": SETTINGS,
        }
        with open(log_path, "wb") as log:
            server = start_server(args, port, data_dir, log)
            wait_ready(server, port)
            result["cpu_idle_before"] = wait_idle(args.wait_idle)
            result["loadavg_before"] = [round(value, 2) for value in os.getloadavg()]
            result["inbox"] = inbox(port, w["clerk"], w["password"], args.inbox_requests)
            result["submission"] = {
                str(n): submissions(port, w["citizens"], w["password"], item_code, n, args.requests)
                for n in counts
            }
            result["loadavg_after"] = [round(value, 2) for value in os.getloadavg()]
            result["cpu_idle_after"] = round(cpu_idle(), 3)  # others still at work when we stopped?
    except BenchError as exc:
        if log_path.exists():
            sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise SystemExit(f"services_http: {exc.code}") from None
    finally:
        if server is not None:
            stop_server(server)
        shutil.rmtree(data_dir, ignore_errors=True)

    at_target = result["submission"].get(str(TARGET_CLIENTS), {}).get("submit")
    result["targets"] = {
        "submission_p50_ms": TARGET_SUBMISSION_P50_MS,
        "submission_p99_ms": TARGET_SUBMISSION_P99_MS,
        "submission_clients": TARGET_CLIENTS,
        "inbox_page_p50_ms": TARGET_INBOX_P50_MS,
    }
    result["submission_p50_ok"] = at_target["p50_ms"] <= TARGET_SUBMISSION_P50_MS if at_target else None
    result["submission_p99_ok"] = at_target["p99_ms"] <= TARGET_SUBMISSION_P99_MS if at_target else None
    result["inbox_p50_ok"] = result["inbox"]["page"]["p50_ms"] <= TARGET_INBOX_P50_MS
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
