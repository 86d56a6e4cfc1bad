"""Pages: 办件统计 (statistics) with ECharts charts, period/department filters and CSV/Excel export."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiwang.core.errors import DomainError
from yiwang.identity.actor import actor_from_request
from yiwang.services import statistics_export as export
from yiwang.services.selectors import statistics as selectors

CHART_ITEMS = 10
EXPORT_OVERDUE_LIMIT = 5000
YEARS_BACK = 5  # the year selects list this many years before the current one (and any year asked for)
BOUNDS = (("from", gettext_lazy("起始月份")), ("to", gettext_lazy("截止月份")))
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _filters(request: HttpRequest) -> tuple[selectors.Period, Any, str | None]:
    """The period and department asked for; on bad input the defaults and a Chinese message."""
    actor = actor_from_request(request)
    date_from = request.GET.get("from", "").strip() or None
    date_to = request.GET.get("to", "").strip() or None
    raw_org = request.GET.get("organization", "").strip()
    try:
        period = selectors.period_of(date_from, date_to)
        organization = (
            selectors.department_for(actor, int(raw_org))
            if raw_org.isdigit() and len(raw_org) <= 18
            else None
        )
    except DomainError as error:
        return selectors.period_of(), None, error.message
    return period, organization, None


def _joined_month(year: str, month: str) -> str:
    """The "YYYY-MM" of a year and a month select; anything else is passed on for period_of to judge."""
    year, month = year.strip(), month.strip()
    if not year and not month:
        return ""
    if month.isdigit() and len(month) <= 2:
        month = f"{int(month):02d}"
    return f"{year}-{month}"


def _split_bounds_redirect(request: HttpRequest) -> HttpResponse | None:
    """The filter form sends from_year/from_month/to_year/to_month; links and exports use from/to as
    "YYYY-MM": redirect to that canonical query so there is one address per period."""
    names = [f"{bound}_{part}" for bound, _label in BOUNDS for part in ("year", "month")]
    if not any(name in request.GET for name in names):
        return None
    query = request.GET.copy()
    for bound, _label in BOUNDS:
        joined = _joined_month(query.get(f"{bound}_year", ""), query.get(f"{bound}_month", ""))
        for part in ("year", "month"):
            query.pop(f"{bound}_{part}", None)
        query.pop(bound, None)
        if joined:
            query[bound] = joined
    return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)


def _period_fields(period: selectors.Period, today: date) -> list[dict[str, Any]]:
    """The year and month selects of 起始月份 and 截止月份, with the period's months selected."""
    first_year = min(today.year - YEARS_BACK, period.first.year)
    last_year = max(today.year, period.last.year)
    fields = []
    for (bound, label), day in zip(BOUNDS, (period.first, period.last), strict=True):
        fields.append(
            {
                "bound": bound,
                "label": label,
                "years": [
                    {"value": str(year), "label": f"{year}年", "selected": year == day.year}
                    for year in range(last_year, first_year - 1, -1)
                ],
                "months": [
                    {"value": f"{month:02d}", "label": f"{month}月", "selected": month == day.month}
                    for month in range(1, 13)
                ],
            }
        )
    return fields


def _month_chart(by_month: list[dict[str, Any]]) -> dict[str, Any]:
    """按月份申报件数与办结件数 as two columns a month (办结件数: of that month's applications, those
    completed; see `selectors.statistics`). Axis labels are "2月"; the first month and each January carry
    the year on a second line ("12月" over "2025年"); tooltips are titled with the full "2026年2月"."""
    labels, titles = [], []
    for index, row in enumerate(by_month):
        year, month = (int(part) for part in row["month"].split("-"))
        titles.append(f"{year}年{month}月")
        labels.append(f"{month}月\n{year}年" if index == 0 or month == 1 else f"{month}月")
    return {
        "unit": _("件"),
        "labels": labels,
        "titles": titles,
        "series": [
            {"name": _("申报件数"), "values": [row["count"] for row in by_month]},
            {"name": _("办结件数"), "values": [row["completed"] for row in by_month]},
        ],
    }


def _month_chart_description(chart: dict[str, Any]) -> str:
    """The chart's numbers as one sentence (the aria-label of the chart)."""
    filed, completed = chart["series"]
    unit = chart["unit"]
    return _("按月份申报件数与办结件数：") + "，".join(
        f"{title} {filed['name']} {n}{unit}、{completed['name']} {done}{unit}"
        for title, n, done in zip(chart["titles"], filed["values"], completed["values"], strict=True)
    )


def statistics_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not selectors.can_view_statistics(actor):
        raise DjangoPermissionDenied(_("办件统计仅供有统计权限的工作人员查看。"))
    canonical = _split_bounds_redirect(request)
    if canonical is not None:
        return canonical
    period, organization, error = _filters(request)
    if error:
        messages.error(request, error)
    now = timezone.now()
    stats = selectors.statistics_for(actor, period, organization=organization, now=now)
    overdue = list(
        selectors.overdue_applications(actor, period, organization=organization, now=now)[
            : selectors.OVERDUE_LIMIT
        ]
    )
    fmt = request.GET.get("export", "")
    if fmt in CONTENT_TYPES:
        rows = overdue
        if stats.overdue > len(overdue):
            rows = list(
                selectors.overdue_applications(actor, period, organization=organization, now=now)[
                    :EXPORT_OVERDUE_LIMIT
                ]
            )
        parts = export.sections(stats, rows)
        content = export.to_csv(parts) if fmt == "csv" else export.to_xlsx(parts)
        response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
        name = f"办件统计-{period.first:%Y%m}-{period.last:%Y%m}.{fmt}"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(name)}"
        return response
    query = request.GET.copy()
    query.pop("export", None)
    top_items = stats.by_item[:CHART_ITEMS]
    chart_month = _month_chart(stats.by_month)
    context = {
        "stats": stats,
        "overview": export.overview_rows(stats),
        "overdue": overdue,
        "organization": organization,
        "departments": selectors.statistics_departments(actor),
        "date_from": f"{period.first:%Y-%m}",
        "date_to": f"{period.last:%Y-%m}",
        "period_fields": _period_fields(period, timezone.localdate(now)),
        "query_string": query.urlencode(),
        "chart_month": chart_month,
        "chart_month_description": _month_chart_description(chart_month),
        "chart_department": {
            "name": _("申报件数"),
            "labels": [row["name"] for row in stats.by_department],
            "values": [row["count"] for row in stats.by_department],
        },
        "chart_item": {
            "name": _("申报件数"),
            "labels": [row["name"] for row in top_items],
            "values": [row["count"] for row in top_items],
        },
        "chart_status": {
            "name": _("办件状态"),
            "labels": [row["name"] for row in stats.by_status],
            "values": [row["count"] for row in stats.by_status],
        },
    }
    return render(request, "services/pages/statistics.html", context)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name)


urlpatterns: list[URLPattern] = [path("statistics/", statistics_page, name="statistics")]
