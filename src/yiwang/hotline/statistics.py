"""12345 KPIs (热线统计): the definitions, their formulas as the page shows them, and the arithmetic
on counts. Pure: no database. `selectors.statistics` counts; this module names what is counted and
divides, ranks the hot topics, extracts the word cloud's words and writes the exports.

Every figure is about the tickets *registered* (受理) in the period, whatever happened to them since
(a cohort, like 一网通办's 办件统计): a ticket registered in November and closed in December counts as
closed in November's figures once it is closed. Each KPI is a ratio of two counts over those tickets;
counts add up over any split (department, category, region, month), so a breakdown's rows sum to the
totals and a parent category's figures are the sums of its leaves'.

The counts (`COUNTERS`):
- total: 工单数;
- dispatched: 已派单 — tickets ever dispatched (`dispatched_at` set; 直接答复 tickets never are);
- signed_on_time: 按时签收 — dispatched tickets signed for within the 签收时限 (`signed_on_time`);
- closed: 已办结 — `closed_at` set (a reopened ticket is open again until closed anew);
- closed_on_time: 按时办结 — closed within the handling time limit (`closed_on_time`);
- visited: 已回访 — tickets with a callback satisfaction recorded;
- resolved: 回访“已解决”;
- satisfied: 非常满意, 满意 or 基本满意 at the callback;
- returned: tickets returned (退单) at least once (`returned_count` > 0);
- repeat: 重复来电 — see `REPEAT_RULE`."""

from __future__ import annotations

import csv
import io
import logging
import math
import re
import threading
from collections import ChainMap
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from itertools import pairwise
from typing import Any

from django.utils import timezone

from yiwang.core.errors import InvalidInput
from yiwang.hotline.tallies import COUNTERS

Counts = dict[str, int]

REPEAT_WINDOW = timedelta(days=30)
REPEAT_RULE = (
    "重复来电：同一联系电话此前 30 天（720 小时）内已就同一诉求分类（末级分类）来电登记过工单；"
    "即存在另一件号码相同、分类相同、受理时间不早于本工单受理时间前 30 天且早于本工单的工单"
    "（受理时间相同的，以先登记的为先）。前一件工单在不在统计期间或本部门范围内都算；"
    "没有号码或尚未分类的工单不算重复来电。"
)


@dataclass(frozen=True)
class Kpi:
    code: str
    name: str
    numerator: str  # a COUNTERS key
    denominator: str
    formula: str  # as the page, the tables' header and the exports show it
    note: str  # the precise definition under the formula


KPIS: tuple[Kpi, ...] = (
    Kpi(
        "response",
        "响应率（按时签收率）",
        "signed_on_time",
        "dispatched",
        "按时签收工单数 ÷ 已派单工单数",
        "签收时限内签收的工单；已派单含派单后被退回改派的工单。",
    ),
    Kpi(
        "closed_on_time",
        "按时办结率",
        "closed_on_time",
        "closed",
        "按时办结数 ÷ 已办结数",
        "办理时限（含批准的延期）内办结的工单；重办的工单以再次办结为准。",
    ),
    Kpi(
        "resolution",
        "解决率",
        "resolved",
        "visited",
        "回访“已解决”数 ÷ 已回访数",
        "回访时来电人表示问题已解决的工单。",
    ),
    Kpi(
        "satisfaction",
        "满意率",
        "satisfied",
        "visited",
        "（非常满意＋满意＋基本满意）÷ 已回访数",
        "以最近一次回访的评价为准。",
    ),
    Kpi(
        "return",
        "退单率",
        "returned",
        "dispatched",
        "发生过退单的工单数 ÷ 已派单工单数",
        "承办部门退回过至少一次的工单（退单多次只算一件）。",
    ),
    Kpi(
        "repeat",
        "重复来电率",
        "repeat",
        "total",
        "重复来电工单数 ÷ 工单数",
        "同一号码 30 天内就同一分类再次来电的工单。",
    ),
)
KPI_BY_CODE = {kpi.code: kpi for kpi in KPIS}
COUNTER_LABELS = {
    "total": "工单数",
    "dispatched": "已派单",
    "signed_on_time": "按时签收",
    "closed": "已办结",
    "closed_on_time": "按时办结",
    "visited": "已回访",
    "resolved": "已解决",
    "satisfied": "满意",
    "returned": "发生退单",
    "repeat": "重复来电",
}
COHORT_NOTE = "所有指标均按受理时间在统计期间内的工单计算（含之后才办结、回访的）。"
NO_VALUE = "—"


def empty_counts() -> Counts:
    return dict.fromkeys(COUNTERS, 0)


def add_counts(into: Counts, other: Mapping[str, int]) -> Counts:
    for key in COUNTERS:
        into[key] += int(other.get(key) or 0)
    return into


def ratio(part: int, whole: int) -> float | None:
    """part ÷ whole rounded to 4 places; None when there is nothing to divide by."""
    return round(part / whole, 4) if whole else None


def percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value * 100:.1f}%"


@dataclass(frozen=True)
class KpiValue:
    kpi: Kpi
    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return ratio(self.numerator, self.denominator)

    @property
    def text(self) -> str:
        return percent(self.value)


def kpi_values(counts: Mapping[str, int]) -> list[KpiValue]:
    return [KpiValue(kpi, int(counts[kpi.numerator]), int(counts[kpi.denominator])) for kpi in KPIS]


def rates(counts: Mapping[str, int]) -> dict[str, float | None]:
    """{kpi code: rate} of one set of counts."""
    return {v.kpi.code: v.value for v in kpi_values(counts)}


# -- the repeat-call rule, in Python: the reference the SQL (selectors.statistics) is tested against ---


@dataclass(frozen=True)
class Call:
    key: int  # registration order among calls at the same moment (the ticket's id)
    phone: str
    category: int | None
    registered_at: datetime


def repeat_call_keys(calls: Iterable[Call]) -> set[int]:
    """The keys of the calls that are repeat calls by `REPEAT_RULE`."""
    by_caller: dict[tuple[str, int], list[Call]] = {}
    for call in calls:
        if call.phone and call.category is not None:
            by_caller.setdefault((call.phone, call.category), []).append(call)
    repeats = set()
    for group in by_caller.values():
        group.sort(key=lambda c: (c.registered_at, c.key))
        for earlier, call in pairwise(group):
            if call.registered_at - earlier.registered_at <= REPEAT_WINDOW:
                repeats.add(call.key)
    return repeats


# -- periods ------------------------------------------------------------------------------------------

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
MAX_DAYS = 731
TREND_MONTHS = 12


@dataclass(frozen=True)
class Period:
    """Whole days [first, last] of the 受理时间, local time."""

    first: date
    last: date
    month: str = ""  # "YYYY-MM" when the period is one calendar month

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        return timezone.make_aware(datetime.combine(self.last + timedelta(days=1), time.min))

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        if self.month:
            return f"{self.first.year}年{self.first.month}月"
        first = f"{self.first.year}年{self.first.month}月{self.first.day}日"
        if self.first == self.last:
            return first
        last = f"{self.last.month}月{self.last.day}日"
        if self.last.year != self.first.year:
            last = f"{self.last.year}年{last}"
        return f"{first}至{last}"

    def previous(self) -> Period:
        """The period of equal length just before (the 上期 of the rising topics)."""
        last = self.first - timedelta(days=1)
        return Period(last - timedelta(days=self.days - 1), last)

    def trend_months(self) -> list[date]:
        """The 1st of each of the 12 months ending with the period's last month."""
        year, month = self.last.year, self.last.month
        months = []
        for _ in range(TREND_MONTHS):
            months.append(date(year, month, 1))
            year, month = (year - 1, 12) if month == 1 else (year, month - 1)
        return months[::-1]

    @property
    def trend_start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.trend_months()[0], time.min))


def _month_of(value: str) -> Period:
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 2000 <= int(match.group(1)) <= 2099:
        raise InvalidInput("统计月份应为“年-月”格式，如 2026-11", code="hotline_period_invalid")
    first = date(int(match.group(1)), int(match.group(2)), 1)
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return Period(first, following - timedelta(days=1), month=f"{first:%Y-%m}")


def _day(value: str, label: str) -> date:
    match = DAY.match(value.strip())
    try:
        if not match:
            raise ValueError
        day = date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise InvalidInput(
            f"{label}应为“年-月-日”格式，如 2026-11-01", code="hotline_period_invalid"
        ) from None
    if not 2000 <= day.year <= 2099:
        raise InvalidInput(f"{label}超出范围", code="hotline_period_invalid")
    return day


def period_of(
    *, month: str = "", date_from: str = "", date_to: str = "", today: date | None = None
) -> Period:
    """The period asked for: days from/to ("2026-11-01"; either may be left out: from the 1st of the
    last day's month, to today), else a month ("2026-11"), else this month."""
    today = today or timezone.localdate()
    if date_from.strip() or date_to.strip():
        last = _day(date_to, "截止日期") if date_to.strip() else today
        first = _day(date_from, "起始日期") if date_from.strip() else last.replace(day=1)
        if first > last:
            first, last = last, first
        if (last - first).days + 1 > MAX_DAYS:
            raise InvalidInput("统计期间最长两年，请缩短起止日期", code="hotline_period_too_long")
        return Period(first, last)
    if month.strip():
        return _month_of(month)
    return _month_of(f"{today:%Y-%m}")


# -- hot topics -------------------------------------------------------------------------------------

TOPIC_LIMIT = 10


def growth(current: int, previous: int) -> float | None:
    """(current − previous) ÷ previous; None when the previous period had none (新出现)."""
    return round((current - previous) / previous, 4) if previous else None


@dataclass(frozen=True)
class Topic:
    code: str
    name: str
    parent_name: str
    current: int
    previous: int

    @property
    def change(self) -> int:
        return self.current - self.previous

    @property
    def growth(self) -> float | None:
        return growth(self.current, self.previous)

    @property
    def growth_text(self) -> str:
        value = self.growth
        return "新出现" if value is None else f"{value * 100:+.1f}%"


def hot_topics(topics: Iterable[Topic], limit: int = TOPIC_LIMIT) -> list[Topic]:
    """The most called-about categories of the period (ties by code)."""
    ranked = sorted((t for t in topics if t.current > 0), key=lambda t: (-t.current, t.code))
    return ranked[:limit]


def rising_topics(topics: Iterable[Topic], limit: int = TOPIC_LIMIT) -> list[Topic]:
    """The categories that grew most against the previous period of equal length: by the increase in
    tickets (an absolute number, so that 1 → 3 does not outrank 200 → 260), then by growth rate
    (新出现 first), then by code. Only categories that grew."""
    grew = [t for t in topics if t.change > 0]
    grew.sort(key=lambda t: (-t.change, -(t.growth if t.growth is not None else math.inf), t.code))
    return grew[:limit]


# -- the word cloud -----------------------------------------------------------------------------------

WORD_SAMPLE = 2000  # tickets at most
WORD_LIMIT = 80
WORD_TEXT_CHARS = 160  # of each ticket's text: callers' first sentences carry the matter
WORD_NOTE = (
    "热词取自统计期间内均匀抽取的至多 2,000 件工单的标题和诉求内容（每件取前 160 字），"
    "jieba 分词后按 TF-IDF 加权，去掉了“来电、反映、希望、处理”等话务用语。"
)
# Words of how a call is taken and written up, not what it is about.
_STOP_WORDS_TEXT = """
    来电 来电人 市民 反映 反应 希望 要求 请求 诉求 咨询 投诉 举报 建议 表扬 求助 处理 解决 问题 情况 相关 部门 有关部门
    相关部门 尽快 及时 一下 你好 您好 你们 我们 他们 这个 那个 这边 那边 麻烦 谢谢 电话 打电话 12345 热线 工单
    答复 核实 今天 昨天 现在 目前 已经 一直 还是 没有 不是 什么 怎么 如何 能否 是否 可以 需要 表示 称 现
    地址 附近 有关 位于 影响 严重 多次 经常 一个 三个 几个 时间 时候 一些 这样 那样 但是 因为 所以 作为
"""
STOP_WORDS = frozenset(_STOP_WORDS_TEXT.split())
WORD_SIZES = 6  # the word cloud's font size classes
_lock = threading.Lock()
_idf: tuple[dict[str, float], float] | None = None

logger = logging.getLogger(__name__)


def _idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median (for words it lacks), loaded once per process."""
    global _idf
    if _idf is None:
        with _lock:
            if _idf is None:
                import jieba.analyse

                extractor = jieba.analyse.TFIDF()
                _idf = (extractor.idf_freq, extractor.median_idf)
    return _idf


_tokenizers: dict[frozenset[str], Any] = {}


def _tokenizer(vocabulary: frozenset[str]) -> Any:
    """A jieba tokenizer that also knows the 派单目录's words (占道经营 is otherwise 占|道|经营).

    jieba's `add_word` would change the process-wide tokenizer, which the classifier and the
    knowledge-base search rely on, and a tokenizer of its own loads a second 70 MB dictionary. So
    this one reads the shared dictionary through a ChainMap with the vocabulary (and the prefixes
    jieba's word graph needs) on top, each word with the frequency that keeps it whole
    (`Tokenizer.suggest_freq`'s rule). Kept for the last vocabulary used."""
    import jieba

    found = _tokenizers.get(vocabulary)
    if found is not None:
        return found
    shared = jieba.dt
    shared.check_initialized()
    overlay: dict[str, int] = {}
    for word in sorted(vocabulary):
        if len(word) < 2 or word in shared.FREQ:
            continue
        probability = 1.0
        for part in shared.cut(word, HMM=False):
            probability *= shared.FREQ.get(part, 1) / shared.total
        overlay[word] = max(int(probability * shared.total) + 1, 1)
        for end in range(1, len(word)):
            if word[:end] not in shared.FREQ:
                overlay.setdefault(word[:end], 0)
    tokenizer = jieba.Tokenizer()
    tokenizer.FREQ = ChainMap(overlay, shared.FREQ)
    tokenizer.total = shared.total + sum(overlay.values())
    tokenizer.initialized = True
    _tokenizers.clear()
    _tokenizers[vocabulary] = tokenizer
    return tokenizer


def ticket_text(title: str, content: str) -> str:
    """The words of one ticket: its content, preceded by its title unless the title is the content's
    beginning (the intake takes the first sentence as the title)."""
    content = content[:WORD_TEXT_CHARS]
    return content if content.startswith(title) else f"{title}。{content}"


_WORD = re.compile(r"^[\u4e00-\u9fffA-Za-z]")


def hot_words(
    texts: Iterable[str], *, vocabulary: Iterable[str] = (), limit: int = WORD_LIMIT
) -> list[tuple[str, float]]:
    """The `limit` words of the texts with the highest TF-IDF weight, as (word, weight) with weights
    scaled to the heaviest = 1, heaviest first (ties by the word). Words are jieba's (precise mode, no
    HMM: new words cost twice the time) plus the `vocabulary` (the 派单目录's category names and
    keywords), of two characters or more, not stop words or numbers."""
    tokenizer = _tokenizer(frozenset(vocabulary))
    idf, median = _idf_table()
    frequency: dict[str, int] = {}
    for text in texts:
        for word in tokenizer.lcut(text, HMM=False):
            word = word.strip()
            if len(word) >= 2 and _WORD.match(word) and word not in STOP_WORDS:
                frequency[word] = frequency.get(word, 0) + 1
    weights = {word: n * idf.get(word, median) for word, n in frequency.items()}
    ranked = sorted(weights.items(), key=lambda item: (-item[1], item[0]))[:limit]
    if not ranked:
        return []
    heaviest = ranked[0][1]
    return [(word, round(weight / heaviest, 4)) for word, weight in ranked]


def word_size(weight: float) -> int:
    """The font size class (1 smallest … WORD_SIZES largest) of a scaled weight, on a square-root
    scale so that the long tail stays readable."""
    return max(1, min(WORD_SIZES, 1 + int(math.sqrt(max(weight, 0.0)) * WORD_SIZES - 1e-9)))


# -- tables and exports -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Row:
    """One line of a breakdown: a department, a category or a region, and its counts."""

    code: str
    name: str
    counts: Counts
    level: str = ""  # categories: "top" or "leaf"; regions: the region level
    parent: str = ""  # a leaf category's top-level category code

    @property
    def kpis(self) -> list[KpiValue]:
        return kpi_values(self.counts)


def category_lines(tops: Sequence[Row], leaves: Sequence[Row]) -> list[Row]:
    """Each top-level category followed by its leaves, both in the order given (the busiest first)."""
    children: dict[str, list[Row]] = {}
    for leaf in leaves:
        children.setdefault(leaf.parent, []).append(leaf)
    return [line for top in tops for line in (top, *(children.get(top.code, []) if top.code else []))]


@dataclass(frozen=True)
class Section:
    title: str
    header: list[str]
    rows: list[list[Any]]


FORMULA_HEADER = "指标口径：" + "；".join(f"{kpi.name} = {kpi.formula}" for kpi in KPIS) + "。"


def kpi_header(first: Sequence[str]) -> list[str]:
    return [*first, "工单数", *(f"{kpi.name}（{kpi.formula}）" for kpi in KPIS)]


def _kpi_cells(counts: Mapping[str, int]) -> list[Any]:
    return [counts["total"], *(v.value for v in kpi_values(counts))]


def breakdown_sections(
    *,
    period: Period,
    departments: Sequence[Row],
    categories: Sequence[Row],
    regions: Sequence[Row],
    totals: Counts,
) -> list[Section]:
    """The three breakdowns of the exports, each with a total line; rates as fractions (None: no
    denominator)."""

    def lines(rows: Sequence[Row], *, with_level: bool) -> list[list[Any]]:
        result = []
        for row in rows:
            first = [row.code, row.name] + ([LEVELS.get(row.level, row.level)] if with_level else [])
            result.append([*first, *_kpi_cells(row.counts)])
        total_first = ["", "合计"] + ([""] if with_level else [])
        result.append([*total_first, *_kpi_cells(totals)])
        return result

    label = period.label
    return [
        Section(
            f"按承办部门（{label}）",
            kpi_header(["单位编码", "承办部门"]),
            lines(departments, with_level=False),
        ),
        Section(
            f"按诉求分类（{label}）",
            kpi_header(["分类编码", "分类", "层级"]),
            lines(categories, with_level=True),
        ),
        Section(f"按区县（{label}）", kpi_header(["区划代码", "区县"]), lines(regions, with_level=False)),
    ]


LEVELS = {"top": "一级分类", "leaf": "末级分类"}
PERCENT_FORMAT = "0.0%"


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV/Excel injection) in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _text(value: Any) -> Any:
    if isinstance(value, float):
        return percent(value)
    return NO_VALUE if value is None else _safe(value)


def to_csv(sections: Sequence[Section]) -> bytes:
    """One CSV, UTF-8 with a BOM so that Excel reads the Chinese; the formulas first, then each
    section (its title, header and rows) after a blank line; rates as "91.5%"."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([FORMULA_HEADER])
    writer.writerow([COHORT_NOTE + REPEAT_RULE])
    for section in sections:
        writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.header)
        writer.writerows([[_text(v) for v in row] for row in section.rows])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(sections: Sequence[Section]) -> bytes:
    """A workbook with a sheet per section: row 1 the formulas, row 2 the title, row 3 the header, then
    the rows; rates are numbers formatted as percentages (empty when there is no denominator)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    for index, section in enumerate(sections):
        sheet = workbook.active if index == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = section.title.split("（")[0][:31]
        sheet.append([FORMULA_HEADER])
        sheet["A1"].alignment = Alignment(wrap_text=False)
        sheet.append([section.title])
        sheet["A2"].font = Font(bold=True, size=13)
        sheet.append(section.header)
        for cell in sheet[3]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in section.rows:
            sheet.append([_safe(v) for v in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, float):
                    cell.number_format = PERCENT_FORMAT
        for column, width in zip("ABCDEFGHIJ", (14, 26, 12, 16, 16, 16, 16, 16, 16, 16), strict=False):
            sheet.column_dimensions[column].width = width
        sheet.freeze_panes = "A4"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
