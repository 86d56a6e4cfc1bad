"""`yiwang seed`: build the demo city 示范市 (deterministic and idempotent)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "生成示范市演示数据（区划、部门、自然人、法人、演示账号、办件历史）；可重复运行，不会产生重复数据"

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.demo.city import seed_demo_city

        report = seed_demo_city(stdout=self.stdout if options["verbosity"] > 0 else None)
        if options["verbosity"] > 0:
            self.stdout.write(self.style.SUCCESS(report.summary()))
