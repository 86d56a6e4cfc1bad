"""Public reads for the Open311 GeoReport v2 endpoint (`hotline.open311`): anyone may read them.

The public rule: a ticket is listed only when it came in through a channel where the caller
published it themselves (Open311, the website, the mobile app — not a phone call, whose caller never
agreed to publication, nor a system integration) and the caller did not ask for confidentiality.
Even then the text of a 投诉/举报 is withheld: it names the people or businesses complained about.
The caller's name, phone and e-mail are never part of a public request."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

from django.db.models import QuerySet

from yiwang.hotline.models import Ticket, TicketCategory
from yiwang.hotline.selectors.tickets import CALLER_COMMENTS
from yiwang.workflow.models import ProcessEvent

PUBLIC_CHANNELS = (Ticket.Channel.OPEN311, Ticket.Channel.WEB, Ticket.Channel.MOBILE)
WITHHELD_KINDS = frozenset({Ticket.Kind.COMPLAINT, Ticket.Kind.REPORT})
DEFAULT_WINDOW = timedelta(days=90)  # the spec's default (and maximum) span of a query
MAX_REQUESTS = 1000
# A 重办 makes the earlier answer stale: the request is open again and has no public answer yet.
REOPENING_ACTIONS = frozenset({"reopen", "recheck"})


@dataclass(frozen=True)
class PublicRequest:
    """A ticket as the public sees it: its answer, and its text unless the kind is withheld."""

    ticket: Ticket
    description: str
    status_notes: str


def open311_services() -> QuerySet[TicketCategory]:
    """The service list: active leaf categories of the 派单目录, in catalogue order."""
    # scope: the 派单目录 is a public catalogue
    return (
        TicketCategory.objects.filter(is_active=True, is_leaf=True)
        .select_related("parent")
        .order_by("path", "sort_order")
    )


def open311_service(code: str) -> TicketCategory | None:
    # scope: the 派单目录 is a public catalogue
    return (
        TicketCategory.objects.filter(code=code, is_active=True, is_leaf=True)
        .select_related("parent")
        .first()
    )


def _public_tickets() -> QuerySet[Ticket]:
    # scope: public rule (module docstring): self-published channels, caller not confidential
    return Ticket.objects.filter(channel__in=PUBLIC_CHANNELS, confidential=False).select_related(
        "category", "organization"
    )


def public_requests(
    *,
    service_request_ids: Sequence[str] = (),
    service_codes: Sequence[str] = (),
    statuses: Sequence[str] = (),
    start: datetime,
    end: datetime,
    limit: int = MAX_REQUESTS,
) -> list[PublicRequest]:
    """GET requests: newest first, at most `limit`. Asked by id, the ids override every other filter
    (the spec); otherwise the period [start, end] on the registration time and the service codes
    and statuses (open/closed) given. Two queries whatever the number of rows."""
    tickets = _public_tickets()
    if service_request_ids:
        tickets = tickets.filter(ticket_no__in=list(service_request_ids))
    else:
        tickets = tickets.filter(registered_at__gte=start, registered_at__lte=end)
        if service_codes:
            tickets = tickets.filter(category__code__in=list(service_codes))
        wanted = set(statuses)
        if wanted == {"open"}:
            tickets = tickets.filter(is_open=True)
        elif wanted == {"closed"}:
            tickets = tickets.filter(is_open=False)
    return _with_answers(list(tickets.order_by("-registered_at", "-id")[:limit]))


def public_request(service_request_id: str) -> PublicRequest | None:
    """GET requests/{id}: one public ticket by its 工单编号 (None when there is none or it is not public)."""
    ticket = _public_tickets().filter(ticket_no=service_request_id).first()
    return _with_answers([ticket])[0] if ticket is not None else None


def public_request_by_token(token: str) -> Ticket | None:
    """GET tokens/{token}: the token our POST hands out is the ticket's uid."""
    try:
        uid = UUID(token)
    except ValueError:
        return None
    return _public_tickets().filter(uid=uid).first()


def _with_answers(tickets: list[Ticket]) -> list[PublicRequest]:
    answers = public_answers(tickets)
    return [
        PublicRequest(
            ticket=ticket,
            description="" if ticket.kind in WITHHELD_KINDS else ticket.content,
            status_notes=answers.get(ticket.pk, ""),
        )
        for ticket in tickets
    ]


def public_answers(tickets: Iterable[Ticket]) -> dict[int, str]:
    """ticket pk → the answer the caller is shown (`tickets.CALLER_COMMENTS`: 办结, 汇总答复, 直接答复),
    the latest non-empty one since the last 重办, in one query over the main instances' events."""
    by_instance = {t.process_instance_id: t.pk for t in tickets if t.process_instance_id is not None}
    if not by_instance:
        return {}
    # scope: the events of tickets that passed the public rule above; only caller-facing comments
    events = (
        ProcessEvent.objects.filter(
            instance_id__in=list(by_instance), action__in=[*CALLER_COMMENTS, *REOPENING_ACTIONS]
        )
        .order_by("created_at", "pk")
        .values_list("instance_id", "action", "comment")
    )
    answers: dict[int, str] = {}
    for instance_id, action, comment in events:
        pk = by_instance[instance_id]
        if action in REOPENING_ACTIONS:
            answers.pop(pk, None)
        elif comment.strip():
            answers[pk] = comment.strip()
    return answers
