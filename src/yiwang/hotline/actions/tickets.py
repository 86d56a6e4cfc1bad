"""Writes on 12345 tickets (工单): registration, dispatch, the handling loop, 回访 and 并单.

Every write is one function here: permission → one transaction → the workflow engine → one audit
row (the engine's own row is suppressed with `audit=False` and ours names the event). The atomic
workflow hook `keep_ticket_in_step` keeps `Ticket.status` and its timestamps equal to the instance,
whoever moves it (an action here, or `tick` archiving a ticket nobody called back)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from yiwang.core.audit import audit_record
from yiwang.core.errors import Conflict, InvalidInput, PermissionDenied
from yiwang.core.models import Grid, Organization, Region, StoredFile
from yiwang.core.notifications import notify, notify_address
from yiwang.hotline import constants
from yiwang.hotline.models import (
    Complexity,
    DispatchCatalog,
    ExtensionRequest,
    KnowledgeEntry,
    ServiceLevel,
    Ticket,
    TicketCategory,
    TicketParty,
    TicketSequence,
)
from yiwang.hotline.permissions import (
    APPROVE_EXTENSION,
    CALLBACK_TICKET,
    DISPATCH_TICKET,
    HANDLE_TICKET,
    REGISTER_TICKET,
)
from yiwang.hotline.statistics import REPEAT_WINDOW
from yiwang.identity.actor import Actor
from yiwang.workflow import actions as workflow_actions
from yiwang.workflow.hooks import TransitionNotice, on_transition
from yiwang.workflow.models import ProcessEvent, ProcessInstance

PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8}|\d{5,8})$")
SATISFIED = {
    Ticket.Satisfaction.VERY_SATISFIED,
    Ticket.Satisfaction.SATISFIED,
    Ticket.Satisfaction.BASICALLY_SATISFIED,
}


# -- helpers ----------------------------------------------------------------------------------


def _center() -> Organization:
    center = Organization.objects.select_related("region").filter(code=constants.center_code()).first()
    if center is None:
        raise Conflict(
            f"未找到 12345 热线中心（单位编码 {constants.center_code()}），请先配置 YIWANG_HOTLINE_CENTER",
            code="hotline_center_missing",
        )
    return center


def _clean_text(value: Any, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(f"请填写{label}", code="hotline_field_required", details={"fields": [field]})
    if len(text) > limit:
        raise InvalidInput(
            f"{label}不超过 {limit} 字", code="hotline_field_too_long", details={"fields": [field]}
        )
    return text


def _choice(value: Any, choices: Any, *, field: str, label: str) -> str:
    if value not in choices.values:
        raise InvalidInput(f"{label}不正确", code="hotline_field_invalid", details={"fields": [field]})
    return str(value)


def _title_from(content: str) -> str:
    first = re.split(r"[。！？!?\n]", content.strip(), maxsplit=1)[0]
    return (first[:40] or content[:40]).strip()


def service_level(category: TicketCategory | None, urgency: str) -> dict[str, Any]:
    """The handling time limit of a ticket: the category's own rule (or its nearest ancestor's) for
    the urgency, else the rule of its complexity, else the built-in default."""
    complexity = category.complexity if category is not None else Complexity.GENERAL
    if category is not None:
        ancestors = [int(pk) for pk in category.path.strip("/").split("/") if pk]
        rules = {
            rule.category_id: rule.handling_sla
            for rule in ServiceLevel.objects.filter(category_id__in=ancestors, urgency=urgency)
        }
        for pk in reversed(ancestors):
            if pk in rules:
                return dict(rules[pk])
    rule = ServiceLevel.objects.filter(category__isnull=True, complexity=complexity, urgency=urgency).first()
    if rule is not None:
        return dict(rule.handling_sla)
    return dict(constants.DEFAULT_SERVICE_LEVELS[(complexity, urgency)])


def earlier_call() -> QuerySet[Ticket]:
    """The earlier call that makes the ticket `OuterRef` points at a repeat call
    (`hotline.statistics.REPEAT_RULE`): the same number and leaf category, registered in the 30 days
    before it, or at the same moment but before it. The one definition of the rule in SQL."""
    return (
        Ticket.objects.filter(  # scope: a fact about this call; nothing of the other ticket is read
            caller_phone=OuterRef("caller_phone"),
            category_id=OuterRef("category_id"),
            registered_at__gte=OuterRef("registered_at") - REPEAT_WINDOW,
            registered_at__lte=OuterRef("registered_at"),
        )
        .filter(Q(registered_at__lt=OuterRef("registered_at")) | Q(pk__lt=OuterRef("pk")))
        .exclude(pk=OuterRef("pk"))
    )


def mark_repeat(ticket: Ticket) -> bool:
    """Store whether the ticket is a repeat call (`earlier_call`). Called where the number or the
    category is set (受理, 派单)."""
    repeat = False
    if ticket.caller_phone and ticket.category_id is not None:
        # scope: the ticket being written
        repeat = Ticket.objects.filter(pk=ticket.pk).filter(Exists(earlier_call())).exists()
    if repeat != ticket.is_repeat:
        Ticket.objects.filter(pk=ticket.pk).update(is_repeat=repeat)
        ticket.is_repeat = repeat
    return repeat


def _next_ticket_no(now: datetime) -> str:
    day = timezone.localdate(now)
    TicketSequence.objects.get_or_create(day=day)
    TicketSequence.objects.filter(day=day).update(last_number=F("last_number") + 1)
    number = TicketSequence.objects.get(day=day).last_number
    return f"12345{day:%Y%m%d}{number:06d}"


def _instance(ticket: Ticket) -> ProcessInstance:
    if ticket.process_instance_id is None:
        raise Conflict("该工单没有办理流程", code="hotline_no_process")
    return ProcessInstance.objects.select_related("definition", "organization", "region").get(
        pk=ticket.process_instance_id
    )


def _locked(ticket: Ticket) -> Ticket:
    return (
        Ticket.objects.select_for_update(of=("self",)).select_related("category", "region").get(pk=ticket.pk)
    )


def _audit(actor: Actor, ticket: Ticket, verb: str, summary: str, data: dict[str, Any]) -> None:
    audit_record(
        actor=actor,
        action=f"hotline.ticket_{verb}",
        obj=ticket,
        summary=f"{ticket.ticket_no}：{summary}"[:255],
        data={"ticket": ticket.ticket_no, **data},
    )


def _step(
    actor: Actor,
    ticket: Ticket,
    action: str,
    *,
    summary: str,
    comment: str = "",
    fields: dict[str, Any] | None = None,
    organization: Organization | None = None,
    children: Sequence[workflow_actions.ChildSpec] = (),
    attachments: Sequence[StoredFile | UUID | str] = (),
    sla: dict[str, Any] | None = None,
    now: datetime | None = None,
    data: dict[str, Any] | None = None,
) -> ProcessEvent:
    """Run one engine action on the ticket's instance and write the one audit row of the act."""
    event = workflow_actions.transition(
        instance=_instance(ticket),
        action=action,
        actor=actor,
        fields=fields,
        comment=comment,
        attachments=attachments,
        organization=organization,
        children=children,
        sla=sla,
        now=now,
        audit=False,
    )
    _audit(actor, ticket, action, summary, {**workflow_actions.event_audit_data(event), **(data or {})})
    return event


# -- registration -------------------------------------------------------------------------------


def ticket_register(
    *,
    actor: Actor,
    kind: str,
    content: str,
    title: str = "",
    urgency: str = Ticket.Urgency.NORMAL,
    channel: str = Ticket.Channel.PHONE,
    caller_name: str = "",
    caller_phone: str = "",
    confidential: bool = False,
    address: str = "",
    region: Region | None = None,
    longitude: float | None = None,
    latitude: float | None = None,
    category: TicketCategory | None = None,
    suggestion: tuple[TicketCategory, float] | None = None,
    attachments: Sequence[StoredFile | UUID | str] = (),
    idempotency_key: str | None = None,
    now: datetime | None = None,
) -> Ticket:
    """受理: a new ticket in the centre's 待派单 queue, its time limit from its category and urgency.

    Staff with `hotline.register_ticket` register for a caller (电话); a signed-in citizen registers
    their own (网站/手机: they are the caller and the instance's owner). A replay with the same
    `idempotency_key` answers the first ticket."""
    now = now or timezone.now()
    is_agent = actor.has_perm(REGISTER_TICKET)
    if actor.user is None or not (is_agent or not actor.grants):
        raise PermissionDenied("您没有登记工单的权限", code="hotline_forbidden")
    key = (idempotency_key or "").strip()[:64] or None
    if key is not None:
        earlier = Ticket.objects.filter(registered_by=actor.user, idempotency_key=key).first()
        if earlier is not None:
            return earlier
    kind = _choice(kind, Ticket.Kind, field="kind", label="诉求类型")
    urgency = _choice(urgency, Ticket.Urgency, field="urgency", label="紧急程度")
    channel = _choice(channel, Ticket.Channel, field="channel", label="来源渠道")
    content = _clean_text(
        content, field="content", label="诉求内容", limit=constants.MAX_CONTENT_LENGTH, required=True
    )
    title = _clean_text(title, field="title", label="标题", limit=200) or _title_from(content)
    address = _clean_text(address, field="address", label="事发地址", limit=255)
    if is_agent:
        caller_name = _clean_text(caller_name, field="caller_name", label="来电人姓名", limit=50)
        caller_phone = re.sub(r"[\s]", "", str(caller_phone or ""))
        caller_user = None
    else:  # a citizen's own request: the account is the caller
        user = actor.user
        caller_name = str(getattr(user, "display_name", "") or getattr(user, "username", ""))[:50]
        caller_phone = str(getattr(user, "phone", "") or "")
        caller_user = user
        channel = channel if channel in (Ticket.Channel.WEB, Ticket.Channel.MOBILE) else Ticket.Channel.WEB
    if caller_phone and not PHONE.match(caller_phone):
        raise InvalidInput(
            "联系电话格式不正确", code="hotline_phone_invalid", details={"fields": ["caller_phone"]}
        )
    if len(attachments) > constants.MAX_ATTACHMENTS:
        raise InvalidInput(
            f"附件最多 {constants.MAX_ATTACHMENTS} 个",
            code="hotline_too_many_files",
            details={"fields": ["files"]},
        )
    if category is not None and not category.is_leaf:
        raise InvalidInput(
            "请选择末级诉求分类", code="hotline_category_not_leaf", details={"fields": ["category"]}
        )
    center = _center()
    region, grid = _place(region, longitude, latitude, default=center.region)
    suggested, confidence = suggestion if suggestion is not None else (None, None)
    sla = service_level(category or suggested, urgency)
    try:
        with transaction.atomic():
            ticket = Ticket(
                ticket_no=_next_ticket_no(now),
                kind=kind,
                urgency=urgency,
                channel=channel,
                title=title,
                content=content,
                caller_name=caller_name,
                caller_phone=caller_phone,
                confidential=bool(confidential),
                caller_user=caller_user,
                address=address,
                longitude=longitude,
                latitude=latitude,
                region=region,
                grid=grid,
                category=category,
                suggested_category=suggested,
                suggested_confidence=confidence,
                organization=center,
                registered_by=actor.user,
                idempotency_key=key,
                registered_at=now,
            )
            ticket.save(force_insert=True)
            instance = workflow_actions.instance_start(
                actor=actor,
                obj=ticket,
                definition_code=constants.DEFINITION,
                organization=center,
                title=f"{ticket.get_kind_display()}：{title}"[:200],
                owner=caller_user,
                region=region,
                sla=sla,
                attachments=attachments,
                now=now,
                audit=False,
            )
            ticket.refresh_from_db()
            mark_repeat(ticket)
            _audit(
                actor,
                ticket,
                "register",
                f"受理{ticket.get_kind_display()}「{title}」",
                {
                    "instance": str(instance.pk),
                    "kind": kind,
                    "urgency": urgency,
                    "channel": channel,
                    "sla": sla,
                    "category": category.code if category else None,
                    "confidential": bool(confidential),
                },
            )
    except IntegrityError:
        if key is None:
            raise
        earlier = Ticket.objects.filter(registered_by=actor.user, idempotency_key=key).first()
        if earlier is None:
            raise
        return earlier
    return ticket


def _place(
    region: Region | None, longitude: float | None, latitude: float | None, *, default: Region
) -> tuple[Region, Grid | None]:
    """The ticket's region — the one given, else the one the point lies in, else the centre's — and
    the grid (网格) the point lies in, when that grid is within the region."""
    if (longitude is None) != (latitude is None):
        raise InvalidInput(
            "请同时提供经度和纬度", code="hotline_point_invalid", details={"fields": ["longitude"]}
        )
    located = None
    if longitude is not None and latitude is not None:
        from yiwang.core import geography

        located = geography.locate(float(longitude), float(latitude))
    if located is None:
        return region or default, None
    region = region or located.region
    grid = located.grid
    if grid is not None and not grid.community.path.startswith(region.path):
        grid = None  # the point contradicts the region given: the region stands, the grid is unknown
    return region, grid


# -- dispatch ------------------------------------------------------------------------------------


def dispatch_plan(category: TicketCategory, region: Region) -> tuple[Organization | None, list[Organization]]:
    """(主办, [协办]) of the 派单目录 for a category in a region: the entries of the nearest region at or
    above the ticket's (a district's own rule before the city's), else the category's ancestors'."""
    regions = [int(pk) for pk in region.path.strip("/").split("/") if pk]
    categories = [int(pk) for pk in category.path.strip("/").split("/") if pk]
    rows = [
        row
        for row in DispatchCatalog.objects.filter(category_id__in=categories)
        .select_related("organization")
        .order_by("id")
        if row.region_id is None or row.region_id in regions
    ]
    depth_of_region = {pk: depth for depth, pk in enumerate(regions)}
    depth_of_category = {pk: depth for depth, pk in enumerate(categories)}

    def rank(row: DispatchCatalog) -> tuple[int, int]:
        return (depth_of_category[row.category_id], depth_of_region.get(row.region_id or -1, -1))

    if not rows:
        return None, []
    best = max(rank(row) for row in rows)
    chosen = {row.pk: row for row in rows if rank(row) == best}.values()
    lead = next((row.organization for row in chosen if row.role == DispatchCatalog.Role.LEAD), None)
    assists = [row.organization for row in chosen if row.role == DispatchCatalog.Role.ASSIST]
    return lead, assists


def ticket_dispatch(
    *,
    actor: Actor,
    ticket: Ticket,
    category: TicketCategory,
    organization: Organization | None = None,
    assists: Sequence[Organization] | None = None,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """派单 (or 改派 of a returned ticket): to the 派单目录's 主办 for the category and region unless the
    dispatcher chooses another; with 协办 departments it becomes a joint handling (each department
    on its own child instance, the 主办's reply leading)."""
    now = now or timezone.now()
    if not actor.has_perm(DISPATCH_TICKET):
        raise PermissionDenied("您没有派单的权限", code="hotline_forbidden")
    if not category.is_leaf or not category.is_active:
        raise InvalidInput(
            "请选择启用的末级诉求分类", code="hotline_category_not_leaf", details={"fields": ["category"]}
        )
    planned_lead, planned_assists = dispatch_plan(category, ticket.region)
    lead = organization or planned_lead
    if lead is None:
        raise InvalidInput(
            f"派单目录中「{category.name}」没有承办单位，请选择承办单位",
            code="hotline_no_handler",
            details={"fields": ["organization"]},
        )
    helpers = [org for org in (planned_assists if assists is None else assists) if org.pk != lead.pk]
    comment = comment.strip() or f"请{lead.short_name or lead.name}办理"
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status not in (Ticket.Status.REGISTERED, Ticket.Status.RETURNED):
            raise Conflict("该工单当前不在待派单环节", code="hotline_wrong_state")
        names = "、".join(org.short_name or org.name for org in helpers)
        summary = f"派单至{lead.name}" + (f"，协办：{names}" if helpers else "")
        if helpers:
            children = [workflow_actions.ChildSpec(organization=lead, role="lead")] + [
                workflow_actions.ChildSpec(organization=org, role="assist") for org in helpers
            ]
            _step(
                actor,
                locked,
                "joint_dispatch",
                summary=summary,
                comment=comment,
                children=children,
                now=now,
                data={"category": category.code},
            )
            child_ids = dict(
                ProcessInstance.objects.filter(parent_id=locked.process_instance_id).values_list(
                    "organization_id", "pk"
                )
            )
        else:
            action = "dispatch" if locked.status == Ticket.Status.REGISTERED else "redispatch"
            _step(
                actor,
                locked,
                action,
                summary=summary,
                comment=comment,
                organization=lead,
                now=now,
                data={"category": category.code},
            )
            child_ids = {}
        TicketParty.objects.bulk_create(
            [
                TicketParty(
                    ticket=locked,
                    organization=org,
                    role=role,
                    created_at=now,
                    instance_id=child_ids.get(org.pk),
                )
                for org, role in [(lead, TicketParty.Role.LEAD)]
                + [(org, TicketParty.Role.ASSIST) for org in helpers]
            ]
        )
        Ticket.objects.filter(pk=locked.pk).update(category=category, organization=lead, updated_at=now)
        locked.category = category
        mark_repeat(locked)
    ticket.refresh_from_db()
    return ticket


def ticket_return(*, actor: Actor, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """退单: the department says the ticket is not theirs; it goes back to the dispatcher to review."""
    reason = _clean_text(reason, field="reason", label="退单理由", limit=500, required=True)
    with transaction.atomic():
        locked = _locked(ticket)
        _step(actor, locked, "return_ticket", summary=f"退单：{reason}", fields={"reason": reason}, now=now)
        TicketParty.objects.filter(
            ticket=locked, organization_id=locked.organization_id, returned=False
        ).update(returned=True)
        # Back with the centre (the engine's `reassign: origin`) until the dispatcher decides.
        Ticket.objects.filter(pk=locked.pk).update(
            returned_count=F("returned_count") + 1, organization=_instance(locked).organization
        )
    ticket.refresh_from_db()
    return ticket


def ticket_refuse_return(*, actor: Actor, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """退单不予同意: the dispatcher finds the matter is the department's after all; it goes back to it."""
    reason = _clean_text(reason, field="reason", label="理由", limit=500, required=True)
    with transaction.atomic():
        locked = _locked(ticket)
        party = (
            TicketParty.objects.filter(ticket=locked, role=TicketParty.Role.LEAD, returned=True)
            .select_related("organization")
            .order_by("-created_at", "-id")
            .first()
        )
        if party is None:
            raise Conflict("该工单没有待审核的退单", code="hotline_wrong_state")
        _step(
            actor,
            locked,
            "refuse_return",
            summary=f"退单不予同意，退回{party.organization.name}",
            fields={"reason": reason},
            organization=party.organization,
            now=now,
        )
        TicketParty.objects.filter(pk=party.pk).update(returned=False)
        Ticket.objects.filter(pk=locked.pk).update(organization=party.organization)
    ticket.refresh_from_db()
    return ticket


# -- handling -------------------------------------------------------------------------------------


def _own_child(actor: Actor, ticket: Ticket) -> ProcessInstance | None:
    """The open child instance (协办/主办 part of a joint handling) of the actor's department."""
    if ticket.process_instance_id is None:
        return None
    children = ProcessInstance.objects.filter(
        parent_id=ticket.process_instance_id,
        completed_at__isnull=True,
        organization_id__in=actor.organization_ids,
    ).select_related("definition", "organization", "region")
    return children.first()


def ticket_sign_for(*, actor: Actor, ticket: Ticket, now: datetime | None = None) -> Ticket:
    """签收: the department takes the ticket (or its part of a joint handling)."""
    with transaction.atomic():
        locked = _locked(ticket)
        child = _own_child(actor, locked) if locked.status == Ticket.Status.JOINT else None
        if child is not None:
            event = workflow_actions.transition(
                instance=child, action="sign_for", actor=actor, now=now, audit=False
            )
            _audit(
                actor,
                locked,
                "sign_for",
                f"签收（{child.organization.name}）",
                workflow_actions.event_audit_data(event),
            )
        else:
            _step(actor, locked, "sign_for", summary="签收", now=now)
    ticket.refresh_from_db()
    return ticket


def ticket_reply(
    *,
    actor: Actor,
    ticket: Ticket,
    comment: str,
    attachments: Sequence[StoredFile | UUID | str] = (),
    now: datetime | None = None,
) -> Ticket:
    """答复: the handling department's answer (a 协办's goes into the joint handling; the dispatcher
    consolidates once the 主办 has answered)."""
    comment = _clean_text(comment, field="comment", label="答复内容", limit=2000, required=True)
    with transaction.atomic():
        locked = _locked(ticket)
        child = _own_child(actor, locked) if locked.status == Ticket.Status.JOINT else None
        if child is not None:
            event = workflow_actions.transition(
                instance=child,
                action="reply",
                actor=actor,
                comment=comment,
                attachments=attachments,
                now=now,
                audit=False,
            )
            _audit(
                actor,
                locked,
                "reply",
                f"{child.organization.name}答复",
                workflow_actions.event_audit_data(event),
            )
        else:
            _step(actor, locked, "reply", summary="答复", comment=comment, attachments=attachments, now=now)
    ticket.refresh_from_db()
    return ticket


def ticket_consolidate(*, actor: Actor, ticket: Ticket, comment: str, now: datetime | None = None) -> Ticket:
    """汇总答复 of a joint handling, once the 主办 has answered."""
    comment = _clean_text(comment, field="comment", label="汇总答复", limit=2000, required=True)
    with transaction.atomic():
        _step(actor, _locked(ticket), "consolidate", summary="汇总答复", comment=comment, now=now)
    ticket.refresh_from_db()
    return ticket


def ticket_close(*, actor: Actor, ticket: Ticket, comment: str = "", now: datetime | None = None) -> Ticket:
    """审核办结: the dispatcher accepts the reply."""
    with transaction.atomic():
        _step(
            actor, _locked(ticket), "close", summary="审核通过，办结", comment=comment.strip()[:500], now=now
        )
    ticket.refresh_from_db()
    return ticket


def ticket_reject_reply(*, actor: Actor, ticket: Ticket, reason: str, now: datetime | None = None) -> Ticket:
    """退回重办: the reply does not answer the request; the department handles it again."""
    reason = _clean_text(reason, field="reason", label="退回理由", limit=500, required=True)
    with transaction.atomic():
        locked = _locked(ticket)
        _step(
            actor,
            locked,
            "reject_reply",
            summary=f"审核退回：{reason}",
            fields={"reason": reason},
            organization=locked.organization,  # the 主办 (after a joint handling the centre held it)
            now=now,
        )
    ticket.refresh_from_db()
    return ticket


def ticket_answer(
    *,
    actor: Actor,
    ticket: Ticket,
    comment: str,
    entry: KnowledgeEntry | None = None,
    now: datetime | None = None,
) -> Ticket:
    """直接答复办结: the agent answers on the spot (a 咨询 from a knowledge-base entry, recorded on it)."""
    comment = _clean_text(comment, field="comment", label="答复内容", limit=2000, required=True)
    with transaction.atomic():
        locked = _locked(ticket)
        data = {"knowledge_entry": entry.code} if entry is not None else {}
        _step(
            actor,
            locked,
            "answer_directly",
            summary="直接答复办结" + (f"（知识库：{entry.title}）" if entry else ""),
            comment=comment,
            now=now,
            data=data,
        )
        if entry is not None:
            Ticket.objects.filter(pk=locked.pk).update(knowledge_entry=entry)
            KnowledgeEntry.objects.filter(pk=entry.pk).update(uses=F("uses") + 1)
    ticket.refresh_from_db()
    return ticket


def ticket_callback(
    *,
    actor: Actor,
    ticket: Ticket,
    satisfaction: str,
    resolved: bool,
    contacted: bool = True,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """回访评价: the caller's satisfaction and whether the problem is solved. 不满意 (or unsolved)
    reopens the ticket (重办) with a fresh time limit; otherwise the ticket is archived."""
    satisfaction = _choice(satisfaction, Ticket.Satisfaction, field="satisfaction", label="满意度")
    comment = comment.strip()[:500]
    now = now or timezone.now()
    if not actor.has_perm(CALLBACK_TICKET):
        raise PermissionDenied("您没有回访的权限", code="hotline_forbidden")
    with transaction.atomic():
        locked = _locked(ticket)
        fields = {"satisfaction": satisfaction, "resolved": bool(resolved), "contacted": bool(contacted)}
        if satisfaction in SATISFIED and resolved:
            _step(
                actor,
                locked,
                "callback",
                summary=f"回访：{Ticket.Satisfaction(satisfaction).label}",
                comment=comment,
                fields=fields,
                now=now,
            )
        else:
            reason = (
                comment
                or f"回访{Ticket.Satisfaction(satisfaction).label}，问题{'已' if resolved else '未'}解决"
            )
            _step(
                actor,
                locked,
                "reopen",
                summary=f"回访不满意，重办：{reason}",
                fields={"reason": reason},
                organization=locked.organization,  # back to the 主办, also after a joint handling
                sla=service_level(locked.category, locked.urgency),
                now=now,
                data=fields,
            )
            Ticket.objects.filter(pk=locked.pk).update(reopened_count=F("reopened_count") + 1)
        Ticket.objects.filter(pk=locked.pk).update(
            satisfaction=satisfaction, resolved=bool(resolved), callback_at=now
        )
    ticket.refresh_from_db()
    return ticket


# -- extensions, supervision, merge ---------------------------------------------------------------


def ticket_request_extension(
    *, actor: Actor, ticket: Ticket, days: int, reason: str, now: datetime | None = None
) -> ExtensionRequest:
    """延期申请 of the handling department, for the dispatcher to approve."""
    now = now or timezone.now()
    reason = _clean_text(reason, field="reason", label="延期理由", limit=500, required=True)
    if not isinstance(days, int) or not 1 <= days <= 10:
        raise InvalidInput(
            "延期天数为 1 至 10 个工作日", code="hotline_extension_days", details={"fields": ["days"]}
        )
    if actor.user is None:
        raise PermissionDenied("请先登录", code="hotline_forbidden")
    with transaction.atomic():
        locked = _locked(ticket)
        instance = _instance(locked)
        if locked.status != Ticket.Status.HANDLING or not actor.can_reach(
            HANDLE_TICKET,
            organization_id=instance.organization_id,
            organization_path=instance.organization.path,
            region_path=instance.region_path,
        ):
            raise PermissionDenied("只有办理中的承办单位可以申请延期", code="hotline_forbidden")
        try:
            with transaction.atomic():
                request = ExtensionRequest.objects.create(
                    ticket=locked, days=days, reason=reason, requested_by=actor.user, requested_at=now
                )
        except IntegrityError as error:
            raise Conflict("该工单已有待审批的延期申请", code="hotline_extension_pending") from error
        _audit(
            actor,
            locked,
            "request_extension",
            f"申请延期 {days} 个工作日：{reason}",
            {"days": days, "reason": reason, "request": request.pk},
        )
    return request


def ticket_decide_extension(
    *, actor: Actor, request: ExtensionRequest, approve: bool, comment: str = "", now: datetime | None = None
) -> ExtensionRequest:
    """The dispatcher approves (the engine's `extend` moves the time limit) or refuses a 延期申请."""
    now = now or timezone.now()
    if not actor.has_perm(APPROVE_EXTENSION):
        raise PermissionDenied("您没有审批延期的权限", code="hotline_forbidden")
    with transaction.atomic():
        locked = ExtensionRequest.objects.select_for_update().select_related("ticket").get(pk=request.pk)
        if locked.status != ExtensionRequest.Status.PENDING:
            raise Conflict("该延期申请已审批", code="hotline_extension_decided")
        ticket = _locked(locked.ticket)
        if approve:
            _step(
                actor,
                ticket,
                "extend",
                summary=f"批准延期 {locked.days} 个工作日",
                fields={"days": locked.days, "reason": locked.reason},
                comment=comment.strip()[:500],
                now=now,
                data={"request": locked.pk},
            )
        else:
            _audit(
                actor,
                ticket,
                "refuse_extension",
                "延期申请未批准",
                {"request": locked.pk, "comment": comment},
            )
        locked.status = ExtensionRequest.Status.APPROVED if approve else ExtensionRequest.Status.REJECTED
        locked.decided_by, locked.decided_at, locked.decision_comment = actor.user, now, comment.strip()[:500]
        locked.save(update_fields=["status", "decided_by", "decided_at", "decision_comment"])
    return locked


def ticket_urge(*, actor: Actor, ticket: Ticket, comment: str, now: datetime | None = None) -> ProcessEvent:
    """督办 by hand: the supervisor's 督办意见 reaches whoever holds the ticket (the engine's urge)."""
    return workflow_actions.instance_urge(actor=actor, instance=_instance(ticket), comment=comment, now=now)


def ticket_merge(
    *, actor: Actor, primary: Ticket, duplicate: Ticket, comment: str = "", now: datetime | None = None
) -> Ticket:
    """并单: `duplicate` (another caller about the same matter) follows `primary` until it ends; its
    caller is told the outcome with the primary's (the engine's merge)."""
    if primary.pk == duplicate.pk:
        raise InvalidInput("请选择两件不同的工单", code="hotline_merge_invalid")
    with transaction.atomic():
        locked = _locked(duplicate)
        workflow_actions.instance_merge(
            actor=actor, primary=_instance(primary), secondary=_instance(locked), comment=comment, now=now
        )
        Ticket.objects.filter(pk=locked.pk).update(merged_into=primary)
    duplicate.refresh_from_db()
    return duplicate


# -- keeping the ticket in step with its instance --------------------------------------------------

_TIMESTAMPS = {
    "dispatched": "dispatched_at",
    "handling": "signed_at",
    "replied": "replied_at",
    "closed": "closed_at",
}


def keep_ticket_in_step(notice: TransitionNotice) -> None:
    """Atomic hook: `Ticket.status` = the instance's state; the moments of 派单, 签收, 答复 and 办结 and
    whether 签收 and 办结 were on time follow."""
    if notice.content_type != constants.TICKET_CONTENT_TYPE or notice.action == "start":
        return
    instance = notice.instance or ProcessInstance.objects.get(pk=notice.instance_id)
    ticket = Ticket.objects.select_for_update(of=("self",)).filter(pk=notice.object_id).first()
    if ticket is None:
        return
    now = instance.state_entered_at if notice.to_state != notice.from_state else timezone.now()
    updates: dict[str, Any] = {"status": notice.to_state, "due_at": instance.deadline or ticket.due_at}
    if notice.from_state == "dispatched" and notice.to_state == "handling":
        updates["signed_on_time"] = ticket.sign_due_at is None or now <= ticket.sign_due_at
    if notice.to_state == "dispatched":
        updates["sign_due_at"] = instance.state_deadline
    stamp = _TIMESTAMPS.get(notice.to_state)
    if stamp and notice.to_state != notice.from_state:
        updates[stamp] = now
    if notice.to_state == "closed":
        updates["closed_on_time"] = ticket.due_at is None or now <= ticket.due_at
        updates["due_at"] = ticket.due_at
    if notice.action in ("reopen", "recheck"):
        updates.update(closed_at=None, closed_on_time=None, replied_at=None)
    for name, value in updates.items():
        setattr(ticket, name, value)
    ticket.save(update_fields=[*updates, "updated_at"])


def follow_start(notice: TransitionNotice) -> None:
    if notice.content_type == constants.TICKET_CONTENT_TYPE and notice.action == "start":
        instance = notice.instance or ProcessInstance.objects.get(pk=notice.instance_id)
        Ticket.objects.filter(pk=notice.object_id).update(
            status=instance.state, process_instance_id=instance.pk, due_at=instance.deadline
        )


on_transition(follow_start, definition=constants.DEFINITION, phase="atomic")
on_transition(keep_ticket_in_step, definition=constants.DEFINITION, phase="atomic")


def ticket_hand_over(
    *, actor: Actor, ticket: Ticket, target: str, comment: str = "", now: datetime | None = None
) -> Ticket:
    """转办: hand a 待派单 ticket to another loop registered in `hotline.handoff` (a city event): the
    receiver takes the matter (never the caller's contact) and names its handling department, to
    which the ticket is dispatched; the receiver's reference goes on the history."""
    from yiwang.hotline import handoff

    if not actor.has_perm(DISPATCH_TICKET):
        raise PermissionDenied("您没有转办的权限", code="hotline_forbidden")
    destination = handoff.handoff_target(target)
    if destination is None:
        raise InvalidInput("没有这个转办去向", code="hotline_handoff_unknown")
    with transaction.atomic():
        locked = _locked(ticket)
        if locked.status not in (Ticket.Status.REGISTERED, Ticket.Status.RETURNED):
            raise Conflict("该工单当前不在待派单环节", code="hotline_wrong_state")
        instance = _instance(locked)
        files = ProcessEvent.objects.filter(instance=instance, action="start").values_list(
            "attachments__uid", flat=True
        )
        receipt = destination.receiver(
            actor,
            handoff.TicketHandoff(
                ticket_no=locked.ticket_no,
                kind=locked.kind,
                urgency=locked.urgency,
                title=locked.title,
                content=locked.content,
                address=locked.address,
                longitude=locked.longitude,
                latitude=locked.latitude,
                region_code=locked.region.code,
                category_code=locked.category.code if locked.category is not None else None,
                registered_at=locked.registered_at,
                attachments=tuple(str(uid) for uid in files if uid is not None),
            ),
        )
        action = "dispatch" if locked.status == Ticket.Status.REGISTERED else "redispatch"
        text = comment.strip()[:500] or f"{destination.label}：{receipt.reference}"
        _step(
            actor,
            locked,
            action,
            summary=f"{destination.label}（{receipt.reference}），由{receipt.organization.name}办理",
            comment=text,
            organization=receipt.organization,
            now=now,
            data={"handoff": destination.code, "reference": receipt.reference},
        )
        TicketParty.objects.create(
            ticket=locked,
            organization=receipt.organization,
            role=TicketParty.Role.LEAD,
            created_at=now or timezone.now(),
        )
        Ticket.objects.filter(pk=locked.pk).update(organization=receipt.organization)
    ticket.refresh_from_db()
    return ticket


# -- telling callers who phoned in -----------------------------------------------------------------

ANSWER_ACTIONS = ("answer_directly", "consolidate", "reply")
CLOSED_TEMPLATE = "hotline.ticket_closed"


def tell_callers_when_closed(notice: TransitionNotice) -> None:
    """Atomic hook: at 办结, the callers get the answer — by SMS those who phoned in (no account to see
    it online), in-app the account holders whose ticket was merged into this one (并单)."""
    if notice.content_type != constants.TICKET_CONTENT_TYPE or notice.to_state != Ticket.Status.CLOSED:
        return
    if notice.from_state == notice.to_state:
        return
    answer = (
        ProcessEvent.objects.filter(instance_id=UUID(notice.instance_id), action__in=ANSWER_ACTIONS)
        .order_by("-created_at", "-pk")
        .values_list("comment", flat=True)
        .first()
    ) or ""
    callers = Ticket.objects.filter(Q(pk=notice.object_id) | Q(merged_into_id=notice.object_id))
    for ticket in callers.select_related("caller_user"):
        context = {"ticket_no": ticket.ticket_no, "title": ticket.title[:30], "answer": answer[:300]}
        if ticket.caller_user is None and ticket.caller_phone:
            notify_address(
                channel="sms", address=ticket.caller_phone, template_code=CLOSED_TEMPLATE, context=context
            )
        elif ticket.caller_user is not None and ticket.merged_into_id is not None:
            # The primary's own caller follows it in-app step by step; a merged one is told here.
            notify(
                recipient=ticket.caller_user,
                template_code=CLOSED_TEMPLATE,
                context=context,
                link=reverse("hotline:my-ticket", kwargs={"uid": ticket.uid}),
                channels=("in_app",),
            )


on_transition(tell_callers_when_closed, definition=constants.DEFINITION, phase="atomic")
