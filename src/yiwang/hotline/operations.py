"""The operations on one 12345 ticket (派单、签收、退单、答复、审核、回访、延期、督办、并单、直接答复):
one table shared by the ticket page (`views`) and the API (`api`).

An input field's name is the action's keyword (`core.operations.calls`); the operations whose input
names a row to look up first (a category, a department, a knowledge entry, the other ticket of a
并单) have their own `run`. The schemas say what the input is; what it must be is the action's rule."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field

from yiwang.core.errors import InvalidInput
from yiwang.core.operations import Operation, OperationInput, OperationTable, calls
from yiwang.hotline.actions import tickets as actions
from yiwang.hotline.models import Ticket
from yiwang.hotline.selectors import catalog as catalog_selectors
from yiwang.hotline.selectors import tickets as selectors
from yiwang.identity.actor import Actor

Comment = Annotated[str, Field(max_length=2000, title="办理意见", description="办理意见")]
Reason = Annotated[str, Field(max_length=500, title="理由", description="理由")]
Code = Annotated[str, Field(max_length=80, title="编码")]


class DispatchIn(OperationInput):
    """派单 / 改派: the category decides the 主办 and 协办 by the 派单目录 unless departments are named."""

    op: Literal["dispatch"]
    category: Code = Field(title="诉求分类", description="派单目录末级分类编码")
    organization: str = Field("", max_length=64, title="主办单位", description="单位编码；空则按派单目录")
    assists: list[Annotated[str, Field(max_length=64)]] | None = Field(
        None, max_length=10, title="协办单位", description="单位编码；不填则按派单目录"
    )
    comment: Comment = ""


class RefuseReturnIn(OperationInput):
    op: Literal["refuse_return"]
    reason: Reason = ""


class SignForIn(OperationInput):
    op: Literal["sign_for"]


class ReturnIn(OperationInput):
    op: Literal["return"]
    reason: Reason = ""


class ReplyIn(OperationInput):
    op: Literal["reply"]
    comment: Comment = ""


class ConsolidateIn(OperationInput):
    op: Literal["consolidate"]
    comment: Comment = ""


class CloseIn(OperationInput):
    op: Literal["close"]
    comment: Comment = ""


class RejectReplyIn(OperationInput):
    op: Literal["reject_reply"]
    reason: Reason = ""


class AnswerIn(OperationInput):
    """直接答复办结 (a 咨询 answered on the spot, from a knowledge-base entry when one is named)."""

    op: Literal["answer"]
    comment: Comment = ""
    entry: str = Field("", max_length=64, title="知识库条目", description="知识库条目编码")


class CallbackIn(OperationInput):
    op: Literal["callback"]
    satisfaction: Literal["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied"] = Field(
        title="满意度"
    )
    resolved: bool = Field(title="问题已解决")
    contacted: bool = Field(True, title="已联系上来电人")
    comment: Comment = ""


class TicketExtensionRequestIn(OperationInput):
    op: Literal["request_extension"]
    days: int = Field(ge=1, le=10, title="延期工作日")
    reason: Reason = ""


class TicketExtensionDecisionIn(OperationInput):
    op: Literal["decide_extension"]
    approve: bool = Field(title="批准")
    comment: Comment = ""


class UrgeIn(OperationInput):
    op: Literal["urge"]
    comment: Comment = ""


class MergeIn(OperationInput):
    """并单: this ticket follows the primary ticket (another caller about the same matter)."""

    op: Literal["merge"]
    primary: str = Field(max_length=40, title="主工单", description="主工单的编号或 uid")
    comment: Comment = ""


class HandOverIn(OperationInput):
    """转办 to another loop registered in `hotline.handoff` (e.g. a 一网统管 city event)."""

    op: Literal["hand_over"]
    target: str = Field(max_length=40, title="转办去向")
    comment: Comment = ""


def _dispatch(actor: Actor, ticket: Ticket, payload: Any) -> Any:
    category = catalog_selectors.category_by_code(payload.category)
    if category is None:
        raise InvalidInput("诉求分类不存在", code="hotline_category_unknown", details=["诉求分类不存在"])
    organization = (
        catalog_selectors.organization_by_code(payload.organization) if payload.organization else None
    )
    if payload.organization and organization is None:
        raise InvalidInput("主办单位不存在", code="hotline_organization_unknown", details=["主办单位不存在"])
    assists = None
    if payload.assists is not None:
        assists = [catalog_selectors.organization_by_code(code) for code in payload.assists if code]
        if any(org is None for org in assists):
            raise InvalidInput(
                "协办单位不存在", code="hotline_organization_unknown", details=["协办单位不存在"]
            )
    return actions.ticket_dispatch(
        actor=actor,
        ticket=ticket,
        category=category,
        organization=organization,
        assists=assists,  # type: ignore[arg-type]
        comment=payload.comment,
    )


def _answer(actor: Actor, ticket: Ticket, payload: Any) -> Any:
    entry = None
    if payload.entry:
        entry = catalog_selectors.knowledge_entry_by_code(payload.entry)
        if entry is None:
            raise InvalidInput(
                "知识库条目不存在或已失效", code="hotline_entry_unknown", details=["知识库条目不存在"]
            )
    return actions.ticket_answer(actor=actor, ticket=ticket, comment=payload.comment, entry=entry)


def _decide_extension(actor: Actor, ticket: Ticket, payload: Any) -> Any:
    request = selectors.pending_extension(ticket)
    if request is None:
        raise InvalidInput(
            "该工单没有待审批的延期申请", code="hotline_extension_none", details=["没有待审批的延期申请"]
        )
    return actions.ticket_decide_extension(
        actor=actor, request=request, approve=payload.approve, comment=payload.comment
    )


def _merge(actor: Actor, ticket: Ticket, payload: Any) -> Any:
    primary = selectors.ticket_by_reference(actor, payload.primary)
    return actions.ticket_merge(actor=actor, primary=primary, duplicate=ticket, comment=payload.comment)


TICKET_OPERATIONS: OperationTable[Ticket] = OperationTable(
    Operation(DispatchIn, _dispatch, _("已派单")),
    Operation(RefuseReturnIn, calls(actions.ticket_refuse_return, target="ticket"), _("已退回原承办单位")),
    Operation(SignForIn, calls(actions.ticket_sign_for, target="ticket"), _("已签收")),
    Operation(ReturnIn, calls(actions.ticket_return, target="ticket"), _("已退单，等待派单员审核")),
    Operation(ReplyIn, calls(actions.ticket_reply, target="ticket"), _("已答复")),
    Operation(ConsolidateIn, calls(actions.ticket_consolidate, target="ticket"), _("已汇总答复")),
    Operation(CloseIn, calls(actions.ticket_close, target="ticket"), _("已审核办结")),
    Operation(RejectReplyIn, calls(actions.ticket_reject_reply, target="ticket"), _("已退回承办单位重办")),
    Operation(AnswerIn, _answer, _("已直接答复办结")),
    Operation(CallbackIn, calls(actions.ticket_callback, target="ticket"), _("已记录回访")),
    Operation(
        TicketExtensionRequestIn,
        calls(actions.ticket_request_extension, target="ticket"),
        _("已提交延期申请"),
    ),
    Operation(TicketExtensionDecisionIn, _decide_extension, _("已审批延期申请")),
    Operation(UrgeIn, calls(actions.ticket_urge, target="ticket"), _("已发出督办")),
    Operation(MergeIn, _merge, _("已并单")),
    Operation(HandOverIn, calls(actions.ticket_hand_over, target="ticket"), _("已转办")),
    unknown_code="hotline_unknown_operation",
)
