"""Statistics of applications (办件统计), computed by aggregate queries in the database.

Scope: `services.view_statistics` (e.g. 部门负责人 over the department tree, 领导 over a region or all)
and, for department staff, `services.view_application` (their own department). The period is a range
of months of the 申报时间 (`submitted_at`, local time); drafts never count.

Definitions (each one aggregate over the filtered applications):
- 按时办结率 = 办结 (status completed) and `completed_on_time` ÷ 办结;
- 即办件占比 = applications of items whose handling kind is 即办件 ÷ all;
- 平均申请材料数 = materials submitted with a file ÷ applications;
- 全程网办率 = applications filed online on an online-depth Ⅳ item with no site visit ÷ all;
- 平均到现场次数 = the average of the applications' recorded site visits;
- 超期办件 = running applications (not 补正, not in 特别程序, not finished) past their `due_at`;
- by month: 申报件数 and 办结件数 of the applications filed in each month (办结 as above)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any

from django.db.models import Avg, Count, Max, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone

from yiwang.core.errors import InvalidInput, NotFound, PermissionDenied
from yiwang.core.models import Organization
from yiwang.identity.actor import Actor
from yiwang.services.models import Application, ApplicationMaterial, ServiceItem
from yiwang.services.permissions import VIEW_APPLICATION, VIEW_STATISTICS
from yiwang.services.selectors import overdue_q

MONTH_PATTERN = r"^(19|20)\d{2}-(0[1-9]|1[0-2])$"
MONTH = re.compile(r"^(\d{4})-(\d{2})$")
OVERDUE_LIMIT = 50

# 办结: what `completed` and the months' 办结件数 count.
COMPLETED_Q = Q(status=Application.Status.COMPLETED)


@dataclass(frozen=True)
class Period:
    """Whole months [first, last] of the 申报时间."""

    first: date  # the 1st of the first month
    last: date  # the 1st of the last month

    @property
    def start(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.first, time.min))

    @property
    def end(self) -> datetime:
        """The first moment after the period."""
        year, month = (
            (self.last.year + 1, 1) if self.last.month == 12 else (self.last.year, self.last.month + 1)
        )
        return timezone.make_aware(datetime(year, month, 1))

    @property
    def label(self) -> str:
        first, last = f"{self.first.year}年{self.first.month}月", f"{self.last.year}年{self.last.month}月"
        return first if first == last else f"{first}至{last}"

    def months(self) -> list[str]:
        result, year, month = [], self.first.year, self.first.month
        while (year, month) <= (self.last.year, self.last.month):
            result.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return result


def _month(value: str, label: str) -> date:
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or not 1900 <= int(match.group(1)) <= 2099:
        raise InvalidInput(f"{label}应为“年-月”格式，如 2026-01", code="services_period_invalid")
    return date(int(match.group(1)), int(match.group(2)), 1)


def period_of(
    date_from: str | None = None, date_to: str | None = None, *, today: date | None = None
) -> Period:
    """The period from "YYYY-MM" bounds (in either order); by default the last 12 months up to this month."""
    today = today or timezone.localdate()
    last = _month(date_to, "截止月份") if date_to else today.replace(day=1)
    if date_from:
        first = _month(date_from, "起始月份")
    else:
        year, month = (last.year - 1, last.month + 1) if last.month < 12 else (last.year, 1)
        first = date(year, month, 1)
    if first > last:
        first, last = last, first
    return Period(first, last)


def can_view_statistics(actor: Actor) -> bool:
    return actor.has_perm(VIEW_STATISTICS) or actor.has_perm(VIEW_APPLICATION)


def scoped_applications(
    actor: Actor, period: Period, *, organization: Organization | None = None
) -> QuerySet[Application]:
    """The applications counted: in scope, filed in the period, of the department (and below)."""
    if not actor.is_authenticated and not actor.is_system:
        raise PermissionDenied("请先登录", code="unauthenticated")
    if not (actor.is_system or can_view_statistics(actor)):
        raise PermissionDenied("您没有查看办件统计的权限", code="services_forbidden")
    qs = Application.objects.exclude(status=Application.Status.DRAFT).filter(  # scope: for_actor below
        submitted_at__gte=period.start, submitted_at__lt=period.end
    )
    if not actor.is_system:
        qs = qs.for_actor(actor, VIEW_STATISTICS, VIEW_APPLICATION)
    if organization is not None:
        qs = qs.filter(organization__path__startswith=organization.path)
    return qs


def _month_key(moment: datetime | date) -> str:
    if isinstance(moment, datetime) and timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return f"{moment.year:04d}-{moment.month:02d}"


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


@dataclass
class Statistics:
    period: Period
    total: int = 0
    completed: int = 0
    completed_on_time: int = 0
    on_time_rate: float | None = None
    instant: int = 0
    instant_share: float | None = None
    materials: int = 0
    materials_average: float | None = None
    online_full: int = 0
    online_full_rate: float | None = None
    site_visits_average: float | None = None
    overdue: int = 0
    by_item: list[dict[str, Any]] = field(default_factory=list)
    by_department: list[dict[str, Any]] = field(default_factory=list)
    by_month: list[dict[str, Any]] = field(default_factory=list)
    by_status: list[dict[str, Any]] = field(default_factory=list)


def statistics_for(
    actor: Actor,
    period: Period,
    *,
    organization: Organization | None = None,
    now: datetime | None = None,
) -> Statistics:
    """All the numbers of the statistics page, in six aggregate queries."""
    now = now or timezone.now()
    qs = scoped_applications(actor, period, organization=organization).order_by()
    totals = qs.aggregate(
        total=Count("pk"),
        completed=Count("pk", filter=COMPLETED_Q),
        on_time=Count("pk", filter=COMPLETED_Q & Q(completed_on_time=True)),
        instant=Count("pk", filter=Q(item__handling_kind=ServiceItem.HandlingKind.INSTANT)),
        online_full=Count("pk", filter=Q(channel="online", site_visits=0, item__online_depth=4)),
        visits=Avg("site_visits"),
        overdue=Count("pk", filter=overdue_q(now)),
    )
    total = totals["total"]
    materials = ApplicationMaterial.objects.filter(
        application__in=qs.values("pk"), file__isnull=False
    ).count()
    stats = Statistics(
        period=period,
        total=total,
        completed=totals["completed"],
        completed_on_time=totals["on_time"],
        on_time_rate=_ratio(totals["on_time"], totals["completed"]),
        instant=totals["instant"],
        instant_share=_ratio(totals["instant"], total),
        materials=materials,
        materials_average=round(materials / total, 2) if total else None,
        online_full=totals["online_full"],
        online_full_rate=_ratio(totals["online_full"], total),
        site_visits_average=round(float(totals["visits"]), 2) if totals["visits"] is not None else None,
        overdue=totals["overdue"],
    )
    stats.by_item = [
        {"code": row["item__implementation_code"], "name": row["name"], "count": row["count"]}
        for row in qs.values("item__implementation_code")
        .annotate(name=Max("item__name"), count=Count("pk"))
        .order_by("-count", "item__implementation_code")
    ]
    stats.by_department = [
        {"id": row["organization_id"], "name": row["organization__name"], "count": row["count"]}
        for row in qs.values("organization_id", "organization__name")
        .annotate(count=Count("pk"))
        .order_by("-count", "organization__name")
    ]
    # 办结件数 of a month counts, like `completed` above, the applications filed (申报) that month that
    # are completed now, not those completed during the month: the months then add up to `completed`.
    # One query: the two counts are conditional aggregates of the same grouping.
    counted = {
        _month_key(row["month"]): {"count": row["count"], "completed": row["completed"]}
        for row in qs.annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(count=Count("pk"), completed=Count("pk", filter=COMPLETED_Q))
        .order_by("month")
    }
    stats.by_month = [
        {"month": month, **counted.get(month, {"count": 0, "completed": 0})} for month in period.months()
    ]
    labels = dict(Application.Status.choices)
    stats.by_status = [
        {
            "status": row["status"],
            "name": str(labels.get(row["status"], row["status"])),
            "count": row["count"],
        }
        for row in qs.values("status").annotate(count=Count("pk")).order_by("-count", "status")
    ]
    return stats


def overdue_applications(
    actor: Actor, period: Period, *, organization: Organization | None = None, now: datetime | None = None
) -> QuerySet[Application]:
    """超期办件: running applications past their `due_at`, the most overdue first."""
    return (
        scoped_applications(actor, period, organization=organization)
        .filter(overdue_q(now or timezone.now()))
        .select_related("item", "organization", "person", "enterprise")
        .order_by("due_at", "pk")
    )


def statistics_departments(actor: Actor) -> list[Organization]:
    """The departments the actor may filter by: those with items in the actor's scope."""
    if not can_view_statistics(actor):
        return []
    items = ServiceItem.objects.for_actor(actor, VIEW_STATISTICS, VIEW_APPLICATION).values("organization_id")
    return list(Organization.objects.filter(pk__in=items).order_by("path", "name")[:300])


def department_for(actor: Actor, pk: int | None) -> Organization | None:
    if pk is None:
        return None
    organization = Organization.objects.filter(pk=pk).first()
    if organization is None:
        raise NotFound("部门不存在", code="services_organization_not_found")
    return organization
