"""API: staff side of applications (办件箱、办件详情、受理、补正、审查、决定、办结、送达、特别程序、延期、指派、备注).

Each operation calls the same action as the staff pages; the workflow engine checks permission,
data scope and state. An application outside the actor's `services.view_application` scope is 404.
(No `from __future__ import annotations`: Ninja resolves the annotations of a paginated view in its
own namespace.)"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yiwang.core.api_schemas import (
    JSON_INTEGER,
    MAX_DATABASE_ID,
    CappedPageNumberPagination,
    DatabaseId,
    errors,
)
from yiwang.core.errors import InvalidInput
from yiwang.services.actions import handling
from yiwang.services.api.schemas import ApplicationNames
from yiwang.services.models import Application
from yiwang.services.selectors import handling as selectors

router = Router(tags=["一网通办"])

StatusFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": list(selectors.STATUS_FILTERS)})]
Operation = Literal[
    "accept",
    "refuse",
    "request_correction",
    "return_for_correction",
    "review",
    "decide",
    "complete",
    "deliver",
    "suspend",
    "resume",
    "request_extension",
    "decide_extension",
    "assign",
]


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


class HandleIn(Schema):
    op: Operation = Field(description="办理操作")
    comment: str = Field("", max_length=2000, description="办理意见")
    reason: str = Field("", max_length=1000, description="理由（不予受理、补正、特别程序、延期）")
    materials: list[DatabaseId] = Field(
        default_factory=list, max_length=100, description="需补正的材料（事项申请材料 id）"
    )
    decision: Literal["approve", "deny", ""] = Field("", description="决定：approve 准予 / deny 不予")
    decision_text: str = Field("", max_length=4000, description="决定内容")
    kind: str = Field(
        "", max_length=32, description="特别程序类型：" + "、".join(handling.SPECIAL_PROCEDURES)
    )
    days: Annotated[int, Field(ge=0, le=365), JSON_INTEGER] = Field(0, description="延长工作日")
    method: str = Field("", max_length=16, description="送达方式：window / post / online")
    tracking_no: str = Field("", max_length=64, description="邮寄单号")
    note: str = Field("", max_length=255, description="送达说明")
    assignee: Annotated[int, Field(ge=0, le=MAX_DATABASE_ID), JSON_INTEGER] = Field(
        0, description="被指派人用户 id"
    )
    request: Annotated[int, Field(ge=0, le=MAX_DATABASE_ID), JSON_INTEGER] = Field(
        0, description="延期申请 id"
    )
    approve: bool = Field(False, description="批准延期申请")


class NoteIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000, description="内部备注（申请人不可见）")


def _operations(options: selectors.StaffOptions) -> list[str]:
    ops = [code for code in options.workflow if code not in ("approve", "deny")]
    if {"approve", "deny"} & set(options.workflow):
        ops.append("decide")
    for flag, code in (
        (options.can_request_extension, "request_extension"),
        (options.can_decide_extension, "decide_extension"),
        (options.can_deliver, "deliver"),
        (options.can_assign, "assign"),
    ):
        if flag:
            ops.append(code)
    return ops


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
        "operations": _operations(options),
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


def _call(payload: HandleIn, actor: Any, application: Application) -> Callable[[], Any]:
    common: dict[str, Any] = {"actor": actor, "application": application}
    comment, reason = payload.comment, payload.reason
    calls: dict[str, Callable[[], Any]] = {
        "accept": lambda: handling.application_accept(**common, comment=comment),
        "refuse": lambda: handling.application_refuse(**common, reason=reason, comment=comment),
        "request_correction": lambda: handling.application_request_correction(
            **common, reason=reason, materials=payload.materials, comment=comment
        ),
        "return_for_correction": lambda: handling.application_return_for_correction(
            **common, reason=reason, materials=payload.materials, comment=comment
        ),
        "review": lambda: handling.application_review(**common, comment=comment),
        "decide": lambda: handling.application_decide(
            **common, decision=payload.decision, decision_text=payload.decision_text
        ),
        "complete": lambda: handling.application_complete(**common, comment=comment),
        "deliver": lambda: handling.application_deliver(
            **common, method=payload.method, tracking_no=payload.tracking_no, note=payload.note
        ),
        "suspend": lambda: handling.application_suspend(
            **common, kind=payload.kind, reason=reason, comment=comment
        ),
        "resume": lambda: handling.application_resume(**common, comment=comment),
        "request_extension": lambda: handling.application_request_extension(
            **common, days=payload.days, reason=reason
        ),
        "decide_extension": lambda: handling.extension_decide(
            actor=actor,
            request=selectors.extension_request_for(application, payload.request),
            approve=payload.approve,
            comment=comment,
        ),
        "assign": lambda: handling.application_assign(
            **common, to_user=selectors.colleague_for(application, payload.assignee)
        ),
    }
    call = calls.get(payload.op)
    if call is None:  # pragma: no cover - the schema allows only the listed operations
        raise InvalidInput("未知的办理操作", code="services_operation_invalid")
    return call


@router.post(
    "/applications/{uid}/actions",
    response={200: StaffDetailOut, **errors(400, 403, 404, 409)},
    summary="办理办件（受理、补正、审查、决定、办结、送达、特别程序、延期、指派）",
)
def act(request: HttpRequest, uid: UUID, payload: HandleIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = selectors.staff_application(actor, uid)
    _call(payload, actor, application)()
    return _detail(actor, selectors.staff_application(actor, uid))


@router.post(
    "/applications/{uid}/notes",
    response={200: NoteOut, **errors(400, 403, 404)},
    summary="添加内部备注（仅工作人员可见）",
)
def add_note(request: HttpRequest, uid: UUID, payload: NoteIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = selectors.staff_application(actor, uid)
    return handling.application_note_add(actor=actor, application=application, text=payload.text)
