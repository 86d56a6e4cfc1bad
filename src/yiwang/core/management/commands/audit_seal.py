"""`yiwang audit seal`: chain the committed, unsealed audit rows now (the worker does it periodically)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from yiwang.core.audit import audit_seal


class Command(BaseCommand):
    help = "封存审计日志：把已提交、尚未封存的审计记录按顺序接入哈希链（后台任务进程会定期执行）。"

    def handle(self, *args: Any, **options: Any) -> None:
        sealed = audit_seal()
        self.stdout.write(self.style.SUCCESS(f"已封存 {sealed} 条审计记录。"))
