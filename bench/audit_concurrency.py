"""Benchmark: audited writes from 1, 4 and 8 concurrent clients on PostgreSQL and sealing lag (issue 11 §3).

    .venv/bin/python bench/audit_concurrency.py [--seconds 10] [--clients 1,4,8] [--seal-interval 1.0]
                                                [--backlog 20000] [--wait-idle 0]

Target: throughput of audited writes grows with the number of clients — ≥ 2.5× from 1 to 8 clients
(`scaling_ok`) — now that `core.audit.audit_record` is one signed INSERT without a lock and only the
sealer (`audit_seal`) locks the chain head (decision 0010).

1. Setup (this process): drop and create the `yiwang_bench_audit` database, migrate, create one
   `core.Dictionary` row per client (its own row: clients never wait for one another on the domain
   write) and the chain head.
2. Clients: one OS process per client (multiprocessing, spawn; each calls `django.setup()` and keeps
   its own PostgreSQL connection), started once and reused for every measurement. Each transaction is
   what an audited action does: `with transaction.atomic():` UPDATE the client's own dictionary row,
   then `audit_record(...)` (one INSERT), then COMMIT — every transaction pays PostgreSQL's WAL flush
   (`synchronous_commit` is left as the server has it). All clients start at one instant (a start
   time on the shared monotonic clock) and loop for `--seconds`; throughput = committed transactions
   / (last end − first start).
3. New design (what the platform does): the loop above, while one more process runs the sealer as
   the worker does: `audit_seal()`, then sleep `--seal-interval` s, until every row written in the
   run is sealed. Sealing lag per row written in the run = `sealed_at − created_at` (p50, p99, max).
4. Floor measured in the same run — the OLD design emulated: the same loop, but each transaction
   also takes `SELECT … FOR UPDATE` on the chain head row (pk=1) after its domain write and before
   the audit INSERT, held until COMMIT, as the old `audit_record` did: one platform-wide lock, so all
   writers commit one after another. (The old trigger's UPDATE of the head row is not emulated: the
   floor is, if anything, generous to the old design.) No sealer runs; the rows are sealed after.
   For each client count the new design runs first, then the old.
5. Information: the new design at the most clients once more with the sealer paused (its rows
   sealed after), to show what the sealer's own CPU takes from the writers on these 2 cores.
6. Sealer throughput: `--backlog` rows written by `audit_record` in transactions of 500 by the
   client processes (no sealer running), then one `audit_seal()` in this process, timed.
7. `verify_chain_report()` over the whole table: a benchmark that broke the chain says so.

CPU accounting, to tell the database's waits from the 2 cores' limit: each client reports the CPU
seconds of its own process and of its PostgreSQL backend (`/proc/<pid>/stat`, same machine); this
process reads the sealer's and its backend's, the whole machine's busy cores (`/proc/stat`) and
names the busiest processes that were not ours (`everything_else`: someone else's tests on the
shared machine make a run worthless — `--wait-idle` waits for quiet first). `cpu_ceiling` turns the
CPU per transaction into the most the cores can commit per second, with and without the sealer's
CPU per row, over the 1-client rate. The sealer's `unsealed_when_writes_stopped` and
`sealed_during_run_per_s` say whether it kept up with the writers.

Prints one JSON object. Only 127.0.0.1; every run, wait and queue read is bounded.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import sys
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

from bench.machine import cpu_ticks, wait_idle  # noqa: E402  (the path above first)

DATABASE = "yiwang_bench_audit"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
DATABASE_URL = f"postgres://postgres@127.0.0.1:5432/{DATABASE}"
TARGET_SCALING = 2.5
WARMUP = 20  # untimed transactions per client (and per design) before the first measurement
START_DELAY = 0.5  # seconds between sending "run" and the common start instant
BACKLOG_CHUNK = 500  # audit rows per transaction when building the sealer's backlog
NEW, OLD = "new", "old_emulated"


def _environment() -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.config.settings.test"
    os.environ["TEST_DATABASE_URL"] = DATABASE_URL


def _django() -> None:
    _environment()
    import django

    django.setup()


def _proc_cpu(pid: int | None) -> float | None:
    """CPU seconds (user + system) a process has used so far, or None if /proc does not show it."""
    if pid is None:
        return None
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _all_cpu() -> dict[int, tuple[float, str]]:
    """CPU seconds so far and command name of every process /proc shows."""
    ticks = os.sysconf("SC_CLK_TCK")
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            name, _, rest = (entry / "stat").read_text().partition(" (")[2].rpartition(")")
            fields = rest.split()
            found[int(entry.name)] = ((int(fields[11]) + int(fields[12])) / ticks, name)
        except (OSError, IndexError, ValueError):  # gone meanwhile
            continue
    return found


def _others(before: dict[int, tuple[float, str]], seconds: float, ours: set[int]) -> list[str]:
    """The three processes not ours that used the most CPU since `before`, as "name pid: cores"."""
    used = []
    for pid, (cpu, name) in _all_cpu().items():
        if pid in ours:
            continue
        delta = cpu - before.get(pid, (0.0, name))[0]
        if delta > 0.02 * seconds:
            used.append((delta / seconds, f"{name} {pid}"))
    return [f"{who}: {cores:.2f}" for cores, who in sorted(used, reverse=True)[:3]]


def _backend_pid() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return int(cursor.fetchone()[0])


# --- the client process ---------------------------------------------------------------------------


def _client(index: int, commands: Any, results: Any) -> None:
    """One client: waits for commands, runs its loop, reports. Any failure is reported, not hidden."""
    try:
        _client_loop(index, commands, results)
    except BaseException as error:
        results.put(("error", index, f"{type(error).__name__}: {error}"))
        raise


def _client_loop(index: int, commands: Any, results: Any) -> None:
    _django()
    from django.db import transaction
    from django.utils import timezone

    from yiwang.core.audit import HEAD_PK, audit_record
    from yiwang.core.models import AuditChainHead, Dictionary

    dictionary = Dictionary.objects.get(code=f"bench-audit-{index}")
    actor = SimpleNamespace(user=None, label=f"压测客户端{index}", ip_address="127.0.0.1")
    head = (
        AuditChainHead.objects.select_for_update()
        .filter(pk=HEAD_PK)
        .values_list("last_sequence", "last_hash")
    )
    rows = Dictionary.objects.filter(pk=dictionary.pk)

    def one(mode: str, n: int) -> int:
        description = f"第 {n} 次修改（客户端 {index}）"
        with transaction.atomic():
            rows.update(description=description, updated_at=timezone.now())
            if mode == OLD:  # the old audit_record: lock the head, then insert, hold it to COMMIT
                head.first()
            event = audit_record(
                actor=actor,
                action="core.dictionary.update",
                obj=dictionary,
                summary="修改字典说明",
                data={"description": description, "n": n},
            )
        return event.pk

    backend = _backend_pid()
    for n in range(WARMUP):
        one(NEW, n)
        one(OLD, n)
    results.put(("ready", index, {"backend": backend}))
    while True:
        command = commands.get()
        if command[0] == "stop":
            return
        if command[0] == "backlog":
            count = command[1]
            while count > 0:
                with transaction.atomic():
                    for n in range(min(count, BACKLOG_CHUNK)):
                        audit_record(actor=actor, action="bench.backlog", summary="积压", data={"n": n})
                count -= BACKLOG_CHUNK
            results.put(("backlog", index, None))
            continue
        _, mode, start_at, seconds = command
        latencies: list[float] = []
        first_id = last_id = None
        cpu, cpu_db = time.process_time(), _proc_cpu(backend)
        time.sleep(max(0.0, start_at - time.monotonic()))
        started = time.monotonic()
        end = started + seconds
        now = started
        n = 0
        while now < end:
            n += 1
            event_id = one(mode, n)
            done = time.monotonic()
            latencies.append(done - now)
            first_id = event_id if first_id is None else min(first_id, event_id)
            last_id = event_id if last_id is None else max(last_id, event_id)
            now = done
        cpu_db_after = _proc_cpu(backend)
        report = {
            "committed": len(latencies),
            "started": started,
            "ended": now,
            "latencies": latencies,
            "first_id": first_id,
            "last_id": last_id,
            "cpu_client_s": time.process_time() - cpu,
            "cpu_backend_s": None if cpu_db is None or cpu_db_after is None else cpu_db_after - cpu_db,
        }
        results.put(("done", index, report))


# --- the sealer process ---------------------------------------------------------------------------


def _sealer(commands: Any, results: Any, stop: Any) -> None:
    try:
        _sealer_loop(commands, results, stop)
    except BaseException as error:
        results.put(("error", "sealer", f"{type(error).__name__}: {error}"))
        raise


def _sealer_loop(commands: Any, results: Any, stop: Any) -> None:
    """As the worker does: seal, sleep the interval, again — until told to stop."""
    _django()
    from yiwang.core.audit import audit_seal

    backend = _backend_pid()
    results.put(("ready", "sealer", {"backend": backend, "sealer": True}))
    while True:
        command = commands.get()
        if command[0] == "stop":
            return
        interval = command[1]
        passes = sealed = 0
        busy = 0.0
        cpu, cpu_db = time.process_time(), _proc_cpu(backend)
        while not stop.is_set():
            started = time.monotonic()
            sealed += audit_seal()
            busy += time.monotonic() - started
            passes += 1
            stop.wait(interval)
        cpu_db_after = _proc_cpu(backend)
        report = {
            "passes": passes,
            "rows_sealed": sealed,
            "busy_s": round(busy, 3),
            "cpu_s": round(time.process_time() - cpu, 3),
            "cpu_backend_s": None
            if cpu_db is None or cpu_db_after is None
            else round(cpu_db_after - cpu_db, 3),
        }
        results.put(("sealer", "sealer", report))


# --- this process ---------------------------------------------------------------------------------


def configure() -> None:
    import psycopg

    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DATABASE}")
        conn.execute(f"CREATE DATABASE {DATABASE}")
    _django()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world(clients: int) -> None:
    from yiwang.core.audit import HEAD_PK
    from yiwang.core.models import AuditChainHead, Dictionary

    AuditChainHead.objects.get_or_create(pk=HEAD_PK)
    for index in range(clients):
        Dictionary.objects.create(code=f"bench-audit-{index}", name=f"压测字典{index}", description="")


def server_settings() -> dict[str, str]:
    from django.db import connection

    names = [
        "server_version",
        "synchronous_commit",
        "fsync",
        "wal_sync_method",
        "commit_delay",
        "max_connections",
    ]
    with connection.cursor() as cursor:
        cursor.execute("SELECT name, setting FROM pg_settings WHERE name = ANY(%s) ORDER BY name", [names])
        return dict(cursor.fetchall())


class Pool:
    """The client processes and the sealer process, started once."""

    def __init__(self, clients: int) -> None:
        context = mp.get_context("spawn")
        self.results = context.Queue()
        self.commands = [context.Queue() for _ in range(clients)]
        self.sealer_commands = context.Queue()
        self.stop = context.Event()
        self.processes = [
            context.Process(target=_client, args=(i, self.commands[i], self.results), daemon=True)
            for i in range(clients)
        ]
        self.processes.append(
            context.Process(target=_sealer, args=(self.sealer_commands, self.results, self.stop), daemon=True)
        )
        for process in self.processes:
            process.start()
        ready = self.collect("ready", clients + 1, timeout=180)
        # The sealer's process and its PostgreSQL backend, whose CPU this process reads during a run.
        self.sealer_pids = [self.processes[-1].pid, next(r for r in ready if r.get("sealer"))["backend"]]
        # Every process of ours, so that a run can name the processes that were not.
        self.ours = {
            os.getpid(),
            _backend_pid(),
            *(p.pid for p in self.processes),
            *(r["backend"] for r in ready),
        }

    def sealer_cpu(self) -> float | None:
        seconds = [_proc_cpu(pid) for pid in self.sealer_pids]
        return None if None in seconds else sum(s for s in seconds if s is not None)

    def collect(self, kind: str, count: int, *, timeout: float) -> list[Any]:
        deadline = time.monotonic() + timeout
        got = []
        while len(got) < count:
            left = deadline - time.monotonic()
            if left <= 0:
                raise SystemExit(f"timed out waiting for {count - len(got)} '{kind}' answers")
            message = self.results.get(timeout=left)
            if message[0] == "error":
                raise SystemExit(f"process {message[1]} failed: {message[2]}")
            if message[0] != kind:
                raise SystemExit(f"expected '{kind}', got {message[:2]}")
            got.append(message[2])
        return got

    def close(self) -> None:
        for queue in [*self.commands, self.sealer_commands]:
            queue.put(("stop",))
        for process in self.processes:
            process.join(timeout=10)
            if process.is_alive():
                process.terminate()


def percentile(sorted_values: list[float], fraction: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(fraction * len(sorted_values)))]


def unsealed_up_to(last_id: int) -> int:
    from yiwang.core.models import AuditEvent

    return AuditEvent.objects.filter(sequence__isnull=True, id__lte=last_id).count()


def sealing_lag(first_id: int, last_id: int) -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), count(sealed_at), percentile_cont(0.5) WITHIN GROUP (ORDER BY lag), "
            "percentile_cont(0.99) WITHIN GROUP (ORDER BY lag), max(lag) "
            "FROM (SELECT sealed_at, extract(epoch FROM sealed_at - created_at) * 1000 AS lag "
            "FROM core_auditevent WHERE id BETWEEN %s AND %s) AS rows",
            [first_id, last_id],
        )
        rows, sealed, p50, p99, worst = cursor.fetchone()
    return {
        "rows": rows,
        "sealed": sealed,
        "p50_ms": round(float(p50), 1),
        "p99_ms": round(float(p99), 1),
        "max_ms": round(float(worst), 1),
    }


def run(
    pool: Pool, mode: str, clients: int, seconds: float, seal_interval: float, *, sealer: bool
) -> dict[str, Any]:
    from yiwang.core.audit import audit_seal

    if sealer:
        pool.stop.clear()
        pool.sealer_commands.put(("run", seal_interval))
    load = os.getloadavg()[0]
    idle, total = cpu_ticks()
    sealer_cpu = pool.sealer_cpu()
    everyone = _all_cpu()
    start_at = time.monotonic() + START_DELAY
    for index in range(clients):
        pool.commands[index].put(("run", mode, start_at, seconds))
    reports = pool.collect("done", clients, timeout=seconds + 120)
    idle_after, total_after = cpu_ticks()
    busy, busy_after = total - idle, total_after - idle_after
    sealer_cpu_after = pool.sealer_cpu()
    elsewhere = _others(everyone, time.monotonic() - start_at + START_DELAY, pool.ours)
    behind = unsealed_up_to(max(r["last_id"] for r in reports)) if sealer else None
    started = min(r["started"] for r in reports)
    ended = max(r["ended"] for r in reports)
    elapsed = ended - started
    committed = sum(r["committed"] for r in reports)
    latencies = sorted(x for r in reports for x in r["latencies"])
    first_id = min(r["first_id"] for r in reports)
    last_id = max(r["last_id"] for r in reports)
    cpu_clients = sum(r["cpu_client_s"] for r in reports)
    backends = [r["cpu_backend_s"] for r in reports]
    cpu_backends = None if None in backends else sum(backends)
    # The share of the machine that was busy (every process, ours or not), in cores: 2.0 is all of it.
    cores = (os.cpu_count() or 1) * (busy_after - busy) / max(total_after - total, 1)
    result: dict[str, Any] = {
        "clients": clients,
        "committed": committed,
        "elapsed_s": round(elapsed, 2),
        "tx_per_s": round(committed / elapsed, 1),
        "latency_p50_ms": round(percentile(latencies, 0.5) * 1000, 2),
        "latency_p99_ms": round(percentile(latencies, 0.99) * 1000, 2),
        "per_client_min_max": [min(r["committed"] for r in reports), max(r["committed"] for r in reports)],
        "cpu_ms_per_tx": {
            "client": round(cpu_clients * 1000 / committed, 3),
            "postgres_backend": None if cpu_backends is None else round(cpu_backends * 1000 / committed, 3),
        },
        "cores_busy": {
            "clients_and_their_backends": None
            if cpu_backends is None
            else round((cpu_clients + cpu_backends) / elapsed, 2),
            "whole_machine": round(cores, 2),
        },
        "loadavg_1m_before": round(load, 2),
    }
    if sealer:
        # The worker goes on sealing after the writes stop: wait for it to seal every row of the run.
        deadline = time.monotonic() + 3 * seal_interval + 60
        while unsealed_up_to(last_id) and time.monotonic() < deadline:
            time.sleep(0.05)
        pool.stop.set()
        report = pool.collect("sealer", 1, timeout=120)[0]
        cpu_sealer = report["cpu_s"] + (report["cpu_backend_s"] or 0.0)
        report["cpu_ms_per_row"] = round(cpu_sealer * 1000 / max(report["rows_sealed"], 1), 3)
        # Rows still waiting when the writes stopped: a sealer that keeps up leaves about one interval's.
        report["unsealed_when_writes_stopped"] = behind
        if behind is not None:  # rows sealed while the clients ran, per second, against tx_per_s
            report["sealed_during_run_per_s"] = round((committed - behind) / elapsed, 1)
        result["sealer"] = report
        if sealer_cpu is not None and sealer_cpu_after is not None:  # its share while the clients ran
            result["cores_busy"]["sealer_and_its_backend"] = round(
                (sealer_cpu_after - sealer_cpu) / elapsed, 2
            )
    ours = result["cores_busy"]["clients_and_their_backends"]
    if ours is not None:  # anything else: PostgreSQL's own processes, the kernel, other people's work
        ours += result["cores_busy"].get("sealer_and_its_backend", 0.0)
        result["cores_busy"]["everything_else"] = round(max(cores - ours, 0.0), 2)
    result["cores_busy"]["busiest_other_processes"] = elsewhere
    result["sealed_after_run"] = audit_seal()  # rows no sealer ran for (with a sealer: 0)
    if sealer:
        result["sealing_lag"] = sealing_lag(first_id, last_id)
    return result


def seal_throughput(pool: Pool, backlog: int) -> dict[str, Any]:
    from yiwang.core.audit import audit_seal

    clients = len(pool.commands)
    share = [backlog // clients + (1 if i < backlog % clients else 0) for i in range(clients)]
    started = time.monotonic()
    for index, count in enumerate(share):
        pool.commands[index].put(("backlog", count))
    pool.collect("backlog", clients, timeout=300)
    written = time.monotonic() - started
    started = time.perf_counter()
    sealed = audit_seal()
    seconds = time.perf_counter() - started
    return {
        "backlog_rows": backlog,
        "backlog_written_s": round(written, 2),
        "rows_sealed": sealed,
        "seal_s": round(seconds, 3),
        "rows_per_s": round(sealed / seconds, 1),
    }


def chain() -> dict[str, Any]:
    from yiwang.core.audit import verify_chain_report
    from yiwang.core.models import AuditEvent

    started = time.perf_counter()
    report = verify_chain_report()
    return {
        "chain_ok": report.ok,
        "checked": report.checked,
        "rows_in_table": AuditEvent.objects.count(),
        "head_sequence": report.head_sequence,
        "pending": report.pending,
        "problems": [str(p) for p in report.problems[:5]],
        "verify_s": round(time.perf_counter() - started, 2),
    }


def cpu_ceiling(low: dict[str, Any], high: dict[str, Any], cpus: int) -> dict[str, Any] | None:
    """What the cores allow, from the CPU the runs used: the 1-client run's busy cores bound the
    scaling even if nothing got dearer; the most-clients run's CPU per transaction (clients and
    backends; and with the sealer's CPU per row, if it is to keep up) gives the most the cores can
    commit per second."""
    cost = high["cpu_ms_per_tx"]
    if cost["postgres_backend"] is None:
        return None
    writers = cost["client"] + cost["postgres_backend"]
    with_sealer = writers + high["sealer"]["cpu_ms_per_row"]
    most, sustained = cpus * 1000 / writers, cpus * 1000 / with_sealer
    one = low["cores_busy"]["clients_and_their_backends"]
    return {
        "one_client_cores_busy": one,
        "bound_if_nothing_got_dearer": round(cpus / one, 2),
        "writers_cpu_ms_per_tx": round(writers, 3),
        "max_tx_per_s_writers_only": round(most, 1),
        "writers_only_over_one_client": round(most / low["tx_per_s"], 2),
        "sealer_cpu_ms_per_row": high["sealer"]["cpu_ms_per_row"],
        "max_tx_per_s_with_sealer_keeping_up": round(sustained, 1),
        "with_sealer_over_one_client": round(sustained / low["tx_per_s"], 2),
    }


def ratio(numerator: float, denominator: float) -> float:
    return round(numerator / denominator, 2)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=10.0, help="length of each measured run")
    parser.add_argument("--clients", default="1,4,8", help="client counts, comma-separated")
    parser.add_argument("--seal-interval", type=float, default=1.0, help="the sealer's sleep between passes")
    parser.add_argument("--backlog", type=int, default=20_000, help="rows for the sealer-throughput test")
    parser.add_argument(
        "--wait-idle", type=float, default=0, help="seconds to wait for an idle machine before measuring"
    )
    args = parser.parse_args()
    counts = [int(c) for c in args.clients.split(",")]
    if not counts or min(counts) < 1 or args.seconds <= 0 or args.seconds > 120:
        raise SystemExit("--clients: positive integers; --seconds: 0 < s ≤ 120")
    if not 0 <= args.wait_idle <= 3600:
        raise SystemExit("--wait-idle: 0 to 3600 seconds")

    begun = time.monotonic()
    configure()
    world(max(counts))
    from yiwang.core.audit import audit_seal

    result: dict[str, Any] = {
        "benchmark": "audit_concurrency",
        "database": "postgresql",
        "server": server_settings(),
        "cpus": os.cpu_count(),
        "seconds_per_run": args.seconds,
        "seal_interval_s": args.seal_interval,
        "transaction": "BEGIN; UPDATE the client's own core_dictionary row; audit_record(...) ; COMMIT",
    }
    pool = Pool(max(counts))
    try:
        audit_seal()  # the warm-up rows
        result["cpu_idle_before"] = wait_idle(args.wait_idle)
        new: dict[str, Any] = {}
        old: dict[str, Any] = {
            "what": "EMULATED OLD DESIGN (floor): each transaction also takes SELECT … FOR UPDATE on "
            "core_auditchainhead pk=1 before its audit INSERT and holds it to COMMIT; no sealer"
        }
        for clients in counts:
            new[str(clients)] = run(pool, NEW, clients, args.seconds, args.seal_interval, sealer=True)
            old[str(clients)] = run(pool, OLD, clients, args.seconds, args.seal_interval, sealer=False)
        result["new_design"] = new
        result["old_design_emulated"] = old
        # Information: what the sealer's CPU costs the writers when the cores are the limit.
        paused = run(pool, NEW, max(counts), args.seconds, args.seal_interval, sealer=False)
        result["new_design_sealer_paused"] = {
            "what": "information only: the new design at the most clients with no sealer running "
            "(rows sealed after the run)",
            str(max(counts)): paused,
        }
        result["seal_throughput"] = seal_throughput(pool, args.backlog)
    finally:
        pool.close()

    low, high = str(min(counts)), str(max(counts))
    scaling: dict[str, Any] = {}
    for name, runs in (("new_design", new), ("old_design_emulated", old)):
        scaling[name] = {
            f"{c}/{low}": ratio(runs[str(c)]["tx_per_s"], runs[low]["tx_per_s"])
            for c in counts
            if str(c) != low
        }
    scaling["target_8_over_1"] = TARGET_SCALING
    scaling["scaling_ok"] = ratio(new[high]["tx_per_s"], new[low]["tx_per_s"]) >= TARGET_SCALING
    scaling["new_over_old"] = {
        str(c): ratio(new[str(c)]["tx_per_s"], old[str(c)]["tx_per_s"]) for c in counts
    }
    result["scaling"] = scaling
    # Work that was not ours during the runs (PostgreSQL's own processes, the kernel, anyone else's
    # tests): more than a few tenths of a core means the run was shared and its numbers are low.
    others = [
        r["cores_busy"].get("everything_else")
        for runs in (new, old, result["new_design_sealer_paused"])
        for key, r in runs.items()
        if key != "what"
    ]
    result["everything_else_max_cores"] = max((o for o in others if o is not None), default=None)
    result["cpu_ceiling"] = cpu_ceiling(new[low], new[high], os.cpu_count() or 1)
    lags = [new[str(c)]["sealing_lag"] for c in counts]
    result["sealing_lag_ms_worst_run"] = {
        "p50": max(lag["p50_ms"] for lag in lags),
        "p99": max(lag["p99_ms"] for lag in lags),
        "max": max(lag["max_ms"] for lag in lags),
    }
    result.update(chain())
    result["total_s"] = round(time.monotonic() - begun, 1)
    print(json.dumps(result, ensure_ascii=False, indent=2))
    if not result["chain_ok"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
