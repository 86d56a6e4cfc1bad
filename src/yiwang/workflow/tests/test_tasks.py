"""The periodic timer under the real database task backend, as `yiwang worker` runs it."""

import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from yiwang.workflow.tasks import ensure_tick_scheduled, tick_task

DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def database_tasks(settings):
    settings.TASKS = DATABASE_TASKS
    settings.YIWANG_TICK_SECONDS = 300


@pytest.mark.django_db
def test_timer_is_scheduled_once_however_often_workers_start(database_tasks):
    assert ensure_tick_scheduled() is True
    assert ensure_tick_scheduled() is False
    assert DBTaskResult.objects.filter(task_path=tick_task.module_path, status="READY").count() == 1


# transaction=True: the worker closes its database connection when it stops, as in production.
@pytest.mark.django_db(transaction=True)
def test_worker_runs_the_timer_and_schedules_the_next_run(database_tasks):
    call_command("worker", batch=True, startup_delay=False, stdout=io.StringIO())
    runs = DBTaskResult.objects.filter(task_path=tick_task.module_path)
    assert runs.filter(status="SUCCESSFUL").count() == 1
    waiting = runs.get(status="READY")
    assert waiting.run_after > timezone.now()
