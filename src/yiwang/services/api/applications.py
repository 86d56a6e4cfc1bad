"""API: applications, the applicant's side (申报、草稿、我的办件、补正、撤回、结果下载).

Materials are first uploaded through `POST /api/v1/files/` and then referenced by their uid:
`{"materials": {"premises_proof": "<file uid>"}}`. A submission carries an idempotency key (the
`Idempotency-Key` header or the `idempotency_key` field): repeating it returns the application the
first request created. (No `from __future__ import annotations`: Ninja resolves the annotations of a
paginated view in its own namespace.)"""

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yiwang.core import actions as core_actions
from yiwang.core.api_schemas import BoundedPageNumberPagination, errors
from yiwang.core.errors import InvalidInput
from yiwang.core.files import file_response
from yiwang.services.actions import applications as actions
from yiwang.services.api.schemas import ApplicationNames
from yiwang.services.models import Application
from yiwang.services.selectors import applications as selectors

router = Router(tags=["一网通办"])

PAGE_SIZE = 20
StatusFilter = Annotated[str, WithJsonSchema({"type": "string", "enum": ["", *Application.Status.values]})]
ItemCode = Annotated[str, Field(min_length=1, max_length=40, description="事项实施编码")]
FileUid = UUID


# -- schemas ------------------------------------------------------------------------------------


class ApplicationIn(Schema):
    item: ItemCode
    data: dict[str, Any] = Field(default_factory=dict, description="申请表数据（按事项的 JSON Schema）")
    materials: dict[str, FileUid] = Field(
        default_factory=dict, description="材料编码 → 已上传附件的 uid（先调用 POST /files/ 上传）"
    )
    enterprise: UUID | None = Field(None, description="以哪家企业名义申报（法人经办人）")
    draft: UUID | None = Field(None, description="由此草稿提交")
    idempotency_key: str | None = Field(
        None, max_length=64, description="幂等键；也可放在 Idempotency-Key 请求头中"
    )


class DraftIn(Schema):
    item: ItemCode
    data: dict[str, Any] = Field(default_factory=dict, description="申请表数据（可不完整）")
    materials: dict[str, FileUid] = Field(default_factory=dict, description="材料编码 → 已上传附件的 uid")
    enterprise: UUID | None = None
    draft: UUID | None = Field(None, description="更新此草稿（不填则新建）")


class ResubmitIn(Schema):
    data: dict[str, Any] | None = Field(None, description="修改后的申请表（不填则沿用原申请表）")
    materials: dict[str, FileUid] = Field(default_factory=dict, description="补正的材料：材料编码 → 附件 uid")


class WithdrawIn(Schema):
    reason: str = Field(..., min_length=1, max_length=500, description="撤回理由")


class ApplicationOut(ApplicationNames):
    uid: UUID
    application_no: str | None = Field(None, description="办件编号：实施编码 + yyyymmdd + 4 位当日序号")
    item_code: str
    item_name: str
    item_version: int
    organization: str
    status: str
    status_label: str
    submitted_at: datetime | None
    accepted_at: datetime | None
    due_at: datetime | None = Field(None, description="承诺办结时限")
    completed_at: datetime | None
    completed_on_time: bool | None
    has_result: bool

    @staticmethod
    def resolve_item_version(obj: Application) -> int:
        return obj.item.version

    @staticmethod
    def resolve_has_result(obj: Application) -> bool:
        return obj.result_file_id is not None


class ApplicationMaterialOut(Schema):
    code: str
    name: str
    source: str
    file: UUID | None = Field(None, description="附件 uid（电子证照、共享数据类为 null，由系统调取）")
    file_name: str | None = None


class TimelineOut(Schema):
    action: str
    action_name: str
    to_state: str
    to_state_name: str
    actor: str
    comment: str
    created_at: datetime
    fields: list[dict[str, str]]
    missing_materials: list[str]


class CorrectionOut(Schema):
    reason: str
    materials: list[str] = Field(description="需补正的全部材料（一次告知）")
    created_at: datetime


class ApplicationDetailOut(ApplicationOut):
    form_data: dict[str, Any]
    materials: list[ApplicationMaterialOut]
    timeline: list[TimelineOut]
    correction: CorrectionOut | None


class _Detail:
    """An application with the detail's extra attributes (materials, timeline, correction)."""

    def __init__(self, application: Application, extra: dict[str, Any]) -> None:
        self._application = application
        self.__dict__.update(extra)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._application, name)


def _detail(request: HttpRequest, application: Application, *, unmasked: bool = False) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    notice = selectors.correction_notice(actor, application)
    extra = {
        "form_data": selectors.application_form_data(actor, application, unmasked=unmasked),
        "materials": [
            {
                "code": row.requirement.code,
                "name": row.requirement.name,
                "source": row.requirement.source,
                "file": row.file.uid if row.file else None,
                "file_name": row.file.name if row.file else None,
            }
            for row in selectors.application_materials(actor, application)
        ],
        "timeline": [
            {
                "action": row.action,
                "action_name": row.action_name,
                "to_state": row.to_state,
                "to_state_name": row.to_state_name,
                "actor": row.actor_label,
                "comment": row.comment,
                "created_at": row.created_at,
                "fields": row.fields,
                "missing_materials": row.missing_materials,
            }
            for row in selectors.application_timeline(actor, application)
        ],
        "correction": (
            {"reason": notice.reason, "materials": notice.materials, "created_at": notice.created_at}
            if notice is not None
            else None
        ),
    }
    return _Detail(application, extra)


def _own_draft(request: HttpRequest, uid: UUID | None) -> Application | None:
    if uid is None:
        return None
    return selectors.application_get(request.auth, uid)  # type: ignore[attr-defined]


# -- endpoints ----------------------------------------------------------------------------------


@router.post(
    "/applications",
    response={201: ApplicationOut, **errors(400, 403, 404, 409)},
    summary="提交申请",
    description=(
        "提交一件申请（幂等：同一申请人重复使用同一幂等键只会得到同一件申请）。"
        "返回办件摘要（办件编号、状态、承诺办结时限）；材料和办理进度见 Location 指向的办件详情。"
        "申请表和材料的问题一次全部告知（400）：只有申请表有误时错误码为 application_form_invalid"
        "（details 为各处问题的文字），只缺材料时为 application_materials_missing（details 为缺少的材料"
        " [{code, name}]），多类问题并存时为 application_incomplete（details 为 {form, materials, files}）。"
        "网上办理深度为 Ⅰ 级（网上咨询、表格下载）的事项只能到窗口办理，不能网上申请（400，service_item_not_online）。"
    ),
    openapi_extra={
        "responses": {
            201: {"headers": {"Location": {"description": "办件详情的地址", "schema": {"type": "string"}}}}
        }
    },
)
def application_submit(
    request: HttpRequest,
    response: HttpResponse,
    payload: ApplicationIn,
    idempotency_key: Annotated[str | None, Header(alias="Idempotency-Key", max_length=64)] = None,
) -> Status[Any]:
    actor = request.auth  # type: ignore[attr-defined]
    key = idempotency_key or payload.idempotency_key
    draft = _own_draft(request, payload.draft)
    item = selectors.item_for_application(payload.item) if draft is None else None
    application = actions.application_submit(
        actor=actor,
        item=item,
        draft=draft,
        data=payload.data,
        materials=payload.materials,
        idempotency_key=key,
        enterprise=selectors.enterprise_for(actor, payload.enterprise),
    )
    # The summary, not the detail: a submission answers in 3 fewer queries, and the client that
    # wants the materials and the timeline reads them where Location points.
    response["Location"] = f"{request.path.rstrip('/')}/{application.uid}"
    return Status(201, application)


@router.post(
    "/applications/drafts",
    response={201: ApplicationDetailOut, **errors(400, 403, 404, 409)},
    summary="保存申请草稿",
    description="保存（或更新）申请草稿，申请表可不完整。网上办理深度为 Ⅰ 级的事项不能网上申请（400，service_item_not_online）。",
)
def application_save_draft(request: HttpRequest, payload: DraftIn) -> Status[Any]:
    actor = request.auth  # type: ignore[attr-defined]
    draft = _own_draft(request, payload.draft)
    item = selectors.item_for_application(payload.item) if draft is None else draft.item
    application = actions.application_save_draft(
        actor=actor,
        item=item,
        draft=draft,
        data=payload.data,
        files=payload.materials,
        enterprise=selectors.enterprise_for(actor, payload.enterprise),
    )
    return Status(201, _detail(request, application))


@router.get(
    "/applications",
    response={200: list[ApplicationOut], **errors(400)},
    summary="我的办件",
    description="当前账号申报的办件（法人经办人含所代理企业的办件），含草稿，最新的在前。",
)
@paginate(BoundedPageNumberPagination, page_size=PAGE_SIZE)
def my_applications(
    request: HttpRequest,
    status: Annotated[StatusFilter | None, Query(description="按状态筛选")] = None,
) -> Any:
    if status and status not in Application.Status.values:
        raise InvalidInput("办件状态不正确", code="application_status_invalid")
    return selectors.applications_for_applicant(request.auth, status=status or None)  # type: ignore[attr-defined]


@router.get(
    "/applications/{uid}",
    response={200: ApplicationDetailOut, **errors(400, 403, 404)},
    summary="办件详情",
    description=(
        "办件信息、材料、办理进度和待补正的告知（申请人或本部门有权限的工作人员可见）。"
        "工作人员看到的申请表中，身份证号码和手机号码已脱敏；unmask=true 并填写 reason 可查看完整信息"
        "（需 core.unmask_pii 权限，每次查看记入审计日志）。"
    ),
)
def application_detail(
    request: HttpRequest,
    uid: str,
    unmask: bool = Query(False, description="查看申请表中的完整个人信息（需 core.unmask_pii 权限，留痕）"),
    reason: str = Query("", max_length=200, description="查看完整信息的事由"),
) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = selectors.application_get(actor, uid)
    if unmask:
        core_actions.pii_unmask(
            actor=actor, obj=application, reason=reason, fields=selectors.application_pii_fields(application)
        )
    return _detail(request, application, unmasked=unmask)


@router.post(
    "/applications/{uid}/resubmit",
    response={200: ApplicationDetailOut, **errors(400, 403, 404, 409)},
    summary="提交补正材料",
    description=(
        "按补正告知修改申请表（data）并重新上传材料（materials）。补正告知列明的每一项材料都须重新上传"
        "（新的文件，不能是原文件），否则 400，错误码 application_correction_materials_missing"
        "（details 为 [{code, name}]）；告知未列材料时须修改申请表，什么都没改为 application_correction_unchanged。"
        "与申请表、其他材料的问题一并告知时为 application_incomplete（details 另含 correction）。"
        "受理环节的补正提交后回到待受理，审查环节退回的补正提交后回到审查中。"
    ),
)
def application_resubmit(request: HttpRequest, uid: str, payload: ResubmitIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = actions.application_resubmit(
        actor=actor,
        application=selectors.application_get(actor, uid),
        data=payload.data,
        materials=payload.materials,
    )
    return _detail(request, application)


@router.delete(
    "/applications/{uid}",
    response={204: None, **errors(403, 404, 409)},
    summary="删除申请草稿",
    description="删除尚未提交的草稿及其已上传的材料文件；已提交的办件只能撤回（409，application_not_draft）。",
)
def application_draft_discard(request: HttpRequest, uid: str) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    actions.application_draft_discard(actor=actor, application=selectors.application_get(actor, uid))
    return Status(204, None)


@router.post(
    "/applications/{uid}/withdraw",
    response={200: ApplicationDetailOut, **errors(400, 403, 404, 409)},
    summary="撤回申请",
)
def application_withdraw(request: HttpRequest, uid: str, payload: WithdrawIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    application = actions.application_withdraw(
        actor=actor, application=selectors.application_get(actor, uid), reason=payload.reason
    )
    return _detail(request, application)


@router.get(
    "/applications/{uid}/result",
    response={200: None, **errors(404)},
    summary="下载办理结果",
    openapi_extra={
        "responses": {200: {"description": "办理结果文件", "content": {"application/octet-stream": {}}}}
    },
)
def application_result(request: HttpRequest, uid: str) -> FileResponse:
    actor = request.auth  # type: ignore[attr-defined]
    return file_response(selectors.application_result_file(actor, selectors.application_get(actor, uid)))
