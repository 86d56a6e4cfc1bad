"""Background tasks of the workflow engine (django-tasks; run by `yiwang worker`)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django_tasks import task

from yiwang.workflow.actions import tick


@task()
def tick_task(reschedule: bool = False) -> dict[str, int]:
    """Run the workflow timer once. With `reschedule=True` it enqueues its next run after
    `YIWANG_TICK_SECONDS` (default 300) when the task backend can defer, so one enqueue keeps the
    timer going under `yiwang worker`."""
    result = tick()
    if reschedule and tick_task.get_backend().supports_defer:
        delay = int(getattr(settings, "YIWANG_TICK_SECONDS", 300))
        tick_task.using(run_after=timezone.now() + timedelta(seconds=delay)).enqueue(reschedule=True)
    return asdict(result)


def ensure_tick_scheduled() -> bool:
    """Enqueue the self-rescheduling timer unless one is already waiting or running.

    Called by `yiwang worker` at start, so restarting workers never starts a second timer chain.
    Returns True when it enqueued one."""
    backend = tick_task.get_backend()
    if not backend.supports_defer:
        return False
    if "django_tasks_db" in type(backend).__module__:
        from django_tasks_db.models import DBTaskResult

        pending = DBTaskResult.objects.filter(
            task_path=tick_task.module_path, status__in=["READY", "RUNNING"]
        )
        if pending.exists():
            return False
    tick_task.enqueue(reschedule=True)
    return True
