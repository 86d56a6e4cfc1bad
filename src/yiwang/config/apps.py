"""Third-party apps under Chinese names.

Django names an app in the admin by its `AppConfig.verbose_name`; an app's users rename it by
listing a subclass of its config in `INSTALLED_APPS` (Django's documented way, "Configuring
applications"), which keeps the app's label, models and migrations as they are. Their model and
field names are marked for translation and are translated in `yiwang/locale/zh_Hans/`."""

from __future__ import annotations

from axes.apps import AppConfig as AxesAppConfig
from django_tasks_db.apps import TasksAppConfig


class AxesConfig(AxesAppConfig):
    """django-axes: failed-login counting and lockout."""

    verbose_name = "登录防护"


class TasksDatabaseConfig(TasksAppConfig):
    """django-tasks-db: the task queue the worker (`yiwang worker`) runs."""

    verbose_name = "任务队列"
