"""`yiwang backup`: the database, the uploaded files and the data paths in one archive (core.backup)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yiwang.core.backup import SHOWN_PROBLEMS, VENDOR_LABELS, BackupError, backup_create, human_size


class Command(BaseCommand):
    help = (
        "备份整个安装：数据库（SQLite 在线备份或 pg_dump）、全部附件和其他数据目录，"
        "写入一个带校验清单（每个文件的 SHA-256）的 .tar.gz 或 .tar 文件。"
    )
    # A backup must run even when an unrelated system check fails.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "-o",
            "--output",
            metavar="文件",
            help="备份文件路径（.tar.gz、.tgz 或 .tar；默认为当前目录下的 yiwang-backup-年月日-时分秒.tar.gz）",
        )
        parser.add_argument(
            "--strict",
            action="store_true",
            help="有附件内容缺失或与登记的摘要不符时以非零状态退出（备份文件仍会写出）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = options.get("output") or f"yiwang-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz"
        try:
            report = backup_create(Path(output), progress=self.stdout.write)
        except BackupError as exc:
            raise CommandError(f"备份失败：{exc}", returncode=1) from exc

        self.stdout.write(
            self.style.SUCCESS(f"备份完成：{report.path}（{human_size(report.archive_bytes)}）")
        )
        self.stdout.write(
            f"  数据库：{VENDOR_LABELS[report.vendor]}，{human_size(report.database_bytes)}；"
            f"附件：{report.files} 个，{human_size(report.file_bytes)}；"
            f"其他数据：{report.data_files} 个文件，{human_size(report.data_bytes)}"
        )
        self.stdout.write(
            "  清单 manifest.json 记录了每个文件的大小和 SHA-256；恢复前请妥善保管（含个人信息）。"
        )
        if not report.problems:
            self.stdout.write("附件核对：登记的附件内容齐全，摘要一致。")
            return
        self.stderr.write(f"警告：有 {len(report.problems)} 个附件的内容缺失或与登记的摘要不符：")
        for problem in report.problems[:SHOWN_PROBLEMS]:
            self.stderr.write(f"  {problem}")
        if len(report.problems) > SHOWN_PROBLEMS:
            self.stderr.write(f"  ……另有 {len(report.problems) - SHOWN_PROBLEMS} 个")
        if options["strict"]:
            raise CommandError(
                f"备份已写出，但有 {len(report.problems)} 个附件的内容缺失或不符（--strict）", returncode=1
            )
