"""`yiwang hotline train`: train the 12345 ticket classifier on a labelled file and save it
(hotline.classifier; docs/decisions/0013-hotline-classifier.md)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.hotline import classifier

COLUMNS_HELP = "（默认「内容」/「类别」；文件中没有时也接受英文列名 text/label）"


def add_input_arguments(parser: CommandParser) -> None:
    """The arguments `hotline train` and `hotline evaluate` share."""
    parser.add_argument(
        "--input",
        required=True,
        metavar="文件",
        help="带类别标注的工单文件：UTF-8 编码的 .csv 或 .xlsx，首行为列名",
    )
    parser.add_argument(
        "--text-columns",
        nargs="+",
        metavar="列名",
        help="文本列，可给多个，按顺序以「。」连接（默认「内容」；文件中没有该列时用英文列名 text）",
    )
    parser.add_argument(
        "--label-column", metavar="列名", help="类别列（默认「类别」；文件中没有该列时用英文列名 label）"
    )


def read_input(path: str, options: dict[str, Any]) -> tuple[list[str], list[str]]:
    try:
        return classifier.load_labelled(
            path, text_columns=options.get("text_columns"), label_column=options.get("label_column")
        )
    except classifier.ClassifierInputError as exc:
        raise CommandError(str(exc)) from exc


def default_model_path() -> Path:
    return Path(settings.DATA_DIR) / "hotline" / "classifier.joblib"


class Command(BaseCommand):
    help = (
        "训练 12345 工单智能分类（派单建议）模型：读取带类别标注的工单文件，"
        f"训练后保存为模型文件（默认 数据目录/hotline/classifier.joblib）。{COLUMNS_HELP}"
    )
    requires_system_checks: list[str] = []  # a pure file-to-file job

    def add_arguments(self, parser: CommandParser) -> None:
        add_input_arguments(parser)
        parser.add_argument(
            "--output", metavar="文件", help="模型文件路径（默认 数据目录/hotline/classifier.joblib）"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options.get("output") else default_model_path()
        self.stderr.write(f"读取 {options['input']} …")
        texts, labels = read_input(options["input"], options)
        try:
            classifier.check_rows(labels, source=Path(options["input"]).name)
        except classifier.ClassifierInputError as exc:
            raise CommandError(str(exc)) from exc
        classes = len(set(labels))
        self.stderr.write(f"训练中：{len(texts)} 条、{classes} 个类别（十万条约需数分钟）…")
        start = time.perf_counter()
        try:
            model = classifier.train(texts, labels)
        except classifier.ClassifierInputError as exc:
            raise CommandError(str(exc)) from exc
        seconds = time.perf_counter() - start
        try:
            classifier.save(model, output)
        except OSError as exc:
            raise CommandError(f"无法写入模型文件 {output}：{exc.strerror or exc}") from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"训练完成：{len(texts)} 条、{classes} 个类别，用时 {seconds:.1f} 秒；模型已保存到 {output}"
            )
        )
