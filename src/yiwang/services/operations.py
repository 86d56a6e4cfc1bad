"""The handling operations on one application (受理、补正、审查、决定、办结、送达、特别程序、延期、指派、备注):
one table shared by the 办件办理 page (`views.staff`) and the API (`api.staff`).

Each entry is the operation's input schema, the action it runs and the message the page shows. An
input field's name is the action's keyword (`core.operations.calls`); the two operations whose input
names a row to look up first (an extension request, a colleague) have their own `run`. The
schemas only say what the input is (types and lengths); what it must be (a reason for 不予受理, a
colleague of the same department …) is the action's rule, with its own stable error code."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from django.utils.translation import gettext_lazy as _
from ninja import Field

from yiwang.core.api_schemas import JSON_INTEGER, MAX_DATABASE_ID, DatabaseId
from yiwang.core.operations import Operation, OperationInput, OperationTable, calls
from yiwang.services.actions import handling
from yiwang.services.models import Application
from yiwang.services.selectors import handling as selectors

Comment = Annotated[str, Field(max_length=2000, title="办理意见", description="办理意见")]
Reason = Annotated[str, Field(max_length=1000, title="理由", description="理由")]
Materials = Annotated[
    list[DatabaseId],
    Field(max_length=100, title="需补正的材料", description="需补正的材料（事项申请材料 id）"),
]
Id = Annotated[int, Field(ge=0, le=MAX_DATABASE_ID), JSON_INTEGER]


class AcceptIn(OperationInput):
    op: Literal["accept"]
    comment: Comment = ""


class RefuseIn(OperationInput):
    op: Literal["refuse"]
    reason: Reason = ""
    comment: Comment = ""


class CorrectionIn(OperationInput):
    """补正告知（受理前一次性告知）."""

    op: Literal["request_correction"]
    reason: Reason = ""
    materials: Materials = Field(default_factory=list)
    comment: Comment = ""


class ReturnForCorrectionIn(OperationInput):
    """退回补正（审查中）."""

    op: Literal["return_for_correction"]
    reason: Reason = ""
    materials: Materials = Field(default_factory=list)
    comment: Comment = ""


class ReviewIn(OperationInput):
    op: Literal["review"]
    comment: Comment = ""


class DecideIn(OperationInput):
    op: Literal["decide"]
    decision: Literal["approve", "deny", ""] = Field("", title="决定", description="approve 准予 / deny 不予")
    decision_text: str = Field("", max_length=4000, title="决定内容", description="决定内容")


class CompleteIn(OperationInput):
    op: Literal["complete"]
    comment: Comment = ""


class DeliverIn(OperationInput):
    op: Literal["deliver"]
    method: str = Field("", max_length=16, title="送达方式", description="window / post / online")
    tracking_no: str = Field("", max_length=64, title="邮寄单号", description="邮寄单号")
    note: str = Field("", max_length=255, title="送达说明", description="送达说明")


class SuspendIn(OperationInput):
    op: Literal["suspend"]
    kind: str = Field(
        "", max_length=32, title="特别程序类型", description="、".join(handling.SPECIAL_PROCEDURES)
    )
    reason: Reason = ""
    comment: Comment = ""


class ResumeIn(OperationInput):
    op: Literal["resume"]
    comment: Comment = ""


class RequestExtensionIn(OperationInput):
    op: Literal["request_extension"]
    days: Annotated[int, Field(ge=0, le=365), JSON_INTEGER] = Field(
        0, title="延长工作日", description="延长工作日"
    )
    reason: Reason = ""


class DecideExtensionIn(OperationInput):
    op: Literal["decide_extension"]
    request: Id = Field(0, title="延期申请", description="延期申请 id")
    approve: bool = Field(False, title="是否批准", description="批准延期申请")
    comment: Comment = ""


class AssignIn(OperationInput):
    op: Literal["assign"]
    assignee: Id = Field(0, title="被指派人", description="被指派人用户 id")


class NoteIn(OperationInput):
    op: Literal["note"]
    text: str = Field(
        ..., min_length=1, max_length=2000, title="内部备注", description="内部备注（申请人不可见）"
    )


def _decide_extension(actor: Any, application: Application, payload: DecideExtensionIn) -> Any:
    return handling.extension_decide(
        actor=actor,
        request=selectors.extension_request_for(application, payload.request),
        approve=payload.approve,
        comment=payload.comment,
    )


def _assign(actor: Any, application: Application, payload: AssignIn) -> Any:
    # 0 is "nobody chosen": the selector answers 请选择被指派人.
    to_user = selectors.colleague_for(application, payload.assignee or None)
    return handling.application_assign(actor=actor, application=application, to_user=to_user)


def _application(action: Any) -> Any:
    return calls(action, target="application")


HANDLING: OperationTable[Application] = OperationTable(
    Operation(AcceptIn, _application(handling.application_accept), _("已受理")),
    Operation(RefuseIn, _application(handling.application_refuse), _("已不予受理，并出具不予受理通知书")),
    Operation(
        CorrectionIn,
        _application(handling.application_request_correction),
        _("已一次性告知补正，并出具补正材料告知书"),
    ),
    Operation(
        ReturnForCorrectionIn,
        _application(handling.application_return_for_correction),
        _("已退回补正，并出具补正材料告知书"),
    ),
    Operation(ReviewIn, _application(handling.application_review), _("已审查通过")),
    Operation(DecideIn, _application(handling.application_decide), _("已作出决定，并生成决定文书")),
    Operation(CompleteIn, _application(handling.application_complete), _("已办结")),
    Operation(DeliverIn, _application(handling.application_deliver), _("已登记送达")),
    Operation(SuspendIn, _application(handling.application_suspend), _("已进入特别程序，暂停计时")),
    Operation(ResumeIn, _application(handling.application_resume), _("特别程序结束，恢复计时")),
    Operation(RequestExtensionIn, _application(handling.application_request_extension), _("已提交延期申请")),
    Operation(DecideExtensionIn, _decide_extension, _("已审批延期申请")),
    Operation(AssignIn, _assign, _("已指派")),
    Operation(NoteIn, _application(handling.application_note_add), _("已添加内部备注")),
    unknown_code="services_operation_invalid",
)


def available(options: selectors.StaffOptions) -> list[str]:
    """The operations the actor may carry out now, in the table's codes (the workflow's 准予/不予
    are one `decide`)."""
    ops = [code for code in options.workflow if code not in ("approve", "deny")]
    if {"approve", "deny"} & set(options.workflow):
        ops.append("decide")
    for flag, code in (
        (options.can_request_extension, "request_extension"),
        (options.can_decide_extension, "decide_extension"),
        (options.can_deliver, "deliver"),
        (options.can_assign, "assign"),
        (options.can_note, "note"),
    ):
        if flag:
            ops.append(code)
    return ops
