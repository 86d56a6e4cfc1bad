"""Write or check the committed OpenAPI document (openapi/v1.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser


class Command(BaseCommand):
    help = "生成或校验 OpenAPI 文档"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--output", help="写入该文件")
        parser.add_argument("--check", help="与该文件比对，不一致则失败")

    def handle(self, *args: Any, **options: Any) -> None:
        from yiwang.config.api import api

        text = json.dumps(api.get_openapi_schema(), ensure_ascii=False, indent=2, sort_keys=True) + "\n"
        if options["check"]:
            path = Path(options["check"])
            if not path.exists() or path.read_text(encoding="utf-8") != text:
                raise CommandError(f"{path} 已过期：请运行 make openapi 并提交")
            self.stdout.write(f"{path} 与代码一致")
        elif options["output"]:
            Path(options["output"]).write_text(text, encoding="utf-8")
            self.stdout.write(f"已写入 {options['output']}")
        else:
            self.stdout.write(text)
