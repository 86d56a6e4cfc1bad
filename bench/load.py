"""Load test: the production profile under 20 concurrent clients for 5 minutes (issue 12 §6).

    .venv/bin/python bench/load.py [--duration 300] [--clients 20] [--rows 100000] [--wait-idle 1800]
    .venv/bin/python bench/load.py --quick          # a 20-second smoke run on 10,000 rows

Targets: 0 errors and p99 < 1 s over every request of the run, on this 2-core machine; the
throughput and the CPU each tier spent per request are what docs/operations.md sizes a city from.

What runs — the production profile, as docs/operations.md "Production" deploys it, on one machine:
- `yiwang serve` (gunicorn with its defaults from the environment: 2 × CPUs + 1 sync workers) with
  `yiwang.config.settings.prod`, PostgreSQL (`yiwang_load`, dropped at the end unless
  `--keep-database`), persistent connections, the Redis cache (`--cache redis`, a database of its own
  and a key prefix of its own on 127.0.0.1:6379; `--cache local` for each process's memory),
  collected static files, the access log to a file;
- one `yiwang worker` (the django-tasks database backend: the audit sealer every 5 s, the workflow
  timer, SMS/email) beside it, as production runs it;
- this process as 20 clients behind an emulated reverse proxy: every request carries
  `X-Forwarded-Proto: https` and `X-Forwarded-For` with the client's own address (the server trusts
  one proxy), so HTTPS redirects, secure cookies, HSTS, CSRF's origin check and the client address
  all work as behind nginx.

Data: the demo city 示范市 (`yiwang seed`: 144 service items, ~30 departments, 5,200 historical
applications with their workflow history), plus `--rows` applications bulk-loaded into the market
regulator's (city-amr) 办件箱 with `bench/applications.py`'s fill (40 items, 20,000 applicants), a
service item with a two-field form and no materials for the submissions, one citizen account per
citizen client, one window clerk per clerk client and a staff API token (scopes read, services).

Clients (threads, each with its own `http.client` connection and cookies, logged in through the
login form; no think time — each sends its next request when the last one is answered, so the run
measures what the machine can carry), split 60 / 25 / 15 % (12 / 5 / 3 of 20):
- citizens: 办事服务 catalogue, search (jieba), a guide (办事指南, with the workflow diagram), the
  apply page, 我的办件 and one of their own applications, the portal home, and submitting an
  application through the API (session + CSRF, a fresh idempotency key, 201);
- window clerks: the 办件箱 page, an application's 办件办理 page, 受理 (accept) of an application a
  citizen just submitted and an internal note — both posted from the page's form, answered 302 and
  followed to the page, which must show the success message;
- API clients (Bearer token): the API 办件箱, an application's staff detail, a catalogue search and an
  item's detail.
Every client also asks `/healthz` now and then: its latency under load is the queueing floor.

The run has a warm-up (`--warmup`, not counted: each worker builds its catalogue index on its first
search); then the floor, measured in the same run: `/healthz` from one client with the server
otherwise idle (the server's fixed cost, as information); then `--duration` seconds measured. Afterwards, with the server
idle, the task worker's throughput: `--tasks` SMS tasks enqueued at once, the seconds until the
worker has sent them all.

Prints one JSON object: per route count, errors, p50/p95/p99/max; overall throughput and
percentiles; throughput and p99 per 30-second window; CPU seconds per tier (gunicorn, PostgreSQL
backends of this database, the task worker, these clients) and per request; the audit sealer's lag;
the task worker's throughput; the machine's idle share before and after. Only 127.0.0.1 traffic;
every loop is bounded in count or time; the server and the worker are always stopped.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode, urlsplit

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.applications import FORM, fill  # noqa: E402  (the path above first)
from bench.machine import cpu_idle, cpu_ticks, free_port, wait_idle  # noqa: E402

DATABASE = "yiwang_load"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
REDIS_URL = "redis://127.0.0.1:6379/13"  # a database of its own; keys under a per-run prefix too
HOST = "127.0.0.1"
SETTINGS = "yiwang.config.settings.prod"

TARGET_P99_MS = 1000
TARGET_ERRORS = 0
REQUEST_TIMEOUT = 30.0  # seconds, per request (socket timeout)
START_TIMEOUT = 120.0  # seconds for `yiwang serve` to answer /healthz
MAX_CLIENTS = 64
MAX_DURATION = 3600
MAX_ERRORS_KEPT = 20
WINDOW_SECONDS = 30
FLOOR_REQUESTS = 200
SEARCH_TERMS = [
    "开餐馆",
    "食品经营许可",
    "营业执照",
    "个体工商户",
    "公司设立",
    "社保",
    "医保",
    "户口",
    "公积金",
    "出生",
    "结婚登记",
    "不动产",
    "建设工程",
    "药品",
    "残疾人",
]


class BenchError(SystemExit):
    pass


# -- setup (this process) ---------------------------------------------------------------------


def production_environment(data_dir: str, port: int, args: argparse.Namespace, prefix: str) -> dict[str, str]:
    """The environment file of a production installation (docs/operations.md), for this machine."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "YIWANG_")) and key not in {"TEST_DATABASE_URL", "DEBUG"}
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": SETTINGS,
            "SECRET_KEY": secrets.token_urlsafe(48),
            "YIWANG_AUDIT_KEY": secrets.token_urlsafe(48),
            "DATABASE_URL": DATABASE_URL,
            "DATABASE_CONN_MAX_AGE": "60",
            "ALLOWED_HOSTS": HOST,
            "CSRF_TRUSTED_ORIGINS": f"https://{HOST}:{port}",
            "YIWANG_DATA_DIR": data_dir,
            "YIWANG_TRUSTED_PROXY_HEADER": "X-Forwarded-For",
            "YIWANG_TRUSTED_PROXY_COUNT": "1",
            "YIWANG_BIND": f"{HOST}:{port}",
            "YIWANG_ACCESS_LOG": str(Path(data_dir) / "access.log"),
            "LOG_LEVEL": "WARNING",
        }
    )
    if args.workers:
        env["YIWANG_WORKERS"] = str(args.workers)
    if args.threads:
        env["YIWANG_THREADS"] = str(args.threads)
    if args.cache == "redis":
        env["YIWANG_CACHE_URL"] = REDIS_URL
        env["YIWANG_CACHE_KEY_PREFIX"] = prefix
    return env


def create_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def check_redis() -> None:
    try:
        import redis
    except ImportError:
        raise BenchError("--cache redis needs the redis package: pip install -e '.[prod]'") from None
    try:
        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        raise BenchError(
            f"Redis does not answer at {REDIS_URL}: {exc!r} (or run with --cache local)"
        ) from None


def clear_redis(prefix: str) -> None:
    import redis

    client = redis.Redis.from_url(REDIS_URL, socket_timeout=5)
    for key in client.scan_iter(match=f"{prefix}:*", count=1000):  # this run's keys only
        client.delete(key)


@dataclass
class World:
    item_code: str
    guide_codes: list[str]
    citizens: list[str]
    clerks: list[str]
    password: str
    token: str
    staff_uids: list[str]
    counts: dict[str, int] = field(default_factory=dict)


def setup(
    env: dict[str, str], args: argparse.Namespace, n_citizens: int, n_clerks: int
) -> tuple[World, dict]:
    """Migrate, seed the demo city, add the load's accounts and item, bulk-load `--rows`."""
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    call_command("collectstatic", verbosity=0, interactive=False)
    timings["migrate_collectstatic_s"] = round(time.perf_counter() - started, 1)

    from yiwang.demo.city import seed_demo_city

    started = time.perf_counter()
    seed_demo_city()
    timings["demo_seed_s"] = round(time.perf_counter() - started, 1)

    from yiwang.core.models import Organization
    from yiwang.identity.actions import api_token_create
    from yiwang.identity.actor import Actor
    from yiwang.identity.tests.factories import PASSWORD, CitizenFactory, make_staff
    from yiwang.services.models import Application, ServiceItem
    from yiwang.services.tests.factories import ServiceItemFactory

    guide_codes = list(  # the demo city's published catalogue, before the load's own items
        ServiceItem.objects.filter(is_current=True, status=ServiceItem.Status.PUBLISHED)
        .values_list("implementation_code", flat=True)
        .order_by("implementation_code")
    )
    amr = Organization.objects.get(code="city-amr")
    item = ServiceItemFactory(organization=amr, materials=False, form_schema=FORM, form_ui={})
    citizens = [CitizenFactory() for _ in range(n_citizens)]
    clerks = [make_staff(amr, role_code="window_clerk") for _ in range(n_clerks)]
    api_user = make_staff(amr, role_code="window_clerk")
    _token, plaintext = api_token_create(
        actor=Actor.for_user(api_user), name="压力测试", scopes=["read", "services"]
    )

    started = time.perf_counter()
    bulk_applicant = CitizenFactory()  # not a client: its 我的办件 would hold every bulk row
    fill(item, bulk_applicant, args.rows)
    timings["fill_s"] = round(time.perf_counter() - started, 1)

    staff_uids = [
        str(uid)
        for uid in Application.objects.filter(organization=amr, process_instance_id__isnull=False)
        .values_list("uid", flat=True)
        .order_by("-id")[:500]
    ]
    if not guide_codes or not staff_uids:
        raise BenchError("the demo city has no published items or no handled applications in city-amr")
    world = World(
        item_code=item.implementation_code,
        guide_codes=guide_codes,
        citizens=[user.username for user in citizens],
        clerks=[user.username for user in clerks],
        password=PASSWORD,
        token=plaintext,
        staff_uids=staff_uids,
        counts={
            "applications": Application.objects.count(),
            "applications_city_amr": Application.objects.filter(organization=amr).count(),
            "service_items_current": ServiceItem.objects.filter(is_current=True).count(),
        },
    )
    from django.db import connection

    connection.close()
    started = time.perf_counter()
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://"), autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")  # as autovacuum leaves a table; not in the middle of the run
    timings["vacuum_s"] = round(time.perf_counter() - started, 1)
    return world, timings


# -- server and worker -------------------------------------------------------------------------


def start(command: list[str], env: dict[str, str], log) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", *command],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: stopped as a whole, nothing else
        cwd=ROOT,
    )


def stop(process: subprocess.Popen | None) -> None:
    if process is None or process.poll() is not None:
        return
    # Graceful: gunicorn's master stops its workers, the task worker finishes its task.
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=40)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def wait_ready(server: subprocess.Popen, port: int) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise BenchError(f"yiwang serve exited with {server.returncode} before answering /healthz")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/healthz", headers={"Host": f"{HOST}:{port}"})
            status = conn.getresponse().status
            conn.close()
            if status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)  # between attempts, bounded by the deadline
    raise BenchError(f"yiwang serve did not answer /healthz within {START_TIMEOUT:.0f} s")


# -- clients -----------------------------------------------------------------------------------


class RequestFailed(Exception):
    pass


class Client:
    """One connection with its cookies, behind an emulated TLS-terminating reverse proxy."""

    def __init__(self, port: int, address: str) -> None:
        self.port = port
        self.conn = http.client.HTTPConnection(HOST, port, timeout=REQUEST_TIMEOUT)
        self.cookies: dict[str, str] = {}
        self.proxy = {
            "Host": f"{HOST}:{port}",
            "X-Forwarded-Proto": "https",
            "X-Forwarded-For": address,
            "User-Agent": "yiwang-load/1",
        }
        self.origin = f"https://{HOST}:{port}"

    def request(
        self, method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        sent = {**self.proxy, **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{name}={value}" for name, value in self.cookies.items())
        try:
            self.conn.request(method, path, body=body, headers=sent)
            response = self.conn.getresponse()
            data = response.read()
        except (OSError, http.client.HTTPException):
            self.conn.close()  # the next request connects afresh
            raise
        for header in response.headers.get_all("Set-Cookie") or []:
            name, _, rest = header.partition("=")
            value = rest.split(";", 1)[0]
            if value in ("", '""') or "max-age=0" in header.lower():
                self.cookies.pop(name.strip(), None)
            else:
                self.cookies[name.strip()] = value
        return response.status, {k.lower(): v for k, v in response.getheaders()}, data

    def form_post(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        fields = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **fields}
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": self.origin,
                "Referer": self.origin + path,
            },
        )

    def login(self, username: str, password: str) -> None:
        status, _headers, page = self.request("GET", "/accounts/login/")
        found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or not found:
            raise BenchError(f"login page answered {status} without a CSRF token: {page[:300]!r}")
        status, _headers, page = self.form_post(
            "/accounts/login/",
            {"csrfmiddlewaretoken": found.group(1).decode(), "username": username, "password": password},
        )
        if status != 302 or "sessionid" not in self.cookies:
            raise BenchError(f"login of {username} answered {status}: {page[:300]!r}")


class Shared:
    """What clients hand each other: applications just submitted (for the clerks to accept) and
    applications with a workflow (for the clerks' and the API's detail pages)."""

    def __init__(self, staff_uids: list[str]) -> None:
        self.lock = threading.Lock()
        self.submitted: deque[str] = deque(maxlen=5000)
        self.known: deque[str] = deque(staff_uids, maxlen=2000)

    def add_submitted(self, uid: str) -> None:
        with self.lock:
            self.submitted.append(uid)
            self.known.append(uid)

    def take_submitted(self) -> str | None:
        with self.lock:
            return self.submitted.popleft() if self.submitted else None

    def any_known(self, rng: random.Random) -> str:
        with self.lock:
            return self.known[rng.randrange(len(self.known))]


@dataclass
class Recorder:
    """Per client: (route, start offset s, latency s) of each answered request, and errors."""

    samples: list[tuple[str, float, float]] = field(default_factory=list)
    errors: list[tuple[str, str]] = field(default_factory=list)


def timed(client: Client, recorder: Recorder, route: str, t0: float, call, check) -> Any:
    """Run one request (`call()` → (status, headers, body)); record its latency under `route`;
    `check` returns None when the answer is right, else the reason. Returns the answer or None."""
    started = time.perf_counter()
    try:
        answer = call()
    except Exception as exc:  # a timeout, a reset connection: an error of this route
        recorder.samples.append((route, started - t0, time.perf_counter() - started))
        recorder.errors.append((route, repr(exc)[:300]))
        return None
    recorder.samples.append((route, started - t0, time.perf_counter() - started))
    problem = check(*answer)
    if problem:
        recorder.errors.append((route, problem[:300]))
        return None
    return answer


def expect(status: int, *needles: bytes):
    def check(got: int, headers: dict[str, str], body: bytes) -> str | None:
        if got != status:
            return f"{got} (expected {status}): {body[:200].decode(errors='replace')}"
        for needle in needles:
            if needle not in body:
                return f"{got} without {needle.decode()!r}: {body[:200].decode(errors='replace')}"
        return None

    return check


def page_outcome(got: int, headers: dict[str, str], body: bytes) -> str | None:
    """The page a handling form redirects to: it must show the success message, not an error."""
    if got != 200:
        return f"{got} (expected 200)"
    if b'<li class="error">' in body or b'class="success"' not in body:
        found = re.search(rb'<li class="error">([^<]*)', body)
        return "the page shows an error: " + (
            found.group(1).decode(errors="replace") if found else "no success"
        )
    return None


def redirect_path(headers: dict[str, str]) -> str:
    location = headers.get("location", "")
    parts = urlsplit(location)
    return parts.path + (f"?{parts.query}" if parts.query else "")


# -- the three kinds of client ------------------------------------------------------------------


def citizen_action(client: Client, rng: random.Random, world: World, shared: Shared, own: list[str]):
    """One citizen action: (route, call, check) or a list of them for several requests."""
    choice = rng.choices(
        [
            "catalogue",
            "search",
            "guide",
            "apply_page",
            "my_applications",
            "my_application",
            "home",
            "submit",
            "healthz",
        ],
        weights=[12, 14, 20, 8, 10, 6, 6, 20, 4],
    )[0]
    if choice == "my_application" and not own:
        choice = "my_applications"
    if choice == "catalogue":
        return choice, lambda: client.request("GET", "/services/"), expect(200)
    if choice == "search":
        term = quote(rng.choice(SEARCH_TERMS))
        return choice, lambda: client.request("GET", f"/services/search?q={term}"), expect(200)
    if choice == "guide":
        code = rng.choice(world.guide_codes)
        return (
            choice,
            lambda: client.request("GET", f"/services/items/{code}/"),
            expect(200, "办事指南".encode()),
        )
    if choice == "apply_page":
        path = f"/services/items/{world.item_code}/apply/"
        return choice, lambda: client.request("GET", path), expect(200, b"operator_name")
    if choice == "my_applications":
        return choice, lambda: client.request("GET", "/services/applications/"), expect(200)
    if choice == "my_application":
        uid = rng.choice(own)
        return choice, lambda: client.request("GET", f"/services/applications/{uid}/"), expect(200)
    if choice == "home":
        return choice, lambda: client.request("GET", "/"), expect(200)
    if choice == "healthz":
        return choice, lambda: client.request("GET", "/healthz"), expect(200)

    def submit():
        body = {
            "item": world.item_code,
            "data": {"operator_name": "示范小吃店", "address": "中山路1号"},
            "idempotency_key": uuid.uuid4().hex,
        }
        headers = {
            "Content-Type": "application/json",
            "X-CSRFToken": client.cookies.get("csrftoken", ""),
            "Origin": client.origin,
        }
        answer = client.request(
            "POST", "/api/v1/services/applications", body=json.dumps(body).encode(), headers=headers
        )
        if answer[0] == 201:
            uid = json.loads(answer[2])["uid"]
            own.append(uid)
            shared.add_submitted(uid)
        return answer

    return "submit", submit, expect(201)


def clerk_action(client: Client, rng: random.Random, world: World, shared: Shared, own: list[str]):
    choice = rng.choices(
        ["inbox", "application_page", "accept", "note", "healthz"], weights=[30, 30, 18, 18, 4]
    )[0]
    if choice == "inbox":
        return choice, lambda: client.request("GET", "/services/staff/"), expect(200, "办件箱".encode())
    if choice == "healthz":
        return choice, lambda: client.request("GET", "/healthz"), expect(200)
    if choice == "application_page":
        page = f"/services/staff/applications/{shared.any_known(rng)}/"
        return choice, lambda: client.request("GET", page), expect(200, "办件办理".encode())
    uid = shared.take_submitted() if choice == "accept" else None
    if uid is not None:
        fields = {"op": "accept", "comment": "材料齐全，予以受理"}
    else:  # a note (also when no new application waits to be accepted)
        choice, uid = "note", shared.any_known(rng)
        fields = {"op": "note", "text": "已电话联系申请人核实经营场所"}
    page = f"/services/staff/applications/{uid}/"
    # The form's POST (302) and the browser following it to the page with the message.
    return [
        (choice, lambda: client.form_post(page + "act/", fields), expect(302)),
        (f"{choice}_result_page", lambda: client.request("GET", page), page_outcome),
    ]


def api_action(client: Client, rng: random.Random, world: World, shared: Shared, own: list[str]):
    choice = rng.choices(
        ["api_inbox", "api_application", "api_items_search", "api_item", "healthz"],
        weights=[30, 30, 18, 18, 4],
    )[0]
    bearer = {"Authorization": f"Bearer {world.token}", "Accept": "application/json"}
    if choice == "api_inbox":
        page = rng.randint(1, 5)
        path = f"/api/v1/services/staff/applications?page={page}"
        return choice, lambda: client.request("GET", path, headers=bearer), expect(200, b'"items"')
    if choice == "api_application":
        uid = shared.any_known(rng)
        path = f"/api/v1/services/staff/applications/{uid}"
        return choice, lambda: client.request("GET", path, headers=bearer), expect(200, b'"operations"')
    if choice == "api_items_search":
        path = f"/api/v1/services/items?q={quote(rng.choice(SEARCH_TERMS))}"
        return choice, lambda: client.request("GET", path, headers=bearer), expect(200, b'"items"')
    if choice == "api_item":
        path = f"/api/v1/services/items/{rng.choice(world.guide_codes)}"
        return choice, lambda: client.request("GET", path, headers=bearer), expect(200)
    return choice, lambda: client.request("GET", "/healthz"), expect(200)


KINDS = {"citizen": citizen_action, "clerk": clerk_action, "api": api_action}


def split(clients: int) -> dict[str, int]:
    """60 % citizens, 25 % window clerks, 15 % API clients (at least one of each from 3 clients)."""
    api = max(round(clients * 0.15), 1) if clients >= 3 else 0
    clerks = max(round(clients * 0.25), 1) if clients >= 2 else 0
    return {"citizen": clients - api - clerks, "clerk": clerks, "api": api}


def run_clients(
    clients: list[tuple[str, Client]], world: World, shared: Shared, seconds: float, seed: int
) -> tuple[list[Recorder], float]:
    """Every client runs its kind's actions back to back for `seconds`; their recorders and the
    wall time."""
    recorders = [Recorder() for _ in clients]
    owns: list[list[str]] = [[] for _ in clients]
    barrier = threading.Barrier(len(clients) + 1, timeout=60)
    state = {"t0": 0.0, "deadline": 0.0}
    stop = threading.Event()

    def loop(index: int, kind: str, client: Client) -> None:
        rng = random.Random(seed * 1000 + index)
        recorder, action = recorders[index], KINDS[kind]
        barrier.wait()
        while not stop.is_set() and time.perf_counter() < state["deadline"]:
            steps = action(client, rng, world, shared, owns[index])
            for route, call, check in steps if isinstance(steps, list) else [steps]:
                if timed(client, recorder, route, state["t0"], call, check) is None:
                    break  # the rest of a composed action depends on this step
            if len(recorder.errors) > 1000:  # something is badly wrong: bounded
                return

    threads = [
        threading.Thread(target=loop, args=(i, kind, client), daemon=True)
        for i, (kind, client) in enumerate(clients)
    ]
    for thread in threads:
        thread.start()
    state["t0"] = time.perf_counter()
    state["deadline"] = state["t0"] + seconds
    barrier.wait()
    for thread in threads:
        thread.join(timeout=seconds + REQUEST_TIMEOUT * 3)
    stop.set()
    wall = time.perf_counter() - state["t0"]
    if any(thread.is_alive() for thread in threads):
        raise BenchError("clients did not stop within their deadline")
    return recorders, wall


# -- measurement -------------------------------------------------------------------------------


def percentiles(latencies: list[float]) -> dict[str, Any]:
    if not latencies:
        return {"requests": 0}
    if len(latencies) == 1:
        value = round(latencies[0] * 1000, 1)
        return {"requests": 1, "p50_ms": value, "p95_ms": value, "p99_ms": value, "max_ms": value}
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return {
        "requests": len(latencies),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(cuts[94] * 1000, 1),
        "p99_ms": round(cuts[98] * 1000, 1),
        "max_ms": round(max(latencies) * 1000, 1),
    }


def report(recorders: list[Recorder], wall: float) -> dict[str, Any]:
    samples = [sample for recorder in recorders for sample in recorder.samples]
    errors = [error for recorder in recorders for error in recorder.errors]
    routes: dict[str, list[float]] = {}
    for route, _start, latency in samples:
        routes.setdefault(route, []).append(latency)
    error_counts: dict[str, int] = {}
    for route, _reason in errors:
        error_counts[route] = error_counts.get(route, 0) + 1
    per_route = {
        route: {
            **percentiles(values),
            "per_s": round(len(values) / wall, 2),
            "errors": error_counts.get(route, 0),
        }
        for route, values in sorted(routes.items())
    }
    windows = []
    count = max(round(wall / WINDOW_SECONDS), 1)  # the last window takes the run's last seconds too
    buckets: list[list[float]] = [[] for _ in range(count)]
    for _route, t, latency in samples:
        buckets[min(int(t // WINDOW_SECONDS), count - 1)].append(latency)
    for index, inside in enumerate(buckets):
        span = WINDOW_SECONDS if index < count - 1 else wall - index * WINDOW_SECONDS
        if inside:
            windows.append(
                {
                    "from_s": index * WINDOW_SECONDS,
                    "per_s": round(len(inside) / span, 1),
                    **percentiles(inside),
                }
            )
    overall = percentiles([latency for _route, _t, latency in samples])
    return {
        "seconds": round(wall, 1),
        "requests": len(samples),
        "per_s": round(len(samples) / wall, 1),
        "errors": len(errors),
        "overall": overall,
        "routes": per_route,
        "windows": windows,
        "error_samples": [f"{route}: {reason}" for route, reason in errors[:MAX_ERRORS_KEPT]],
    }


def floor(port: int, requests: int) -> dict[str, Any]:
    """/healthz from one client, the server otherwise idle: its fixed cost per request."""
    client = Client(port, "10.0.0.250")
    latencies = []
    for _ in range(requests):
        started = time.perf_counter()
        status, _headers, _body = client.request("GET", "/healthz")
        latencies.append(time.perf_counter() - started)
        if status != 200:
            raise BenchError(f"/healthz answered {status}")
    client.conn.close()
    return percentiles(latencies)


CLOCK = os.sysconf("SC_CLK_TCK")


def _cpu_ticks(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime + stime (fields 14 and 15)
    except (OSError, IndexError, ValueError):
        return 0


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            with contextlib.suppress(OSError):
                todo += [int(child) for child in task.read_text().split()]
    return found


def _database_backends() -> list[int]:
    """PostgreSQL backends serving this database (their process title names it)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            title = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            if title.startswith("postgres: ") and f" {DATABASE} " in title:
                pids.append(int(entry.name))
    return pids


class CpuSampler:
    """CPU time per tier over the measured run. PostgreSQL backends come and go (Django closes a
    persistent connection after DATABASE_CONN_MAX_AGE), so every tier's processes are sampled once a
    second: a process that ends between samples loses at most its last second."""

    PERIOD = 1.0

    def __init__(self, server: subprocess.Popen, worker: subprocess.Popen | None) -> None:
        self.server, self.worker = server, worker
        self.base: dict[str, dict[int, int]] = {}
        self.last: dict[str, dict[int, int]] = {}
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _groups(self) -> dict[str, list[int]]:
        return {
            "gunicorn": _descendants(self.server.pid),
            "postgresql": _database_backends(),
            "task_worker": _descendants(self.worker.pid) if self.worker is not None else [],
            "clients": [os.getpid()],
        }

    def _sample(self) -> None:
        for name, pids in self._groups().items():
            for pid in pids:
                ticks = _cpu_ticks(pid)
                if ticks:
                    self.last.setdefault(name, {})[pid] = ticks

    def _run(self) -> None:
        while not self.stop_event.wait(self.PERIOD):
            self._sample()

    def start(self) -> None:
        self._sample()
        self.base = {name: dict(pids) for name, pids in self.last.items()}
        self.machine = cpu_ticks()
        self.at = time.perf_counter()
        self.thread.start()

    def stop(self, requests: int) -> dict[str, Any]:
        self.stop_event.set()
        self.thread.join(timeout=10)
        self._sample()
        wall = time.perf_counter() - self.at
        machine = cpu_ticks()
        result: dict[str, Any] = {}
        for name in ("gunicorn", "postgresql", "task_worker", "clients"):
            base = self.base.get(name, {})
            # a process born during the run counts from its birth
            spent = sum(ticks - base.get(pid, 0) for pid, ticks in self.last.get(name, {}).items()) / CLOCK
            result[name] = {
                "cpu_s": round(spent, 1),
                "cores": round(spent / wall, 2),
                "ms_per_request": round(spent * 1000 / max(requests, 1), 2),
                "processes_seen": len(self.last.get(name, {})),
            }
        idle, total = machine[0] - self.machine[0], machine[1] - self.machine[1]
        result["machine_busy_cores"] = round((1 - idle / max(total, 1)) * (os.cpu_count() or 1), 2)
        ours = sum(value["cores"] for value in result.values() if isinstance(value, dict))
        result["everything_else_cores"] = round(result["machine_busy_cores"] - ours, 2)
        return result


def _rss_mb(pid: int) -> float:
    with contextlib.suppress(OSError), open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def server_processes(server: subprocess.Popen, worker: subprocess.Popen | None) -> dict[str, Any]:
    """The gunicorn master's workers and everyone's resident memory (after the warm-up)."""
    workers = _descendants(server.pid)[1:]
    options: dict[str, Any] = {}
    with contextlib.suppress(OSError, IndexError, ValueError):  # python -m yiwang.web.serving '<json>'
        options = json.loads(Path(f"/proc/{server.pid}/cmdline").read_bytes().split(b"\0")[3])
    return {
        "workers": len(workers),
        "worker_class": options.get("worker_class"),
        "threads": options.get("threads"),
        "timeout": options.get("timeout"),
        "master_rss_mb": round(_rss_mb(server.pid), 1),
        "worker_rss_mb": [round(_rss_mb(pid), 1) for pid in workers],
        "task_worker_rss_mb": round(_rss_mb(worker.pid), 1) if worker is not None else None,
    }


def audit_lag(since: float, until: float) -> dict[str, Any]:
    """Audit rows written during the run: how many, how many the sealer chained, and its lag."""
    import psycopg

    query = """
        SELECT count(*),
               count(sealed_at),
               percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM sealed_at - created_at)),
               percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM sealed_at - created_at)),
               max(extract(epoch FROM sealed_at - created_at))
        FROM core_auditevent WHERE created_at >= to_timestamp(%s) AND created_at < to_timestamp(%s)
    """
    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        written, sealed, p50, p99, worst = conn.execute(query, (since, until)).fetchone()
    return {
        "rows_written": written,
        "rows_written_per_s": round(written / max(until - since, 1e-9), 1),
        "sealed_when_measured": sealed,
        "lag_p50_s": round(float(p50), 2) if p50 is not None else None,
        "lag_p99_s": round(float(p99), 2) if p99 is not None else None,
        "lag_max_s": round(float(worst), 2) if worst is not None else None,
    }


def database_bytes() -> int:
    import psycopg

    with psycopg.connect(DATABASE_URL.replace("postgres://", "postgresql://")) as conn:
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])


def worker_throughput(count: int) -> dict[str, Any]:
    """`count` SMS tasks enqueued in one transaction; seconds until the worker sent them all."""
    from django.db import connection, transaction

    from yiwang.core.models import OutboundMessage
    from yiwang.core.tasks import send_outbound_message

    with transaction.atomic():
        messages = OutboundMessage.objects.bulk_create(
            [
                OutboundMessage(channel="sms", address="13800000000", title="压力测试", body="压力测试短信")
                for _ in range(count)
            ]
        )
        ids = [message.pk for message in messages]
        for message_id in ids:
            send_outbound_message.enqueue(message_id)
    started = time.perf_counter()
    deadline = time.monotonic() + max(120.0, count / 5)
    pending = count
    while pending and time.monotonic() < deadline:
        time.sleep(0.2)  # polling the outcome, bounded by the deadline
        pending = OutboundMessage.objects.filter(pk__in=ids, status=OutboundMessage.Status.PENDING).count()
    seconds = time.perf_counter() - started
    connection.close()
    return {
        "tasks": count,
        "done": count - pending,
        "seconds": round(seconds, 2),
        "tasks_per_s": round((count - pending) / seconds, 1),
    }


def git_head() -> str:
    """The checked-out commit, read from .git's files (no git command runs)."""
    with contextlib.suppress(OSError):
        head = (ROOT / ".git" / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head[:7]
        ref = head[5:]
        if (ROOT / ".git" / ref).exists():
            return (ROOT / ".git" / ref).read_text().strip()[:7]
        for line in (ROOT / ".git" / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line[:7]
    return ""


def provenance() -> dict[str, Any]:
    import gunicorn

    return {"git_head": git_head(), "gunicorn": gunicorn.__version__, "cpus": os.cpu_count()}


def _terminated(signum: int, frame: Any) -> None:
    raise SystemExit(f"load: stopped by signal {signum}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=float, default=300, help="seconds measured")
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--rows", type=int, default=100_000, help="applications bulk-loaded into the 办件箱")
    parser.add_argument("--warmup", type=float, default=20, help="seconds of load before measuring")
    parser.add_argument("--tasks", type=int, default=2000, help="SMS tasks for the worker's throughput")
    parser.add_argument("--workers", type=int, default=0, help="YIWANG_WORKERS (default: yiwang serve's)")
    parser.add_argument("--threads", type=int, default=0, help="YIWANG_THREADS (default: yiwang serve's)")
    parser.add_argument("--cache", choices=["redis", "local"], default="redis")
    parser.add_argument("--task-workers", type=int, default=1, choices=[0, 1, 2, 3, 4])
    parser.add_argument("--wait-idle", type=float, default=0, help="seconds to wait for an idle machine")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--keep-database", action="store_true")
    parser.add_argument("--quick", action="store_true", help="20 s measured on 10,000 rows (a smoke run)")
    args = parser.parse_args()
    if args.quick:
        args.duration, args.rows, args.warmup, args.tasks = 20, min(args.rows, 10_000), 5, 200
    if not 1 <= args.duration <= MAX_DURATION or not 0 <= args.warmup <= 600:
        parser.error(f"--duration 1..{MAX_DURATION}, --warmup 0..600")
    if not 3 <= args.clients <= MAX_CLIENTS:
        parser.error(f"--clients 3..{MAX_CLIENTS}")
    if not 0 <= args.rows <= 5_000_000 or not 0 <= args.tasks <= 100_000 or not 0 <= args.wait_idle <= 3600:
        parser.error("--rows ≤ 5000000, --tasks ≤ 100000, --wait-idle ≤ 3600")

    signal.signal(signal.SIGTERM, _terminated)  # `kill` too runs the finally that stops everything
    kinds = split(args.clients)
    result: dict[str, Any] = {
        "benchmark": "load",
        "profile": {
            "settings": SETTINGS,
            "database": "postgresql",
            "cache": args.cache,
            "task_workers": args.task_workers,
        },
        "clients": {"total": args.clients, **kinds},
        "duration_s": args.duration,
        "rows": args.rows,
        **provenance(),
    }
    data_dir = tempfile.mkdtemp(prefix="yiwang-load-")
    prefix = f"yiwang-load-{os.getpid()}"
    port = free_port()
    env = production_environment(data_dir, port, args, prefix)
    server = worker = None
    extra_workers: list[subprocess.Popen] = []
    logs = []
    try:
        if args.cache == "redis":
            check_redis()
        create_database()
        world, result["setup"] = setup(env, args, kinds["citizen"], kinds["clerk"])
        result["data"] = world.counts
        server_log = open(Path(data_dir) / "server.log", "wb")  # noqa: SIM115 — closed in finally
        logs.append(server_log)
        server = start(["serve"], env, server_log)
        wait_ready(server, port)
        if args.task_workers:
            worker_log = open(Path(data_dir) / "worker.log", "wb")  # noqa: SIM115
            logs.append(worker_log)
            worker = start(["worker", "--no-reload"], env, worker_log)
            extra_workers = [
                start(["worker", "--no-reload"], env, worker_log) for _ in range(args.task_workers - 1)
            ]
        result["cpu_idle_before"] = wait_idle(args.wait_idle)
        result["loadavg_before"] = [round(value, 2) for value in os.getloadavg()]

        clients: list[tuple[str, Client]] = []
        users = {"citizen": iter(world.citizens), "clerk": iter(world.clerks)}
        for kind, count in kinds.items():
            for _ in range(count):
                client = Client(port, f"10.0.{len(clients) // 250}.{len(clients) % 250 + 1}")
                if kind in users:
                    client.login(next(users[kind]), world.password)
                else:
                    client.request("GET", "/healthz")
                clients.append((kind, client))
        shared = Shared(world.staff_uids)
        if args.warmup:
            recorders, wall = run_clients(clients, world, shared, args.warmup, args.seed + 1)
            warm = report(recorders, wall)
            result["warmup"] = {
                key: warm[key] for key in ("seconds", "requests", "per_s", "errors", "overall")
            }
        # The floor: /healthz from one client, the warmed-up server otherwise idle.
        result["floor_healthz_one_client"] = floor(port, FLOOR_REQUESTS)
        result["server"] = {"command": "yiwang serve", **server_processes(server, worker)}
        size_before = database_bytes()
        sampler = CpuSampler(server, worker)
        sampler.start()
        since = time.time()
        recorders, wall = run_clients(clients, world, shared, args.duration, args.seed)
        until = time.time()
        requests = sum(len(recorder.samples) for recorder in recorders)
        result["cpu"] = sampler.stop(requests)
        result["cpu_idle_after"] = round(cpu_idle(), 3)
        result["loadavg_after"] = [round(value, 2) for value in os.getloadavg()]
        result["load"] = report(recorders, wall)
        submitted = result["load"]["routes"].get("submit", {}).get("requests", 0)
        growth = database_bytes() - size_before
        result["database_growth"] = {
            "bytes": growth,
            "per_submission_kb": round(growth / 1024 / max(submitted, 1), 1),
            "note": "everything the run wrote (applications, workflow, audit, notes, sessions) per submission",
        }
        if args.task_workers:
            time.sleep(min(15.0, 3 * 5))  # the sealer runs every 5 s: let it catch up before reading
            result["audit"] = audit_lag(since, until)
            result["task_worker"] = worker_throughput(args.tasks) if args.tasks else None
        for _kind, client in clients:
            client.conn.close()
        if server.poll() is not None:
            raise BenchError(f"yiwang serve exited with {server.returncode} during the run")
    except BenchError as exc:
        log_path = Path(data_dir) / "server.log"
        if log_path.exists():
            sys.stderr.write(log_path.read_text(errors="replace")[-3000:])
        raise SystemExit(f"load: {exc.code}") from None
    finally:
        for process in [*extra_workers, worker, server]:
            stop(process)
        for log in logs:
            log.close()
        if args.cache == "redis":
            with contextlib.suppress(Exception):
                clear_redis(prefix)
        if not args.keep_database:
            with contextlib.suppress(Exception):
                from django.db import connections

                connections.close_all()
            with contextlib.suppress(Exception):  # never hide why the run stopped
                drop_database()
        shutil.rmtree(data_dir, ignore_errors=True)

    load = result["load"]
    result["targets"] = {"errors": TARGET_ERRORS, "p99_ms": TARGET_P99_MS}
    result["errors_ok"] = load["errors"] <= TARGET_ERRORS
    result["p99_ok"] = load["overall"]["p99_ms"] < TARGET_P99_MS
    result["worst_route_p99_ms"] = max(
        route["p99_ms"] for route in load["routes"].values() if route["requests"]
    )
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
