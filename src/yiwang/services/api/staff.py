"""API: staff side of applications (办件箱、办件详情、受理、补正、审查、决定、办结、送达、特别程序、延期、指派、备注).

Each operation calls the same action as the staff pages; the workflow engine checks permission,
data scope and state. An application outside the actor's `services.view_application` scope is 404.
(No `from __future__ import annotations`: Ninja resolves the annotations of a paginated view in its
own namespace.)"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yiwang.core.api_schemas import (
    CappedPageNumberPagination,
    errors,
)
from yiwang.services import operations
from yiwang.services.api.schemas import ApplicationNames
from yiwang.services.models import Application
from yiwang.services.operations import HANDLING, NoteIn
from yiwang.services.selectors import handling as selectors

router = Router(tags=["一网通办"])
HandleIn = HANDLING.body  # one schema per operation, chosen by `op`

StatusFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": list(selectors.STATUS_FILTERS)})]


class ApplicationInboxFilters(Schema):
    status: StatusFilter = Field("open", description="open 办理中 / done 已结束 / 某一状态")
    item: str | None = Field(None, max_length=40, description="事项实施编码")
    overdue: bool = Field(False, description="只看已超期")
    search: str | None = Field(None, max_length=64, description="办件编号的任一部分（如后几位）或申请人名称")


class StaffApplicationOut(ApplicationNames):
    uid: UUID
    application_no: str | None
    item_code: str
    item_name: str
    organization: str
    applicant_name: str
    status: str
    status_label: str
    channel: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None = Field(None, description="承诺办结时限")
    completed_at: datetime | None
    completed_on_time: bool | None
    result_file: UUID | None = Field(None, description="办理结果文件 uid（GET /api/v1/files/{uid} 下载）")

    @staticmethod
    def resolve_applicant_name(obj: Any) -> str:
        annotated = getattr(obj, "applicant_name", None)  # the inbox annotates it
        if annotated is not None:
            return str(annotated)
        if obj.enterprise_id is not None:
            return str(obj.enterprise.name)
        return str(obj.person.name) if obj.person_id is not None else ""

    @staticmethod
    def resolve_result_file(obj: Any) -> UUID | None:
        return obj.result_file.uid if obj.result_file_id is not None else None


class NoteOut(Schema):
    id: int
    author: str
    text: str
    created_at: datetime

    @staticmethod
    def resolve_author(obj: Any) -> str:
        return str(obj.author)


class StaffDetailOut(Schema):
    application: StaffApplicationOut
    operations: list[str] = Field(description="当前可执行的办理操作（POST …/actions 的 op）")
    notes: list[NoteOut]


class NoteTextIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000, description="内部备注（申请人不可见）")


@router.get(
    "/applications",
    response={200: list[StaffApplicationOut], **errors(400, 403)},
    summary="办件箱（本部门办件，按时限先后）",
)
@paginate(CappedPageNumberPagination, page_size=20)
def inbox(request: HttpRequest, filters: Query[ApplicationInboxFilters]) -> Any:
    return selectors.staff_inbox(
        request.auth,  # type: ignore[attr-defined]
        status=filters.status,
        item=filters.item,
        overdue=filters.overdue,
        search=filters.search,
    ).select_related("result_file")


def _detail(actor: Any, application: Application) -> dict[str, Any]:
    instance = selectors.application_instance(application)
    options = selectors.staff_options(
        actor, application, instance, selectors.extension_requests_for(application)
    )
    return {
        "application": application,
        "operations": operations.available(options),
        "notes": selectors.notes_for(actor, application),
    }


@router.get(
    "/applications/{uid}",
    response={200: StaffDetailOut, **errors(403, 404)},
    summary="办件详情（工作人员）：可执行的操作与内部备注",
)
def detail(request: HttpRequest, uid: UUID) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    return _detail(actor, selectors.staff_application(actor, uid))


@router.post(
    "/applications/{uid}/actions",
    response={200: StaffDetailOut, **errors(400, 403, 404, 409)},
    summary="办理办件（受理、补正、审查、决定、办结、送达、特别程序、延期、指派）",
)
def act(request: HttpRequest, uid: UUID, payload: HandleIn) -> Any:  # type: ignore[valid-type]  # built at import
    actor = request.auth  # type: ignore[attr-defined]
    application = selectors.staff_application(actor, uid)
    HANDLING.perform(actor=actor, target=application, payload=payload)
    return _detail(actor, selectors.staff_application(actor, uid))


@router.post(
    "/applications/{uid}/notes",
    response={200: NoteOut, **errors(400, 403, 404)},
    summary="添加内部备注（仅工作人员可见）",
)
def add_note(request: HttpRequest, uid: UUID, payload: NoteTextIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = selectors.staff_application(actor, uid)
    note, _message = HANDLING.perform(
        actor=actor, target=application, payload=NoteIn(op="note", text=payload.text)
    )
    return note
