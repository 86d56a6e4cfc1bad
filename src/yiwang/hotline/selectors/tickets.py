"""Reads of 12345 tickets, always through the actor's data scope (`hotline.view_ticket`).

A department reaches a ticket it is the 主办 of (`Ticket.organization`) and one it had a hand in as
主办 or 协办 (`TicketParty`); the centre's agents and dispatchers reach every ticket (全部). Callers'
names and numbers leave only to those holding `hotline.view_caller`; a confidential caller's to
nobody else, whatever the page, API or export (`caller_view`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise
from typing import Any
from uuid import UUID

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from yiwang.core.errors import NotFound
from yiwang.core.masking import mask_name, mask_phone
from yiwang.core.models import Region
from yiwang.core.scoping import scope_q
from yiwang.hotline import constants
from yiwang.hotline.handoff import handoff_targets
from yiwang.hotline.models import OPEN_STATUSES, ExtensionRequest, Ticket, TicketParty
from yiwang.hotline.permissions import (
    APPROVE_EXTENSION,
    CALLBACK_TICKET,
    DISPATCH_TICKET,
    HANDLE_TICKET,
    REGISTER_TICKET,
    VIEW_CALLER,
    VIEW_TICKET,
)
from yiwang.identity.actor import Actor
from yiwang.workflow.models import ProcessEvent, ProcessInstance
from yiwang.workflow.selectors import AvailableAction, available_actions

NOT_FOUND_MESSAGE = "工单不存在或无权查看"
SEARCH_MAX = 64

# The queues of the 工单 page: (code, label, statuses); what a queue shows also depends on the actor.
QUEUES: dict[str, tuple[str, tuple[str, ...]]] = {
    "open": ("办理中（全部）", OPEN_STATUSES),
    "registered": ("待派单", ("registered",)),
    "returned": ("退单待审核", ("returned",)),
    "dispatched": ("待签收", ("dispatched",)),
    "handling": ("办理中", ("handling", "joint")),
    "replied": ("待审核", ("replied",)),
    "closed": ("待回访", ("closed",)),
    "archived": ("已归档", ("archived",)),
    "all": ("全部", ()),
}


def visible_q(actor: Actor) -> Q:
    """The tickets the actor reaches: scope over the 主办 department and region, or a hand in it."""
    reach = scope_q(Ticket, actor, VIEW_TICKET)
    if not reach:  # 全部 (the centre): no filter, rather than "id in (every ticket)" over a million rows
        return Q()
    parties = TicketParty.objects.for_actor(actor, VIEW_TICKET).values("ticket_id")
    return reach | Q(pk__in=parties)


def tickets_for(
    actor: Actor,
    *,
    queue: str = "open",
    search: str = "",
    kind: str = "",
    overdue: bool = False,
) -> QuerySet[Ticket]:
    """The actor's tickets of one queue, the most urgent deadline first for open queues."""
    if not actor.has_perm(VIEW_TICKET):
        return Ticket.objects.none()
    # scope: visible_q: the actor's scope over the 主办 department or a party
    tickets = Ticket.objects.filter(visible_q(actor))
    _, statuses = QUEUES.get(queue, QUEUES["open"])
    if statuses:
        tickets = tickets.filter(status__in=statuses)
    if queue not in ("archived", "all"):  # a merged ticket follows its primary: nothing to do on it
        tickets = tickets.filter(merged_into__isnull=True)
    if kind in Ticket.Kind.values:
        tickets = tickets.filter(kind=kind)
    search = search.strip()[:SEARCH_MAX]
    if search:
        tickets = tickets.filter(
            Q(ticket_no__startswith=search) | Q(title__contains=search) | Q(address__contains=search)
        )
    if overdue:
        tickets = tickets.filter(is_open=True, due_at__lt=timezone.now())
    tickets = tickets.select_related("category", "organization", "region")
    if queue in ("archived", "all"):
        return tickets.order_by("-registered_at", "-id")
    return tickets.order_by("due_at", "registered_at", "id")


def queue_counts(actor: Actor) -> dict[str, int]:
    """How many of the actor's tickets wait in each open queue (one grouped query)."""
    if not actor.has_perm(VIEW_TICKET):
        return {}
    # scope: visible_q: the actor's scope
    rows = (
        Ticket.objects.filter(visible_q(actor), is_open=True, merged_into__isnull=True)
        .values_list("status")
        .order_by()
        .annotate(n=Count("id"))
    )
    by_status = dict(rows)
    return {
        code: sum(by_status.get(status, 0) for status in statuses)
        for code, (_, statuses) in QUEUES.items()
        if statuses and code not in ("archived",)
    }


def ticket_for(actor: Actor, uid: UUID | str) -> Ticket:
    """One ticket the actor reaches (404 otherwise: not found and not visible read the same)."""
    try:
        UUID(str(uid))
    except ValueError as error:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_ticket_not_found") from error
    # scope: visible_q: the actor's scope
    ticket = (
        Ticket.objects.filter(visible_q(actor), uid=uid)
        .select_related("category", "organization", "region", "knowledge_entry", "merged_into")
        .first()
        if actor.has_perm(VIEW_TICKET)
        else None
    )
    if ticket is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_ticket_not_found")
    return ticket


def own_ticket_for(actor: Actor, uid: UUID | str) -> Ticket:
    """A citizen's own ticket (they are its caller account)."""
    try:
        UUID(str(uid))
    except ValueError as error:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_ticket_not_found") from error
    ticket = None
    if actor.user_id is not None:
        # scope: the caller's own tickets
        ticket = (
            Ticket.objects.filter(uid=uid, caller_user_id=actor.user_id).select_related("category").first()
        )
    if ticket is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_ticket_not_found")
    return ticket


def own_tickets(actor: Actor) -> QuerySet[Ticket]:
    if actor.user_id is None:
        return Ticket.objects.none()
    # scope: the caller's own tickets
    return Ticket.objects.filter(caller_user_id=actor.user_id).order_by("-registered_at", "-id")


@dataclass(frozen=True)
class CallerView:
    """The caller as this actor may see them."""

    name: str
    phone: str
    hidden: bool  # confidential and the actor is not the centre: nothing shown at all
    masked: bool


def caller_view(actor: Actor, ticket: Ticket, *, unmasked: bool = False) -> CallerView:
    """Centre staff (`hotline.view_caller`) see the caller (the phone masked unless they unmask it with
    a reason); a handling department sees a non-confidential caller's name and masked phone, and of a
    confidential caller nothing."""
    if actor.has_perm(VIEW_CALLER):
        phone = ticket.caller_phone if unmasked else mask_phone(ticket.caller_phone)
        return CallerView(ticket.caller_name, phone, hidden=False, masked=not unmasked)
    if ticket.confidential:
        return CallerView("（保密）", "（保密）", hidden=True, masked=True)
    return CallerView(
        mask_name(ticket.caller_name), mask_phone(ticket.caller_phone), hidden=False, masked=True
    )


def caller_history(actor: Actor, phone: str, *, limit: int = 10) -> list[Ticket]:
    """The caller's earlier tickets by phone number, newest first (centre staff only)."""
    phone = "".join(ch for ch in phone if ch.isdigit() or ch == "-")[:20]
    if not actor.has_perm(VIEW_CALLER) or len(phone) < 5:
        return []
    return list(
        Ticket.objects.for_actor(actor, VIEW_TICKET)
        .filter(caller_phone=phone)
        .select_related("category")
        .order_by("-registered_at", "-id")[:limit]
    )


def _bigrams(text: str) -> set[str]:
    chars = [ch for ch in text if not ch.isspace() and ch not in "，。！？、,.!?；;：:（）()"]
    return {a + b for a, b in pairwise(chars)}


def similarity(a: str, b: str) -> float:
    """Jaccard similarity of the character bigrams of two texts (robust to word order and typos)."""
    left, right = _bigrams(a), _bigrams(b)
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


@dataclass(frozen=True)
class Duplicate:
    ticket: Ticket
    similarity: float


def possible_duplicates(
    actor: Actor,
    *,
    content: str,
    region: Region | None,
    exclude: Iterable[int] = (),
    now: datetime | None = None,
) -> list[Duplicate]:
    """Open tickets of the last days in the region (or under it) whose text reads alike, most similar
    first (the agent may merge them, 并单). One query over the open tickets of the region and window."""
    if not actor.has_perm(VIEW_TICKET) or region is None or not content.strip():
        return []
    now = now or timezone.now()
    since = now - timedelta(days=constants.DUPLICATE_WINDOW_DAYS)
    candidates = (
        Ticket.objects.for_actor(actor, VIEW_TICKET)
        .filter(
            is_open=True,
            region__path__startswith=region.path,
            registered_at__gte=since,
            merged_into__isnull=True,
        )
        .exclude(pk__in=list(exclude))
        .only("pk", "uid", "ticket_no", "title", "content", "status", "registered_at", "address")
        .order_by("-registered_at")[:300]
    )
    found = [Duplicate(t, similarity(content, t.content)) for t in candidates]
    found = [d for d in found if d.similarity >= constants.DUPLICATE_MIN_SIMILARITY]
    found.sort(key=lambda d: (-d.similarity, -d.ticket.registered_at.timestamp()))
    return found[: constants.DUPLICATE_LIMIT]


# -- what the actor may do --------------------------------------------------------------------


@dataclass(frozen=True)
class TicketWork:
    """The ticket page's action panel: which of the domain's operations the actor may run now."""

    operations: frozenset[str]
    actions: list[AvailableAction]


def _can(actions: Iterable[AvailableAction], code: str) -> bool:
    return any(a.code == code for a in actions)


def ticket_work(actor: Actor, ticket: Ticket) -> TicketWork:
    """The operations (`hotline.operations`) open to the actor on this ticket, from the engine's
    available actions on the ticket's instance and on the actor's department's child instance."""
    ops: set[str] = set()
    actions: list[AvailableAction] = []
    if ticket.process_instance_id is not None and ticket.merged_into_id is None:
        # scope: the ticket was loaded through a scoped selector
        instance = ProcessInstance.objects.select_related("definition", "organization", "region").get(
            pk=ticket.process_instance_id
        )
        actions = available_actions(instance, actor)
        mapping = {
            "dispatch": "dispatch",
            "redispatch": "dispatch",
            "joint_dispatch": "dispatch",
            "refuse_return": "refuse_return",
            "sign_for": "sign_for",
            "return_ticket": "return",
            "reply": "reply",
            "consolidate": "consolidate",
            "close": "close",
            "reject_reply": "reject_reply",
            "answer_directly": "answer",
            "callback": "callback",
        }
        ops |= {op for code, op in mapping.items() if _can(actions, code)}
        if (
            ticket.status == Ticket.Status.HANDLING
            and actor.has_perm(HANDLE_TICKET)
            and _can(actions, "reply")
        ):
            ops.add("request_extension")
        if ticket.status == Ticket.Status.JOINT and actor.has_perm(HANDLE_TICKET):
            # scope: the ticket was loaded through a scoped selector
            child = (
                ProcessInstance.objects.filter(
                    parent_id=instance.pk,
                    completed_at__isnull=True,
                    organization_id__in=actor.organization_ids,
                )
                .select_related("definition", "organization", "region")
                .first()
            )
            if child is not None:
                own = available_actions(child, actor)
                ops |= {op for code, op in (("sign_for", "sign_for"), ("reply", "reply")) if _can(own, code)}
        if ticket.is_open and (actor.has_perm(DISPATCH_TICKET) or actor.has_perm(REGISTER_TICKET)):
            ops.add("merge")
        if "dispatch" in ops and handoff_targets():
            ops.add("hand_over")
        if ticket.is_open and actor.has_perm("hotline.supervise_ticket"):
            ops.add("urge")
    if actor.has_perm(APPROVE_EXTENSION) and pending_extension(ticket) is not None:
        ops.add("decide_extension")
    if ticket.status == Ticket.Status.CLOSED and actor.has_perm(CALLBACK_TICKET):
        ops.add("callback")
    if actor.has_perm(REGISTER_TICKET) and ticket.status == Ticket.Status.REGISTERED:
        ops.add("answer")
    return TicketWork(frozenset(ops), actions)


def pending_extension(ticket: Ticket) -> ExtensionRequest | None:
    # scope: the ticket was loaded through ticket_for
    return ticket.extension_requests.filter(status=ExtensionRequest.Status.PENDING).first()


def ticket_by_reference(actor: Actor, reference: str) -> Ticket:
    """A ticket the actor reaches, by its 工单编号 or its uid (the 并单 form takes either)."""
    reference = reference.strip()
    try:
        return ticket_for(actor, reference)
    except NotFound:
        pass
    # scope: visible_q: the actor's scope
    ticket = (
        Ticket.objects.filter(visible_q(actor), ticket_no=reference).first()
        if actor.has_perm(VIEW_TICKET)
        else None
    )
    if ticket is None:
        raise NotFound(NOT_FOUND_MESSAGE, code="hotline_ticket_not_found")
    return ticket


# What a caller follows on their own ticket page: the steps that concern them, not the internal ones
# (退单, 审核退回, 督办, 协办 parts).
CALLER_ACTIONS = frozenset(
    {
        "start",
        "dispatch",
        "redispatch",
        "joint_dispatch",
        "sign_for",
        "consolidate",
        "close",
        "answer_directly",
        "callback",
        "reopen",
        "auto_archive",
        "merge",
        "follow",
    }
)
CALLER_COMMENTS = frozenset({"close", "consolidate", "answer_directly"})


def ticket_timeline(actor: Actor, ticket: Ticket, *, for_caller: bool = False) -> list[dict[str, Any]]:
    """办理记录 of a ticket with its joint-handling parts, oldest first (the ticket was loaded through
    `ticket_for` or `own_ticket_for`). The caller sees the public steps and the final answer only."""
    if ticket.process_instance_id is None:
        return []
    ids = [ticket.process_instance_id]
    if not for_caller:
        # scope: the ticket was loaded through a scoped selector
        ids += list(
            ProcessInstance.objects.filter(parent_id=ticket.process_instance_id).values_list("pk", flat=True)
        )
    instances = {
        i.pk: i
        # scope: the ticket was loaded through a scoped selector
        for i in ProcessInstance.objects.filter(pk__in=ids).select_related("definition", "organization")
    }
    # scope: the ticket was loaded through a scoped selector
    events = (
        ProcessEvent.objects.filter(instance_id__in=ids)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    rows = []
    for event in events:
        if for_caller and event.action not in CALLER_ACTIONS:
            continue
        instance = instances[event.instance_id]
        parsed = instance.definition.parsed
        action = parsed.actions.get(event.action)
        fields = []
        if not for_caller and action is not None and isinstance(event.fields, dict):
            fields = [
                {
                    "label": parsed.field_label(action, name),
                    "value": _field_text(parsed.field_value(action, name, value)),
                }
                for name, value in event.fields.items()
                if value not in (None, "", []) and name not in ("linked",)
            ]
        part = instance.organization.short_name or instance.organization.name if instance.parent_id else ""
        rows.append(
            {
                "event": event,
                "action_name": f"{event.action_name}（{part}）" if part else event.action_name,
                "to_state_name": parsed.state_name(event.to_state),
                "fields": fields,
                "comment": event.comment if (not for_caller or event.action in CALLER_COMMENTS) else "",
                "actor_label": _actor_label(actor, ticket, event, for_caller=for_caller),
                "attachments": list(event.attachments.all()) if not for_caller else [],
            }
        )
    return rows


def _actor_label(actor: Actor, ticket: Ticket, event: ProcessEvent, *, for_caller: bool) -> str:
    """Who acted: staff by name; the caller (a citizen who filed online) by name only to those who
    may see callers — to a department, and to the caller's own page, as 来电人."""
    if for_caller:
        return ""
    if ticket.caller_user_id is not None and event.actor_id == ticket.caller_user_id:
        return event.actor_label if actor.has_perm(VIEW_CALLER) and not ticket.confidential else "来电人"
    return event.actor_label


def _field_text(value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, (list, tuple)):
        return "、".join(str(item) for item in value)
    return str(value)
