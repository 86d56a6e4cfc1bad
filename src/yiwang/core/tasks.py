"""Background tasks of the kernel (django-tasks): run by `yiwang worker`, inline in tests.

Periodic work (the audit sealer and the pruning of unattached files here, the workflow timer in `workflow.tasks`) is a task that
enqueues its own next run: `ensure_scheduled` starts one chain per task when a worker starts, and
`schedule_next` keeps it going."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yiwang.core.audit import audit_seal
from yiwang.core.files import files_prune
from yiwang.core.notifications import deliver_outbound


@task()
def send_outbound_message(message_id: int) -> str:
    """Hand one SMS/email to its provider (scheduled by `notify` after the transaction commits)."""
    return deliver_outbound(message_id)


def schedule_next(periodic: Any, *, setting: str, default: int) -> None:
    """Enqueue the next run of a self-rescheduling task after `settings.<setting>` seconds, when the
    task backend can defer (the immediate backend of the tests cannot, so a test runs it once)."""
    if periodic.get_backend().supports_defer:
        delay = int(getattr(settings, setting, default))
        periodic.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(reschedule=True)


def ensure_scheduled(periodic: Any) -> bool:
    """Enqueue a self-rescheduling task unless a run is already waiting or running, so restarting
    workers never starts a second chain. Returns True when it enqueued one."""
    backend = periodic.get_backend()
    if not backend.supports_defer:
        return False
    if "django_tasks_db" in type(backend).__module__:
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(task_path=periodic.module_path, status__in=["READY", "RUNNING"])
        if pending.exists():
            return False
    periodic.enqueue(reschedule=True)
    return True


@task()
def audit_seal_task(reschedule: bool = False) -> int:
    """Seal the committed audit rows into the chain (`core.audit.audit_seal`); with `reschedule=True`
    again after `YIWANG_AUDIT_SEAL_SECONDS` (default 5) — the longest an audit row stays unsealed
    while a worker runs."""
    sealed = audit_seal()
    if reschedule:
        schedule_next(audit_seal_task, setting="YIWANG_AUDIT_SEAL_SECONDS", default=5)
    return sealed


@task()
def files_prune_task(reschedule: bool = False) -> int:
    """Delete stored files attached to nothing for longer than `YIWANG_UPLOAD_GRACE_HOURS`
    (`core.files.files_prune`, one audit row per run that deletes anything); with `reschedule=True`
    again after `YIWANG_FILE_PRUNE_SECONDS` (default 3600)."""
    from yiwang.identity.actor import Actor  # the kernel's tasks load before the accounts app is ready

    result = files_prune(actor=Actor.system())
    if reschedule:
        schedule_next(files_prune_task, setting="YIWANG_FILE_PRUNE_SECONDS", default=3600)
    return result.deleted
