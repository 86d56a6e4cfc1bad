"""Writes by department staff on applications (受理、不予受理、补正、审查、决定、办结、送达、挂起、延期、指派、备注).

Every step that moves an application is a thin wrapper over `workflow.actions.transition` on the
application's process instance: the engine checks the actor's permission and data scope, the state,
the suspension and the required fields, writes the history and the audit row, and tells the
applicant (its built-in `notify_owner` subscriber). The applications module's atomic hook keeps
`Application.status` and its dates in step. What is added here: the documents (不予受理通知书,
补正材料告知书, 准予/不予许可决定书 or a certificate) generated, stored and linked to the history event
and the application, and the steps the engine does not model (送达, 延期申请, 指派, 内部备注)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from yiwang.core.files import file_audit_data, file_store, files_discarded_on_error
from yiwang.core.models import StoredFile
from yiwang.core.notifications import notify
from yiwang.identity.actor import Actor
from yiwang.services import notices
from yiwang.services.constants import EXTENSION_LIMIT_DEFAULT, SPECIAL_PROCEDURES
from yiwang.services.models import (
    Application,
    ApplicationDelivery,
    ApplicationNote,
    ExtensionRequest,
    MaterialRequirement,
)
from yiwang.services.permissions import (
    ACCEPT_APPLICATION,
    APPROVE_EXTENSION,
    DECIDE_APPLICATION,
    REVIEW_APPLICATION,
    VIEW_APPLICATION,
)
from yiwang.workflow.actions import event_audit_data, instance_assign, transition
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.subscribers import OWNER_TEMPLATE, owner_link

# 特别程序 (not counted in the time limit): the kinds a suspension may name.
# A 补正 that names no material must say in its reason what to change: at least this many characters.
CORRECTION_REASON_ALONE_MIN = 10
DECISIONS = {"approve": "准予许可", "deny": "不予许可"}
HANDLING_PERMISSIONS = (ACCEPT_APPLICATION, REVIEW_APPLICATION, DECIDE_APPLICATION)
NOTE_MAX_LENGTH = 2000
REASON_MAX_LENGTH = 1000


# -- helpers -----------------------------------------------------------------------------------


def _instance(application: Application) -> ProcessInstance:
    if application.process_instance_id is None:
        raise Conflict("该办件尚未提交，不能办理", code="services_application_not_submitted")
    instance = (
        ProcessInstance.objects.select_related("definition", "organization", "region")
        .filter(pk=application.process_instance_id)
        .first()
    )
    if instance is None:
        raise Conflict("该办件没有流程实例，不能办理", code="services_application_not_submitted")
    return instance


def _reaches(actor: Actor, permission: str, application: Application) -> bool:
    return actor.is_system or actor.can_reach(
        permission,
        organization_id=application.organization_id,
        organization_path=application.organization.path,
        region_path=application.region.path,
        owner_id=application.applicant_id,
    )


def _require_any(actor: Actor, permissions: Sequence[str], application: Application, what: str) -> None:
    if any(_reaches(actor, permission, application) for permission in permissions):
        return
    if any(actor.has_perm(permission) for permission in permissions):
        raise PermissionDenied("该办件不在您的数据权限范围内", code="services_forbidden")
    raise PermissionDenied(f"您没有权限{what}", code="services_forbidden")


def _user(actor: Actor) -> Any:
    if actor.user is None:
        raise PermissionDenied("请先登录", code="unauthenticated")
    return actor.user


def _text(value: str, label: str, *, required: bool = True, limit: int = REASON_MAX_LENGTH) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(f"请填写{label}", code="services_field_required", details={"field": label})
    if len(value) > limit:
        raise InvalidInput(f"{label}不能超过 {limit} 个字", code="services_field_too_long")
    return value


def _audit(
    actor: Actor,
    application: Application,
    step: str,
    summary: str,
    *,
    event: ProcessEvent | None = None,
    files: Sequence[StoredFile] = (),
    **data: Any,
) -> None:
    """The one audit row of a handling act: what changed, the workflow move it made (`event`) and the
    documents it issued (`files`) — those are written without rows of their own."""
    if event is not None:
        data["workflow"] = event_audit_data(event)
    if files:
        data["files"] = [file_audit_data(stored) for stored in files]
    audit_record(
        actor=actor,
        action=f"services.application_{step}",
        obj=application,
        summary=f"{application.application_no or application.uid}：{summary}"[:255],
        data={"application_no": application.application_no, **data},
    )


def _move(
    application: Application,
    action: str,
    *,
    actor: Actor,
    comment: str = "",
    now: datetime | None = None,
    **fields: Any,
) -> ProcessEvent:
    """Run `action` on the application's instance and reload the application. Not audited here: the
    act's one audit row (`_audit(event=…)`) names the move."""
    instance = _instance(application)
    event = transition(
        instance=instance, action=action, actor=actor, comment=comment, now=now, fields=fields, audit=False
    )
    application.refresh_from_db()
    return event


def _step(
    application: Application,
    action: str,
    *,
    actor: Actor,
    summary: str,
    comment: str,
    now: datetime | None,
    **fields: Any,
) -> Application:
    """A step that issues no document: `_move` in its own transaction, audited under the action's name."""
    with transaction.atomic():
        event = _move(application, action, actor=actor, comment=comment, now=now, **fields)
        _audit(actor, application, action, summary, event=event)
    return application


def _store(
    actor: Actor, application: Application, document: notices.Document, event: ProcessEvent
) -> StoredFile:
    """Store a generated document, owned by the department, and attach it to the history event (the
    act's audit row names it)."""
    stored = file_store(
        actor=actor,
        upload=document.content,
        name=document.filename,
        content_type="application/pdf",
        organization=application.organization,
        audit=False,
        uploaded=False,  # generated: not counted against the handler's upload rate and quota
    )
    event.attachments.add(stored)
    return stored


def _loaded(application: Application) -> Application:
    """The application with what the documents print (item, department, applicant)."""
    return Application.objects.select_related(
        "item", "organization", "region", "person", "enterprise", "applicant"
    ).get(pk=application.pk)


def _issue_notice(
    actor: Actor,
    application: Application,
    event: ProcessEvent,
    document_for: Callable[[Application], notices.Document],
) -> StoredFile:
    """A notice to the applicant (不予受理通知书, 补正材料告知书) for the history event: generated from
    the loaded application, stored and attached to the event (the caller audits the act with it)."""
    loaded = _loaded(application)
    return _store(actor, loaded, document_for(loaded), event)


def _set_result(
    actor: Actor, application: Application, document: notices.Document, event: ProcessEvent, text: str
) -> StoredFile:
    """Store a decision document (决定书 or certificate) and make it the application's result."""
    stored = _store(actor, application, document, event)
    Application.objects.filter(pk=application.pk).update(decision_text=text, result_file=stored)
    return stored


# -- 受理 / 不予受理 / 补正 ----------------------------------------------------------------------


def application_accept(
    *, actor: Actor, application: Application, comment: str = "", now: datetime | None = None
) -> Application:
    """受理. A 即办件 is completed on acceptance (the applications hook runs 审查、准予、办结 as the
    system within this transaction); its result document is issued here."""
    with files_discarded_on_error(), transaction.atomic():
        event = _move(application, "accept", actor=actor, comment=comment, now=now)
        issued: list[StoredFile] = []
        if application.status == Application.Status.COMPLETED and application.result_file_id is None:
            loaded = _loaded(application)
            approval = (
                ProcessEvent.objects.filter(instance_id=loaded.process_instance_id, action="approve")
                .order_by("-created_at", "-pk")
                .first()
            )
            if approval is not None:
                text = loaded.item.result_name or "准予许可"
                document = notices.approval_document(loaded, decision_text=text, issued_at=now)
                issued.append(_set_result(Actor.system(), loaded, document, approval, text))
        summary = "受理（即办件，出具办理结果）" if issued else "受理"
        _audit(actor, application, "accept", summary, event=event, files=issued)
    application.refresh_from_db()
    return application


def application_refuse(
    *, actor: Actor, application: Application, reason: str, comment: str = "", now: datetime | None = None
) -> StoredFile:
    """不予受理 with a reason; issues a 不予受理通知书 (attached to the history event). Returns it."""
    reason = _text(reason, "不予受理理由")
    with files_discarded_on_error(), transaction.atomic():
        event = _move(application, "refuse", actor=actor, comment=comment, now=now, reason=reason)
        stored = _issue_notice(
            actor,
            application,
            event,
            lambda loaded: notices.refusal_notice(loaded, reason=reason, issued_at=now),
        )
        _audit(actor, application, "refuse", "不予受理，出具不予受理通知书", event=event, files=[stored])
        return stored


def _materials(application: Application, ids: Sequence[int]) -> list[MaterialRequirement]:
    wanted: list[int] = []
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InvalidInput("需补正的材料应为材料编号", code="services_material_invalid")
        if value not in wanted:
            wanted.append(value)
    found = {m.pk: m for m in MaterialRequirement.objects.filter(item_id=application.item_id, pk__in=wanted)}
    missing = [value for value in wanted if value not in found]
    if missing:
        raise InvalidInput(
            "所选材料不属于该事项的申请材料", code="services_material_invalid", details={"materials": missing}
        )
    return sorted(found.values(), key=lambda m: (m.sort_order, m.pk))


def _correction(
    application: Application,
    action: str,
    *,
    actor: Actor,
    reason: str,
    materials: Sequence[int],
    comment: str,
    now: datetime | None,
) -> StoredFile:
    reason = _text(reason, "补正理由")
    required = _materials(application, materials)
    try:
        with files_discarded_on_error(), transaction.atomic():
            event = _move(
                application,
                action,
                actor=actor,
                comment=comment,
                now=now,
                reason=reason,
                materials=[m.name for m in required],
            )
            # 一次告知: the notice must say what to correct — the materials, or the form's contents.
            # Checked after the move, which checks the actor's rights first; raising undoes it.
            if not required and len(reason) < CORRECTION_REASON_ALONE_MIN:
                raise InvalidInput(
                    f"请勾选需补正的材料；只需修改申请表内容时，请在补正理由中逐项写明"
                    f"（不少于 {CORRECTION_REASON_ALONE_MIN} 个字）",
                    code="services_correction_unspecified",
                )
            stored = _issue_notice(
                actor,
                application,
                event,
                lambda loaded: notices.correction_notice(
                    loaded, reason=reason, materials=required, issued_at=now
                ),
            )
            what = "一次性告知补正" if action == "request_correction" else "审查退回补正"
            _audit(
                actor,
                application,
                action,
                f"{what}，出具补正材料告知书",
                event=event,
                files=[stored],
                materials=[m.pk for m in required],
            )
            return stored
    except InvalidInput:
        application.refresh_from_db()  # the move was rolled back: the caller's object as it is again
        raise


def application_request_correction(
    *,
    actor: Actor,
    application: Application,
    reason: str,
    materials: Sequence[int] = (),
    comment: str = "",
    now: datetime | None = None,
) -> StoredFile:
    """一次性告知补正: every missing material (ids of the item's requirements) on one 补正材料告知书.
    The clock stops while the applicant corrects. Returns the stored notice."""
    return _correction(
        application,
        "request_correction",
        actor=actor,
        reason=reason,
        materials=materials,
        comment=comment,
        now=now,
    )


def application_return_for_correction(
    *,
    actor: Actor,
    application: Application,
    reason: str,
    materials: Sequence[int] = (),
    comment: str = "",
    now: datetime | None = None,
) -> StoredFile:
    """审查退回补正: like 补正, from the review step; also issues a 补正材料告知书."""
    return _correction(
        application,
        "return_for_correction",
        actor=actor,
        reason=reason,
        materials=materials,
        comment=comment,
        now=now,
    )


# -- 审查 / 决定 / 办结 / 送达 --------------------------------------------------------------------


def application_review(
    *, actor: Actor, application: Application, comment: str, now: datetime | None = None
) -> Application:
    """审查通过 with the reviewer's opinion (the engine requires it)."""
    return _step(application, "review", actor=actor, summary="审查通过", comment=comment, now=now)


def application_decide(
    *,
    actor: Actor,
    application: Application,
    decision: str,
    decision_text: str,
    now: datetime | None = None,
) -> StoredFile:
    """决定: `approve` (准予许可 → 准予许可决定书, or a certificate for licence-type results) or `deny`
    (不予许可 → 不予许可决定书). The document becomes `Application.result_file`; returns it."""
    if decision not in DECISIONS:
        raise InvalidInput("决定只能是准予许可或不予许可", code="services_decision_invalid")
    decision_text = _text(decision_text, "决定内容", limit=4000)
    approve = decision == "approve"
    with files_discarded_on_error(), transaction.atomic():
        event = _move(
            application,
            decision,
            actor=actor,
            comment=decision_text,
            now=now,
            **({} if approve else {"reason": decision_text}),
        )
        loaded = _loaded(application)
        document_for = notices.approval_document if approve else notices.denial_document
        document = document_for(loaded, decision_text=decision_text, issued_at=now)
        stored = _set_result(actor, loaded, document, event, decision_text)
        summary = f"{DECISIONS[decision]}，出具决定文书"
        _audit(actor, application, "decide", summary, event=event, files=[stored])
    application.refresh_from_db()
    return stored


def application_complete(
    *, actor: Actor, application: Application, comment: str = "", now: datetime | None = None
) -> Application:
    """办结."""
    return _step(application, "complete", actor=actor, summary="办结", comment=comment, now=now)


def application_deliver(
    *,
    actor: Actor,
    application: Application,
    method: str,
    tracking_no: str = "",
    note: str = "",
    now: datetime | None = None,
) -> ApplicationDelivery:
    """送达 the result of a completed application: 窗口领取 / 邮政寄递 (with the tracking number) /
    网上送达. Recorded, audited, and the applicant is told."""
    if method not in ApplicationDelivery.Method.values:
        raise InvalidInput(
            "送达方式只能是窗口领取、邮政寄递或网上送达", code="services_delivery_method_invalid"
        )
    tracking_no = _text(tracking_no, "邮寄单号", required=method == ApplicationDelivery.Method.POST, limit=64)
    note = _text(note, "说明", required=False, limit=255)
    loaded = _loaded(application)
    _require_any(actor, (ACCEPT_APPLICATION,), loaded, "送达办件结果")
    instance = _instance(loaded)
    if instance.completed_at is None or instance.state != "completed":
        raise Conflict("办件尚未办结，不能送达", code="services_not_completed")
    now = now or timezone.now()
    with transaction.atomic():
        delivery = ApplicationDelivery.objects.create(
            application=loaded,
            method=method,
            tracking_no=tracking_no,
            note=note,
            delivered_by=_user(actor),
            delivered_at=now,
        )
        label = ApplicationDelivery.Method(method).label
        _audit(actor, loaded, "deliver", f"送达（{label}）", method=method, tracking_no=tracking_no)
        notify(
            recipient=loaded.applicant,
            template_code=OWNER_TEMPLATE,
            context={
                "title": instance.title,
                "action_name": f"送达（{label}）",
                "state_name": "已办结",
                "comment": f"邮寄单号 {tracking_no}" if tracking_no else note,
                "completed": True,
            },
            link=owner_link(instance.pk),
        )
    return delivery


# -- 特别程序 / 延期 ------------------------------------------------------------------------------


def application_suspend(
    *,
    actor: Actor,
    application: Application,
    kind: str,
    reason: str,
    comment: str = "",
    now: datetime | None = None,
) -> Application:
    """特别程序 (检验、检测、检疫、鉴定、专家评审、听证、公示 …): the clock stops until `application_resume`.
    Runs the definition's `suspend` action."""
    if kind not in SPECIAL_PROCEDURES:
        raise InvalidInput(
            "特别程序类型无效",
            code="services_special_procedure_invalid",
            details={"allowed": list(SPECIAL_PROCEDURES)},
        )
    reason = _text(reason, "特别程序理由")
    return _step(
        application,
        "suspend",
        actor=actor,
        summary=f"进入特别程序（{SPECIAL_PROCEDURES[kind]}）",
        comment=comment,
        now=now,
        kind=kind,
        reason=reason,
    )


def application_resume(
    *, actor: Actor, application: Application, comment: str = "", now: datetime | None = None
) -> Application:
    """特别程序结束, the clock runs again (the definition's `resume` action)."""
    return _step(
        application, "resume", actor=actor, summary="特别程序结束，恢复计时", comment=comment, now=now
    )


def _extend_action(instance: ProcessInstance) -> Any:
    action = instance.definition.parsed.actions.get("extend")
    if action is None:
        raise Conflict("该办件的流程不支持延期", code="services_extension_unsupported")
    return action


def application_request_extension(
    *, actor: Actor, application: Application, days: int, reason: str, now: datetime | None = None
) -> ExtensionRequest:
    """延期申请 by the handling staff (审查、决定人员); a head with `services.approve_extension`
    decides it (`extension_decide`)."""
    loaded = _loaded(application)
    _require_any(actor, (REVIEW_APPLICATION, DECIDE_APPLICATION), loaded, "申请延期")
    reason = _text(reason, "延期理由")
    instance = _instance(loaded)
    action = _extend_action(instance)
    limit = action.max_extend_days or EXTENSION_LIMIT_DEFAULT
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= limit:
        raise InvalidInput(f"延期天数应为 1 至 {limit} 个工作日", code="services_extension_days_invalid")
    if instance.completed_at is not None or instance.state not in action.sources or instance.is_suspended:
        raise Conflict(
            f"当前环节为「{instance.state_name}」，不能申请延期", code="services_extension_wrong_state"
        )
    with transaction.atomic():
        if (
            ExtensionRequest.objects.select_for_update()
            .filter(application=loaded, status=ExtensionRequest.Status.PENDING)
            .exists()
        ):
            raise Conflict("该办件已有待审批的延期申请", code="services_extension_pending")
        request = ExtensionRequest.objects.create(
            application=loaded,
            days=days,
            reason=reason,
            requested_by=_user(actor),
            requested_at=now or timezone.now(),
        )
        _audit(actor, loaded, "request_extension", f"申请延期 {days} 个工作日", days=days, request=request.pk)
    return request


def extension_decide(
    *,
    actor: Actor,
    request: ExtensionRequest,
    approve: bool,
    comment: str = "",
    now: datetime | None = None,
) -> ExtensionRequest:
    """批准 (runs the definition's `extend` action: the time limit grows by the requested working days)
    or 不批准 a pending 延期申请. Needs `services.approve_extension` over the application."""
    application = _loaded(request.application)
    _require_any(actor, (APPROVE_EXTENSION,), application, "审批延期")
    comment = _text(comment, "审批意见", required=False)
    with transaction.atomic():
        row = ExtensionRequest.objects.select_for_update().get(pk=request.pk)
        if row.status != ExtensionRequest.Status.PENDING:
            raise Conflict("该延期申请已审批", code="services_extension_decided")
        if approve:
            event = _move(
                application, "extend", actor=actor, comment=comment, now=now, days=row.days, reason=row.reason
            )
            _audit(actor, application, "extend", f"批准延期 {row.days} 个工作日", event=event, request=row.pk)
        row.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        row.decided_by, row.decided_at, row.decision_comment = actor.user, now or timezone.now(), comment
        row.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
        if not approve:
            _audit(actor, application, "reject_extension", "不批准延期", request=row.pk)
    request.status, request.decided_by, request.decided_at = row.status, row.decided_by, row.decided_at
    request.decision_comment = row.decision_comment
    return request


# -- 指派 / 内部备注 -------------------------------------------------------------------------------


def application_assign(*, actor: Actor, application: Application, to_user: Any) -> Application:
    """指派 the application to a colleague of the same department (the instance's assignee)."""
    loaded = _loaded(application)
    _require_any(actor, HANDLING_PERMISSIONS, loaded, "指派办件")
    if loaded.process_instance_id is None:
        raise Conflict("该办件尚未提交，不能指派", code="services_application_not_submitted")
    if not isinstance(to_user, get_user_model()):
        raise InvalidInput("被指派人不存在或已停用", code="services_assignee_invalid")
    with transaction.atomic():
        instance = _instance(loaded)
        previous = instance.assignee_id
        try:
            instance_assign(actor=actor, instance=instance, assignee=to_user, audit=False)
        except InvalidInput as error:
            raise InvalidInput(error.message, code="services_assignee_invalid") from error
        except Conflict as error:
            raise Conflict("该办件已办结，不能指派", code="services_completed") from error
        _audit(actor, loaded, "assign", f"指派给 {to_user}", assignee=to_user.pk, previous=previous)
    return application


def application_note_add(*, actor: Actor, application: Application, text: str) -> ApplicationNote:
    """内部备注: only staff who can see the application read it; the applicant never does."""
    loaded = _loaded(application)
    if not _reaches(actor, VIEW_APPLICATION, loaded):
        raise NotFound("办件不存在或无权查看", code="services_application_not_found")
    text = _text(text, "备注内容", limit=NOTE_MAX_LENGTH)
    with transaction.atomic():
        note = ApplicationNote.objects.create(application=loaded, author=_user(actor), text=text)
        _audit(actor, loaded, "note", "添加内部备注", note=note.pk, length=len(text))
    return note
