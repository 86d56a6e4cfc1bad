"""Pages: 办件统计 (statistics) with ECharts charts, period/department filters and CSV/Excel export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _

from yiwang.core.errors import DomainError
from yiwang.identity.actor import actor_from_request
from yiwang.services import statistics_export as export
from yiwang.services.selectors import statistics as selectors

CHART_ITEMS = 10
EXPORT_OVERDUE_LIMIT = 5000
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


def statistics_page(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not selectors.can_view_statistics(actor):
        raise DjangoPermissionDenied(_("办件统计仅供有统计权限的工作人员查看。"))
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
    context = {
        "stats": stats,
        "overview": export.overview_rows(stats),
        "overdue": overdue,
        "organization": organization,
        "departments": selectors.statistics_departments(actor),
        "date_from": f"{period.first:%Y-%m}",
        "date_to": f"{period.last:%Y-%m}",
        "query_string": query.urlencode(),
        "chart_month": {
            "name": _("申报件数"),
            "labels": [row["month"] for row in stats.by_month],
            "values": [row["count"] for row in stats.by_month],
        },
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
