"""The 12345 ticket classifier behind smart dispatch (派单建议): labelled Chinese text in, a linear
model out that suggests the top categories of a new ticket with confidences.

Pure Python, scikit-learn and jieba, no Django models: it trains on any labelled table (a city's
own 工单 export, the demo corpus) and is used from management commands, tasks and tests alike.
Why this design and its measured numbers: docs/decisions/0013-hotline-classifier.md.

- Text is normalised first (NFKC full-width → half-width, lower case, punctuation and whitespace
  runs → one space, phone/ID/order numbers → `#`) so that typing habits are not features.
- Features: jieba words (unigrams + bigrams) and characters (1–3-grams), both TF-IDF with
  sublinear tf. Characters carry typos and words jieba splits badly; words carry the meaning.
- Model: a linear SVM (one-vs-rest), its scores turned into confidences by sigmoid calibration on
  out-of-fold scores (Platt), normalised so that each ticket's confidences add up to 1.
- A saved model is one joblib file written atomically, with a format version checked on load.
"""

from __future__ import annotations

import io
import json
import logging
import math
import os
import platform
import re
import tempfile
import unicodedata
import warnings
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jieba
import joblib
import numpy as np
import sklearn
from sklearn.calibration import CalibratedClassifierCV
from sklearn.exceptions import ConvergenceWarning, InconsistentVersionWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.svm import LinearSVC

jieba.setLogLevel(logging.WARNING)  # jieba announces its dictionary loading on stderr otherwise

# Bump when normalisation, segmentation or the pipeline's shape changes: a saved model pickles the
# fitted vocabularies and references this module's functions by name.
FORMAT_VERSION = 1
DEFAULT_TEXT_COLUMNS = ("内容",)
DEFAULT_LABEL_COLUMN = "类别"
# Accepted when the Chinese default column is absent (exports from other systems).
ENGLISH_COLUMNS = {"内容": "text", "类别": "label"}
SUFFIXES = (".csv", ".xlsx")
# A ticket longer than this is cut: the category shows in its first paragraphs, and one pasted
# document must not cost seconds of segmentation.
MAX_CHARS = 3000
SEPARATOR = "\u2581"  # between jieba tokens inside the pipeline; normalisation removes it from input
NUMBER = "#"

# Model and feature sizes (see the decision record for how they were chosen).
C = 0.5  # LinearSVC regularisation
# liblinear's dual solver converged in ~30 passes on the benchmark; the cap bounds a hard set's time.
SVM_TOLERANCE, SVM_MAX_ITER = 1e-3, 100
CALIBRATION_FOLDS = 2
MIN_ROWS_PER_CLASS = 2  # calibration needs each class in two folds at least
# The most frequent n-grams kept: the model holds one weight per class and feature (8 bytes each),
# so 100k features × 48 classes ≈ 38 MB; 200 classes ≈ 160 MB.
WORD_FEATURES = 50_000
CHAR_FEATURES = 50_000


class ClassifierInputError(ValueError):
    """Input the classifier cannot use; the message is Chinese and meant for the user."""


@dataclass(frozen=True)
class Suggestion:
    label: str
    confidence: float


# ----------------------------------------------------------------------------------- reading


def _read_rows(path: Path) -> tuple[list[str], list[tuple[Any, ...]]]:
    if not path.exists():
        raise ClassifierInputError(f"找不到文件：{path}")
    if not path.is_file():
        raise ClassifierInputError(f"不是文件：{path}")
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        hint = "（旧版 .xls 请在 Excel 中另存为 .xlsx）" if suffix == ".xls" else ""
        raise ClassifierInputError(
            f"不支持的文件类型「{path.suffix or '无扩展名'}」：请使用 UTF-8 编码的 .csv 或 .xlsx 文件{hint}"
        )
    rows = _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    if not rows:
        raise ClassifierInputError(f"文件是空的：{path}")
    header = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    return header, rows[1:]


def _read_csv(path: Path) -> list[tuple[Any, ...]]:
    import csv

    data = path.read_bytes()
    # UTF-8 with or without BOM; a CSV saved by Excel on a Chinese Windows is GB18030 (GBK).
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string that is not broken mid-character
        raise ClassifierInputError(f"无法识别文件编码，请另存为 UTF-8 编码的 CSV：{path}")
    # newline="": a quoted field may span lines (a ticket's paragraphs)
    return [tuple(row) for row in csv.reader(io.StringIO(text, newline=""))]


def _read_xlsx(path: Path) -> list[tuple[Any, ...]]:
    # Through the platform's guarded reader (zip bombs, entity bombs); limits sized for a training
    # export rather than an upload page, passed explicitly so that no Django settings are needed.
    from yiwang.core.errors import InvalidInput
    from yiwang.core.spreadsheets import SpreadsheetLimits, spreadsheet_open

    limits = SpreadsheetLimits(max_rows=2_000_000, max_cells=20_000_000, seconds=600.0)
    try:
        with path.open("rb") as source, spreadsheet_open(source, limits=limits) as workbook:
            return list(workbook.rows(workbook.sheet_names[0]))
    except InvalidInput as exc:
        raise ClassifierInputError(f"无法读取 Excel 文件 {path.name}：{exc.message}") from exc


def _resolve(header: list[str], wanted: str, *, default: bool) -> str:
    if wanted in header or not default:
        return wanted
    english = ENGLISH_COLUMNS.get(wanted)
    return english if english in header else wanted


def load_labelled(
    path: str | Path,
    *,
    text_columns: Sequence[str] | None = None,
    label_column: str | None = None,
    min_classes: int = 2,
) -> tuple[list[str], list[str]]:
    """Texts and labels from a .csv (UTF-8, with or without BOM; GB18030 accepted) or .xlsx file
    whose first row names the columns. Several text columns are joined with "。"; rows with an
    empty text or label are skipped. Without explicit columns the defaults 内容/类别 are used, or
    text/label when the file has those instead. A training file needs two classes at least; a test
    file may have one (`min_classes=1`), but not zero rows."""
    path = Path(path)
    header, rows = _read_rows(path)
    texts_named = [
        _resolve(header, c, default=text_columns is None) for c in text_columns or DEFAULT_TEXT_COLUMNS
    ]
    label_named = _resolve(header, label_column or DEFAULT_LABEL_COLUMN, default=label_column is None)
    missing = [name for name in [*texts_named, label_named] if name not in header]
    if missing:
        shown = "、".join(f"「{name}」" for name in dict.fromkeys(missing))
        present = "、".join(name for name in header if name) or "无"
        raise ClassifierInputError(f"文件 {path.name} 缺少列 {shown}（文件中的列：{present}）")
    text_indexes = [header.index(name) for name in texts_named]
    label_index = header.index(label_named)
    texts: list[str] = []
    labels: list[str] = []
    for row in rows:
        label = _cell(row, label_index)
        parts = [part for part in (_cell(row, index) for index in text_indexes) if part]
        if label and parts:
            texts.append("。".join(parts))
            labels.append(label)
    if min_classes > 1:
        check_classes(labels, source=path.name)
    elif not labels:
        raise ClassifierInputError(f"文件 {path.name} 中没有同时填写了文本和类别的记录")
    return texts, labels


def _cell(row: tuple[Any, ...], index: int) -> str:
    if index >= len(row) or row[index] is None:
        return ""
    return str(row[index]).strip()


def rows_needed(folds: int = 1) -> int:
    """Rows each class needs: K for K-fold evaluation, and enough that every training set (all
    rows, or a fold's K-1 parts) keeps MIN_ROWS_PER_CLASS of them for calibration."""
    needed = max(folds, MIN_ROWS_PER_CLASS)
    while folds > 1 and needed - math.ceil(needed / folds) < MIN_ROWS_PER_CLASS:
        needed += 1
    return needed


def check_classes(labels: Sequence[str], *, source: str = "训练数据") -> None:
    """At least two classes to tell apart."""
    counts = Counter(labels)
    if len(counts) < 2:
        raise ClassifierInputError(
            f"{source} 中只有 {len(counts)} 个类别（共 {len(labels)} 条有效记录），至少需要 2 个类别才能训练"
        )


def check_rows(labels: Sequence[str], *, folds: int = 1, source: str = "训练数据") -> None:
    """Enough rows in every class to train (folds=1) or to run K-fold evaluation (`rows_needed`)."""
    needed = rows_needed(folds)
    small = sorted((count, label) for label, count in Counter(labels).items() if count < needed)
    if small:
        shown = "、".join(f"「{label}」{count} 条" for count, label in small[:10])
        more = f"等 {len(small)} 个类别" if len(small) > 10 else ""
        purpose = f"{folds} 折交叉验证" if folds > 1 else "训练"
        raise ClassifierInputError(
            f"{purpose}要求每个类别至少 {needed} 条记录，{source} 中不足的有：{shown}{more}；"
            "请补充数据、合并小类别" + ("或减少折数" if folds > 1 else "")
        )


# ------------------------------------------------------------------------------------ features

_PUNCTUATION = re.compile(r"[\W_]+")  # after NFKC: anything but letters (incl. CJK) and digits
# Digit groups, maybe split by punctuation (138-1234-5678, 0511 8888 8888), and an ID's final x.
_DIGITS = re.compile(r"\d+(?: \d{3,})*x?")


def _number(match: re.Match[str]) -> str:
    digits = sum(character.isdigit() for character in match.group())
    return f" {NUMBER} " if digits >= 5 else match.group()


def normalize(text: str) -> str:
    """The text as the features see it: NFKC (full-width digits and letters → ASCII), lower case,
    punctuation/whitespace runs → one space, numbers of 5+ digits (phones, IDs, order numbers) → '#'."""
    text = unicodedata.normalize("NFKC", text[: MAX_CHARS * 2]).lower()
    text = _DIGITS.sub(_number, _PUNCTUATION.sub(" ", text))
    return " ".join(text.split())[:MAX_CHARS]


def segment(text: str) -> str:
    """The normalised text with jieba's tokens joined by SEPARATOR (removing it gives the text back)."""
    return SEPARATOR.join(jieba.lcut(normalize(text), HMM=True))


def _segment_many(texts: Iterable[str]) -> list[str]:
    return [segment(text) for text in texts]


def _word_tokens(segmented: str) -> list[str]:
    return [token for token in segmented.split(SEPARATOR) if token.strip()]


def _plain(segmented: str) -> str:
    return segmented.replace(SEPARATOR, "")


def _features() -> FeatureUnion:
    words = TfidfVectorizer(
        tokenizer=_word_tokens,
        token_pattern=None,
        preprocessor=None,
        lowercase=False,
        ngram_range=(1, 2),
        min_df=2,
        max_features=WORD_FEATURES,
        sublinear_tf=True,
    )
    chars = TfidfVectorizer(
        analyzer="char_wb",
        preprocessor=_plain,
        lowercase=False,
        ngram_range=(1, 3),
        min_df=2,
        max_features=CHAR_FEATURES,
        sublinear_tf=True,
    )
    return FeatureUnion([("words", words), ("chars", chars)])


def _model(seed: int, smallest_class: int) -> CalibratedClassifierCV:
    # ensemble=False: one SVM trained on all rows predicts; the out-of-fold scores of CALIBRATION_FOLDS
    # others only fit the sigmoids (an ensemble of the fold models scored lower, decision record).
    folds = StratifiedKFold(min(CALIBRATION_FOLDS, smallest_class), shuffle=True, random_state=seed)
    svm = LinearSVC(C=C, tol=SVM_TOLERANCE, max_iter=SVM_MAX_ITER, random_state=seed)
    return CalibratedClassifierCV(svm, method="sigmoid", cv=folds, ensemble=False)


def build_pipeline(
    *, seed: int = 0, segmented: bool = False, smallest_class: int = CALIBRATION_FOLDS
) -> Pipeline:
    """The untrained pipeline; `segmented=True` expects `segment()`ed input (cross-validation
    segments once instead of once per fold); `smallest_class` is the row count of the rarest class
    in the training rows (it bounds the calibration folds)."""
    segmenter: Any = "passthrough" if segmented else FunctionTransformer(_segment_many)
    return Pipeline(
        [("segment", segmenter), ("features", _features()), ("model", _model(seed, smallest_class))]
    )


# -------------------------------------------------------------------------------------- model


def _versions() -> dict[str, str]:
    return {
        "format": str(FORMAT_VERSION),
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "jieba": str(getattr(jieba, "__version__", "")),
        "numpy": np.__version__,
    }


@dataclass
class TrainedModel:
    pipeline: Pipeline
    classes: list[str]
    n_train: int
    trained_at: str  # ISO 8601, UTC
    versions: dict[str, str] = field(default_factory=_versions)

    def suggest(self, texts: Sequence[str], k: int = 3) -> list[list[Suggestion]]:
        """The k likeliest categories of each text, likeliest first (ties in class order)."""
        if not texts:
            return []
        probabilities = self.pipeline.predict_proba(list(texts))
        classes = [str(label) for label in self.pipeline.classes_]
        k = max(1, min(k, len(classes)))
        order = np.argsort(-probabilities, axis=1, kind="stable")[:, :k]
        return [
            [Suggestion(classes[index], float(row[index])) for index in indexes]
            for row, indexes in zip(probabilities, order, strict=True)
        ]

    def predict(self, texts: Sequence[str]) -> list[str]:
        return [str(label) for label in self.pipeline.predict(list(texts))] if texts else []


def train(texts: Sequence[str], labels: Sequence[str], *, seed: int = 0, n_jobs: int = 2) -> TrainedModel:
    """Fit the pipeline on all rows. `n_jobs` threads fit the calibration folds side by side
    (liblinear releases the GIL, so threads share the feature matrix instead of copying it)."""
    if len(texts) != len(labels):
        raise ClassifierInputError(f"文本 {len(texts)} 条与类别 {len(labels)} 条数量不一致")
    check_classes(labels)
    check_rows(labels)
    pipeline = build_pipeline(seed=seed, smallest_class=min(Counter(labels).values()))
    with joblib.parallel_config(backend="threading", n_jobs=n_jobs), warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # SVM_MAX_ITER is a deliberate cap
        pipeline.fit(list(texts), list(labels))
    return TrainedModel(
        pipeline=pipeline,
        classes=[str(label) for label in pipeline.classes_],
        n_train=len(texts),
        trained_at=datetime.now(UTC).isoformat(timespec="seconds"),
    )


def save(model: TrainedModel, path: str | Path) -> Path:
    """Write atomically: a temporary file in the same directory, then os.replace."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    payload = {"format_version": FORMAT_VERSION, **asdict_shallow(model)}
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            joblib.dump(payload, stream, compress=3)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def asdict_shallow(model: TrainedModel) -> dict[str, Any]:
    # dataclasses.asdict would deep-copy the fitted pipeline.
    return {
        name: getattr(model, name) for name in ("pipeline", "classes", "n_train", "trained_at", "versions")
    }


def load(path: str | Path) -> TrainedModel:
    path = Path(path)
    if not path.is_file():
        raise ClassifierInputError(f"找不到模型文件：{path}（请先运行 yiwang hotline train）")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", InconsistentVersionWarning)
            payload = joblib.load(path)
    except InconsistentVersionWarning as exc:
        raise ClassifierInputError(
            f"模型文件 {path.name} 由 scikit-learn {exc.original_sklearn_version} 训练，"
            f"当前为 {sklearn.__version__}，请重新训练"
        ) from exc
    except Exception as exc:  # a truncated, foreign or incompatible file: unpickling fails in many ways
        raise ClassifierInputError(
            f"无法读取模型文件 {path.name}（{type(exc).__name__}），请重新训练"
        ) from exc
    version = payload.get("format_version") if isinstance(payload, dict) else None
    if version != FORMAT_VERSION:
        raise ClassifierInputError(
            f"模型文件 {path.name} 的格式版本为 {version}，当前程序需要 {FORMAT_VERSION}，请重新训练"
        )
    return TrainedModel(
        pipeline=payload["pipeline"],
        classes=list(payload["classes"]),
        n_train=int(payload["n_train"]),
        trained_at=str(payload["trained_at"]),
        versions=dict(payload["versions"]),
    )


# --------------------------------------------------------------------------------- evaluation


@dataclass
class Report:
    accuracy: float
    macro_f1: float
    weighted_f1: float
    per_class: dict[str, dict[str, float]]  # label → precision, recall, f1, support
    labels: list[str]  # the confusion matrix's order (rows: true, columns: predicted)
    confusion: list[list[int]]
    n_train: int
    n_test: int
    folds: int | None = None  # K for cross-validation, None for a held-out test file

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """Indented JSON, except that each confusion-matrix row stays on one line."""
        data = self.to_dict()
        rows = data.pop("confusion")
        text = json.dumps({**data, "confusion": "\0"}, ensure_ascii=False, indent=2)
        matrix = ",\n".join(f"    {json.dumps(row)}" for row in rows)
        return text.replace('"\\u0000"', f"[\n{matrix}\n  ]" if rows else "[]")


def _report(true: Sequence[str], predicted: Sequence[str], *, n_train: int, folds: int | None) -> Report:
    labels = sorted(set(true) | set(predicted))
    details = classification_report(true, predicted, labels=labels, output_dict=True, zero_division=0)
    per_class = {
        label: {
            "precision": round(float(details[label]["precision"]), 4),
            "recall": round(float(details[label]["recall"]), 4),
            "f1": round(float(details[label]["f1-score"]), 4),
            "support": int(details[label]["support"]),
        }
        for label in labels
    }
    matrix = confusion_matrix(true, predicted, labels=labels)
    return Report(
        accuracy=round(float(accuracy_score(true, predicted)), 4),
        macro_f1=round(float(f1_score(true, predicted, labels=labels, average="macro", zero_division=0)), 4),
        weighted_f1=round(
            float(f1_score(true, predicted, labels=labels, average="weighted", zero_division=0)), 4
        ),
        per_class=per_class,
        labels=labels,
        confusion=[[int(value) for value in row] for row in matrix],
        n_train=n_train,
        n_test=len(true),
        folds=folds,
    )


def cross_validate(
    texts: Sequence[str], labels: Sequence[str], *, folds: int = 5, seed: int = 0, n_jobs: int = 2
) -> Report:
    """Stratified K-fold: every row is predicted once by a model that did not see it. n_train and
    n_test are then both the number of rows (each fold trains on (K-1)/K of them)."""
    if folds < 2:
        raise ClassifierInputError(f"折数至少为 2（收到 {folds}）")
    if len(texts) != len(labels):
        raise ClassifierInputError(f"文本 {len(texts)} 条与类别 {len(labels)} 条数量不一致")
    check_classes(labels)
    check_rows(labels, folds=folds)
    segmented = np.array(_segment_many(texts), dtype=object)
    y = np.array(labels, dtype=object)
    predicted = np.empty(len(y), dtype=object)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train_index, test_index in splitter.split(segmented, y):
        smallest = min(Counter(y[train_index]).values())
        pipeline = build_pipeline(seed=seed, segmented=True, smallest_class=smallest)
        with joblib.parallel_config(backend="threading", n_jobs=n_jobs), warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            pipeline.fit(list(segmented[train_index]), list(y[train_index]))
        predicted[test_index] = pipeline.predict(list(segmented[test_index]))
    return _report(list(y), [str(label) for label in predicted], n_train=len(y), folds=folds)


def holdout(model: TrainedModel, texts: Sequence[str], labels: Sequence[str]) -> Report:
    """The model's scores on a labelled test set it was not trained on."""
    if len(texts) != len(labels):
        raise ClassifierInputError(f"文本 {len(texts)} 条与类别 {len(labels)} 条数量不一致")
    if not texts:
        raise ClassifierInputError("测试数据中没有有效记录")
    return _report(list(labels), model.predict(texts), n_train=model.n_train, folds=None)


# ------------------------------------------------------------------------------- confusion image

CJK_FONT_NAMES = ("Noto Sans CJK", "Noto Serif CJK", "Source Han", "WenQuanYi", "SimHei", "Microsoft YaHei")
CJK_FONT_FILES = ("notosanscjk", "notoserifcjk", "sourcehan", "wqy", "simhei", "msyh", "droidsansfallback")


def cjk_font() -> str | None:
    """The path of an installed font that has Chinese glyphs, or None. matplotlib's cached font
    list first; then the system font files (a font installed after the cache was built)."""
    from matplotlib import font_manager

    def regular_first(weight: object, fname: str) -> tuple[bool, str]:
        return (weight not in (400, "normal", "regular") and "regular" not in fname.lower(), fname)

    entries = sorted(
        font_manager.fontManager.ttflist, key=lambda entry: regular_first(entry.weight, entry.fname)
    )
    for entry in entries:
        if any(name.lower() in entry.name.lower() for name in CJK_FONT_NAMES):
            return str(entry.fname)
    for fname in sorted(font_manager.findSystemFonts(), key=lambda fname: regular_first(None, fname)):
        if any(part in Path(fname).name.lower().replace("-", "").replace("_", "") for part in CJK_FONT_FILES):
            return str(fname)
    return None


def write_confusion_image(report: Report, path: str | Path, *, font: str | None = "auto") -> Path:
    """A row-normalised confusion-matrix heat map as PNG. Classes are named on the axes when a CJK
    font is installed (`font="auto"` finds one; a path uses that file); otherwise — or with
    `font=None` — they are numbered 1..N in the order of `report.labels`, and the image carries no
    Chinese at all, so it never shows empty boxes for missing glyphs."""
    import matplotlib

    matplotlib.use("Agg")  # before pyplot: no display on a server
    from matplotlib import pyplot
    from matplotlib.font_manager import FontProperties

    path = Path(path)
    font_path = cjk_font() if font == "auto" else font
    properties = FontProperties(fname=font_path) if font_path else None
    labels = report.labels
    count = len(labels)
    matrix = np.array(report.confusion, dtype=float).reshape(count, count)
    totals = matrix.sum(axis=1, keepdims=True)
    normalised = np.divide(matrix, totals, out=np.zeros_like(matrix), where=totals > 0)

    cell = 0.38 if count <= 30 else 0.26  # inches per class: ~26 px at 100 dpi stays readable at 200
    margin = 3.2 if properties else 1.6  # room for class names
    side = max(5.0, count * cell + margin)
    figure, axes = pyplot.subplots(figsize=(side + 1.2, side), dpi=100)
    try:
        image = axes.imshow(normalised, cmap="Blues", vmin=0.0, vmax=1.0, interpolation="nearest")
        figure.colorbar(image, ax=axes, fraction=0.035, pad=0.02)
        ticks = list(range(count))
        names = [_short(label) for label in labels] if properties else [str(n + 1) for n in ticks]
        size = 9 if count <= 40 else 7
        axes.set_xticks(ticks, names, rotation=90, fontsize=size, fontproperties=properties)
        axes.set_yticks(ticks, names, fontsize=size, fontproperties=properties)
        if count <= 30:  # values in cells only while they fit
            for row in range(count):
                for column in range(count):
                    value = normalised[row, column]
                    if value >= 0.005:
                        axes.text(
                            column,
                            row,
                            f"{value:.2f}",
                            ha="center",
                            va="center",
                            fontsize=7,
                            color="white" if value > 0.6 else "black",
                        )
        summary = f"accuracy {report.accuracy:.3f} · macro F1 {report.macro_f1:.3f} · n={report.n_test}"
        if properties:
            axes.set_xlabel("预测类别", fontproperties=properties)
            axes.set_ylabel("实际类别", fontproperties=properties)
            axes.set_title(
                f"混淆矩阵（按行归一化）\n{summary}", fontproperties=FontProperties(fname=font_path, size=12)
            )
        else:
            axes.set_xlabel("predicted class (number = position in report labels)")
            axes.set_ylabel("true class")
            axes.set_title(f"Confusion matrix (row-normalised)\n{summary}")
        figure.tight_layout()
        path.parent.mkdir(parents=True, exist_ok=True)
        figure.savefig(path, format="png")
    finally:
        pyplot.close(figure)
    return path


def _short(label: str, limit: int = 12) -> str:
    return label if len(label) <= limit else label[: limit - 1] + "…"


__all__ = [
    "ClassifierInputError",
    "Report",
    "Suggestion",
    "TrainedModel",
    "build_pipeline",
    "check_classes",
    "check_rows",
    "cross_validate",
    "holdout",
    "load",
    "load_labelled",
    "normalize",
    "save",
    "segment",
    "train",
    "write_confusion_image",
]
