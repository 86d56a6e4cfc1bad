"""`yiwang import_catalog <file.xlsx>`: import the catalogue (实施清单) in the national upload layout.

Atomic: with any error nothing is imported, every error is printed (sheet, row, column, problem) and
`--report errors.xlsx` writes them as a workbook. Runs as the platform (system actor) unless
`--user` names a staff account whose catalogue permissions then apply."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.identity.actor import Actor
from yiwang.identity.models import User
from yiwang.services.actions.imports import catalogue_import
from yiwang.services.excel import error_report


class Command(BaseCommand):
    help = "导入事项实施清单（国家政务服务平台上传模板格式的 Excel）"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path, help="Excel 文件（.xlsx）")
        parser.add_argument("--user", help="以该工作人员的权限导入（默认：系统）")
        parser.add_argument("--report", type=Path, help="有错误时把错误报告写入该 Excel 文件")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        actor = Actor.system()
        if options["user"]:
            user = User.objects.filter(username=options["user"], is_active=True).first()
            if user is None:
                raise CommandError(f"用户不存在：{options['user']}")
            actor = Actor.for_user(user)

        def progress(done: int, total: int) -> None:
            self.stdout.write(f"已校验 {done}/{total} 行")

        result = catalogue_import(actor=actor, content=path.read_bytes(), progress=progress)
        if result.errors:
            for error in result.errors:
                where = f"{error.sheet} 第 {error.row} 行" if error.row else error.sheet or "文件"
                self.stderr.write(f"{where}{' · ' + error.column if error.column else ''}：{error.message}")
            if options["report"]:
                options["report"].write_bytes(error_report(result.errors))
                self.stderr.write(f"错误报告已写入 {options['report']}")
            raise CommandError(f"导入失败：共 {len(result.errors)} 处错误，未导入任何事项")
        self.stdout.write(
            self.style.SUCCESS(
                f"导入完成：{result.rows} 行，新增 {result.created} 项，更新 {result.updated} 项"
            )
        )
