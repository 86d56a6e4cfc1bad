"""`yiwang hotline tally`: rebuild the 12345 monthly counts (`TicketTally`) from the tickets, after
tickets were written beside the application (a bulk import, a repair in SQL); `--check` only compares
them and fails when they differ (hotline.tallies)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.hotline import tallies


class Command(BaseCommand):
    help = (
        "按工单重算 12345 热线月度计数（批量导入或直接改库之后使用）；--check 只核对、不修改，不一致时报错。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--check", action="store_true", help="只核对月度计数与工单是否一致")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["check"]:
            wrong = tallies.differences()
            if wrong:
                for line in wrong[:20]:
                    self.stderr.write(line)
                raise CommandError(
                    f"热线月度计数与工单不一致：{len(wrong)} 处（运行 yiwang hotline tally 重算）"
                )
            self.stdout.write("热线月度计数与工单一致。")
            return
        count = tallies.rebuild()
        self.stdout.write(f"已按工单重算热线月度计数：{count} 条。")
