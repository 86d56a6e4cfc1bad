"""The catalogue Excel import as a background job (后台任务) with a progress bar.

`catalogue_import_start` stores the uploaded workbook (`core.files`), records the job
(`core.jobs.job_create`) and enqueues `services.tasks.import_catalogue_task` once that has committed,
so an upload the page acknowledged survives a worker crash. `catalogue_import_run` is the task's
body: it claims the job, runs the atomic `catalogue_import` with the requester's permissions,
reports progress, and ends the job — succeeded with the counts, or failed with the row errors and the
error report stored as the job's result file (only the requester may download it)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

from yiwang.core.audit import audit_record
from yiwang.core.errors import DomainError, InvalidInput, PermissionDenied
from yiwang.core.files import file_content, file_store, files_discarded_on_error
from yiwang.core.jobs import job_create, job_fail, job_finish, job_kind_register, job_progress, job_start
from yiwang.core.models import BackgroundJob
from yiwang.core.spreadsheets import spreadsheet_check
from yiwang.identity.actor import Actor
from yiwang.services.actions.catalogue import (
    item_create,
    item_publish,
    item_update,
    material_add,
    material_remove,
)
from yiwang.services.excel import (
    ITEMS_SHEET,
    XLSX_CONTENT_TYPE,
    ImportResult,
    PlannedItem,
    RowError,
    catalogue_plan,
    error_report,
)
from yiwang.services.permissions import MANAGE_CATALOG

logger = logging.getLogger(__name__)

JOB_KIND = "services.catalogue_import"
job_kind_register(JOB_KIND, "事项实施清单导入")
# Errors kept on the job for the page; the full list is in the error report.
ERRORS_SHOWN = 200
SYSTEM_ERROR_MESSAGE = "导入时发生系统错误，未导入任何事项。请稍后重试，或联系管理员。"


def catalogue_import(
    *, actor: Actor, content: bytes, progress: Callable[[int, int], None] | None = None
) -> ImportResult:
    """Import a catalogue workbook: check every row (`excel.catalogue_plan`), then — only without any
    error — create or re-version and publish every item in one transaction, with one audit row for
    the import besides each item's own. A failure part-way rolls everything back (the error names
    the row). `progress(done, total)` is called as rows are checked."""
    result, planned = catalogue_plan(actor=actor, content=content, progress=progress)
    if result.errors:
        return result
    try:
        with transaction.atomic():
            for plan in planned:
                _write(actor, plan, result)
            audit_record(
                actor=actor,
                action="services.catalog_import",
                summary=f"导入事项实施清单：新增 {result.created} 项，更新 {result.updated} 项",
                data={"rows": result.rows, "created": result.created, "updated": result.updated},
            )
    except _WriteFailed as failure:
        result.created = result.updated = 0
        result.errors.append(failure.error)
    return result


class _WriteFailed(Exception):
    def __init__(self, error: RowError) -> None:
        super().__init__(error.message)
        self.error = error


def _write(actor: Actor, plan: PlannedItem, result: ImportResult) -> None:
    try:
        if plan.existing is None:
            draft = item_create(actor=actor, **plan.fields)
            result.created += 1
        else:
            changes = {k: v for k, v in plan.fields.items() if k not in {"organization", "region"}}
            draft = item_update(actor=actor, item=plan.existing, **changes)
            for material in list(draft.materials.all()):
                material_remove(actor=actor, material=material)
            result.updated += 1
        for _, material_fields in plan.materials:
            material_add(actor=actor, item=draft, **material_fields)
        item_publish(actor=actor, item=draft)
    except DomainError as exc:
        raise _WriteFailed(RowError(ITEMS_SHEET, plan.row, "", exc.message)) from exc


def catalogue_import_start(*, actor: Actor, upload: Any, name: str | None = None) -> BackgroundJob:
    """Accept an uploaded workbook for import: store it, record the job, enqueue the work.

    `upload` is an UploadedFile (or bytes with `name=`). Raises PermissionDenied without
    `services.manage_catalog`, InvalidInput when the file is not an .xlsx workbook or too large —
    including the kernel's quick check of the workbook (`core.spreadsheets.spreadsheet_check` without
    the rows: archive, part sizes, declared ranges), so that a spreadsheet bomb is refused on the page
    and never queued; the job reads it again with every limit."""
    if not actor.has_perm(MANAGE_CATALOG):
        raise PermissionDenied("您没有维护事项目录的权限", code="catalog_permission_denied")
    file_name = name or getattr(upload, "name", None) or "实施清单.xlsx"
    with files_discarded_on_error(), transaction.atomic():
        try:
            stored = file_store(actor=actor, upload=upload, name=file_name, content_type=XLSX_CONTENT_TYPE)
        except InvalidInput as exc:
            if exc.code != "file_type_not_allowed":
                raise
            raise InvalidInput(
                "文件不是有效的 Excel 工作簿（.xlsx），请使用导出的模板填写后上传",
                code="catalog_import_not_xlsx",
            ) from exc
        _quick_check(upload)
        job = job_create(
            actor=actor, kind=JOB_KIND, title=f"导入事项实施清单「{stored.name}」", input_file=stored
        )
        transaction.on_commit(partial(_enqueue, job.pk))
    return job


def _quick_check(upload: Any) -> None:
    if isinstance(upload, bytes | bytearray):
        spreadsheet_check(bytes(upload), scan_rows=False)
        return
    upload.seek(0)
    try:
        spreadsheet_check(upload, scan_rows=False)
    finally:
        upload.seek(0)


def _enqueue(job_id: int) -> None:
    from yiwang.services.tasks import import_catalogue_task  # the task module imports this one

    import_catalogue_task.enqueue(job_id)


def _progress(job_id: int, done: int, total: int) -> None:
    job_progress(job_id, done, total)


def catalogue_import_run(job_id: int) -> str:
    """Run one queued import job; returns its final status ("skipped" when it was not queued).

    Whatever goes wrong once the job exists — claiming it, loading the requester's permissions,
    reading the upload, importing, storing the error report — ends the job as failed with a Chinese
    message (and is logged), so its progress page never waits for ever; the error is raised again for
    the task runner to record."""
    actor = Actor.system()
    try:
        job = job_start(job_id)
        if job is None:
            return "skipped"
        actor = Actor.for_user(job.requested_by)
        return _run(job, actor)
    except Exception as exc:
        logger.exception("事项实施清单导入任务 %s 异常终止", job_id)
        message = f"未导入任何事项：{exc.message}" if isinstance(exc, DomainError) else SYSTEM_ERROR_MESSAGE
        try:
            job_fail(job_id, actor=actor, message=message)
        except Exception:
            logger.exception("事项实施清单导入任务 %s 未能标记为失败", job_id)
        raise


def _run(job: BackgroundJob, actor: Actor) -> str:
    if job.input_file is None:
        raise FileNotFoundError("导入任务没有上传文件")
    with file_content(job.input_file) as handle:
        content = handle.read()
    result = catalogue_import(actor=actor, content=content, progress=partial(_progress, job.pk))
    if result.errors:
        try:
            report = file_store(
                actor=actor,
                upload=error_report(result.errors),
                name=f"导入错误报告-{job.pk}.xlsx",
                content_type=XLSX_CONTENT_TYPE,
                uploaded=False,
            )
        except DomainError:
            logger.exception("事项实施清单导入任务 %s 的错误报告未能保存", job.pk)
            report = None
        count = len(result.errors)
        checked = f"已校验 {result.rows} 行，" if result.rows else ""
        job_fail(
            job.pk,
            actor=actor,
            message=f"{checked}发现 {count} 处错误，未导入任何事项。",
            result={
                "rows": result.rows,
                "error_count": count,
                "errors": [e.as_dict() for e in result.errors[:ERRORS_SHOWN]],
            },
            result_file=report,
        )
        return BackgroundJob.Status.FAILED.value
    job_finish(
        job.pk,
        actor=actor,
        message=(
            f"导入完成：已处理 {result.rows} 行，新增 {result.created} 项，"
            f"更新（生成新版本并发布）{result.updated} 项。"
        ),
        result={"rows": result.rows, "created": result.created, "updated": result.updated},
    )
    return BackgroundJob.Status.SUCCEEDED.value
