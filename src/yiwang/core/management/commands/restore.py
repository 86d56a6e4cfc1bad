"""`yiwang restore <archive>`: put a `yiwang backup` archive back into an empty installation and
check it (the audit chain as `yiwang audit verify` does, and every stored file's SHA-256)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.core.backup import SHOWN_PROBLEMS, VENDOR_LABELS, BackupError, backup_restore, human_size
from yiwang.core.management.commands.audit_verify import sealing_status


class Command(BaseCommand):
    help = (
        "从 yiwang backup 生成的备份文件恢复：先按清单校验每个文件，再恢复到空的安装"
        "（数据库、附件和其他数据），最后校验审计日志哈希链和每个附件的摘要。"
    )
    # The target database is empty until the restore is done: no system check may touch it first.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", metavar="备份文件", help="yiwang backup 生成的 .tar.gz 或 .tar 文件")
        parser.add_argument(
            "--force",
            action="store_true",
            help="目标安装已有数据时仍然恢复，覆盖现有数据库、附件和数据目录（请先停止服务和任务进程）",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            report = backup_restore(
                Path(options["archive"]), force=options["force"], progress=self.stdout.write
            )
        except BackupError as exc:
            raise CommandError(f"恢复失败：{exc}", returncode=1) from exc

        manifest = report.manifest
        self.stdout.write(
            self.style.SUCCESS(
                f"已恢复 {manifest.get('created_at')} 的备份：数据库（"
                f"{VENDOR_LABELS.get(manifest['database']['vendor'], '')}）、附件 {report.files} 个"
                f"（{human_size(report.file_bytes)}）、其他数据 {report.data_files} 个文件。"
            )
        )
        if report.pending_migrations:
            self.stdout.write(
                f"备份早于本版本：有 {report.pending_migrations} 个数据库迁移尚未执行，请运行 yiwang migrate。"
            )

        problems: list[str] = []
        audit = report.audit
        if report.check_error:
            problems.append(report.check_error)
        if audit is not None:
            if audit.ok:
                self.stdout.write(f"审计日志校验通过：已检查 {audit.checked} 条记录，哈希链完整。")
                self.stdout.write(f"链头：{audit.head_sequence}:{audit.head_hash}")
                self.stdout.write(sealing_status(audit))
            else:
                problems.append(f"审计日志校验失败：发现 {len(audit.problems)} 个问题")
                problems += [
                    f"  [{p.kind}] #{p.sequence if p.sequence is not None else '-'} {p.message}"
                    for p in audit.problems[:SHOWN_PROBLEMS]
                ]
        if report.file_problems:
            problems.append(f"附件摘要校验失败：{len(report.file_problems)} 个附件的内容缺失或不符")
            problems += [f"  {problem}" for problem in report.file_problems[:SHOWN_PROBLEMS]]
        elif audit is not None:
            self.stdout.write(f"附件摘要校验通过：{report.files_checked} 个附件的 SHA-256 与登记一致。")

        if problems:
            for line in problems:
                self.stderr.write(line)
            raise CommandError("恢复后的校验未通过（见上）", returncode=1)
        self.stdout.write(self.style.SUCCESS("恢复完成，校验全部通过。"))
