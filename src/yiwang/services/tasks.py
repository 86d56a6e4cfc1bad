"""Background tasks of 一网通办 (django-tasks): run by `yiwang worker`, inline in tests."""

from __future__ import annotations

from django_tasks import task

from yiwang.services.actions.imports import catalogue_import_run


@task()
def import_catalogue_task(job_id: int) -> str:
    """Import one uploaded catalogue workbook (a `core.BackgroundJob` made by `catalogue_import_start`)."""
    return catalogue_import_run(job_id)
