"""One deadline per item: the 工作台 (generic worklist) and the 办件箱 (the services list) show every
application with the same deadline, the same label and the same colour — the 承诺办结时限 — even when
a step's own, shorter deadline has passed (issue 11: they used to disagree)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from yiwang.services.tests.factories import ServiceItemFactory
from yiwang.services.tests.staff_support import Department, definitions, submitted  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("definitions")]

CELLS = r'<td class="nowrap" data-label="办理时限">(.*?)</td>\s*<td data-label="剩余时间">(.*?)</td>'
WORKBENCH_ROW = re.compile(r'<tr class="(sla-[a-z]+)" data-instance="([0-9a-f-]+)">.*?' + CELLS, re.S)
INBOX_ROW = re.compile(r'<tr class="(sla-[a-z]+)" data-application="([0-9a-f-]+)">.*?' + CELLS, re.S)


def test_the_workbench_and_the_inbox_agree_on_every_applications_deadline(client):
    dept = Department()
    now = timezone.now()
    long_promise = ServiceItemFactory(organization=dept.organization, promised_days=20)
    short_promise = ServiceItemFactory(organization=dept.organization, promised_days=2)
    applications = [
        submitted(long_promise),  # fresh: green
        # 受理 (one working day) is long overdue, the 20-day promise is not: green in both lists.
        submitted(long_promise, now=now - timedelta(days=5)),
        submitted(short_promise, now=now - timedelta(days=30)),  # promise broken: red
    ]
    client.force_login(dept.clerk)
    workbench = {
        pk: (css, deadline, remaining)
        for css, pk, deadline, remaining in WORKBENCH_ROW.findall(client.get("/workbench/").content.decode())
    }
    inbox = {
        uid: (css, deadline, remaining)
        for css, uid, deadline, remaining in INBOX_ROW.findall(
            client.get("/services/staff/").content.decode()
        )
    }

    assert len(workbench) == len(inbox) == 3
    for application in applications:
        assert workbench[str(application.process_instance_id)] == inbox[str(application.uid)]
    colours = [inbox[str(a.uid)][0] for a in applications]
    assert colours == ["sla-ok", "sla-ok", "sla-overdue"]
    assert all(
        '<span class="muted clock-label">办结时限</span>' in inbox[str(a.uid)][1] for a in applications
    )
    # The promised deadline, as the application itself records it.
    late = applications[1]
    local = timezone.localtime(late.due_at)
    assert inbox[str(late.uid)][1].startswith(f"{local.year}年{local.month}月{local.day}日 {local:%H:%M}")
    assert now - timedelta(days=1) < late.due_at  # not the 受理 step's (passed) deadline
