"""Benchmark: 一网通办 submission throughput and the staff inbox at scale.

    .venv/bin/python bench/applications.py --database sqlite [--submissions 300] [--rows 1000000]
    .venv/bin/python bench/applications.py --database postgresql

1. End-to-end submission (POST /api/v1/services/applications: auth, schema and form validation,
   numbering, workflow start with SLA on the working-day calendar, audit) against a bare insert
   endpoint measured in the same run — target ≥ 40 % of its throughput.
2. The staff inbox (`services.selectors.handling.staff_inbox_page`, the first page as the 办件箱
   shows it) over `--rows` applications — target p50 ≤ 50 ms and ≤ 3× the hand-written SQL using the
   same index.

Prints one JSON object. Requests go through Django's test client in-process (no network), the
same way for both sides, so the ratio compares the application code, not the HTTP server.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT))

FORM = {
    "type": "object",
    "properties": {
        "operator_name": {"type": "string", "title": "经营者名称", "minLength": 1, "maxLength": 100},
        "address": {"type": "string", "title": "经营场所", "minLength": 1, "maxLength": 200},
    },
    "required": ["operator_name", "address"],
}


def configure(database: str) -> None:
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiwang.config.settings.test"
    if database == "postgresql":
        import psycopg

        with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as conn:
            conn.execute("DROP DATABASE IF EXISTS yiwang_bench")
            conn.execute("CREATE DATABASE yiwang_bench")
        os.environ["TEST_DATABASE_URL"] = "postgres://postgres@127.0.0.1:5432/yiwang_bench"
    else:
        os.environ.pop("TEST_DATABASE_URL", None)
        os.environ["YIWANG_DATA_DIR"] = tempfile.mkdtemp(prefix="yiwang-bench-")
    import django
    from django.conf import settings

    django.setup()
    settings.ROOT_URLCONF = "bench.bench_urls"
    settings.ALLOWED_HOSTS = ["*"]
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def world():
    from yiwang.identity.actor import Actor
    from yiwang.identity.tests.factories import CitizenFactory, make_staff
    from yiwang.services.tests.factories import ServiceItemFactory
    from yiwang.workflow.actions import definitions_load

    definitions_load(actor=Actor.system())
    item = ServiceItemFactory(materials=False, form_schema=FORM, form_ui={})
    citizen = CitizenFactory()
    clerk = make_staff(item.organization, role_code="window_clerk")
    return item, citizen, clerk


def post_many(client, url: str, item, count: int) -> float:
    """POST `count` new submissions to `url`; the seconds it took."""
    started = time.perf_counter()
    for _ in range(count):
        body = {
            "item": item.implementation_code,
            "data": {"operator_name": "示范小吃店", "address": "中山路1号"},
            "idempotency_key": uuid.uuid4().hex,
        }
        response = client.post(url, data=json.dumps(body), content_type="application/json")
        if response.status_code != 201:
            raise SystemExit(f"{url} answered {response.status_code}: {response.content[:300]!r}")
    return time.perf_counter() - started


BATCH = 10


def submissions(item, citizen, count: int) -> dict:
    """Both endpoints in alternating batches of ten, so that both see the same machine: a drift of
    the 2-core machine's speed during the run (other processes, frequency) cancels out."""
    from django.test import Client

    client = Client()
    client.force_login(citizen)
    urls = {"bare": "/bench/bare-insert", "submit": "/api/v1/services/applications"}
    for url in urls.values():  # warm up both paths (caches: calendar, content types, actor, item)
        post_many(client, url, item, 20)
    seconds = dict.fromkeys(urls, 0.0)
    for _ in range(max(count // BATCH, 1)):
        for name, url in urls.items():
            seconds[name] += post_many(client, url, item, BATCH)
    done = max(count // BATCH, 1) * BATCH
    bare, full = done / seconds["bare"], done / seconds["submit"]
    return {
        "bare_insert_per_s": round(bare, 1),
        "submit_per_s": round(full, 1),
        "ratio": round(full / bare, 3),
        "target_ratio": 0.4,
        "requests_each": done,
    }


ITEMS_IN_DEPARTMENT = 40
PERSONS = 20_000


def dimensions(item):
    """A department's worth of items and a city's worth of applicants, as in production: with one
    item and one person the planner (SQLite's above all) would loop over those tiny tables first."""
    from datetime import date

    from yiwang.core import identifiers
    from yiwang.core.models import Person
    from yiwang.services.tests.factories import ServiceItemFactory

    items = [item] + [
        ServiceItemFactory(organization=item.organization, materials=False, form_schema=FORM, form_ui={})
        for _ in range(ITEMS_IN_DEPARTMENT - 1)
    ]
    Person.objects.bulk_create(
        [
            Person(
                id_number=identifiers.id_number(
                    "320104", date(1960 + n % 40, 1 + n % 12, 1 + n % 28), n + 500
                ),
                name=f"申请人{n}",
            )
            for n in range(PERSONS)
        ],
        batch_size=5000,
    )
    persons = list(Person.objects.order_by("-id").values_list("id", flat=True)[:PERSONS])
    return items, persons


def fill(item, citizen, rows: int) -> None:
    """Bulk-insert `rows` applications in the clerk's department: statuses, deadlines, items and
    applicants spread out."""
    from django.utils import timezone

    from yiwang.services.models import Application

    items, persons = dimensions(item)

    statuses = [
        "submitted",
        "reviewing",
        "deciding",
        "correction",
        "completed",
        "completed",
        "completed",
        "refused",
    ]
    now = timezone.now()
    batch = []
    for n in range(rows):
        status = statuses[n % len(statuses)]
        batch.append(
            Application(
                item=items[n % len(items)],
                applicant=citizen,
                person_id=persons[(n * 7) % len(persons)],
                organization_id=item.organization_id,
                region_id=item.region_id,
                status=status,
                application_no=f"B{n:012d}",
                submitted_at=now - timedelta(minutes=n % 500000),
                due_at=now + timedelta(minutes=(n * 7919) % 200000 - 100000),
                form_data={},
            )
        )
        if len(batch) == 10000:
            Application.objects.bulk_create(batch)
            batch.clear()
    if batch:
        Application.objects.bulk_create(batch)
    from django.db import connection

    with connection.cursor() as cursor:  # planner statistics, as after any bulk load in production
        cursor.execute("ANALYZE")


def p50(samples: list[float]) -> float:
    return round(statistics.median(samples) * 1000, 2)


def inbox(item, clerk, rows: int, repeats: int = 30) -> dict:
    from django.db import connection

    from yiwang.identity.actor import Actor
    from yiwang.services.selectors.handling import staff_inbox_page

    actor = Actor.for_user(clerk)
    orm_times, raw_times = [], []
    # The same page written by hand: the list's columns and names, filter and order, same index.
    sql = (
        "SELECT a.id, a.uid, a.application_no, a.status, a.channel, a.submitted_at, a.accepted_at, "
        "a.due_at, a.completed_at, a.completed_on_time, a.result_file_id, a.process_instance_id, "
        "i.implementation_code, i.name, p.name, e.name, "
        "(SELECT o.name FROM core_organization o WHERE o.id = a.organization_id) "
        "FROM services_application a "
        "JOIN services_serviceitem i ON i.id = a.item_id "
        "LEFT JOIN core_person p ON p.id = a.person_id "
        "LEFT JOIN core_enterprise e ON e.id = a.enterprise_id "
        "WHERE a.organization_id = %s AND a.is_open "
        "ORDER BY a.due_at ASC, a.id ASC LIMIT 20"
    )
    for _ in range(repeats):
        started = time.perf_counter()
        page = staff_inbox_page(actor)
        orm_times.append(time.perf_counter() - started)
        started = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute(sql, [item.organization_id])
            raw = cursor.fetchall()
        raw_times.append(time.perf_counter() - started)
    assert len(page) == len(raw) == 20
    return {
        "rows": rows,
        "inbox_p50_ms": p50(orm_times),
        "raw_sql_p50_ms": p50(raw_times),
        "ratio_to_raw": round(statistics.median(orm_times) / statistics.median(raw_times), 2),
        "target_p50_ms": 50,
        "target_ratio_to_raw": 3,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--submissions", type=int, default=300)
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    configure(args.database)
    item, citizen, clerk = world()
    result = {
        "benchmark": "applications",
        "database": args.database,
        "submission": submissions(item, citizen, args.submissions),
    }
    started = time.perf_counter()
    fill(item, citizen, args.rows)
    result["fill_seconds"] = round(time.perf_counter() - started, 1)
    result["inbox"] = inbox(item, clerk, args.rows)
    print(json.dumps(result, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
