"""API endpoints for stored files: upload, metadata and content, each behind the permission check."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from django.http import FileResponse, HttpRequest
from ninja import File, Router, Schema, Status
from ninja.files import UploadedFile

from yiwang.core.api_schemas import errors
from yiwang.core.files import file_open_for, file_response, file_store
from yiwang.core.models import StoredFile

router = Router(tags=["附件"])


class FileOut(Schema):
    uid: UUID
    name: str
    content_type: str
    size: int
    sha256: str
    sm3: str
    created_at: datetime


@router.post(
    "/",
    response={201: FileOut, **errors(400, 403, 413, 429)},
    summary="上传附件",
    description=(
        "multipart 上传一个文件；检查大小上限和真实文件类型，返回 SHA-256 与 SM3 摘要。"
        "每个用户的上传频率和尚未使用的文件总量有上限（429 too_many_requests / upload_quota_exceeded）；"
        "上传后一直未被任何业务使用的文件会在宽限期（默认 24 小时）后自动删除。"
    ),
)
def upload_file(request: HttpRequest, file: File[UploadedFile]) -> Status[StoredFile]:
    return Status(201, file_store(actor=request.auth, upload=file))  # type: ignore[attr-defined]


@router.get("/{uid}", response={200: FileOut, **errors(404)}, summary="查看附件信息")
def file_metadata(request: HttpRequest, uid: str) -> StoredFile:
    return file_open_for(request.auth, uid)  # type: ignore[attr-defined]


@router.get(
    "/{uid}/content",
    response={200: None, **errors(404)},
    summary="下载附件内容",
    openapi_extra={
        "responses": {200: {"description": "文件内容", "content": {"application/octet-stream": {}}}}
    },
)
def file_download(request: HttpRequest, uid: str) -> FileResponse:
    return file_response(file_open_for(request.auth, uid))  # type: ignore[attr-defined]
