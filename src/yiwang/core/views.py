"""Kernel pages: file download and the notification centre (消息中心)."""

from __future__ import annotations

from uuid import UUID

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from yiwang.core.errors import NotFound
from yiwang.core.files import file_open_for, file_response
from yiwang.core.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notifications_for,
    unread_count,
)
from yiwang.identity.actor import actor_from_request

NOTIFICATIONS_PER_PAGE = 20


@require_GET
@login_required
def file_download(request: HttpRequest, uid: UUID) -> HttpResponseBase:
    try:
        stored = file_open_for(actor_from_request(request), uid)
    except NotFound:
        raise Http404("文件不存在或无权访问") from None
    # ?inline=1: a page previews a PDF or an image in place (other types still download).
    return file_response(stored, inline=request.GET.get("inline") == "1")


def _notification_context(request: HttpRequest) -> dict[str, object]:
    actor = actor_from_request(request)
    unread_only = request.GET.get("unread") == "1"
    rows = notifications_for(actor, unread_only=unread_only)
    page = Paginator(rows, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    return {
        "page_obj": page,
        "notifications": page.object_list,
        "unread_only": unread_only,
        "unread_total": unread_count(actor),
    }


@require_GET
@login_required
def notification_centre(request: HttpRequest) -> HttpResponse:
    return render(request, "core/pages/notifications.html", _notification_context(request))


def _after_write(request: HttpRequest) -> HttpResponse:
    if getattr(request, "htmx", False):
        return render(request, "core/partials/notification_list.html", _notification_context(request))
    return redirect("core:notifications")


@require_POST
@login_required
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    notification_mark_all_read(actor=actor_from_request(request))
    return _after_write(request)


@require_POST
@login_required
def notification_read(request: HttpRequest, notification_id: int) -> HttpResponse:
    notification_mark_read(actor=actor_from_request(request), ids=[notification_id])
    return _after_write(request)
