"""Background tasks of the workflow engine (django-tasks; run by `yiwang worker`)."""

from __future__ import annotations

from dataclasses import asdict

from django_tasks import task

from yiwang.core.tasks import ensure_scheduled, schedule_next
from yiwang.workflow.actions import tick


@task()
def tick_task(reschedule: bool = False) -> dict[str, int]:
    """Run the workflow timer once. With `reschedule=True` it enqueues its next run after
    `YIWANG_TICK_SECONDS` (default 300) when the task backend can defer, so one enqueue keeps the
    timer going under `yiwang worker`."""
    result = tick()
    if reschedule:
        schedule_next(tick_task, setting="YIWANG_TICK_SECONDS", default=300)
    return asdict(result)


def ensure_tick_scheduled() -> bool:
    """Start the timer's chain unless one is waiting or running (`yiwang worker` calls it at start)."""
    return ensure_scheduled(tick_task)
