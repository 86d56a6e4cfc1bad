"""What a user may upload, and which stored files are attached to anything.

A stored file is *attached* when any row of any model refers to it through a foreign key or a
many-to-many field: an application's material, a result, a history event's attachment, a job's input
or report, a sample form — and whatever a later domain adds, found by Django's model introspection
(`file_references`), hidden relations (`related_name="+"`) and many-to-many through tables included.
(`StoredFile._meta.related_objects` alone would miss the hidden foreign keys.) A reference kept in
JSON or text does not count: a domain that points to files must do it with a foreign key.

Every user's uploads are limited (`upload_allowance_check`, called by `core.files.file_store` for
uploads, not for documents the platform generates):
- the rate: at most `YIWANG_UPLOAD_RATE_COUNT` files stored in the last `YIWANG_UPLOAD_RATE_SECONDS`
  (429 `too_many_requests`);
- the quota: at most `YIWANG_UPLOAD_QUOTA_BYTES` in files not yet attached to anything
  (429 `upload_quota_exceeded`) — uploaded and then never used in an application.
Files left unattached for `YIWANG_UPLOAD_GRACE_HOURS` are deleted by `core.files.files_prune`. The
checks are made without a lock, so concurrent uploads of one user may overshoot by the files in
flight."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, QuerySet, Sum
from django.utils import timezone

from yiwang.core.errors import InvalidInput
from yiwang.core.models import StoredFile

if TYPE_CHECKING:
    from datetime import datetime


class UploadLimited(InvalidInput):
    status = 429


def file_references() -> list[tuple[type[models.Model], models.ForeignKey[Any, Any]]]:
    """Every (model, foreign key) that refers to `StoredFile`: foreign keys and one-to-one fields of
    every installed model, hidden ones too, and the foreign keys of many-to-many through tables
    (which is how a many-to-many field refers to a file)."""
    references: list[tuple[type[models.Model], models.ForeignKey[Any, Any]]] = []
    for relation in StoredFile._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if relation.many_to_many:
            continue  # its through table's foreign key is listed on its own
        field = relation.field  # type: ignore[union-attr]
        if isinstance(field, models.ForeignKey):
            references.append((relation.related_model, field))  # type: ignore[arg-type]
    return references


def unattached(queryset: QuerySet[StoredFile]) -> QuerySet[StoredFile]:
    """`queryset` narrowed to files nothing refers to (one NOT EXISTS per reference, each served by
    the referring column's index)."""
    for model, field in file_references():
        target = field.target_field.attname
        referring = model._base_manager.filter(**{field.attname: OuterRef(target)})
        queryset = queryset.filter(~Exists(referring))
    return queryset


def is_attached(stored: StoredFile) -> bool:
    return not unattached(StoredFile.objects.filter(pk=stored.pk)).exists()


def unattached_bytes(user_id: int) -> int:
    """Bytes of the user's uploads that nothing refers to yet."""
    total = unattached(StoredFile.objects.filter(owner_id=user_id)).aggregate(total=Sum("size"))["total"]
    return int(total or 0)


def _minutes(seconds: int) -> str:
    if seconds % 3600 == 0:
        return f"{seconds // 3600} 小时"
    if seconds % 60 == 0:
        return f"{seconds // 60} 分钟"
    return f"{seconds} 秒"


def _size(size: int) -> str:
    if size < 1024:
        return f"{size} 字节"
    if size < 1024 * 1024:
        return f"{size // 1024} KB"
    return f"{size / (1024 * 1024):.1f}".removesuffix(".0") + " MB"


def upload_rate_check(user_id: int, *, now: datetime | None = None) -> None:
    """Refuse (429 `too_many_requests`) a user who stored `YIWANG_UPLOAD_RATE_COUNT` files in the last
    `YIWANG_UPLOAD_RATE_SECONDS` (0 turns it off)."""
    limit = int(settings.YIWANG_UPLOAD_RATE_COUNT)
    window = int(settings.YIWANG_UPLOAD_RATE_SECONDS)
    if limit <= 0 or window <= 0:
        return
    since = (now or timezone.now()) - timedelta(seconds=window)
    if StoredFile.objects.filter(owner_id=user_id, created_at__gte=since).count() >= limit:
        raise UploadLimited(
            f"上传过于频繁：每 {_minutes(window)}最多上传 {limit} 个文件，请稍后再试",
            code="too_many_requests",
            details={"limit": limit, "seconds": window},
        )


def upload_quota_check(user_id: int, size: int) -> None:
    """Refuse (429 `upload_quota_exceeded`) an upload of `size` bytes that would bring the user's
    unattached files over `YIWANG_UPLOAD_QUOTA_BYTES` (0 turns it off)."""
    quota = int(settings.YIWANG_UPLOAD_QUOTA_BYTES)
    if quota <= 0:
        return
    used = unattached_bytes(user_id)
    if used + size > quota:
        grace = float(settings.YIWANG_UPLOAD_GRACE_HOURS)
        raise UploadLimited(
            f"已上传但尚未使用的文件合计超过上限（{_size(quota)}）。请先提交申请，或删除不用的草稿；"
            f"未使用的文件会在上传 {grace:g} 小时后自动清理",
            code="upload_quota_exceeded",
            details={"quota_bytes": quota, "unattached_bytes": used, "size": size},
        )
