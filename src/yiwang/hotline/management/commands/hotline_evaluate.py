"""`yiwang hotline evaluate`: how well the 12345 ticket classifier does on labelled data — K-fold
cross-validation on one file, or train on one file and test on another. Prints the JSON report and
draws the confusion matrix (hotline.classifier)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from yiwang.hotline import classifier
from yiwang.hotline.management.commands.hotline_train import COLUMNS_HELP, add_input_arguments, read_input


class Command(BaseCommand):
    help = (
        "评估 12345 工单智能分类：--folds K 在输入文件上做分层 K 折交叉验证，或 --test 文件 用输入文件训练、"
        "在测试文件上评估。向标准输出打印 JSON 报告（准确率、宏平均/加权 F1、各类别指标、混淆矩阵），"
        f"并输出混淆矩阵热力图（PNG）。{COLUMNS_HELP}"
    )
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        add_input_arguments(parser)
        mode = parser.add_mutually_exclusive_group(required=True)
        mode.add_argument("--folds", type=int, metavar="K", help="分层 K 折交叉验证的折数（如 5）")
        mode.add_argument(
            "--test", metavar="文件", help="测试文件（列名同输入文件）：用输入文件训练，在它上面评估"
        )
        parser.add_argument(
            "--confusion",
            metavar="图片.png",
            help="混淆矩阵图片路径（默认与 --output 同名、扩展名为 .png；未给 --output 时为当前目录下的 confusion.png）",
        )
        parser.add_argument("--output", metavar="report.json", help="同时把 JSON 报告写入该文件")

    def handle(self, *args: Any, **options: Any) -> None:
        output = Path(options["output"]) if options.get("output") else None
        if options.get("confusion"):
            image = Path(options["confusion"])
        else:
            image = output.with_suffix(".png") if output else Path("confusion.png")
        if image.suffix.lower() != ".png":
            raise CommandError(f"混淆矩阵图片须为 .png 文件：{image}")
        folds = options.get("folds")
        if folds is not None and folds < 2:
            raise CommandError(f"折数至少为 2（收到 {folds}）")

        # Everything is read and checked before anything is written.
        texts, labels = read_input(options["input"], options)
        start = time.perf_counter()
        try:
            if folds is not None:
                classifier.check_rows(labels, folds=folds, source=Path(options["input"]).name)
                self.stderr.write(f"{folds} 折交叉验证：{len(texts)} 条、{len(set(labels))} 个类别 …")
                report = classifier.cross_validate(texts, labels, folds=folds)
            else:
                classifier.check_rows(labels, source=Path(options["input"]).name)
                test_texts, test_labels = self._read_test(options["test"], options)
                self.stderr.write(f"训练：{len(texts)} 条；测试：{len(test_texts)} 条 …")
                model = classifier.train(texts, labels)
                report = classifier.holdout(model, test_texts, test_labels)
        except classifier.ClassifierInputError as exc:
            raise CommandError(str(exc)) from exc

        text = report.to_json()
        try:
            if output:
                output.parent.mkdir(parents=True, exist_ok=True)
                output.write_text(text + "\n", encoding="utf-8")
            classifier.write_confusion_image(report, image)
        except OSError as exc:
            raise CommandError(f"无法写入结果文件：{exc.filename or ''} {exc.strerror or exc}") from exc
        self.stdout.write(text)
        self.stderr.write(
            f"准确率 {report.accuracy:.4f}，宏平均 F1 {report.macro_f1:.4f}，"
            f"用时 {time.perf_counter() - start:.1f} 秒；混淆矩阵：{image}"
            + (f"；报告：{output}" if output else "")
        )

    def _read_test(self, path: str, options: dict[str, Any]) -> tuple[list[str], list[str]]:
        """The test file needs the same columns, but one class in it is fine (it is not trained on)."""
        try:
            return classifier.load_labelled(
                path,
                text_columns=options.get("text_columns"),
                label_column=options.get("label_column"),
                min_classes=1,
            )
        except classifier.ClassifierInputError as exc:
            raise CommandError(f"测试文件：{exc}") from exc
