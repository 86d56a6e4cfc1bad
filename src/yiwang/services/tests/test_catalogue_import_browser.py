"""In Chromium: the job page's progress bar follows a running job by polling and stops once it ended;
the admin import page uploads a workbook and lands on the finished job."""

from __future__ import annotations

import re

import pytest

from yiwang.core.jobs import job_create, job_finish, job_progress, job_start
from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.services.models import ServiceItem
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.test_excel_import import _row, _workbook

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_progress_bar_follows_a_running_job(signed_in, world):
    actor = Actor.for_user(world.catalog_admin)
    job = job_create(actor=actor, kind="test.import", title="导入测试清单")
    job_start(job.pk)
    job_progress(job.pk, 3, 10)
    page = signed_in(world.catalog_admin)
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"/jobs/{job.pk}/")
    bar = page.locator(f"#job-{job.pk} progress")
    assert page.locator(".job-count").inner_text().startswith("已处理 3 / 10 行")
    job_progress(job.pk, 7, 10)
    page.wait_for_selector("text=已处理 7 / 10 行")
    assert bar.get_attribute("value") == "7"
    job_finish(job.pk, actor=actor, message="导入完成：已处理 10 行。")
    page.wait_for_selector("text=导入完成：已处理 10 行。")
    assert page.locator("[hx-trigger]").count() == 0  # polling stopped
    assert bar.get_attribute("value") == "10" and problems == []


def test_the_admin_uploads_a_workbook_and_sees_the_job_end(signed_in, world, tmp_path):
    User.objects.filter(pk=world.catalog_admin.pk).update(is_staff=True)
    path = tmp_path / "实施清单.xlsx"
    path.write_bytes(_workbook([_row(world, 1), _row(world, 2)]))
    page = signed_in(world.catalog_admin)
    page.goto("/admin/services/serviceitem/import/")
    page.set_input_files("input[name=file]", str(path))
    page.click("input[type=submit]")
    page.wait_for_url(re.compile(r"/admin/services/serviceitem/import/jobs/\d+/$"))
    page.wait_for_selector("text=导入完成：已处理 2 行，新增 2 项")
    assert page.locator(".job-count").inner_text().startswith("已处理 2 / 2 行")
    assert ServiceItem.objects.filter(is_current=True).count() == 2
