"""Background jobs (后台任务): long work run by the task worker, followed by its requester with a
progress bar.

The pattern: a view (or an action behind it) stores the input first (`core.files.file_store`), then
`job_create` records the job and the work is enqueued as a django-tasks task carrying the job id, so
nothing the user was told "accepted" is lost if a worker dies. The task calls `job_start` (which
claims the job once: a second delivery of the same task finds it no longer queued and does nothing),
reports `job_progress(job_id, done, total)` as it goes, and ends with `job_finish` or `job_fail`,
optionally with a result file (e.g. an error report) and a small JSON result the page shows.

`job_progress` is meant to be called for every row: it writes only when the job has moved on by at
least `progress_step(total)` (1 % of the total, at most every `PROGRESS_MAX_STEP` rows) since the
last write from this process, or when it reaches the total — one cheap UPDATE of four columns.

Reads: `job_get(actor, id)` and `jobs_for(actor)` return only the actor's own jobs; anyone else gets
NotFound, exactly as for a job that does not exist. Creation and outcome are audited; progress is
not (it is not a change anyone needs to account for).

A job's `kind` is a code (`services.catalogue_import`); the module that creates jobs of a kind
names it in Chinese with `job_kind_register(kind, label)`, and pages show `job_kind_label(kind)`."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import F, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import NotFound, PermissionDenied
from yiwang.core.models import BackgroundJob, Organization, StoredFile

if TYPE_CHECKING:
    from yiwang.identity.actor import Actor

PROGRESS_MAX_STEP = 500
MESSAGE_MAX = 255
RECENT_JOBS = 20

# job id → (total, done) as last written by this process; only ever a throttle, never the truth.
_written: dict[int, tuple[int, int]] = {}
_written_lock = threading.Lock()


# kind → Chinese label, filled by the modules that create jobs of that kind when they are imported.
_kind_labels: dict[str, str] = {}


def job_kind_register(kind: str, label: str) -> None:
    """Name a kind of job in Chinese (call at import of the module that creates such jobs)."""
    _kind_labels[kind] = label


def job_kind_label(kind: str) -> str:
    """The Chinese name of a kind of job; the code itself for a kind nobody registered."""
    return _kind_labels.get(kind, kind)


def progress_step(total: int) -> int:
    """How far a job must move before its progress is written again: 1 % of the total, between 1
    and `PROGRESS_MAX_STEP` rows."""
    return max(1, min(PROGRESS_MAX_STEP, total // 100))


def _forget(job_id: int) -> None:
    with _written_lock:
        _written.pop(job_id, None)


# ---------------------------------------------------------------- writes


def job_create(
    *,
    actor: Actor,
    kind: str,
    title: str,
    total: int = 0,
    organization: Organization | None = None,
    input_file: StoredFile | None = None,
) -> BackgroundJob:
    """Record a queued job for `actor` (who alone may follow it). Enqueue the work after this returns
    (or in `transaction.on_commit`), passing the job's id."""
    if actor.user is None:
        raise PermissionDenied("请先登录后再提交后台任务", code="unauthenticated")
    with transaction.atomic():
        job = BackgroundJob.objects.create(
            kind=kind[:64],
            title=title[:200],
            requested_by=actor.user,
            organization=organization,
            total=max(0, total),
            input_file=input_file,
        )
        audit_record(
            actor=actor,
            action="job.create",
            obj=job,
            summary=f"提交后台任务「{job.title}」",
            data={
                "kind": job.kind,
                "organization": organization.pk if organization is not None else None,
                "input_file": str(input_file.uid) if input_file is not None else None,
            },
        )
    _forget(job.pk)  # an id reused after a rollback (SQLite) must not inherit a throttle
    return job


def job_start(job_id: int) -> BackgroundJob | None:
    """Claim a queued job for running; None when it is not queued any more (already run, or running
    elsewhere), in which case the caller must not do the work again."""
    claimed = BackgroundJob.objects.filter(pk=job_id, status=BackgroundJob.Status.QUEUED).update(
        status=BackgroundJob.Status.RUNNING, started_at=timezone.now()
    )
    if not claimed:
        return None
    _forget(job_id)
    return BackgroundJob.objects.select_related("requested_by", "organization", "input_file").get(pk=job_id)


def job_progress(job_id: int, done: int, total: int) -> bool:
    """Report that `done` of `total` units are processed. Cheap enough to call per row: writes only
    every `progress_step(total)` units, on a new total and on reaching the total; returns whether it
    wrote. Never moves a finished job."""
    done, total = max(0, done), max(0, total)
    with _written_lock:
        last = _written.get(job_id)
        if (
            last is not None
            and last[0] == total
            and done != total
            and abs(done - last[1]) < progress_step(total)
        ):
            return False
        _written[job_id] = (total, done)
    BackgroundJob.objects.filter(pk=job_id, status__in=BackgroundJob.ACTIVE).update(
        done=done,
        total=total,
        status=BackgroundJob.Status.RUNNING,
        started_at=Coalesce(F("started_at"), Value(timezone.now())),
    )
    return True


def _end(
    job_id: int,
    *,
    actor: Actor,
    status: str,
    message: str,
    result: dict[str, Any] | None,
    result_file: StoredFile | None,
) -> BackgroundJob:
    _forget(job_id)
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().get(pk=job_id)
        if not job.is_active:
            return job  # ended already (a repeated delivery): the first outcome stands
        now = timezone.now()
        job.status = status
        job.message = message[:MESSAGE_MAX]
        job.result = result or {}
        job.result_file = result_file
        job.started_at = job.started_at or now
        job.finished_at = now
        if status == BackgroundJob.Status.SUCCEEDED:
            job.done = max(job.done, job.total)
        job.save(
            update_fields=["status", "message", "result", "result_file", "started_at", "finished_at", "done"]
        )
        succeeded = status == BackgroundJob.Status.SUCCEEDED
        audit_record(
            actor=actor,
            action="job.succeed" if succeeded else "job.fail",
            obj=job,
            summary=f"后台任务「{job.title}」{'完成' if succeeded else '失败'}：{job.message}",
            data={
                "kind": job.kind,
                "done": job.done,
                "total": job.total,
                "result_file": str(result_file.uid) if result_file is not None else None,
            },
        )
    return job


def job_finish(
    job_id: int,
    *,
    actor: Actor,
    message: str = "",
    result: dict[str, Any] | None = None,
    result_file: StoredFile | None = None,
) -> BackgroundJob:
    """End the job as succeeded (progress goes to the total). `actor` is who ran it — the requester's
    actor when the work ran with their permissions, or `Actor.system()`."""
    return _end(
        job_id,
        actor=actor,
        status=BackgroundJob.Status.SUCCEEDED,
        message=message,
        result=result,
        result_file=result_file,
    )


def job_fail(
    job_id: int,
    *,
    actor: Actor,
    message: str,
    result: dict[str, Any] | None = None,
    result_file: StoredFile | None = None,
) -> BackgroundJob:
    """End the job as failed with a Chinese `message` (and e.g. `result={"errors": [...]}` and an
    error report as `result_file`)."""
    return _end(
        job_id,
        actor=actor,
        status=BackgroundJob.Status.FAILED,
        message=message,
        result=result,
        result_file=result_file,
    )


# ---------------------------------------------------------------- reads


def jobs_for(actor: Actor, *, kind: str | None = None) -> QuerySet[BackgroundJob]:
    """The actor's own jobs, newest first (uses the requester/created index)."""
    if actor.user_id is None:
        return BackgroundJob.objects.none()
    rows = BackgroundJob.objects.filter(requested_by_id=actor.user_id)
    if kind:
        rows = rows.filter(kind=kind)
    return rows.select_related("result_file").order_by("-created_at", "-id")


def job_get(actor: Actor, job_id: int) -> BackgroundJob:
    """One of the actor's own jobs; NotFound for anyone else's (existence is not revealed)."""
    job = jobs_for(actor).filter(pk=job_id).first() if actor.user_id is not None else None
    if job is None:
        raise NotFound("任务不存在或无权查看", code="job_not_found")
    return job
