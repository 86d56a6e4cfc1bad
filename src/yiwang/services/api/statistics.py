"""API: 办件统计 — the numbers of the statistics page and the overdue list.

Scope as on the page: `services.view_statistics` (and department staff with
`services.view_application` for their own department). (No `from __future__ import annotations`:
Ninja resolves the annotations of a paginated view in its own namespace.)"""

from datetime import datetime
from typing import Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from yiwang.core.api_schemas import MAX_DATABASE_ID, BoundedPageNumberPagination, errors
from yiwang.services.api.schemas import ApplicationNames
from yiwang.services.selectors import statistics as selectors

router = Router(tags=["一网通办"])


class StatisticsFilters(Schema):
    date_from: str | None = Field(
        None, pattern=selectors.MONTH_PATTERN, description="起始月份，如 2026-01（默认：近 12 个月）"
    )
    date_to: str | None = Field(
        None, pattern=selectors.MONTH_PATTERN, description="截止月份，如 2026-12（默认：本月）"
    )
    organization: int | None = Field(None, ge=1, le=MAX_DATABASE_ID, description="部门 id（含下级部门）")


class CountByItem(Schema):
    code: str = Field(description="实施编码")
    name: str
    count: int


class CountByDepartment(Schema):
    id: int
    name: str
    count: int


class CountByMonth(Schema):
    month: str = Field(description="年-月")
    count: int = Field(description="申报件数")
    completed: int = Field(description="其中已办结件数")


class CountByStatus(Schema):
    status: str
    name: str
    count: int


class StatisticsOut(Schema):
    date_from: str
    date_to: str
    total: int = Field(description="申报件数")
    completed: int = Field(description="办结件数")
    completed_on_time: int = Field(description="按时办结件数")
    on_time_rate: float | None = Field(description="按时办结率（0–1，无办结件时为 null）")
    instant: int = Field(description="即办件数")
    instant_share: float | None = Field(description="即办件占比（0–1）")
    materials: int = Field(description="提交的申请材料数")
    materials_average: float | None = Field(description="平均申请材料数")
    online_full: int = Field(description="全程网办件数（Ⅳ级深度事项、网上申报、零跑动）")
    online_full_rate: float | None = Field(description="全程网办率（0–1）")
    site_visits_average: float | None = Field(description="平均到现场次数")
    overdue: int = Field(description="超期办件数")
    by_item: list[CountByItem]
    by_department: list[CountByDepartment]
    by_month: list[CountByMonth]
    by_status: list[CountByStatus]


class OverdueOut(ApplicationNames):
    uid: UUID
    application_no: str | None
    item_name: str
    organization: str
    status: str
    due_at: datetime | None = Field(description="承诺办结时限")


def _period(request: HttpRequest, filters: StatisticsFilters) -> tuple[Any, Any, Any]:
    actor = request.auth  # type: ignore[attr-defined]
    period = selectors.period_of(filters.date_from, filters.date_to)
    organization = selectors.department_for(actor, filters.organization)
    return actor, period, organization


@router.get(
    "/summary",
    response={200: StatisticsOut, **errors(400, 403, 404)},
    summary="办件统计（按事项、部门、月份及各项指标）",
)
def summary(request: HttpRequest, filters: Query[StatisticsFilters]) -> Any:
    actor, period, organization = _period(request, filters)
    stats = selectors.statistics_for(actor, period, organization=organization)
    return {
        **{name: getattr(stats, name) for name in StatisticsOut.model_fields if hasattr(stats, name)},
        "date_from": f"{period.first:%Y-%m}",
        "date_to": f"{period.last:%Y-%m}",
    }


@router.get("/overdue", response={200: list[OverdueOut], **errors(400, 403, 404)}, summary="超期办件清单")
@paginate(BoundedPageNumberPagination, page_size=20)
def overdue(request: HttpRequest, filters: Query[StatisticsFilters]) -> Any:
    actor, period, organization = _period(request, filters)
    return selectors.overdue_applications(actor, period, organization=organization)
