"""The staff inbox is read through `services_app_open_due_idx` in deadline order (no sort of the
department's history) — on SQLite and on PostgreSQL. Timing lives in bench/applications.py."""

from __future__ import annotations

import pytest
from django.db import connection

from yiwang.services.selectors.handling import staff_inbox
from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]


def test_open_inbox_walks_the_partial_deadline_index():
    department = Department()
    item = ServiceItemFactory(organization=department.organization)
    for _ in range(3):
        submitted(item)
    qs = staff_inbox(department.actor("clerk"))[:20]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # A three-row table is cheaper to scan; forbid that so the planner shows its index choice.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute("SET LOCAL enable_sort = off")
    plan = qs.explain()

    assert "services_app_open_due_idx" in plan
    assert "TEMP B-TREE" not in plan  # SQLite: no sort step
    assert "Sort" not in plan.split("services_app_open_due_idx")[0]  # PostgreSQL: no sort above it
    assert len(list(qs)) == 3
