"""`yiwang seed`: build the demo city 示范市 (deterministic and idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = (
        "生成示范市演示数据（区划、部门、自然人、法人、演示账号、12345 派单目录与知识库、智能分类模型、"
        "一年的 12345 工单和一网通办办件）；可重复运行，不会产生重复数据"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--hotline-tickets",
            type=int,
            metavar="件数",
            help="12345 历史工单件数（默认 50000；较慢的机器上可少生成一些，请在新库上使用）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.demo.city import seed_demo_city

        report = seed_demo_city(
            stdout=self.stdout if options["verbosity"] > 0 else None,
            hotline_tickets=options.get("hotline_tickets"),
        )
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(report.summary()))
