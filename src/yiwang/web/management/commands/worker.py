"""`yiwang worker`: the django-tasks database worker, with the platform's periodic timers scheduled."""

from __future__ import annotations

from typing import Any

from django_tasks_db.management.commands.db_worker import Command as DatabaseWorkerCommand

from yiwang.core.tasks import audit_seal_task, ensure_scheduled, files_prune_task
from yiwang.workflow.tasks import ensure_tick_scheduled


class Command(DatabaseWorkerCommand):
    help = (
        "运行后台任务进程（消息发送、工作流定时预警与超期、审计日志封存、未关联附件清理），参数同 db_worker"
    )

    def handle(self, *args: Any, **options: Any) -> None:
        if ensure_tick_scheduled():
            self.stdout.write("已排程工作流定时器（yiwang tick）")
        if ensure_scheduled(audit_seal_task):
            self.stdout.write("已排程审计日志封存（yiwang audit seal）")
        if ensure_scheduled(files_prune_task):
            self.stdout.write("已排程未关联附件清理（yiwang files prune）")
        super().handle(*args, **options)
