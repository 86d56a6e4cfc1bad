"""`yiwang audit verify`: recompute the audit hash chain and report every break (exit 1 if any)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from yiwang.core.audit import ChainReport, verify_anchor, verify_chain_report


def sealing_status(report: ChainReport) -> str:
    """How far the chain is sealed, as an auditor reads it."""
    if not report.pending:
        return f"封存进度：已全部封存（至第 {report.head_sequence} 条）。"
    oldest = report.oldest_pending_at
    since = timezone.localtime(oldest).strftime("%Y年%m月%d日 %H:%M:%S") if oldest else "-"
    return (
        f"封存进度：已封存至第 {report.head_sequence} 条；另有 {report.pending} 条已签名、待封存"
        f"（最早一条写入于 {since}；后台任务进程每隔几秒封存一次，也可运行 yiwang audit seal）。"
    )


class Command(BaseCommand):
    help = "校验审计日志哈希链：发现被修改、删除或插入的记录时列出问题并以非零状态退出。"
    # An auditor must be able to verify even when an unrelated system check fails.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--expect-head",
            metavar="序号:哈希",
            help="外部留存的链头锚点（上次校验输出的“序号:哈希”），检查该记录仍然存在且未被改动",
        )
        parser.add_argument("--batch-size", type=int, default=2000, help="每批读取的记录数")

    def handle(self, *args: Any, **options: Any) -> None:
        anchor = options.get("expect_head")
        anchor_sequence, anchor_hash = 0, ""
        if anchor:
            sequence_text, _, anchor_hash = str(anchor).partition(":")
            if not sequence_text.isdigit() or len(anchor_hash) != 64:
                raise CommandError("--expect-head 的格式应为“序号:64位十六进制哈希”")
            anchor_sequence = int(sequence_text)

        report = verify_chain_report(batch_size=options["batch_size"])
        problems = list(report.problems)
        if anchor:
            anchor_problem = verify_anchor(sequence=anchor_sequence, expected_hash=anchor_hash)
            if anchor_problem is not None:
                problems.append(anchor_problem)

        if not problems:
            self.stdout.write(
                self.style.SUCCESS(f"审计日志校验通过：已检查 {report.checked} 条记录，哈希链完整。")
            )
            self.stdout.write(
                f"链头：{report.head_sequence}:{report.head_hash}（请在系统外留存以便日后比对）"
            )
            self.stdout.write(sealing_status(report))
            return

        self.stderr.write(sealing_status(report))
        self.stderr.write(f"审计日志校验失败：已检查 {report.checked} 条记录，发现 {len(problems)} 个问题：")
        for problem in problems:
            where = f"#{problem.sequence}" if problem.sequence is not None else "#-"
            self.stderr.write(f"  [{problem.kind}] {where} {problem.message}")
        raise CommandError(f"审计日志哈希链已被破坏（{len(problems)} 个问题）", returncode=1)
