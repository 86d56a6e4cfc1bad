"""The statistics as tables, and their CSV and Excel (openpyxl) exports.

One list of sections (概览, 按月份, 按部门, 按事项, 超期办件), each a title, a header and rows, is
written either as one CSV (sections separated by a blank line, UTF-8 with BOM so that Excel reads
the Chinese) or as one workbook with a sheet per section. Rates and averages are `Figure`s: the
readable text ("91.5%", "3.44") on the page and in the CSV, a number with an Excel number format
(a fraction as '0.0%', an average as '0.00') in the workbook, so that it can be computed with."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Font

from yiwang.services.models import Application
from yiwang.services.selectors.statistics import Statistics


@dataclass(frozen=True)
class Section:
    title: str
    header: list[str]
    rows: list[list[Any]]


PERCENT_FORMAT = "0.0%"
AVERAGE_FORMAT = "0.00"
NO_VALUE = "—"


def percent(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value * 100:.1f}%"


def number(value: float | None) -> str:
    return NO_VALUE if value is None else f"{value:g}"


@dataclass(frozen=True)
class Figure:
    """A rate or an average: `text` for people (the page, CSV), `value` and `number_format` for Excel;
    `value` is None when there is nothing to compute it from (shown as "—")."""

    value: float | None
    text: str
    number_format: str

    def __str__(self) -> str:
        return self.text


def rate(value: float | None) -> Figure:
    return Figure(value, percent(value), PERCENT_FORMAT)


def average(value: float | None) -> Figure:
    return Figure(value, number(value), AVERAGE_FORMAT)


def overview_rows(stats: Statistics) -> list[list[Any]]:
    return [
        ["申报件数", stats.total],
        ["办结件数", stats.completed],
        ["按时办结件数", stats.completed_on_time],
        ["按时办结率", rate(stats.on_time_rate)],
        ["即办件数", stats.instant],
        ["即办件占比", rate(stats.instant_share)],
        ["平均申请材料数", average(stats.materials_average)],
        ["全程网办件数", stats.online_full],
        ["全程网办率", rate(stats.online_full_rate)],
        ["平均到现场次数", average(stats.site_visits_average)],
        ["超期办件数", stats.overdue],
    ]


def _applicant(application: Application) -> str:
    if application.enterprise is not None:
        return application.enterprise.name
    return application.person.name if application.person is not None else ""


def _local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def sections(stats: Statistics, overdue: Iterable[Application]) -> list[Section]:
    return [
        Section(f"概览（{stats.period.label}）", ["指标", "数值"], overview_rows(stats)),
        Section(
            "按月份",
            ["月份", "申报件数", "办结件数"],
            [[row["month"], row["count"], row["completed"]] for row in stats.by_month],
        ),
        Section("按部门", ["部门", "申报件数"], [[row["name"], row["count"]] for row in stats.by_department]),
        Section(
            "按事项",
            ["实施编码", "事项名称", "申报件数"],
            [[r["code"], r["name"], r["count"]] for r in stats.by_item],
        ),
        Section(
            "超期办件",
            ["办件编号", "事项", "申请人", "部门", "状态", "承诺办结时限"],
            [
                [
                    a.application_no,
                    a.item.name,
                    _applicant(a),
                    a.organization.name,
                    a.get_status_display(),
                    _local(a.due_at),
                ]
                for a in overdue
            ],
        ),
    ]


def _safe(value: Any) -> Any:
    """Neutralise spreadsheet formulas (CSV/Excel injection) in text cells."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def _cell_value(value: Any) -> Any:
    if isinstance(value, Figure):
        return value.text if value.value is None else value.value
    return _safe(value)


def to_csv(parts: list[Section]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for index, section in enumerate(parts):
        if index:
            writer.writerow([])
        writer.writerow([section.title])
        writer.writerow(section.header)
        writer.writerows(
            [[_safe(str(v) if isinstance(v, Figure) else v) for v in row] for row in section.rows]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def to_xlsx(parts: list[Section]) -> bytes:
    workbook = Workbook()
    first = True
    for section in parts:
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        assert sheet is not None
        sheet.title = section.title.split("（")[0][:31]
        sheet.append([section.title])
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append(section.header)
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        for row in section.rows:
            sheet.append([_cell_value(v) for v in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=False):
                if isinstance(value, Figure) and value.value is not None:
                    cell.number_format = value.number_format
        for column, width in zip("ABCDEF", (26, 36, 20, 24, 12, 20), strict=False):
            sheet.column_dimensions[column].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
