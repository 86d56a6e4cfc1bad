"""`yiwang files prune`: delete stored files attached to nothing once the grace period has passed
(the worker does it every `YIWANG_FILE_PRUNE_SECONDS`)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from yiwang.core.files import files_prune
from yiwang.identity.actor import Actor


class Command(BaseCommand):
    help = (
        "清理未关联附件：删除上传后超过宽限期（YIWANG_UPLOAD_GRACE_HOURS，默认 24 小时）仍未被任何业务使用的文件，"
        "每轮写一条审计记录（后台任务进程会定期执行）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--grace-hours", type=float, help="宽限期（小时），默认取 YIWANG_UPLOAD_GRACE_HOURS"
        )
        parser.add_argument("--batch", type=int, default=1000, help="每轮最多删除的文件数（默认 1000）")
        parser.add_argument("--dry-run", action="store_true", help="只统计，不删除")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.system()
        batch = max(1, int(options["batch"]))
        if options["dry_run"]:
            result = files_prune(actor=actor, grace_hours=options["grace_hours"], limit=batch, dry_run=True)
            more = "（还有更多）" if result.more else ""
            self.stdout.write(
                f"可清理 {result.deleted} 个文件{more}，共 {result.bytes} 字节"
                f"（上传于 {timezone.localtime(result.cutoff):%Y年%m月%d日 %H:%M} 之前且未关联任何业务）。"
            )
            return
        deleted = total = 0
        while True:
            result = files_prune(actor=actor, grace_hours=options["grace_hours"], limit=batch)
            deleted += result.deleted
            total += result.bytes
            if not result.more or not result.deleted:
                break
        self.stdout.write(
            self.style.SUCCESS(
                f"已清理 {deleted} 个未关联任何业务的文件，共 {total} 字节"
                f"（上传于 {timezone.localtime(result.cutoff):%Y年%m月%d日 %H:%M} 之前）。"
            )
        )
