"""`yiwang tick`: mark workflow warnings and overdue items and fire escalations."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yiwang.workflow.actions import tick


class Command(BaseCommand):
    help = "流程计时：标记预警、超期，触发督办（可反复运行，每条督办只触发一次）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--now", help="按指定时刻计算（ISO 8601，默认当前时间），用于补跑或演示")

    def handle(self, *args: Any, **options: Any) -> None:
        now = None
        if options["now"]:
            try:
                now = datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError("--now 应为 ISO 8601 时间，如 2026-11-09T11:00:00+08:00") from exc
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        result = tick(now=now)
        self.stdout.write(
            f"预警 {result.warned}，超期 {result.overdue}，督办 {result.escalations}"
            f"（通知 {result.notifications} 人，自动办理 {result.auto_actions}，失败 {result.failed}）"
        )
