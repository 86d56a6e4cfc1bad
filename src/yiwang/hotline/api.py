"""API of 12345: register tickets (staff for callers, citizens and other systems for themselves),
the actor's queues, one ticket with the operations open to the actor, the operations themselves (the
same table as the pages), the 派单目录, knowledge-base search and classification suggestions.

A ticket outside the actor's `hotline.view_ticket` scope is 404; a caller's name and number come
as the actor may see them (`selectors.tickets.caller_view`). (No `from __future__ import
annotations`: Ninja resolves the annotations of a paginated view in its own namespace.)"""

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import WithJsonSchema

from yiwang.core.api_schemas import CappedPageNumberPagination, errors
from yiwang.core.errors import PermissionDenied
from yiwang.hotline import classification
from yiwang.hotline.actions import tickets as actions
from yiwang.hotline.models import Ticket
from yiwang.hotline.operations import TICKET_OPERATIONS
from yiwang.hotline.permissions import DISPATCH_TICKET, REGISTER_TICKET, VIEW_TICKET
from yiwang.hotline.selectors import catalog as catalog_selectors
from yiwang.hotline.selectors import knowledge as knowledge_selectors
from yiwang.hotline.selectors import tickets as selectors

router = Router(tags=["12345热线"])
OperationBody = TICKET_OPERATIONS.body

QueueName = Annotated[str, WithJsonSchema({"type": "string", "enum": list(selectors.QUEUES)})]


class TicketIn(Schema):
    kind: Literal["consult", "help", "complaint", "report", "suggestion", "praise"] = Field(
        description="诉求类型：咨询/求助/投诉/举报/建议/表扬"
    )
    content: str = Field(min_length=1, max_length=4000, description="诉求内容")
    title: str = Field("", max_length=200, description="标题（空则取内容首句）")
    urgency: Literal["normal", "urgent"] = "normal"
    channel: Literal["phone", "web", "mobile", "api"] = Field("api", description="来源渠道")
    caller_name: str = Field("", max_length=50, description="来电人（话务员登记时）")
    caller_phone: str = Field(
        "",
        max_length=20,
        pattern=r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{5,8})?$",
        description="联系电话（话务员登记时）：手机、固话或 5–8 位短号",
    )
    confidential: bool = Field(False, description="来电人要求保密：承办部门看不到姓名和号码")
    address: str = Field("", max_length=255)
    region: str = Field("", max_length=12, description="行政区划代码")
    longitude: float | None = Field(None, ge=-180, le=180)
    latitude: float | None = Field(None, ge=-90, le=90)
    category: str = Field("", max_length=80, description="诉求分类（派单目录末级编码），可空")
    idempotency_key: str = Field("", max_length=64, description="幂等键：同一键重复提交返回同一工单")


class TicketOut(Schema):
    uid: UUID
    ticket_no: str
    kind: str
    kind_label: str
    urgency: str
    channel: str
    title: str
    content: str
    status: str
    status_label: str
    category: str | None = Field(None, description="诉求分类编码")
    category_name: str | None = None
    organization: str = Field(description="主办单位编码")
    organization_name: str
    region: str
    address: str
    registered_at: datetime
    due_at: datetime | None = Field(None, description="办理时限")
    closed_at: datetime | None
    closed_on_time: bool | None
    satisfaction: str | None
    merged_into: str | None = Field(None, description="并入的主工单编号")

    @staticmethod
    def resolve_kind_label(obj: Ticket) -> str:
        return str(obj.get_kind_display())

    @staticmethod
    def resolve_status_label(obj: Ticket) -> str:
        return str(obj.get_status_display())

    @staticmethod
    def resolve_category(obj: Ticket) -> str | None:
        return obj.category.code if obj.category is not None else None

    @staticmethod
    def resolve_category_name(obj: Ticket) -> str | None:
        return obj.category.name if obj.category is not None else None

    @staticmethod
    def resolve_organization(obj: Ticket) -> str:
        return obj.organization.code

    @staticmethod
    def resolve_organization_name(obj: Ticket) -> str:
        return obj.organization.name

    @staticmethod
    def resolve_region(obj: Ticket) -> str:
        return obj.region.code

    @staticmethod
    def resolve_merged_into(obj: Ticket) -> str | None:
        return obj.merged_into.ticket_no if obj.merged_into is not None else None


class CallerOut(Schema):
    name: str
    phone: str = Field(description="脱敏号码")
    confidential: bool
    hidden: bool = Field(description="保密来电人：承办部门看不到任何来电人信息")


class TicketDetailOut(Schema):
    ticket: TicketOut
    caller: CallerOut
    operations: list[str] = Field(description="当前可执行的操作（POST …/operations 的 op）")


class TicketFilters(Schema):
    queue: QueueName = Field(
        "open", description="队列：open 办理中 / registered 待派单 / dispatched 待签收 …"
    )
    kind: str = Field("", max_length=16)
    search: str = Field("", max_length=64, description="工单编号前缀、标题或地址")
    overdue: bool = False


class SuggestionOut(Schema):
    category: str
    name: str
    confidence: float
    lead: str | None = Field(None, description="派单目录的主办单位编码（按区划）")
    assists: list[str] = Field(default_factory=list)


class ClassifyIn(Schema):
    text: str = Field(min_length=1, max_length=4000)
    region: str = Field("", max_length=12)


class KnowledgeHitOut(Schema):
    code: str
    title: str
    answer: str
    organization: str | None
    score: float


class CategoryNodeOut(Schema):
    code: str
    name: str
    complexity: str
    is_leaf: bool
    children: list["CategoryNodeOut"]


def _detail(actor: Any, ticket: Ticket) -> dict[str, Any]:
    caller = selectors.caller_view(actor, ticket)
    return {
        "ticket": ticket,
        "caller": {
            "name": caller.name,
            "phone": caller.phone,
            "confidential": ticket.confidential,
            "hidden": caller.hidden,
        },
        "operations": sorted(selectors.ticket_work(actor, ticket).operations),
    }


@router.post("/tickets", response={201: TicketDetailOut, **errors(400, 403, 409)}, summary="登记工单（受理）")
def register(request: HttpRequest, payload: TicketIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    region = catalog_selectors.region_by_code(payload.region) if payload.region else None
    category = catalog_selectors.category_by_code(payload.category) if payload.category else None
    suggestions = classification.suggest_categories(payload.content, k=1)
    ticket = actions.ticket_register(
        actor=actor,
        kind=payload.kind,
        content=payload.content,
        title=payload.title,
        urgency=payload.urgency,
        channel=payload.channel,
        caller_name=payload.caller_name,
        caller_phone=payload.caller_phone,
        confidential=payload.confidential,
        address=payload.address,
        region=region,
        longitude=payload.longitude,
        latitude=payload.latitude,
        category=category,
        suggestion=(suggestions[0].category, suggestions[0].confidence) if suggestions else None,
        idempotency_key=payload.idempotency_key or None,
    )
    if actor.has_perm(VIEW_TICKET):
        return Status(201, _detail(actor, selectors.ticket_for(actor, ticket.uid)))
    return Status(201, _detail(actor, selectors.own_ticket_for(actor, ticket.uid)))


@router.get("/tickets", response={200: list[TicketOut], **errors(400, 403)}, summary="工单列表（按队列）")
@paginate(CappedPageNumberPagination, page_size=20)
def tickets(request: HttpRequest, filters: Query[TicketFilters]) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not actor.has_perm(VIEW_TICKET):
        raise PermissionDenied("您没有查看工单的权限", code="hotline_forbidden")
    return selectors.tickets_for(
        actor, queue=filters.queue, kind=filters.kind, search=filters.search, overdue=filters.overdue
    ).select_related("merged_into")


@router.get("/tickets/{uid}", response={200: TicketDetailOut, **errors(403, 404)}, summary="工单详情")
def ticket(request: HttpRequest, uid: UUID) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    return _detail(actor, selectors.ticket_for(actor, uid))


@router.post(
    "/tickets/{uid}/operations",
    response={200: TicketDetailOut, **errors(400, 403, 404, 409)},
    summary="办理工单（派单、签收、退单、答复、审核、回访、延期、督办、并单、直接答复）",
)
def operate(request: HttpRequest, uid: UUID, payload: OperationBody) -> Any:  # type: ignore[valid-type]
    actor = request.auth  # type: ignore[attr-defined]
    target = selectors.ticket_for(actor, uid)
    TICKET_OPERATIONS.perform(actor=actor, target=target, payload=payload)
    return _detail(actor, selectors.ticket_for(actor, uid))


@router.get("/categories", response={200: list[CategoryNodeOut], **errors(403)}, summary="派单目录（分类树）")
def categories(request: HttpRequest) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not actor.has_perm(VIEW_TICKET):
        raise PermissionDenied("您没有查看派单目录的权限", code="hotline_forbidden")
    return catalog_selectors.category_tree()


@router.post(
    "/classify", response={200: list[SuggestionOut], **errors(400, 403)}, summary="智能分类建议（前三）"
)
def classify(request: HttpRequest, payload: ClassifyIn) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not (actor.has_perm(REGISTER_TICKET) or actor.has_perm(DISPATCH_TICKET)):
        raise PermissionDenied("您没有使用智能分类的权限", code="hotline_forbidden")
    region = catalog_selectors.region_by_code(payload.region) if payload.region else None
    out = []
    for suggestion in classification.suggest_categories(payload.text):
        lead, assists = (None, []) if region is None else actions.dispatch_plan(suggestion.category, region)
        out.append(
            {
                "category": suggestion.category.code,
                "name": suggestion.category.name,
                "confidence": round(suggestion.confidence, 4),
                "lead": lead.code if lead else None,
                "assists": [a.code for a in assists],
            }
        )
    return out


@router.get(
    "/knowledge/search", response={200: list[KnowledgeHitOut], **errors(400, 403)}, summary="知识库检索"
)
def knowledge_search(request: HttpRequest, q: Annotated[str, Query(max_length=500)]) -> Any:
    actor = request.auth  # type: ignore[attr-defined]
    if not actor.has_perm(VIEW_TICKET):
        raise PermissionDenied("您没有检索知识库的权限", code="hotline_forbidden")
    return [
        {
            "code": hit.entry.code,
            "title": hit.entry.title,
            "answer": hit.entry.answer,
            "organization": hit.entry.organization.code if hit.entry.organization is not None else None,
            "score": round(hit.score, 4),
        }
        for hit in knowledge_selectors.knowledge_search(q, limit=5)
    ]
