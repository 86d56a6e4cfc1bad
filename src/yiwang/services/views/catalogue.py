"""Pages: the public catalogue — home with browsing, search, the guide (办事指南) and its form downloads
(the Excel template and the printable PDF blank form)."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from yiwang.core.errors import InvalidInput, NotFound
from yiwang.identity.actor import actor_from_request
from yiwang.services.blank_form import blank_form
from yiwang.services.constants import ENTERPRISE_THEMES, PERSON_THEMES, THEMES
from yiwang.services.eligibility import online_applying
from yiwang.services.excel import XLSX_CONTENT_TYPE, form_template
from yiwang.services.models import ItemLevel, ServiceItem
from yiwang.services.selectors.catalogue import (
    catalogue_facets,
    guide_for,
    item_get_current,
    item_get_version,
    item_type_label,
    items_published,
)

PAGE_SIZE = 20
FILTERS = ("department", "theme", "level", "item_type", "served_subject")


def apply_url(code: str) -> str:
    """The 「在线办理」 link (the applications pages own `services:apply`)."""
    try:
        return reverse("services:apply", args=[code])
    except NoReverseMatch:
        return f"/services/items/{code}/apply/"


def _filters(request: HttpRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip()[:64] for name in FILTERS}


def _filter_labels(filters: dict[str, str], facets: Any) -> list[str]:
    labels = []
    departments = {f.code: f.label for f in facets.departments}
    if filters["department"]:
        labels.append(departments.get(filters["department"], filters["department"]))
    if filters["theme"]:
        labels.append(THEMES.get(filters["theme"], filters["theme"]))
    if filters["level"] in ItemLevel.values:
        labels.append(str(ItemLevel(filters["level"]).label))
    if filters["item_type"]:
        labels.append(item_type_label(filters["item_type"]))
    if filters["served_subject"]:
        labels.append(str(dict(ServiceItem.ServedSubject.choices).get(filters["served_subject"], "")))
    return [label for label in labels if label]


def _results(request: HttpRequest, q: str, filters: dict[str, str]) -> tuple[Any, str]:
    try:
        rows = items_published(q=q, **filters)
    except InvalidInput as exc:
        return Paginator([], PAGE_SIZE).get_page(1), exc.message
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")), ""


def _query_string(request: HttpRequest) -> str:
    params = request.GET.copy()
    params.pop("page", None)
    return params.urlencode()


@require_GET
def catalogue_home(request: HttpRequest) -> HttpResponse:
    filters = _filters(request)
    facets = catalogue_facets()
    browsing = any(filters.values())
    page, error = _results(request, "", filters)
    return render(
        request,
        "services/pages/catalogue_home.html",
        {
            "facets": facets,
            "filters": filters,
            "filter_labels": _filter_labels(filters, facets),
            "browsing": browsing,
            "page": page,
            "error": error,
            "query_string": _query_string(request),
            "person_themes": PERSON_THEMES,
            "enterprise_themes": ENTERPRISE_THEMES,
        },
    )


@require_GET
def catalogue_search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()[:100]
    filters = _filters(request)
    page, error = _results(request, q, filters) if q else (Paginator([], PAGE_SIZE).get_page(1), "")
    return render(
        request,
        "services/pages/catalogue_search.html",
        {"q": q, "page": page, "error": error, "query_string": _query_string(request)},
    )


def _item(request: HttpRequest, code: str) -> ServiceItem:
    version = request.GET.get("version", "")
    try:
        if version.isdigit() and len(version) < 6:
            return item_get_version(code, int(version), actor=actor_from_request(request))
        return item_get_current(code)
    except NotFound as exc:
        raise Http404(exc.message) from exc


@require_GET
def guide(request: HttpRequest, code: str) -> HttpResponse:
    item = _item(request, code)
    return render(
        request,
        "services/pages/guide.html",
        {
            "item": item,
            "guide": guide_for(item),
            "apply_url": apply_url(item.implementation_code),
            "is_old_version": not item.is_current,
            # 在线办理, or why not and what to do instead (depth Ⅰ, an applicant the item does not serve)
            "applying": online_applying(actor_from_request(request), item),
        },
    )


@require_GET
def guide_form(request: HttpRequest, code: str) -> HttpResponse:
    item = _item(request, code)
    if not item.form_schema.get("properties"):
        raise Http404(_("本事项无需填写申请表"))
    response = HttpResponse(form_template(item), content_type=XLSX_CONTENT_TYPE)
    filename = f"{item.implementation_code}-v{item.version}-申请表.xlsx"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    return response


@require_GET
def guide_form_pdf(request: HttpRequest, code: str) -> HttpResponse:
    """The printable blank application form (PDF) of the item version."""
    item = _item(request, code)
    if not item.form_schema.get("properties"):
        raise Http404(_("本事项无需填写申请表"))
    response = HttpResponse(blank_form(item), content_type="application/pdf")
    filename = f"{item.implementation_code}-v{item.version}-申请表.pdf"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
    response["X-Content-Type-Options"] = "nosniff"
    return response


urlpatterns: list[URLPattern] = [
    path("", catalogue_home, name="catalogue"),
    path("search", catalogue_search, name="search"),
    path("items/<str:code>/", guide, name="guide"),
    path("items/<str:code>/form.xlsx", guide_form, name="guide_form"),
    path("items/<str:code>/form.pdf", guide_form_pdf, name="guide_form_pdf"),
]
