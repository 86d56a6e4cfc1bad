"""API endpoints for the notification centre: one's own messages only."""

from __future__ import annotations

from datetime import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from yiwang.core.api_schemas import BoundedPageNumberPagination, DatabaseId
from yiwang.core.models import Notification
from yiwang.core.notifications import (
    notification_mark_all_read,
    notification_mark_read,
    notifications_for,
    unread_count,
)

router = Router(tags=["消息"])


class NotificationOut(Schema):
    id: int
    template_code: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None
    is_read: bool

    @staticmethod
    def resolve_is_read(obj: Notification) -> bool:
        return obj.read_at is not None


class MarkReadIn(Schema):
    ids: list[DatabaseId] = Field(..., max_length=500, description="要标为已读的消息 id")


class UpdatedOut(Schema):
    updated: int


class CountOut(Schema):
    count: int


@router.get("/", response=list[NotificationOut], summary="我的消息列表")
@paginate(BoundedPageNumberPagination, page_size=20)
def list_notifications(request: HttpRequest, unread: bool = False) -> QuerySet[Notification]:
    return notifications_for(request.auth, unread_only=unread)  # type: ignore[attr-defined]


@router.get("/unread-count", response=CountOut, summary="未读消息数")
def get_unread_count(request: HttpRequest) -> dict[str, int]:
    return {"count": unread_count(request.auth)}  # type: ignore[attr-defined]


@router.post("/read", response=UpdatedOut, summary="将指定消息标为已读")
def mark_read(request: HttpRequest, payload: MarkReadIn) -> dict[str, int]:
    return {"updated": notification_mark_read(actor=request.auth, ids=payload.ids)}  # type: ignore[attr-defined]


@router.post("/read-all", response=UpdatedOut, summary="全部标为已读")
def mark_all_read(request: HttpRequest) -> dict[str, int]:
    return {"updated": notification_mark_all_read(actor=request.auth)}  # type: ignore[attr-defined]
