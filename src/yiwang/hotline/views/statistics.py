"""Pages: 热线统计 — the KPI cards with their formulas, the monthly trend, hot and rising topics, the
word cloud (loaded after the page: segmenting the sample takes about a second), the map of tickets
by community, the breakdown tables, and the CSV/Excel exports of the breakdowns."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.http import require_GET

from yiwang.core.errors import DomainError
from yiwang.hotline import statistics as formulas
from yiwang.hotline.selectors import statistics as selectors
from yiwang.identity.actor import Actor, actor_from_request

FORBIDDEN = "热线统计仅供有统计权限的工作人员（热线中心、部门负责人、领导）查看。"
PARAMETERS = ("month", "from", "to", "organization", "category", "region", "kind")
CHART_TOPICS = 10
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _actor(request: HttpRequest) -> Actor | HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    actor = actor_from_request(request)
    if not selectors.can_view_statistics(actor):
        raise DjangoPermissionDenied(FORBIDDEN)
    return actor


def _filters(request: HttpRequest) -> selectors.Filters:
    """The filters of the query string; DomainError (Chinese) for a value the form does not offer."""
    value = {name: request.GET.get(name, "")[:100] for name in PARAMETERS}
    return selectors.filters_of(
        month=value["month"],
        date_from=value["from"],
        date_to=value["to"],
        organization=value["organization"],
        category=value["category"],
        region=value["region"],
        kind=value["kind"],
    )


def _query(filters: selectors.Filters) -> str:
    """The canonical query string of the filters (for the exports, the word cloud and the map)."""
    from django.http import QueryDict

    query = QueryDict(mutable=True)
    period = filters.period
    if period.month:
        query["month"] = period.month
    else:
        query["from"], query["to"] = f"{period.first:%Y-%m-%d}", f"{period.last:%Y-%m-%d}"
    if filters.organization is not None:
        query["organization"] = str(filters.organization.pk)
    if filters.category is not None:
        query["category"] = filters.category.code
    if filters.region is not None:
        query["region"] = filters.region.code
    if filters.kind:
        query["kind"] = filters.kind
    return query.urlencode()


def _trend_chart(stats: selectors.Statistics) -> dict[str, Any]:
    labels, titles = [], []
    for index, point in enumerate(stats.trend):
        year, month = (int(part) for part in point.month.split("-"))
        titles.append(f"{year}年{month}月")
        labels.append(f"{month}月\n{year}年" if index == 0 or month == 1 else f"{month}月")

    def percent(value: float | None) -> float | None:
        return None if value is None else round(value * 100, 1)

    return {
        "labels": labels,
        "titles": titles,
        "tickets": {"name": "工单数", "values": [p.total for p in stats.trend]},
        "rates": [
            {"name": "按时办结率", "values": [percent(p.closed_on_time_rate) for p in stats.trend]},
            {"name": "满意率", "values": [percent(p.satisfaction_rate) for p in stats.trend]},
        ],
    }


def _trend_description(stats: selectors.Statistics) -> str:
    return "近 12 个月工单数、按时办结率与满意率：" + "；".join(
        f"{p.month} {p.total} 件，按时办结率 {formulas.percent(p.closed_on_time_rate)}，"
        f"满意率 {formulas.percent(p.satisfaction_rate)}"
        for p in stats.trend
    )


def statistics_page(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        filters = _filters(request)
    except DomainError as error:
        messages.error(request, error.message)
        filters = selectors.filters_of()
    stats = selectors.statistics_for(actor, filters)
    period = filters.period
    query = _query(filters)
    hot = stats.hot[:CHART_TOPICS]
    context = {
        "stats": stats,
        "filters": filters,
        "period": period,
        "previous": stats.previous,
        "choices": selectors.filter_choices(),
        "kpis": formulas.kpi_values(stats.totals),
        "kpi_definitions": formulas.KPIS,
        "cohort_note": formulas.COHORT_NOTE,
        "repeat_rule": formulas.REPEAT_RULE,
        "word_note": formulas.WORD_NOTE,
        "query_string": query,
        "category_lines": formulas.category_lines(stats.top_categories, stats.leaf_categories),
        "chart_trend": _trend_chart(stats),
        "chart_trend_description": _trend_description(stats),
        "chart_hot": {
            "name": "工单数",
            "labels": [t.name for t in hot],
            "values": [t.current for t in hot],
        },
        "chart_map": {
            "name": "工单数",
            "areas": [{"name": a.code, "label": a.name, "value": a.total} for a in stats.map_areas],
            "max": max((a.total for a in stats.map_areas), default=0),
        },
        "top_areas": stats.map_areas[:10],
    }
    return render(request, "hotline/pages/statistics.html", context)


@require_GET
def statistics_words(request: HttpRequest) -> HttpResponse:
    """The word cloud as a weighted list of words (a partial for HTMX; a page of its own otherwise)."""
    actor = _actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        filters = _filters(request)
    except DomainError as error:
        return HttpResponseBadRequest(error.message)
    words = [
        {"word": word, "weight": weight, "size": formulas.word_size(weight)}
        for word, weight in selectors.hot_words(actor, filters)
    ]
    context = {"words": words, "word_note": formulas.WORD_NOTE, "period": filters.period}
    if request.headers.get("HX-Request") == "true":
        return render(request, "hotline/partials/statistics_words.html", context)
    return render(request, "hotline/pages/statistics_words.html", context)


@require_GET
def statistics_map(request: HttpRequest) -> HttpResponse:
    """The outlines of the map (GeoJSON FeatureCollection, `code` and `name` per feature)."""
    actor = _actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        filters = _filters(request)
    except DomainError as error:
        return HttpResponseBadRequest(error.message)
    response = JsonResponse(selectors.map_outlines(filters))
    response["Cache-Control"] = "private, max-age=300"
    return response


def _export(request: HttpRequest, fmt: str) -> HttpResponse:
    actor = _actor(request)
    if isinstance(actor, HttpResponse):
        return actor
    try:
        filters = _filters(request)
    except DomainError as error:
        return HttpResponseBadRequest(error.message)
    stats = selectors.statistics_for(actor, filters)
    sections = formulas.breakdown_sections(
        period=filters.period,
        departments=stats.departments,
        categories=formulas.category_lines(stats.top_categories, stats.leaf_categories),
        regions=stats.districts,
        totals=stats.totals,
    )
    content = formulas.to_csv(sections) if fmt == "csv" else formulas.to_xlsx(sections)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    period = filters.period
    name = f"热线统计-{period.first:%Y%m%d}-{period.last:%Y%m%d}.{fmt}"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name)}"
    return response


@require_GET
def statistics_export_csv(request: HttpRequest) -> HttpResponse:
    return _export(request, "csv")


@require_GET
def statistics_export_xlsx(request: HttpRequest) -> HttpResponse:
    return _export(request, "xlsx")


urlpatterns: list[URLPattern] = [
    path("statistics/", statistics_page, name="statistics"),
    path("statistics/words/", statistics_words, name="statistics-words"),
    path("statistics/map.json", statistics_map, name="statistics-map"),
    path("statistics/export.csv", statistics_export_csv, name="statistics-export-csv"),
    path("statistics/export.xlsx", statistics_export_xlsx, name="statistics-export-xlsx"),
]
