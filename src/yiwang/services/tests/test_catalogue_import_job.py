"""The catalogue Excel import through the admin page as a background job (ImmediateBackend: the task
runs inline once the upload commits): a good file is imported and the job succeeds with the counts; a
broken file imports nothing, the job fails with the errors and an error report only the requester
may download; the upload is stored before the work is enqueued."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from yiwang.core.errors import PermissionDenied
from yiwang.core.files import file_content
from yiwang.core.models import AuditEvent, BackgroundJob, StoredFile
from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.services.actions.imports import JOB_KIND, catalogue_import_run, catalogue_import_start
from yiwang.services.models import ServiceItem
from yiwang.services.tests.catalogue_support import *  # noqa: F403
from yiwang.services.tests.test_excel_import import _row, _workbook

IMPORT = "/admin/services/serviceitem/import/"


def _login(client, user):
    User.objects.filter(pk=user.pk).update(is_staff=True)
    client.force_login(user)
    return client


def _upload(content, name="实施清单.xlsx"):
    handle = io.BytesIO(content)
    handle.name = name
    return handle


def _post(client, content, capture, name="实施清单.xlsx"):
    with capture(execute=True):
        return client.post(IMPORT, {"file": _upload(content, name)})


def test_a_good_file_is_imported_by_the_job(client, world, django_capture_on_commit_callbacks):
    admin = _login(client, world.catalog_admin)
    response = _post(admin, _workbook([_row(world, 1), _row(world, 2)]), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"{IMPORT}jobs/{job.pk}/"
    assert (job.kind, job.status, job.done, job.total) == (JOB_KIND, "succeeded", 2, 2)
    assert job.result == {"rows": 2, "created": 2, "updated": 0}
    assert job.message == "导入完成：已处理 2 行，新增 2 项，更新（生成新版本并发布）0 项。"
    assert job.requested_by_id == world.catalog_admin.pk and job.result_file is None
    assert ServiceItem.objects.filter(is_current=True, status="published").count() == 2

    html = admin.get(response["Location"]).content.decode()
    assert f'id="job-{job.pk}"' in html and "已处理 2 / 2 行" in html and 'hx-trigger="every 1s"' not in html
    assert "导入完成：已处理 2 行，新增 2 项" in html and "htmx.min.js" in html
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"file.store", "job.create", "services.catalog_import", "job.succeed"} <= actions
    # the upload page lists it among the recent imports
    assert f'href="{IMPORT}jobs/{job.pk}/"' in admin.get(IMPORT).content.decode()


def test_a_broken_file_imports_nothing_and_only_the_requester_gets_the_report(
    client, world, django_capture_on_commit_callbacks
):
    admin = _login(client, world.catalog_admin)
    bad = _workbook([_row(world, 1), _row(world, 2, 法定办结时限="很久")])
    response = _post(admin, bad, django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert ServiceItem.objects.count() == 0
    assert (job.status, job.message) == ("failed", "已校验 2 行，发现 1 处错误，未导入任何事项。")
    assert job.result["error_count"] == 1
    assert job.result["errors"] == [
        {
            "sheet": "事项实施清单",
            "row": 3,
            "column": "法定办结时限",
            "message": job.result["errors"][0]["message"],
        }
    ]
    assert job.result["errors"][0]["message"].startswith("应为整数")
    assert job.result_file.owner_id == world.catalog_admin.pk

    html = admin.get(response["Location"]).content.decode()
    assert "未导入任何事项" in html and "<td>法定办结时限</td>" in html
    assert f'href="/jobs/{job.pk}/result/"' in html
    report = admin.get(f"/jobs/{job.pk}/result/")
    assert report.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(report.streaming_content)))["错误报告"]
    assert (
        sheet["B2"].value == 3
        and sheet["C2"].value == "法定办结时限"
        and sheet["D2"].value.startswith("应为整数")
    )

    # another catalogue administrator sees neither the job nor its report
    client.logout()
    other = _login(client, world.health_admin)
    assert other.get(f"/jobs/{job.pk}/result/").status_code == 404
    assert other.get(f"/jobs/{job.pk}/progress/").status_code == 404
    assert other.get(f"{IMPORT}jobs/{job.pk}/").status_code == 404
    assert other.get(f"/files/{job.result_file.uid}/").status_code == 404


def test_a_file_that_is_not_a_workbook_is_refused_at_upload(
    client, world, django_capture_on_commit_callbacks
):
    admin = _login(client, world.catalog_admin)
    response = _post(admin, b"%PDF-1.7\n%%EOF\n", django_capture_on_commit_callbacks, name="清单.xlsx")
    assert response.status_code == 200
    assert "文件不是有效的 Excel 工作簿（.xlsx），请使用导出的模板填写后上传" in response.content.decode()
    assert BackgroundJob.objects.count() == 0 and StoredFile.objects.count() == 0


def test_the_upload_is_stored_before_the_work_is_enqueued(world, django_capture_on_commit_callbacks):
    actor = Actor.for_user(world.catalog_admin)
    content = _workbook([_row(world, 1)])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = catalogue_import_start(actor=actor, upload=content, name="清单.xlsx")
    # acknowledged but not run yet (say the worker died): the job and its input are on record
    job.refresh_from_db()
    assert job.status == "queued" and len(callbacks) == 1
    with file_content(job.input_file) as handle:
        assert handle.read() == content
    assert ServiceItem.objects.count() == 0
    callbacks[0]()  # the worker picks it up later
    job.refresh_from_db()
    assert job.status == "succeeded" and ServiceItem.objects.filter(is_current=True).count() == 1
    assert catalogue_import_run(job.pk) == "skipped"  # a repeated delivery does not import twice
    assert ServiceItem.objects.count() == 1


def test_staff_without_the_permission_cannot_start_an_import(world):
    with pytest.raises(PermissionDenied, match="没有维护事项目录的权限"):
        catalogue_import_start(
            actor=Actor.for_user(world.clerk), upload=_workbook([_row(world, 1)]), name="a.xlsx"
        )
    assert BackgroundJob.objects.count() == 0 and StoredFile.objects.count() == 0


def test_rows_beyond_the_permission_fail_the_job_with_the_requesters_rights(
    client, world, django_capture_on_commit_callbacks
):
    admin = _login(client, world.health_admin)  # may manage the health commission's items only
    _post(admin, _workbook([_row(world, 1)]), django_capture_on_commit_callbacks)
    job = BackgroundJob.objects.get()
    assert job.status == "failed" and ServiceItem.objects.count() == 0
    assert job.result["errors"][0]["column"] == "实施主体编码"


def _broken(*args, **kwargs):
    raise RuntimeError("故障")


def _queued_job(world, capture):
    with capture(execute=False):
        return catalogue_import_start(
            actor=Actor.for_user(world.catalog_admin), upload=_workbook([_row(world, 1)]), name="清单.xlsx"
        )


def _claimed_then_broken(job_id):
    # as in the demo: the job is claimed, then loading it with its requester hits a database error
    # (a column the database did not have yet)
    from django.db import OperationalError

    from yiwang.core.jobs import job_start

    job_start(job_id)
    raise OperationalError("no such column: identity_user.grants_version")


@pytest.mark.parametrize("step", ["claiming the job", "loading the requester's permissions"])
def test_a_job_that_fails_before_the_import_starts_ends_failed(
    world, django_capture_on_commit_callbacks, monkeypatch, caplog, step
):
    from django.db import OperationalError

    from yiwang.services.actions import imports

    job = _queued_job(world, django_capture_on_commit_callbacks)
    if step == "claiming the job":
        monkeypatch.setattr(imports, "job_start", _claimed_then_broken)
    else:
        monkeypatch.setattr(Actor, "for_user", _broken)

    with pytest.raises((RuntimeError, OperationalError)):
        catalogue_import_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == (
        "failed",
        "导入时发生系统错误，未导入任何事项。请稍后重试，或联系管理员。",
    )
    assert job.finished_at is not None and ServiceItem.objects.count() == 0
    assert AuditEvent.objects.filter(action="job.fail", object_id=str(job.pk)).count() == 1
    logged = [r for r in caplog.records if r.name == "yiwang.services.actions.imports"]
    assert [r.getMessage() for r in logged] == [f"事项实施清单导入任务 {job.pk} 异常终止"]
    assert logged[0].exc_info is not None


def test_a_job_whose_upload_is_missing_ends_failed_with_a_chinese_message(
    world, django_capture_on_commit_callbacks
):
    from django.core.files.storage import storages

    job = _queued_job(world, django_capture_on_commit_callbacks)
    storages["yiwang_files"].delete(job.input_file.storage_key)

    with pytest.raises(Exception, match="文件内容缺失"):
        catalogue_import_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", "未导入任何事项：文件内容缺失，请联系管理员")
    assert ServiceItem.objects.count() == 0


def test_a_job_whose_error_report_cannot_be_written_ends_failed(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    from yiwang.services.actions import imports

    with django_capture_on_commit_callbacks(execute=False):
        job = catalogue_import_start(
            actor=Actor.for_user(world.catalog_admin),
            upload=_workbook([_row(world, 1, 法定办结时限="很久")]),
            name="清单.xlsx",
        )
    monkeypatch.setattr(imports, "error_report", _broken)

    with pytest.raises(RuntimeError):
        catalogue_import_run(job.pk)

    job.refresh_from_db()
    assert (job.status, job.message) == ("failed", imports.SYSTEM_ERROR_MESSAGE)


def test_the_operators_job_list_names_the_import_in_chinese(
    client, world, django_capture_on_commit_callbacks
):
    from yiwang.identity.tests.factories import UserFactory

    job = _queued_job(world, django_capture_on_commit_callbacks)
    client.force_login(UserFactory(is_staff=True, is_superuser=True, kind="staff"))

    listing = client.get("/admin/core/backgroundjob/").content.decode()
    detail = client.get(f"/admin/core/backgroundjob/{job.pk}/change/").content.decode()

    assert '<td class="field-kind_label">事项实施清单导入</td>' in listing
    assert f'<a href="?kind={JOB_KIND}">事项实施清单导入</a>' in listing
    assert f">{JOB_KIND}<" not in listing
    assert "事项实施清单导入" in detail and JOB_KIND not in detail
